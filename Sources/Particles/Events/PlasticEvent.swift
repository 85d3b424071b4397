import Parallel

/// What a plastic event did between two states of the same particles, `before` and `after` (physics.md §1.5c and
/// §9.1 item 4), measured on the slabs: every rank passes its block of each state (any split; particles migrate
/// between the states), and no rank ever holds the system.
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
///
/// The neighbours are the lists of a second engine on the state before, with a skin that reaches the radius (the
/// engine's own pair search, as the pair-sum check's); each rank finds the state after of its particles by id
/// (``Parallel/Communicator/lookup(_:offered:rows:stride:)``), and their ghosts carry it along the engine's ghost plan.
/// Global sums are independent of the order (``ReproducibleSum``): the same bits on any rank count.
public struct PlasticEvent {
    /// This rank's particles in the state before (those whose position before lies in its slab) and the same particles
    /// after, in the same order: the blocks that the per-particle values below belong to.
    public var before: ParticleSnapshot
    public var after: ParticleSnapshot
    /// d values per particle of ``before``.
    public var nonAffineDisplacement: [Double]
    /// D²_min per particle of ``before``, in ℓ₀².
    public var d2min: [Double]
    /// Particles in the system.
    public var particles: Int
    public var participationRatio: Double
    /// d coordinates, in the state `before` (inside its box).
    public var centroid: [Double]
    public var radiusOfGyration: Double
    /// max_i |u_i| and max_i D²_min,i.
    public var maxNonAffine: Double
    public var maxD2min: Double
    /// Ids of the particles with the largest |u_i|, largest first (on every rank).
    public var topIds: [Int]

    /// Collective.
    /// - Throws: ``ParticlesError`` (on every rank alike) when the blocks are not the same particles in the same box, or
    ///   the D²_min radius does not fit the box.
    public init(before block: ParticleSnapshot, after later: ParticleSnapshot, potential: AnyPairPotential, d2minRadius radius: Double,
                top: Int, communicator: Communicator) throws {
        let d = block.dimension
        let total = communicator.allreduce([block.count, later.count], .sum)
        guard later.dimension == d, later.box == block.box, total[0] == total[1] else {
            throw ParticlesError.inconsistentSnapshot("the states before and after an event hold different particles or boxes")
        }
        let neighbours = try Self.engine(block, potential: potential, radius: radius, communicator: communicator)
        let n = neighbours.localCount, ids = Array(neighbours.ids.prefix(n))
        var offered = [Double](repeating: 0, count: later.count * 2 * d)  // per particle: position, image counters
        for i in 0..<later.count {
            for a in 0..<d {
                offered[2 * d * i + a] = later.positions[i * d + a]
                offered[2 * d * i + d + a] = Double(later.images[i * d + a])
            }
        }
        let found = communicator.lookup(ids, offered: later.ids, rows: offered, stride: 2 * d)
        guard let found else {
            throw ParticlesError.inconsistentSnapshot("the states before and after an event hold different particles or boxes")
        }
        before = neighbours.localSnapshot()
        after = before
        after.step = later.step
        after.strain = later.strain
        for i in 0..<n {
            for a in 0..<d {
                after.positions[i * d + a] = found[2 * d * i + a]
                after.images[i * d + a] = Int32(found[2 * d * i + d + a])
            }
        }
        particles = total[0]
        // Unwrapped positions before and displacements, owned particles; then for the ghosts too.
        let b = ShearedBox(before), a = ShearedBox(after), strain = after.strain - before.strain, halfY = 0.5 * before.box[1]
        var rows = [Double](repeating: 0, count: n * 6), u = [SIMD3<Double>](repeating: .zero, count: n)
        for i in 0..<n {
            let start = b.unwrapped(before, i), move = a.unwrapped(after, i) - start
            u[i] = move - SIMD3(strain * (start.y - halfY), 0, 0)
            for c in 0..<3 { (rows[6 * i + c], rows[6 * i + 3 + c]) = (start[c], move[c]) }
        }
        let u2 = u.map { ($0 * $0).sum() }
        nonAffineDisplacement = u.flatMap { v in (0..<d).map { v[$0] } }
        let sums = ReproducibleSum.totals([u2, u2.map { $0 * $0 }], communicator: communicator)
        participationRatio = sums[1] > 0 ? sums[0] * sums[0] / (Double(particles) * sums[1]) : 0
        maxNonAffine = communicator.allreduce(u2.max() ?? 0, .max).squareRoot()
        let leaders = Self.largest(u2, ids: ids, top: max(top, 1), communicator: communicator)
        topIds = Array(leaders.prefix(top))
        (centroid, radiusOfGyration) = Self.centre(before, weights: u2.map { $0 * $0 }, largest: leaders.first, communicator: communicator)
        d2min = Self.d2min(neighbours, rows: neighbours.ghostValues(rows, width: 6), strainChange: strain, radius: radius)
        maxD2min = communicator.allreduce(d2min.max() ?? 0, .max)
    }

    /// The skin of the neighbour engine for `radius`: cutoff + skin ≥ radius for the smallest pair of diameters.
    static func skin(radius: Double, potential: AnyPairPotential, smallest: Double) -> Double {
        max(0, radius - potential.cutoffRatio * smallest) * (1 + 1e-12) + 1e-12 * radius
    }

    /// Checks, before a run, that the D²_min neighbour search of `radius` fits the box for particles of diameters in
    /// [`smallest`, `largest`] (its reach is the engine's halo, which must be below half of each edge but the slab axis'
    /// and, for unique nearest images, below half of every edge).
    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)``.
    public static func checkRadius(_ radius: Double, box: [Double], potential: AnyPairPotential, smallest: Double, largest: Double) throws {
        let reach = potential.cutoffRatio * largest + skin(radius: radius, potential: potential, smallest: smallest)
        guard radius > 0, radius.isFinite, 2 * reach <= box.min()! else {
            throw ParticlesError.invalidParameter(name: "D²_min radius", value: "\(radius)", expected: String(
                format: "the neighbour search reaches %.4g, more than half the shortest box edge %.4g: give a smaller positive radius, 2.5 is typical",
                reach, box.min()!))
        }
    }

    /// Collective: an engine on the state before whose lists hold every pair within `radius`.
    static func engine(_ block: ParticleSnapshot, potential: AnyPairPotential, radius: Double, communicator: Communicator) throws -> ParticleSystem {
        let smallest = communicator.allreduce(block.diameters.min() ?? .infinity, .min)
        let largest = communicator.allreduce(block.diameters.max() ?? 0, .max)
        try checkRadius(radius, box: block.box, potential: potential, smallest: smallest, largest: largest)
        return try ParticleSystem(block: block, potential: potential, skin: skin(radius: radius, potential: potential, smallest: smallest),
                                  communicator: communicator)
    }

    /// Collective: the ids of the `top` largest |u|² (ties by id), largest first, on every rank.
    static func largest(_ u2: [Double], ids: [Int], top: Int, communicator: Communicator) -> [Int] {
        let order = { (p: (Double, Int), q: (Double, Int)) in p.0 != q.0 ? p.0 > q.0 : p.1 < q.1 }
        let mine = zip(u2, ids).map { ($0, $1) }.sorted(by: order).prefix(top)
        let all = communicator.allgather(mine.flatMap { [$0.0, Double($0.1)] })
        return stride(from: 0, to: all.count, by: 2).map { (all[$0], Int(all[$0 + 1])) }.sorted(by: order).prefix(top).map(\.1)
    }

    /// Collective: the |u|⁴-weighted centroid and radius of gyration in the state before, nearest images from the most
    /// displaced particle (id `largest`), refined once from the first estimate.
    static func centre(_ before: ParticleSnapshot, weights: [Double], largest: Int?, communicator: Communicator) -> ([Double], Double) {
        let b = ShearedBox(before), d = before.dimension
        let holder = largest.flatMap { before.ids.firstIndex(of: $0) }
        let mine = holder.map { b.position(before, $0) } ?? .zero
        let start = communicator.allreduce([mine.x, mine.y, mine.z], .sum)
        var center = SIMD3(start[0], start[1], start[2]), spread = 0.0
        let positions = (0..<before.count).map { b.position(before, $0) }
        for _ in 0..<2 {
            let s = positions.map { b.minimumImage($0 - center) }
            let terms = (0..<3).map { c in zip(weights, s).map { $0 * $1[c] } } + [zip(weights, s).map { $0 * ($1 * $1).sum() }, weights]
            let sums = ReproducibleSum.totals(terms, communicator: communicator)
            guard sums[4] > 0 else { break }
            let mean = SIMD3(sums[0], sums[1], sums[2]) / sums[4]
            spread = max(0, sums[3] / sums[4] - (mean * mean).sum())
            center = b.wrap(center + mean)
        }
        return ((0..<d).map { center[$0] }, spread.squareRoot())
    }

    /// Local: Falk–Langer D²_min of each owned particle of `engine` (the state before) from its listed neighbours within
    /// `radius`. `rows` holds per particle (owned, then ghosts) the unwrapped position before and the displacement Δx
    /// (3 + 3 values). A pair's separation after is taken between the same periodic images as before: d' = d + Δx_j − Δx_i,
    /// plus the change of the image's Lees–Edwards shift when the pair crosses a y face (n_y Δγ L_y along x).
    static func d2min(_ engine: ParticleSystem, rows: [Double], strainChange: Double, radius: Double) -> [Double] {
        let d = engine.dimension, length = engine.box[1], r2 = radius * radius
        var result = [Double](repeating: 0, count: engine.localCount)
        var pairs: [(SIMD3<Double>, SIMD3<Double>)] = [], current = -1
        let row = { (i: Int, offset: Int) in SIMD3(rows[6 * i + offset], rows[6 * i + offset + 1], rows[6 * i + offset + 2]) }
        func finish() {
            guard current >= 0 else { return }
            result[current] = Self.falkLanger(pairs, dimension: d)
            pairs.removeAll(keepingCapacity: true)
        }
        engine.forEachListedPair { i, j, s in
            if i != current { finish(); current = i }
            guard (s * s).sum() < r2 else { return }
            let image = s - (row(j, 0) - row(i, 0)), ny = (image.y / length).rounded()
            pairs.append((s, s + row(j, 3) - row(i, 3) + SIMD3(ny * strainChange * length, 0, 0)))
        }
        finish()
        return result
    }

    /// min_J Σ |d′ − J d|² over the pairs (d, d′), J = X Y⁻¹; 0 when the d span fewer than `dimension` directions.
    static func falkLanger(_ pairs: [(SIMD3<Double>, SIMD3<Double>)], dimension d: Int) -> Double {
        var x = [Double](repeating: 0, count: 9), y = x, fit = x  // X, Y and J = X Y⁻¹, row-major 3 × 3
        for (s, t) in pairs {
            for p in 0..<d { for q in 0..<d { x[p * 3 + q] += t[p] * s[q]; y[p * 3 + q] += s[p] * s[q] } }
        }
        guard let inverse = Self.inverse(y, dimension: d) else { return 0 }
        for p in 0..<d { for q in 0..<d { for k in 0..<d { fit[p * 3 + q] += x[p * 3 + k] * inverse[k * 3 + q] } } }
        var sum = 0.0
        for (s, t) in pairs {
            for p in 0..<d {
                var e = t[p]
                for q in 0..<d { e -= fit[p * 3 + q] * s[q] }
                sum += e * e
            }
        }
        return sum
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
