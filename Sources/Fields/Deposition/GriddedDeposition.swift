#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// The production deposition (physics.md §3.3, "type-1 non-uniform FFT"): every point is spread onto the
/// grid with a narrow Gaussian g_τ (``SpreadingGaussian``), the ghost planes are added into their owners
/// (the reverse halo exchange), and one r2c, a multiplication by Ĝ(|k|ℓ) e^{τ|k|²/2} with the Nyquist modes
/// zeroed, and one c2r per component give the field. It reproduces the exact spectral sums of
/// ``SpectralDeposition`` to ``SpreadingGaussian/aliasingBound`` (1e-12 requested), for every kernel; the
/// box integral is exact (each point's spread is renormalised and k = 0 passes unchanged).
///
/// Its cost per point is the narrow footprint, about 20 nodes per axis at 1e-12 whatever ℓ, against
/// (2Rℓ/h)^d for ``RealSpaceDeposition``'s kernel footprint, plus two FFTs per component per call.
/// ``RealSpaceDeposition`` stays as the sampled-kernel reference (exact node values, no FFT).
public final class GriddedDeposition: PointDeposition {
    public let grid: DepositionGrid
    public let kernel: any Kernel
    public let scale: Double
    public let strain: Double
    public let decomposition: SlabDecomposition
    public let spreading: SpreadingGaussian
    /// The transforms (plans reused); its arrays are overwritten by every deposit.
    public let fft: SlabFFT
    private let router: SlabRouter
    private var cached: GhostedField?
    /// The filter's factors at every mode of a sheared grid (where they do not factorise over axes), made on first use:
    /// an event's box budget filters at every step on one grid and strain.
    private var shearedTransfer: [Double]?

    /// - Throws: ``FieldsError`` for a bad scale or a grid that does not match the box aspect.
    public init(fft: SlabFFT, kernel: any Kernel, scale: Double, strain: Double = 0, tolerance: Double = 1e-12) throws {
        decomposition = fft.decomposition
        grid = try DepositionGrid(extents: decomposition.grid.extents, box: decomposition.box, scale: scale)
        self.fft = fft
        self.kernel = kernel
        self.scale = scale
        self.strain = grid.reducedStrain(strain)
        spreading = SpreadingGaussian(kernel: kernel, scale: scale, spacing: grid.spacing, strain: self.strain, tolerance: tolerance)
        router = try SlabRouter(decomposition: decomposition, halo: 0)
    }

    public func deposit(positions: [Double], values: [Double], components m: Int) throws -> [[Double]] {
        let rows = router.route(points: positions, values: values, components: m)
        return try filtered(rows: rows, components: m, nodes: [(0, 1)], reach: 0)
    }

    /// Collective: as ``PointDeposition/deposit(positions:weights:into:)``; when `fft` is this deposition's
    /// own, the field is left where the inverse transform put it, without a copy.
    public func deposit(positions: [Double], weights: [Double], into fft: SlabFFT) throws {
        let rows = router.route(points: positions, values: weights, components: 1)
        let samples = try filtered(rows: rows, components: 1, nodes: [(0, 1)], reach: 0, collect: fft !== self.fft)
        if let field = samples.first { fft.loadSamples(field) }
    }

    /// Collective: segments spread node by node on the rank owning their midpoint, so only the segments travel
    /// (not their nodes) and the ghost planes widen by half the longest segment (physics.md §3.4).
    public func deposit(segments: SegmentBatch, rule: GaussLegendre) throws -> [[Double]] {
        let d = grid.dimension, m = segments.components
        var midpoints = [Double](), payload = [Double]()
        midpoints.reserveCapacity(segments.origins.count)
        payload.reserveCapacity(segments.count * (d + m))
        for b in 0..<segments.count {
            for a in 0..<d { midpoints.append(segments.origins[b * d + a] + 0.5 * segments.vectors[b * d + a]) }
            payload += segments.vectors[(b * d)..<((b + 1) * d)]
            payload += segments.values[(b * m)..<((b + 1) * m)]
        }
        let rows = router.route(points: midpoints, values: payload, components: d + m)
        let longest = HardyStress.longestBond(vectors: segments.vectors, dimension: d, communicator: decomposition.communicator)
        return try filtered(rows: rows, components: m, nodes: zip(rule.nodes, rule.weights).map { ($0 - 0.5, $1) },
                            reach: 0.5 * longest / grid.spacing)
    }

    /// Collective: spreads the routed rows, adds the ghosts into their owners, and filters each component
    /// (r2c, Ĝ(|k|ℓ) e^{τ|k|²/2} with the Nyquist modes zeroed, c2r). Without `collect`, returns nothing and
    /// leaves the last component in ``fft``'s real array.
    private func filtered(rows: [Double], components m: Int, nodes: [(offset: Double, weight: Double)], reach: Double,
                          collect: Bool = true) throws -> [[Double]] {
        // ghost planes along y only: under shear a row's footprint moves along x, which wraps within the plane
        let width = Int((spreading.radius + reach).rounded(.up)) + 1
        // Kept between calls and zeroed after use: a fresh field costs its page faults, more than the spread in 3D.
        let field = try cached.flatMap { $0.width == width && $0.components == m ? $0 : nil }
            ?? GhostedField(decomposition: decomposition, width: width, planeLength: grid.planeLength, components: m)
        cached = field
        defer { field.storage.update(repeating: 0) }
        rows.withUnsafeBufferPointer { spread(rows: $0, components: m, nodes: nodes, into: field) }
        field.accumulateGhosts()
        let h2 = grid.spacing * grid.spacing, tau = spreading.variance * h2, kernel = kernel, ell = scale
        // The Gaussian's transfer e^{−(sℓ² − τ)|k|²/2} factorises over axes when the grid is not sheared. The
        // inverse transform's 1/N rides on the multiplication.
        let inverseCount = 1 / Double(decomposition.grid.pointCount)
        let separable = (kernel as? GaussianKernel).flatMap { gauss in
            strain == 0 ? (0..<grid.dimension).map { a in
                (0..<(a == grid.dimension - 1 ? fft.spectralLastExtent : grid.extents[a])).map { index in
                    let k = fft.wavenumber(axis: a, index: index)
                    return exp(-0.5 * (gauss.variance * ell * ell - tau) * k * k) * (a == 0 ? inverseCount : 1)
                }
            } : nil
        }
        let owned = decomposition.count * grid.planeLength
        let sheared = separable != nil ? nil : shearedTransfer
            ?? fft.modeFactors(strain: strain) { k in kernel.transform(k * ell) * exp(0.5 * tau * k * k) * inverseCount }
        shearedTransfer = sheared
        return (0..<m).compactMap { c in
            let first = (c * field.slots + field.width) * grid.planeLength
            fft.loadSamples(UnsafeBufferPointer(rebasing: field.storage[first..<(first + owned)]))
            fft.forward()
            if let separable { fft.multiply(axisFactors: separable) } else if let sheared { fft.multiply(modeFactors: sheared) }
            fft.inverse(normalised: false)
            return collect ? fft.ownedSamples() : nil
        }
    }

    /// Adds the spread of every node of every routed row into `field`, ghost planes included: a row is a
    /// centre c (d values), for segments a vector r (d values), then m values; node q sits at c + offset_q r
    /// with the values times weight_q (one node (0, 1) for points, whose rows have no vector). Each node's
    /// weights are renormalised per axis (Σ_n w_n h^d = 1). The lab Gaussian factorises over (Δx, Δy[, Δz]);
    /// in sheared coordinates Δx = Δx' + γ Δy, so the x weights are recomputed per plane of y, their centre
    /// moved by −γ Δy.
    private func spread(rows: UnsafeBufferPointer<Double>, components m: Int, nodes: [(offset: Double, weight: Double)],
                        into field: GhostedField) {
        let d = grid.dimension, segments = nodes.count > 1 || nodes[0].offset != 0, valuesAt = segments ? 2 * d : d
        let stride = valuesAt + m, h = grid.spacing, span = spreading.span
        let extents = grid.extents, nx = extents[1], nz = d == 3 ? extents[2] : 1, planeLength = grid.planeLength
        let firstPlane = decomposition.start - field.width, componentStride = field.slots * planeLength
        let box = grid.box, strain = strain, storage = field.storage.baseAddress!
        let table = spreading.table()
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * span + m)
        defer { scratch.deallocate() }
        let wy = scratch, wx = scratch + span, wz = scratch + 2 * span, factors = scratch + 3 * span
        func wrapped(_ value: Double, _ a: Int) -> Double { (value - (value / box[a]).rounded(.down) * box[a]) / h }
        table.withUnsafeBufferPointer { table in
            let table = table.baseAddress!
            for p in Self.tileOrder(rows: rows, stride: stride, grid: grid, strain: strain) {
                let row = rows.baseAddress! + Int(p) * stride
                // The centre in grid units (y, x' = x − γ y from the unwrapped y, z), wrapped once: nodes are offsets
                // from it, so they stay on the side of the box that the rank owning the centre holds (ghost planes).
                let centre = SIMD3<Double>(wrapped(row[1], 0), wrapped(row[0] - strain * row[1], 1), d == 3 ? wrapped(row[2], 2) : 0)
                let step = segments ? SIMD3<Double>(row[d + 1], row[d] - strain * row[d + 1], d == 3 ? row[d + 2] : 0) / h : .zero
                for node in nodes {
                    let q = centre + node.offset * step
                    let qy = q[0], qx = q[1]
                    let (firstY, countY) = spreading.weights(at: qy, spacing: h, table: table, into: wy)
                    var (firstX, countX) = spreading.weights(at: qx, spacing: h, table: table, into: wx)
                    let (firstZ, countZ) = d == 3 ? spreading.weights(at: q[2], spacing: h, table: table, into: wz) : (0, 1)
                    var startX = Self.wrap(firstX, nx)
                    let startZ = Self.wrap(firstZ, nz)
                    for j0 in 0..<countY {
                        let n0 = firstY + j0
                        if strain != 0 {
                            (firstX, countX) = spreading.weights(at: qx - strain * (Double(n0) - qy), spacing: h, table: table, into: wx)
                            startX = Self.wrap(firstX, nx)
                        }
                        for c in 0..<m { factors[c] = node.weight * row[valuesAt + c] * wy[j0] }
                        let plane = storage + (n0 - firstPlane) * planeLength
                        if d == 2 {
                            for c in 0..<m { add(factors[c], wx, count: countX, start: startX, period: nx, into: plane + c * componentStride) }
                            continue
                        }
                        var e1 = startX
                        for j1 in 0..<countX {
                            let line = plane + e1 * nz
                            for c in 0..<m { add(factors[c] * wx[j1], wz, count: countZ, start: startZ, period: nz, into: line + c * componentStride) }
                            e1 = e1 + 1 == nx ? 0 : e1 + 1
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func wrap(_ index: Int, _ period: Int) -> Int { ((index % period) + period) % period }

    /// The points in the order of the grid tiles (16 nodes per axis, rows of tiles along x then z within planes
    /// of y) that hold them: consecutive footprints then overlap in cache, which makes the spread several
    /// times faster than in the input's order (snapshots are in id order, spatially random). A counting sort.
    static func tileOrder(rows: UnsafeBufferPointer<Double>, stride: Int, grid: DepositionGrid, strain: Double) -> [Int32] {
        let d = grid.dimension, tile = 16 * grid.spacing, count = rows.count / stride
        let tiles = grid.box.map { Int(($0 / tile).rounded(.up)) }
        var keys = [Int](repeating: 0, count: count), starts = [Int](repeating: 0, count: tiles.reduce(1, *) + 1)
        for p in 0..<count {
            let row = rows.baseAddress! + p * stride
            var key = 0
            for a in 0..<d {
                // grid axis a: y, then x' (sheared), then z
                let value = a == 0 ? row[1] : a == 1 ? row[0] - strain * row[1] : row[2]
                let wrapped = value - (value / grid.box[a]).rounded(.down) * grid.box[a]
                key = key * tiles[a] + min(tiles[a] - 1, Int(wrapped / tile))
            }
            keys[p] = key
            starts[key + 1] += 1
        }
        for k in 1..<starts.count { starts[k] += starts[k - 1] }
        var order = [Int32](repeating: 0, count: count)
        for p in 0..<count {
            order[starts[keys[p]]] = Int32(p)
            starts[keys[p]] += 1
        }
        return order
    }

    /// row[(start + j) mod period] += factor · w[j] for j < count (start already in 0..<period), in
    /// contiguous runs: one unless the footprint wraps.
    @inline(__always)
    private func add(_ factor: Double, _ w: UnsafeMutablePointer<Double>, count: Int, start: Int, period: Int,
                     into row: UnsafeMutablePointer<Double>) {
        let head = min(count, period - start), first = row + start
        for j in 0..<head { first[j] += factor * w[j] }
        var j = head
        while j < count {  // more than once only when the footprint exceeds the period
            let run = min(count - j, period), rest = w + j
            for k in 0..<run { row[k] += factor * rest[k] }
            j += run
        }
    }
}
