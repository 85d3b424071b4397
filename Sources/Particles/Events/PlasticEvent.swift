/// What a plastic event did between two relaxed states of the same particles, `before` and `after`
/// (gathered snapshots sorted by id, physics.md §1.5c and §9.1 item 4):
///
/// - the non-affine displacement u_i = Δx_i − Δγ (y_i − L_y/2) e_x, Δx_i from unwrapped positions and
///   Δγ = γ_after − γ_before (the affine map of an AQS step or of the shear drift);
/// - its participation ratio PR = (Σ|u_i|²)² / (N Σ|u_i|⁴): 1 when every particle moves alike, ~1/N when one does;
/// - the event's centroid and radius of gyration in the state before, weighted by |u_i|⁴ and
///   periodic-aware (separations are nearest images from a reference point, refined once from the first estimate). The weight is
///   |u|⁴ rather than |u|²: an Eshelby event's far field u ~ 1/r^(d−1) would make the |u|²-weighted
///   radius grow with the box in 2D;
/// - the particles with the largest |u_i| (ties by id);
/// - D²_min per particle (Falk & Langer 1998): with neighbours j within `d2minRadius` in `before`,
///   d_ij = x_j − x_i before and d'_ij after, D²_min,i = min_J Σ_j |d'_ij − J d_ij|², J = X Y⁻¹ with
///   X = Σ d' ⊗ d, Y = Σ d ⊗ d (unnormalised, as Falk and Langer; 0 where the neighbours span fewer than d directions).
public struct PlasticEvent: Sendable, Equatable {
    /// N × d non-affine displacements, in the snapshots' (id) order.
    public var nonAffineDisplacement: [Double]
    /// N values of D²_min, in ℓ₀².
    public var d2min: [Double]
    public var participationRatio: Double
    /// d coordinates, in the state `before` (inside its box).
    public var centroid: [Double]
    public var radiusOfGyration: Double
    /// max_i |u_i|.
    public var maxNonAffine: Double
    /// Ids of the particles with the largest |u_i|, largest first.
    public var topIds: [Int]

    /// - Throws: ``ParticlesError`` when the snapshots are not the same particles, or the D²_min radius
    ///   does not fit the box.
    public init(before: ParticleSnapshot, after: ParticleSnapshot, d2minRadius: Double, top: Int) throws {
        guard before.ids == after.ids, before.dimension == after.dimension, before.box == after.box else {
            throw ParticlesError.inconsistentSnapshot("the states before and after an event hold different particles or boxes")
        }
        let n = before.count, d = before.dimension
        let b = ShearedBox(before), a = ShearedBox(after)
        let strain = after.strain - before.strain, halfY = 0.5 * before.box[1]
        var start = [SIMD3<Double>](repeating: .zero, count: n), end = start, u = start
        for i in 0..<n {
            start[i] = b.unwrapped(before, i)
            end[i] = a.unwrapped(after, i)
            u[i] = end[i] - start[i] - SIMD3(strain * (start[i].y - halfY), 0, 0)
        }
        let u2 = u.map { ($0 * $0).sum() }
        let sum2 = u2.reduce(0, +), sum4 = u2.reduce(0) { $0 + $1 * $1 }
        nonAffineDisplacement = u.flatMap { v in (0..<d).map { v[$0] } }
        participationRatio = sum4 > 0 ? sum2 * sum2 / (Double(n) * sum4) : 0
        maxNonAffine = u2.max().map { $0.squareRoot() } ?? 0
        topIds = Array((0..<n).sorted { u2[$0] != u2[$1] ? u2[$0] > u2[$1] : before.ids[$0] < before.ids[$1] }
            .prefix(top).map { before.ids[$0] })

        let weights = u2.map { $0 * $0 }, weightSum = weights.reduce(0, +)
        var center = n > 0 ? b.position(before, u2.indices.max { u2[$0] < u2[$1] }!) : .zero
        var spread = 0.0
        if weightSum > 0 {
            for _ in 0..<2 {
                var mean = SIMD3<Double>.zero, square = 0.0
                for i in 0..<n where weights[i] > 0 {
                    let s = b.minimumImage(b.position(before, i) - center)
                    mean += weights[i] * s
                    square += weights[i] * (s * s).sum()
                }
                mean /= weightSum
                spread = max(0, square / weightSum - (mean * mean).sum())
                center = b.wrap(center + mean)
            }
        }
        centroid = (0..<d).map { center[$0] }
        radiusOfGyration = spread.squareRoot()
        d2min = try Self.d2min(before, start: start, end: end, afterStrain: after.strain, radius: d2minRadius)
    }

    /// Falk–Langer D²_min per particle from the unwrapped positions before (`start`) and after (`end`).
    /// A pair's separation after is taken between the same periodic images as before; an image across
    /// the y faces moves with the strain (its x shift γ L_y changes by Δγ L_y).
    static func d2min(_ before: ParticleSnapshot, start: [SIMD3<Double>], end: [SIMD3<Double>], afterStrain: Double,
                      radius: Double) throws -> [Double] {
        let search = try SnapshotNeighbors(before, radius: radius, name: "[events] d2min_radius")
        let d = before.dimension, l = search.box.lengths, strain = search.box.strain
        var neighbours: [(SIMD3<Double>, SIMD3<Double>)] = [], result = [Double](repeating: 0, count: before.count)
        var x = [Double](repeating: 0, count: 9), y = x, fit = x  // X, Y and J = X Y⁻¹, row-major 3 × 3
        for i in 0..<before.count {
            neighbours.removeAll(keepingCapacity: true)
            search.forEach(around: i) { j, s in
                let image = s - (start[j] - start[i])  // (n_x L_x + n_y γ L_y, n_y L_y, n_z L_z) before
                let ny = (image.y / l.y).rounded()
                let shift = SIMD3(ny * (afterStrain - strain) * l.y, 0, 0)
                neighbours.append((s, end[j] - end[i] + image + shift))
            }
            for k in 0..<9 { (x[k], y[k], fit[k]) = (0, 0, 0) }
            for (s, t) in neighbours {
                for p in 0..<d { for q in 0..<d { x[p * 3 + q] += t[p] * s[q]; y[p * 3 + q] += s[p] * s[q] } }
            }
            guard let inverse = Self.inverse(y, dimension: d) else { continue }
            for p in 0..<d { for q in 0..<d { for k in 0..<d { fit[p * 3 + q] += x[p * 3 + k] * inverse[k * 3 + q] } } }
            var sum = 0.0
            for (s, t) in neighbours {
                for p in 0..<d {
                    var e = t[p]
                    for q in 0..<d { e -= fit[p * 3 + q] * s[q] }
                    sum += e * e
                }
            }
            result[i] = sum
        }
        return result
    }

    /// Inverse of the d × d symmetric matrix `m` (row-major in a 3 × 3 array); nil when (near) singular.
    static func inverse(_ m: [Double], dimension d: Int) -> [Double]? {
        let scale = (0..<d).map { m[$0 * 4] }.reduce(0, +)
        if d == 2 {
            let det = m[0] * m[4] - m[1] * m[3]
            guard det > 1e-12 * scale * scale else { return nil }
            return [m[4] / det, -m[1] / det, 0, -m[3] / det, m[0] / det, 0, 0, 0, 0]
        }
        let c = [m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                 m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                 m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]]
        let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6]
        guard det > 1e-12 * scale * scale * scale else { return nil }
        return c.map { $0 / det }
    }
}
