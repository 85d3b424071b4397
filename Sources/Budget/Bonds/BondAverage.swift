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
    /// Φ_ab per mode, made by the first ``averages(rights:terms:)`` and kept for the passes after it on this grid.
    private let table = Table()

    /// The per-mode weights (half spectrum; 0 for Nyquist modes) and Φ_ab's components, mode-major.
    private final class Table {
        var weights: [Double] = []
        var phi: [Double] = []
    }

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
    /// batch as ``BondIntegral/evaluate(rights:terms:)`` takes. Φ_ab is tabulated once per mode at the first call and
    /// kept; the left fields are transformed one term at a time, so at most the right spectra, one term's left spectra
    /// and the table are held.
    public func averages(rights: [[[Double]]], terms: [BondIntegral.Term]) -> [[Double]] {
        let d = fft.extents.count, s = species, components = d == 2 ? 3 : 6
        func spectrum(_ field: [Double]) -> [Double] {
            fft.loadSamples(field)
            fft.forward()
            return Array(fft.spectral)
        }
        var rightSpectra = [[[Double]]](repeating: [], count: rights.count)
        for r in Set(terms.map(\.right)).sorted() { rightSpectra[r] = rights[r].map(spectrum) }
        let modeCount = fft.spectral.count / 2, species2 = s * s
        if table.weights.isEmpty { fillTable() }
        let weights = table.weights, phi = table.phi
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

    /// Φ_ab(K) of every mode of this rank's half spectrum into ``table``. The radial functions (Chebyshev sums per pair
    /// and function, the pass's main cost) depend on |K| only: on an unsheared grid the modes (k_y, k_x) and (−k_y, k_x)
    /// of the half spectrum, and on a square one their swaps, share |K| bit for bit, so each distinct |K| is evaluated
    /// once (a sheared grid's lab |K| rarely repeats, so there every mode evaluates its own).
    private func fillTable() {
        let d = fft.extents.count, s = species, species2 = s * s, components = d == 2 ? 3 : 6, modeCount = fft.spectral.count / 2
        let pairs = PairSums.tensorIndices(dimension: d)
        var weights = [Double](repeating: 0, count: modeCount)
        var phi = [Double](repeating: 0, count: modeCount * species2 * components)
        var known: [UInt64: Int] = [:], radial: [Double] = []  // per distinct |K|: (iso, dir) for each pair a ≤ b
        forEachMode { mode, weight, magnitude, unit in
            weights[mode] = weight
            let slot: Int
            if strain == 0, let index = known[magnitude.bitPattern] {
                slot = index
            } else {
                if strain != 0 { radial.removeAll(keepingCapacity: true) }
                slot = radial.count
                if strain == 0 { known[magnitude.bitPattern] = slot }
                for a in 0..<s {
                    for b in a..<s {
                        let (iso, dir) = transform.radial(magnitude, a, b)
                        radial.append(iso)
                        radial.append(dir)
                    }
                }
            }
            var pair = slot
            for a in 0..<s {
                for b in a..<s {
                    let (iso, dir) = (radial[pair], radial[pair + 1])
                    pair += 2
                    for (c, (p, q)) in pairs.enumerated() {
                        let value = (p == q ? iso : 0) - dir * unit[p] * unit[q]
                        phi[(mode * species2 + a * s + b) * components + c] = value
                        phi[(mode * species2 + b * s + a) * components + c] = value
                    }
                }
            }
        }
        table.weights = weights
        table.phi = phi
    }

    /// Collective: ⟨Σ_a c_a B_aa[f, f]⟩ per tensor component for one grid field f and weights c_a,
    /// (1/M²) Σ_m |F_m|² Σ_a c_a Φ_aa(K_m): the self-stress of one particle per species (``SelfStress``) in one
    /// transform and one pass over the modes, reading Φ from the table when an ``averages(rights:terms:)`` pass made
    /// it, else evaluating Φ_aa per mode (no table held).
    public func diagonalAverage(of field: [Double], weights c: [Double]) -> [Double] {
        let d = fft.extents.count, s = species, components = d == 2 ? 3 : 6
        let pairs = PairSums.tensorIndices(dimension: d)
        precondition(c.count == species, "one weight per species")
        fft.loadSamples(field)
        fft.forward()
        var sums = [Double](repeating: 0, count: components)
        if !table.weights.isEmpty {
            let spectrum = fft.spectral, phi = table.phi
            for (mode, weight) in table.weights.enumerated() where weight != 0 {
                let power = weight * (spectrum[2 * mode] * spectrum[2 * mode] + spectrum[2 * mode + 1] * spectrum[2 * mode + 1])
                for a in 0..<s where c[a] != 0 {
                    let base = (mode * s * s + a * s + a) * components
                    for k in 0..<components { sums[k] += power * c[a] * phi[base + k] }
                }
            }
            let points = Double(fft.decomposition.grid.pointCount)
            return fft.decomposition.communicator.allreduce(sums, .sum).map { $0 / (points * points) }
        }
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
