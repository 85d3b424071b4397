import Fields
import Parallel

/// Box averages of bond integrals in one pass over the Fourier modes (physics.md §3.7a):
///   ⟨Σ_ab B_ab[f_a, g_b]⟩ = (1/|Ω|²) Σ_K Σ_ab conj(f̂_a,K) ĝ_b,K Φ_ab(K) = (1/M²) Σ_m Σ_ab Re(conj(F_a,m) G_b,m) Φ_ab(K_m),
/// F, G the grids' DFTs, M the number of grid points, Φ the ``BondTransform``; Φ is real and even, so each r2c half
/// spectrum column whose conjugate is not stored counts twice. The Nyquist modes are left out, as the §3.5 quadrature
/// (``BondIntegral``) drops them from the shifted right fields, so the two agree to the y-quadrature's accuracy (test BA1).
/// Cost: one forward FFT per field and one pass over the modes, instead of several FFTs per bond node.
/// On a sheared grid K is the lab wavevector (K_x = k_x', K_y = k_y − γ k_x', physics.md §1.5).
public struct BondAverage {
    public let fft: SlabFFT
    public let transform: BondTransform
    public let species: Int
    public let strain: Double

    /// Tabulates Φ_ab up to the grid's largest lab wavenumber.
    public init(fft: SlabFFT, potential: BondPotential, strain: Double = 0) {
        let d = fft.extents.count
        let k = (0..<d).map { a in Double.pi * Double(fft.extents[a]) / fft.decomposition.box[a] }
        let kMax = (k.reduce(0) { $0 + $1 * $1 }.squareRoot()) * (1 + abs(strain))
        self.fft = fft
        transform = BondTransform(potential: potential, dimension: d, maximumWavenumber: kMax)
        species = potential.species
        self.strain = strain
    }

    /// Collective: per term, ⟨Σ_ab B_ab[left_a, right_b]⟩ per tensor component (``SpectralCalculus`` order), the same
    /// batch as ``BondIntegral/evaluate(rights:terms:)`` takes. Φ_ab is tabulated once per mode; the left fields are
    /// transformed one term at a time, so at most the right spectra, one term's left spectra and the table are held.
    public func averages(rights: [[[Double]]], terms: [BondIntegral.Term]) -> [[Double]] {
        let d = fft.extents.count, s = species, components = d == 2 ? 3 : 6
        let pairs: [(Int, Int)] = d == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
        func spectrum(_ field: [Double]) -> [Double] {
            fft.loadSamples(field)
            fft.forward()
            return Array(fft.spectral)
        }
        var rightSpectra = [[[Double]]](repeating: [], count: rights.count)
        for r in Set(terms.map(\.right)).sorted() { rightSpectra[r] = rights[r].map(spectrum) }
        let modeCount = fft.spectral.count / 2
        // Per mode: the half-spectrum weight (0 for Nyquist modes, which §3.5 drops) and Φ_ab's components
        let species2 = s * s
        var weights = [Double](repeating: 0, count: modeCount)
        var phi = [Double](repeating: 0, count: modeCount * species2 * components)
        forEachMode { mode, weight, magnitude, unit in
            weights[mode] = weight
            for a in 0..<s {
                for b in a..<s {
                    let (iso, dir) = transform.radial(magnitude, a, b)
                    for (c, (p, q)) in pairs.enumerated() {
                        let value = (p == q ? iso : 0) - dir * unit[p] * unit[q]
                        phi[(mode * species2 + a * s + b) * components + c] = value
                        phi[(mode * species2 + b * s + a) * components + c] = value
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: terms.count * components)
        for (t, term) in terms.enumerated() {
            let left = term.left.map(spectrum), right = rightSpectra[term.right]
            for mode in 0..<modeCount where weights[mode] != 0 {
                for a in 0..<s {
                    let (fr, fi) = (left[a][2 * mode], left[a][2 * mode + 1])
                    for b in 0..<s {
                        let product = weights[mode] * (fr * right[b][2 * mode] + fi * right[b][2 * mode + 1])
                        let base = (mode * species2 + a * s + b) * components
                        for c in 0..<components { sums[t * components + c] += product * phi[base + c] }
                    }
                }
            }
        }
        let points = Double(fft.decomposition.grid.pointCount)
        let total = fft.decomposition.communicator.allreduce(sums, .sum)
        return (0..<terms.count).map { t in (0..<components).map { total[t * components + $0] / (points * points) } }
    }

    /// Collective: ⟨Σ_a c_a B_aa[f, f]⟩ per tensor component for one grid field f and weights c_a,
    /// (1/M²) Σ_m |F_m|² Σ_a c_a Φ_aa(K_m): the self-stress of one particle per species (``SelfStress``) in one
    /// transform and one pass over the modes, with no table.
    public func diagonalAverage(of field: [Double], weights c: [Double]) -> [Double] {
        let d = fft.extents.count, components = d == 2 ? 3 : 6
        let pairs: [(Int, Int)] = d == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
        precondition(c.count == species, "one weight per species")
        fft.loadSamples(field)
        fft.forward()
        var sums = [Double](repeating: 0, count: components)
        forEachMode { mode, weight, magnitude, unit in
            let power = weight * (fft.spectral[2 * mode] * fft.spectral[2 * mode] + fft.spectral[2 * mode + 1] * fft.spectral[2 * mode + 1])
            var iso = 0.0, dir = 0.0
            for a in 0..<species where c[a] != 0 {
                let phi = transform.radial(magnitude, a, a)
                iso += c[a] * phi.0
                dir += c[a] * phi.1
            }
            for (k, (p, q)) in pairs.enumerated() { sums[k] += power * ((p == q ? iso : 0) - dir * unit[p] * unit[q]) }
        }
        let points = Double(fft.decomposition.grid.pointCount)
        return fft.decomposition.communicator.allreduce(sums, .sum).map { $0 / (points * points) }
    }

    /// Local: `body(mode, weight, |K|, K̂)` for every mode of this rank's half spectrum that is not a Nyquist mode, with
    /// the half-spectrum weight (2 where the conjugate is not stored) and the lab wavevector (x, y, z) of the grid's
    /// (k_y, k_x'[, k_z]).
    private func forEachMode(_ body: (Int, Double, Double, SIMD3<Double>) -> Void) {
        let d = fft.extents.count, extents = fft.extents, lastExtent = fft.spectralLastExtent
        let wavenumbers = (0..<d).map { a in (0..<(a == d - 1 ? lastExtent : extents[a])).map { fft.wavenumber(axis: a, index: $0) } }
        var k = [Double](repeating: 0, count: 3)
        fft.forEachModeRun { start, axis, fixed in
            guard !(0..<d).contains(where: { $0 != axis && fft.isNyquist(axis: $0, index: fixed[$0]) }) else { return }
            for j in 0..<(axis == 0 ? extents[0] : lastExtent) where !fft.isNyquist(axis: axis, index: j) {
                for a in 0..<d { k[a] = wavenumbers[a][a == axis ? j : fixed[a]] }
                var unit = SIMD3<Double>(k[1], k[0] - strain * k[1], d == 3 ? k[2] : 0)
                let magnitude = (unit * unit).sum().squareRoot()
                if magnitude > 0 { unit /= magnitude }
                body(start / 2 + j, (axis == d - 1 ? j : fixed[d - 1]) == 0 ? 1 : 2, magnitude, unit)
            }
        }
    }
}
