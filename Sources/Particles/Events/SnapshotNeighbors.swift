/// All neighbours within a radius in a whole (gathered) snapshot under Lees–Edwards images, by binning
/// into cells no smaller than the radius: a particle's neighbours lie in the 3^d cells around it, where
/// the row across a y face is looked up at x shifted by the image offset γ L_y. For event analysis on
/// rank 0, O(N) per call; the engine's own lists are in `ParticleSystem+Rebuild`.
public struct SnapshotNeighbors: Sendable {
    public let box: ShearedBox
    public let radius: Double
    private let cells: SIMD3<Int>
    private let cellStart: [Int]
    private let entries: [Int]
    private let points: [SIMD3<Double>]

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` when the radius is not below half
    ///   the shortest box edge (the nearest image would not be unique).
    public init(_ snapshot: ParticleSnapshot, radius: Double, name: String) throws {
        let box = ShearedBox(snapshot)
        let shortest = snapshot.box.min()!
        guard radius > 0, radius < shortest / 2 else {
            throw ParticlesError.invalidParameter(name: name, value: "\(radius)",
                                                  expected: "must be positive and below half the shortest box edge (\(shortest / 2))")
        }
        self.box = box
        self.radius = radius
        let points = (0..<snapshot.count).map { box.wrap(box.position(snapshot, $0)) }
        let perAxis = { (a: Int) in a < snapshot.dimension ? max(1, Int(snapshot.box[a] / radius)) : 1 }
        let cells = SIMD3(perAxis(0), perAxis(1), perAxis(2))
        var counts = [Int](repeating: 0, count: cells.x * cells.y * cells.z + 1)
        let cellOf = points.map { Self.cell(of: $0, box: box, cells: cells) }
        for c in cellOf { counts[c + 1] += 1 }
        for k in 1..<counts.count { counts[k] += counts[k - 1] }
        var fill = counts, list = [Int](repeating: 0, count: points.count)
        for (i, c) in cellOf.enumerated() { list[fill[c]] = i; fill[c] += 1 }
        self.points = points
        self.cells = cells
        cellStart = counts
        entries = list
    }

    private static func bin(_ v: Double, _ length: Double, _ n: Int) -> Int { min(n - 1, max(0, Int(v / length * Double(n)))) }

    private static func cell(of p: SIMD3<Double>, box: ShearedBox, cells: SIMD3<Int>) -> Int {
        let l = box.lengths
        return (bin(p.z, l.z, cells.z) * cells.y + bin(p.y, l.y, cells.y)) * cells.x + bin(p.x, l.x, cells.x)
    }

    /// Cell indices along an axis to visit around `k`: the three neighbours, or all when fewer than three.
    private static func around(_ k: Int, _ n: Int) -> [Int] { n < 3 ? Array(0..<n) : [k - 1, k, k + 1] }

    /// Calls `body(j, s)` for every particle j ≠ i within the radius, s = x_j − x_i (nearest image).
    public func forEach(around i: Int, _ body: (Int, SIMD3<Double>) -> Void) {
        let p = points[i], l = box.lengths, r2 = radius * radius
        for ky in Self.around(Self.bin(p.y, l.y, cells.y), cells.y) {
            let crossing = cells.y < 3 ? 0 : (ky < 0 ? -1 : ky >= cells.y ? 1 : 0)
            let row = (ky + cells.y) % cells.y
            // Across the top face neighbours sit at x_j + γ L_y: look for x_j near x_i − γ L_y.
            var x = p.x - Double(crossing) * box.strain * l.y
            x -= (x / l.x).rounded(.down) * l.x
            for kz in Self.around(Self.bin(p.z, l.z, cells.z), cells.z) {
                for kx in Self.around(Self.bin(x, l.x, cells.x), cells.x) {
                    let c = (((kz + cells.z) % cells.z) * cells.y + row) * cells.x + (kx + cells.x) % cells.x
                    for e in cellStart[c]..<cellStart[c + 1] {
                        let j = entries[e]
                        guard j != i else { continue }
                        let s = box.minimumImage(points[j] - p)
                        if (s * s).sum() < r2 { body(j, s) }
                    }
                }
            }
        }
    }
}
