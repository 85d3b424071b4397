import Fields
import Parallel

/// The sub-filter covariance of paper Eq. 32 (physics.md §5.2), τ_ℓ(f, g) = (fg)_ℓ − f̄_ℓ ḡ_ℓ: the second cumulant of f
/// and g under the filter. τ_ℓ(ρ, f^ni) drives the inter-scale flux Q^flux_ℓ and τ_ℓ(ρ, f^e) the sub-filter forcing
/// flux N^{flux,e}_ℓ (§5.3).
///
/// Grid fields are filtered spectrally, (G_ℓ * f)^(k) = Ĝ(|k|ℓ) f̂(k) with the Nyquist modes zeroed (§3.1, §3.2): exact
/// on the grid's trigonometric polynomials, so (fg)_ℓ is the filtered continuum product only while fg is resolved
/// (f and g band-limited below a quarter of the modes per axis). ``Stencil`` is the discrete filter of test T1, on
/// which the increment form of Eq. 33 is an algebraic identity.
public struct SubfilterCovariance {
    /// The workspace of every filter (its arrays are overwritten).
    public let fft: SlabFFT
    public let kernel: any Kernel
    /// ℓ.
    public let scale: Double
    /// The Lees–Edwards strain of the grid's sheared coordinates: Ĝ sees the lab |k| (physics.md §1.5).
    public let strain: Double

    public init(fft: SlabFFT, kernel: any Kernel, scale: Double, strain: Double = 0) {
        precondition(kernel.dimension == fft.extents.count, "kernel and grid dimensions differ")
        self.fft = fft
        self.kernel = kernel
        self.scale = scale
        self.strain = strain
    }

    /// Collective: f̄_ℓ = G_ℓ * f of a field given as owned samples.
    public func filter(_ f: [Double]) -> [Double] {
        fft.loadSamples(f)
        fft.forward()
        fft.multiply(strain: strain) { kernel.transform($0 * scale) }
        fft.inverse()
        return fft.ownedSamples()
    }

    /// Collective: τ_ℓ(f, g) = (fg)_ℓ − f̄_ℓ ḡ_ℓ (paper Eq. 32), the product fg formed on the grid.
    public func evaluate(_ f: [Double], _ g: [Double]) -> [Double] {
        Self.covariance(filteredProduct: filter(zip(f, g).map { $0 * $1 }), filteredLeft: filter(f), filteredRight: filter(g))
    }

    /// Local: τ = (fg)_ℓ − f̄_ℓ ḡ_ℓ from filtered fields however they were made: grid filters, or particle deposits such
    /// as (ρ f^e)_ℓ = Σ_i f^e(x_i) G_ℓ(x − x_i) beside ρ̄_ℓ = Σ_i G_ℓ(x − x_i).
    public static func covariance(filteredProduct: [Double], filteredLeft: [Double], filteredRight: [Double]) -> [Double] {
        precondition(filteredProduct.count == filteredLeft.count && filteredLeft.count == filteredRight.count, "fields of one grid")
        return filteredProduct.indices.map { filteredProduct[$0] - filteredLeft[$0] * filteredRight[$0] }
    }
}

extension SubfilterCovariance {
    /// A discrete filter f̄(x_n) = Σ_m w_m f(x_n + r_m) on grid offsets r_m (physics.md §6.3, test T1): G_ℓ sampled at the
    /// offsets inside its support radius and normalised to Σ_m w_m = 1. With that normalisation the increment form of paper
    /// Eq. 33, τ = Σ_m w_m δf δg − (Σ_m w_m δf)(Σ_m w_m δg) with δf = f(x + r_m) − f(x), equals (fg)_ℓ − f̄ ḡ algebraically;
    /// ``covariance(_:_:decomposition:)`` and ``incrementCovariance(_:_:decomposition:)`` compute the two sides
    /// independently. Neighbours along the slab axis come from ghost planes, so any rank count gives the same values.
    /// Offsets are grid offsets: on a sheared (Lees–Edwards) grid the weights are not G_ℓ of the lab distance.
    public struct Stencil: Sendable {
        /// r_m in cells, grid-axis order (y, x[, z]).
        public let offsets: [[Int]]
        /// w_m, summing to 1.
        public let weights: [Double]

        /// G_ℓ(|r|) at every offset with |r| < R ℓ (R = the kernel's support radius; for the Gaussian its 6s truncation),
        /// normalised; `spacing` in grid-axis order (``SlabDecomposition/spacing``).
        public init(kernel: any Kernel, scale ell: Double, spacing: [Double]) {
            precondition(spacing.count == kernel.dimension && ell > 0, "one spacing per axis and a positive scale")
            let radius = kernel.supportRadius * ell
            let reach = spacing.map { Int((radius / $0).rounded(.down)) }
            var candidates: [[Int]] = [[]]
            for a in spacing.indices { candidates = candidates.flatMap { prefix in (-reach[a]...reach[a]).map { prefix + [$0] } } }
            var offsets: [[Int]] = [], values: [Double] = []
            for offset in candidates {
                let r = zip(offset, spacing).reduce(0.0) { $0 + Double($1.0) * $1.1 * Double($1.0) * $1.1 }.squareRoot()
                guard r < radius else { continue }
                offsets.append(offset)
                values.append(kernel.value(r, scale: ell))
            }
            let total = values.reduce(0, +)
            self.offsets = offsets
            weights = values.map { $0 / total }
        }

        /// Collective: f̄ of each field (owned samples), one halo exchange for all.
        public func filter(_ fields: [[Double]], decomposition: SlabDecomposition) throws -> [[Double]] {
            let ghosted = try ghostedField(fields, decomposition: decomposition)
            var results = fields.map { [Double](repeating: 0, count: $0.count) }
            var neighbours = [Double](repeating: 0, count: fields[0].count)
            for (offset, w) in zip(offsets, weights) {
                for c in fields.indices {
                    gather(ghosted, component: c, offset: offset, into: &neighbours)
                    results[c].withUnsafeMutableBufferPointer { target in
                        for k in target.indices { target[k] += w * neighbours[k] }
                    }
                }
            }
            return results
        }

        /// Collective: (fg)_ℓ − f̄ ḡ with this filter (paper Eq. 32).
        public func covariance(_ f: [Double], _ g: [Double], decomposition: SlabDecomposition) throws -> [Double] {
            let filtered = try filter([f, g, zip(f, g).map { $0 * $1 }], decomposition: decomposition)
            return SubfilterCovariance.covariance(filteredProduct: filtered[2], filteredLeft: filtered[0], filteredRight: filtered[1])
        }

        /// Collective: Σ_m w_m δf δg − (Σ_m w_m δf)(Σ_m w_m δg), δf = f(x + r_m) − f(x) (paper Eq. 33).
        public func incrementCovariance(_ f: [Double], _ g: [Double], decomposition: SlabDecomposition) throws -> [Double] {
            let ghosted = try ghostedField([f, g], decomposition: decomposition), count = f.count
            var product = [Double](repeating: 0, count: count), meanF = product, meanG = product
            var nf = product, ng = product
            for (offset, w) in zip(offsets, weights) {
                gather(ghosted, component: 0, offset: offset, into: &nf)
                gather(ghosted, component: 1, offset: offset, into: &ng)
                for k in 0..<count {
                    let df = nf[k] - f[k], dg = ng[k] - g[k]
                    product[k] += w * df * dg
                    meanF[k] += w * df
                    meanG[k] += w * dg
                }
            }
            return (0..<count).map { product[$0] - meanF[$0] * meanG[$0] }
        }

        /// Collective: the fields in a ghosted field as wide as the stencil's reach along the slab axis, ghosts filled.
        private func ghostedField(_ fields: [[Double]], decomposition: SlabDecomposition) throws -> GhostedField {
            precondition(offsets.first?.count == decomposition.grid.dimension, "stencil and grid dimensions differ")
            let planeLength = decomposition.grid.extents.dropFirst().reduce(1, *), owned = decomposition.count * planeLength
            precondition(fields.allSatisfy { $0.count == owned }, "fields must be this rank's owned samples")
            let width = offsets.map { abs($0[0]) }.max() ?? 0
            let ghosted = try GhostedField(decomposition: decomposition, width: width, planeLength: planeLength, components: fields.count)
            for (c, field) in fields.enumerated() {
                let first = (c * ghosted.slots + width) * planeLength
                for k in 0..<owned { ghosted.storage[first + k] = field[k] }
            }
            ghosted.fillGhosts()
            return ghosted
        }

        /// Local: f(x_n + r) for every owned node x_n, periodic in the in-plane axes, from the ghost planes along axis 0.
        private func gather(_ ghosted: GhostedField, component c: Int, offset: [Int], into target: inout [Double]) {
            let n = ghosted.decomposition.grid.extents, d = n.count
            let wraps = (1..<d).map { a in (0..<n[a]).map { (($0 + offset[a]) % n[a] + n[a]) % n[a] } }
            var t = 0
            for i0 in 0..<ghosted.decomposition.count {
                let plane = ghosted.plane(slot: ghosted.width + i0 + offset[0], component: c)
                if d == 2 {
                    for i1 in 0..<n[1] {
                        target[t] = plane[wraps[0][i1]]
                        t += 1
                    }
                } else {
                    for i1 in 0..<n[1] {
                        let row = wraps[0][i1] * n[2]
                        for i2 in 0..<n[2] {
                            target[t] = plane[row + wraps[1][i2]]
                            t += 1
                        }
                    }
                }
            }
        }
    }
}
