#if canImport(Glibc)
import Glibc
#endif
import Fields
import Parallel

/// Σ_ab B_ab[f_a, g_b] on the grid (physics.md §2.3, §3.5): B_ab[f, g]_ij(x) = ∫ d^d y y_i ∂_j V_ab(y)
/// ∫₀¹ dλ f(x − λy) g(x + (1 − λ)y), for band-limited grid fields f_a (left) and g_b (right), one per species.
///
/// For each node y of the ``BondQuadrature``: each g_b is shifted spectrally (ĝ e^{ik·y}), the product
/// P_y(z) = Σ_ab w r V'_ab(r) f_a(z) g_b(z + y) is transformed once, the λ-integral is exact in Fourier space,
/// ∫₀¹ P_y(x − λy) dλ ↔ P̂_y(k) E(k·y), E(u) = (1 − e^{−iu})/(iu), and ŷ_i ŷ_j P̂_y E is accumulated per tensor
/// component; one inverse transform per component at the end. Cost per node: one inverse FFT per species and
/// one forward FFT. Nodes beyond every range are skipped. On a sheared grid (x' = x − γ y) the shift by the
/// lab vector y is the shift by y' = (y_x − γ y_y, y_y, y_z) in grid coordinates, and k'·y' = k·y.
/// Components in ``SpectralCalculus`` order: xx, yy, xy (2D); xx, yy, zz, xy, xz, yz (3D).
public struct BondIntegral {
    public let fft: SlabFFT
    public let quadrature: BondQuadrature
    public let potential: BondPotential
    /// The reduced Lees–Edwards strain of the grid's sheared coordinates.
    public let strain: Double

    public init(fft: SlabFFT, quadrature: BondQuadrature, potential: BondPotential, strain: Double = 0) {
        precondition(quadrature.dimension == fft.extents.count, "quadrature and grid dimensions differ")
        self.fft = fft
        self.quadrature = quadrature
        self.potential = potential
        self.strain = strain
    }

    /// One bond integral Σ_ab B_ab[f_a, g_b] of a batch: its left fields f_a (one per species, owned samples) and
    /// the index of its right fields in the batch's `rights`.
    public struct Term {
        public var left: [[Double]]
        public var right: Int
        public init(left: [[Double]], right: Int) {
            self.left = left
            self.right = right
        }
    }

    /// Collective: the components of Σ_ab B_ab[f_a, g_b] as owned samples; `left[a]` and `right[b]` are the
    /// species' fields as owned samples.
    public func evaluate(left: [[Double]], right: [[Double]]) -> [[Double]] {
        evaluate(rights: [right], terms: [Term(left: left, right: 0)])[0]
    }

    /// Collective: several bond integrals at once, per term its components. Each set of right fields is shifted
    /// once per node and shared by every term that uses it (the budget's terms share {ρ̄_b, ∂_c ρ̄_b}, §5.4), so a
    /// node costs one inverse FFT per right field and one forward FFT per term. `progress(done, total)` is called after
    /// each node (a long scale's progress line).
    public func evaluate(rights: [[[Double]]], terms: [Term], progress: ((Int, Int) -> Void)? = nil) -> [[[Double]]] {
        let d = quadrature.dimension, s = potential.species, components = d == 2 ? 3 : 6
        precondition(rights.allSatisfy { $0.count == s } && terms.allSatisfy { $0.left.count == s && rights.indices.contains($0.right) },
                     "one field per species on each side")
        let pairs = PairSums.tensorIndices(dimension: d)
        let spectralCount = fft.spectral.count, count = terms.first?.left[0].count ?? 0
        let rightSpectra: [[[Double]]] = rights.map { set in
            set.map { field in
                fft.loadSamples(field)
                fft.forward()
                return Array(fft.spectral)
            }
        }
        let used = Set(terms.map(\.right)).sorted()  // one order on every rank: the transforms below are collective
        var accumulators = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: spectralCount), count: components),
                                        count: terms.count)
        var shifted = rights.map { $0.map { _ in [Double]() } }
        var product = [Double](repeating: 0, count: count)
        for (done, node) in quadrature.nodes.enumerated() {
            progress?(done, quadrature.nodes.count)
            let coefficients = (0..<s).map { a in (0..<s).map { b in node.weight * node.r * potential.derivative(node.r, a, b) } }
            guard coefficients.contains(where: { $0.contains { $0 != 0 } }) else { continue }
            let shift = gridShift(node.y)
            for r in used {
                for b in 0..<s where (0..<s).contains(where: { coefficients[$0][b] != 0 }) {
                    for i in 0..<spectralCount { fft.spectral[i] = rightSpectra[r][b][i] }
                    multiplyByPhase(shift, lambdaIntegral: false)
                    fft.inverse()
                    shifted[r][b] = fft.ownedSamples()
                }
            }
            let unit = node.y / node.r
            for (t, term) in terms.enumerated() {
                for k in 0..<count { product[k] = 0 }
                for a in 0..<s {
                    for b in 0..<s where coefficients[a][b] != 0 {
                        let c = coefficients[a][b], f = term.left[a], g = shifted[term.right][b]
                        for k in 0..<count { product[k] += c * f[k] * g[k] }
                    }
                }
                fft.loadSamples(product)
                fft.forward()
                multiplyByPhase(shift, lambdaIntegral: true)
                for (c, (i, j)) in pairs.enumerated() {
                    let factor = unit[i] * unit[j]
                    guard factor != 0 else { continue }
                    accumulators[t][c].withUnsafeMutableBufferPointer { target in
                        for m in 0..<spectralCount { target[m] += factor * fft.spectral[m] }
                    }
                }
            }
        }
        return accumulators.map { term in
            term.map { spectrum in
                for i in 0..<spectralCount { fft.spectral[i] = spectrum[i] }
                fft.inverse()
                return fft.ownedSamples()
            }
        }
    }

    /// y in grid axes (y, x' = x − γ y, z).
    private func gridShift(_ y: SIMD3<Double>) -> [Double] {
        [y[1], y[0] - strain * y[1]] + (quadrature.dimension == 3 ? [y[2]] : [])
    }

    /// Local: multiplies ``SlabFFT/spectral`` by e^{ik·y} (the shift g(z) → g(z + y)), or with `lambdaIntegral`
    /// by E(k·y) = (1 − e^{−ik·y})/(ik·y), zeroing the Nyquist modes. The phase factorises over axes, so only
    /// per-axis tables of e^{ik_a y_a} are computed, no trigonometric function per mode.
    private func multiplyByPhase(_ y: [Double], lambdaIntegral: Bool) {
        let d = y.count
        let tables: [(re: [Double], im: [Double], k: [Double])] = (0..<d).map { a in
            let n = a == d - 1 ? fft.spectralLastExtent : fft.extents[a]
            let k = (0..<n).map { fft.isNyquist(axis: a, index: $0) ? Double.nan : fft.wavenumber(axis: a, index: $0) }
            return (k.map { $0.isNaN ? 0 : cos($0 * y[a]) }, k.map { $0.isNaN ? 0 : sin($0 * y[a]) }, k.map { $0.isNaN ? 0 : $0 * y[a] })
        }
        let spectral = fft.spectral
        fft.forEachModeRun { start, axis, fixed in
            var outerRe = 1.0, outerIm = 0.0, outerU = 0.0
            for a in 0..<d where a != axis {
                let (re, im) = (tables[a].re[fixed[a]], tables[a].im[fixed[a]])
                (outerRe, outerIm) = (outerRe * re - outerIm * im, outerRe * im + outerIm * re)
                outerU += tables[a].k[fixed[a]]
            }
            let table = tables[axis]
            for j in 0..<table.re.count {
                let pr = outerRe * table.re[j] - outerIm * table.im[j], pi = outerRe * table.im[j] + outerIm * table.re[j]
                var (fr, fi) = (pr, pi)
                if lambdaIntegral {
                    // E(u) = (1 − e^{−iu})/(iu), e^{−iu} = conj(e^{iu}); a zeroed phase (Nyquist) stays zero
                    let u = outerU + table.k[j]
                    if pr == 0 && pi == 0 {
                        (fr, fi) = (0, 0)
                    } else if abs(u) < 1e-4 {
                        (fr, fi) = (1 - u * u / 6, -u / 2 + u * u * u / 24)
                    } else {
                        // (1 − cos u + i sin u)/(iu) = sin u / u + i (cos u − 1)/u
                        (fr, fi) = (pi / u, (pr - 1) / u)
                    }
                }
                let index = start + 2 * j, re = spectral[index], im = spectral[index + 1]
                spectral[index] = re * fr - im * fi
                spectral[index + 1] = re * fi + im * fr
            }
        }
    }
}
