/// The periodic box of a whole snapshot with its Lees–Edwards strain (physics.md §1.5b), for analysis
/// on gathered snapshots: minimum images, unwrapped positions, wrapping. (The engine applies the same
/// convention to its own slabs in `ParticleSystem+LeesEdwards`.) In 2D the z components are 0.
public struct ShearedBox: Sendable, Equatable {
    public let dimension: Int
    /// (L_x, L_y, L_z), L_z = 1 in 2D.
    public let lengths: SIMD3<Double>
    /// γ: the image above the box (y + L_y) is shifted by +γ L_y along x.
    public let strain: Double

    public init(dimension: Int, box: [Double], strain: Double) {
        self.dimension = dimension
        lengths = SIMD3(box[0], box[1], dimension == 3 ? box[2] : 1)
        self.strain = strain
    }

    public init(_ snapshot: ParticleSnapshot) {
        self.init(dimension: snapshot.dimension, box: snapshot.box, strain: snapshot.strain)
    }

    /// The nearest image of a separation: y first (each y image carries its x shift γ L_y), then x, z.
    @inline(__always)
    public func minimumImage(_ separation: SIMD3<Double>) -> SIMD3<Double> {
        var s = separation
        let ny = (s.y / lengths.y).rounded()
        s.y -= ny * lengths.y
        s.x -= ny * strain * lengths.y
        s.x -= (s.x / lengths.x).rounded() * lengths.x
        if dimension == 3 { s.z -= (s.z / lengths.z).rounded() * lengths.z }
        return s
    }

    /// The point's periodic image inside [0, L) per axis, y first.
    public func wrap(_ point: SIMD3<Double>) -> SIMD3<Double> {
        var p = point
        let ny = (p.y / lengths.y).rounded(.down)
        p.y -= ny * lengths.y
        p.x -= ny * strain * lengths.y
        p.x -= (p.x / lengths.x).rounded(.down) * lengths.x
        if dimension == 3 { p.z -= (p.z / lengths.z).rounded(.down) * lengths.z }
        return p
    }

    /// Particle `i`'s position as stored (wrapped).
    @inline(__always)
    public func position(_ snapshot: ParticleSnapshot, _ i: Int) -> SIMD3<Double> {
        let d = dimension
        return SIMD3(snapshot.positions[i * d], snapshot.positions[i * d + 1], d == 3 ? snapshot.positions[i * d + 2] : 0)
    }

    /// Particle `i`'s unwrapped position: x + n_x L_x + n_y γ L_y, y + n_y L_y, z + n_z L_z. Between two
    /// states it changes by the particle's whole displacement, however many faces it crossed.
    public func unwrapped(_ snapshot: ParticleSnapshot, _ i: Int) -> SIMD3<Double> {
        let d = dimension
        let n = SIMD3<Double>(Double(snapshot.images[i * d]), Double(snapshot.images[i * d + 1]),
                              d == 3 ? Double(snapshot.images[i * d + 2]) : 0)
        var p = position(snapshot, i) + n * lengths
        p.x += n.y * strain * lengths.y
        return p
    }
}
