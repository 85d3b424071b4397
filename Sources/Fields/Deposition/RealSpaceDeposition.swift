#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// Deposition of particle weights c_i onto the grid with a kernel footprint (physics.md §3.4):
/// ρ(x_n) = Σ_i c_i w_in, w_in = G_ℓ(x_n − x_i) over the nodes with |x_n − x_i| < R ℓ, renormalised per
/// particle so that Σ_n w_in h^d = 1 (mass conserved exactly, whatever the kernel's tail or the sampling).
///
/// Particles go to the rank owning their y first (any rank may pass any particles); each rank deposits on
/// its planes plus ⌈Rℓ/h⌉ + 1 ghost planes per side, which are then added into their owners (the reverse
/// halo exchange, direct to every owner however many slabs away). Axes 1 and 2 wrap periodically.
/// The halo-friendly production path; ``SpectralDeposition`` is the exact reference for small systems.
public final class RealSpaceDeposition: PointDeposition {
    public let grid: DepositionGrid
    public let kernel: any Kernel
    public let scale: Double
    /// Lees–Edwards strain γ, reduced (``DepositionGrid/reducedStrain(_:)``): the grid is in sheared
    /// coordinates x' = x − γ y, y' = y, where a sheared box is periodic (physics.md §1.5); the kernel sees
    /// lab distances, Δx = Δx' + γ Δy. Derivatives and filters of the result take this strain.
    public let strain: Double
    public let decomposition: SlabDecomposition
    /// R ℓ / h: the footprint radius in grid spacings.
    public let reach: Double
    private let field: GhostedField
    private let router: SlabRouter

    /// - Throws: ``FieldsError`` for a bad scale or a grid that does not match the box aspect.
    public init(decomposition: SlabDecomposition, kernel: any Kernel, scale: Double, strain: Double = 0) throws {
        grid = try DepositionGrid(extents: decomposition.grid.extents, box: decomposition.box, scale: scale)
        self.kernel = kernel
        self.scale = scale
        self.strain = grid.reducedStrain(strain)
        self.decomposition = decomposition
        reach = kernel.supportRadius * scale / grid.spacing
        field = try GhostedField(decomposition: decomposition, width: Int(reach.rounded(.up)) + 1, planeLength: grid.planeLength)
        router = try SlabRouter(decomposition: decomposition, halo: 0)
    }

    public func deposit(positions: [Double], values: [Double], components m: Int) throws -> [[Double]] {
        let d = grid.dimension, stride = d + m
        let field = m == 1 ? self.field : try GhostedField(decomposition: decomposition, width: self.field.width,
                                                              planeLength: grid.planeLength, components: m)
        let mine = router.route(points: positions, values: values, components: m)
        spread(kernel, rows: mine, stride: stride, components: m, into: field)
        field.accumulateGhosts()
        let result = field.ownedComponents()
        if m == 1 { field.storage.update(repeating: 0) }  // the kept single-component field is reused; others are dropped
        return result
    }

    /// Adds every routed point's renormalised footprint into `field` (ghost planes included). Generic over
    /// the kernel, so each kernel's G(r) is inlined into the loop (the existential is opened once per call).
    /// The Gaussian factorises, e^{−r²/2s²ℓ²} = Π_a e^{−Δ_a²/2s²ℓ²}: its node weights are products of d short
    /// tables per point instead of an exponential per node (the renormalisation absorbs the constant).
    private func spread<K: Kernel>(_ kernel: K, rows mine: [Double], stride: Int, components m: Int, into field: GhostedField) {
        let d = grid.dimension
        let h = grid.spacing, inverseVolume = 1 / pow(scale, Double(d)), cellVolume = pow(h, Double(d))
        let extents = grid.extents, width = field.width, firstPlane = decomposition.start - width
        let componentStride = field.slots * grid.planeLength, storage = field.storage
        let span = 2 * Int(reach.rounded(.up)) + 3
        var footprint = [Double](repeating: 0, count: Int(pow(Double(span), Double(d)))), offsets = [Int](repeating: 0, count: footprint.count)
        let physical = SIMD3<Int>(1, 0, 2), box = SIMD3<Double>(grid.box[0], grid.box[1], d == 3 ? grid.box[2] : 1)
        let separable = K.self == GaussianKernel.self && strain == 0
        let exponent = -0.5 * h * h / ((1 / Double(d)) * scale * scale)  // −h²/(2 s² ℓ²), s² = 1/d
        var factors = [[Double]](repeating: [Double](repeating: 0, count: span), count: 3)
        for p in 0..<(mine.count / stride) {
            // Grid coordinates (axis 0 = y, 1 = x, 2 = z) wrapped into the box, in spacings.
            var q = SIMD3<Double>()
            for a in 0..<d {
                // the sheared x' = x − γ y, from the unwrapped y: periodic in x' and y separately
                let x = mine[p * stride + physical[a]] - (a == 1 ? strain * mine[p * stride + 1] : 0)
                q[a] = (x - (x / box[a]).rounded(.down) * box[a]) / h
            }
            let low = SIMD3<Int>((q - reach).rounded(.up)), high = SIMD3<Int>((q + reach).rounded(.down))
            if separable {
                for a in 0..<d {
                    for n in low[a]...high[a] { factors[a][n - low[a]] = exp(exponent * (Double(n) - q[a]) * (Double(n) - q[a])) }
                }
            }
            var count = 0, total = 0.0
            for n0 in low[0]...high[0] {
                let slot = n0 - firstPlane
                // Along x' the footprint of row n0 is centred where Δx = Δx' + γ Δy vanishes.
                let shift = strain * (Double(n0) - q[0])
                let first = strain == 0 ? low[1] : Int((q[1] - shift - reach).rounded(.up))
                let last = strain == 0 ? high[1] : Int((q[1] - shift + reach).rounded(.down))
                for n1 in first...last {
                    let e1 = ((n1 % extents[1]) + extents[1]) % extents[1]
                    for n2 in (d == 3 ? low[2]...high[2] : 0...0) {
                        let dx = Double(n1) - q[1] + shift
                        var r2 = (Double(n0) - q[0]) * (Double(n0) - q[0]) + dx * dx
                        var element = e1
                        if d == 3 {
                            r2 += (Double(n2) - q[2]) * (Double(n2) - q[2])
                            element = e1 * extents[2] + ((n2 % extents[2]) + extents[2]) % extents[2]
                        }
                        let w = separable
                            ? factors[0][n0 - low[0]] * factors[1][n1 - low[1]] * (d == 3 ? factors[2][n2 - low[2]] : 1)
                            : kernel.value(r2.squareRoot() * h / scale) * inverseVolume
                        guard w > 0 else { continue }
                        footprint[count] = w
                        offsets[count] = slot * grid.planeLength + element
                        count += 1
                        total += w
                    }
                }
            }
            guard total > 0 else { continue }
            for c in 0..<m {
                let factor = mine[p * stride + d + c] / (total * cellVolume), base = c * componentStride
                for k in 0..<count { storage[base + offsets[k]] += factor * footprint[k] }
            }
        }
    }
}
