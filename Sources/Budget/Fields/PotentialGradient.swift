#if canImport(Glibc)
import Glibc
#endif
import Fields

/// The resolved potential gradient u_a = Σ_b ∇(V_ab * ρ̄_{ℓ,b}) (physics.md §4.1): the gradient of the mean-field
/// potential, minus the interaction force per particle. Spectral: û_a = Σ_b i k V̂_ab(|k|) ρ̂_b, exact on the
/// grid's trigonometric polynomials, with V̂_ab(k) = 2π ∫₀^R V(r) J₀(kr) r dr (2D) or 4π ∫₀^R V(r) sin(kr)/(kr) r² dr
/// (3D) by composite Gauss–Legendre on [0, R] (V is smooth inside its range): 16 nodes per panel, at least 4 panels and
/// at most 8 radians of kR per panel, so that the oscillation of J₀(kr) or sin(kr) is resolved at every k. A fixed rule
/// is not enough on grids that resolve the particle scale: 64 nodes give V̂(300) = 1.8e-3 for harmonic σ = 1 (true
/// 2.4e-7), which fills u with spurious small-scale content (found by test F7, whose grid reaches kσ = 570). V̂ is
/// tabulated per grid as a ``ChebyshevSeries`` up to the grid's largest wavenumber, so that a mode costs a Clenshaw sum;
/// ``tabulated(on:)`` keeps V̂_ab at every mode of one grid and strain, for many evaluations there (an event's box
/// budget at every step, where the Clenshaw sums cost as much as the rest of the means).
public struct PotentialGradient {
    public let potential: BondPotential
    public let dimension: Int
    /// One panel's rule on [0, 1].
    private let panel = GaussLegendre(count: 16, on: 0...1)
    /// V̂_ab at every mode of `fft` at `strain` (``SlabFFT/modeFactors(strain:transfer:)``).
    private var modes: (fft: SlabFFT, strain: Double, factors: [[[Double]]])?

    public init(potential: BondPotential, dimension: Int) {
        self.potential = potential
        self.dimension = dimension
    }

    /// V̂_ab(k).
    public func transform(_ k: Double, _ a: Int, _ b: Int) -> Double {
        let range = potential.ranges[a][b], panels = max(4, Int((k * range / 8).rounded(.up))), width = range / Double(panels)
        var sum = 0.0
        for p in 0..<panels {
            for (t, w) in zip(panel.nodes, panel.weights) {
                let r = width * (Double(p) + t), x = k * r, v = potential.value(r, a, b)
                sum += width * w * v * (dimension == 2 ? j0(x) * r : (x < 1e-8 ? 1 - x * x / 6 : sin(x) / x) * r * r)
            }
        }
        return (dimension == 2 ? 2 : 4) * .pi * sum
    }

    /// This gradient with V̂_ab kept at every mode of `calculus`' grid and strain; ``evaluate(densities:calculus:)``
    /// uses the table there and computes the modes afresh elsewhere.
    public func tabulated(on calculus: SpectralCalculus) -> PotentialGradient {
        var tabulated = self
        tabulated.modes = (calculus.fft, calculus.strain, modeTransforms(on: calculus))
        return tabulated
    }

    /// V̂_ab at every mode of `calculus`' grid (0 at the Nyquist modes; ``SlabFFT/modeFactors(strain:transfer:)``'s
    /// indexing), by Chebyshev tables up to its largest lab wavenumber.
    public func modeTransforms(on calculus: SpectralCalculus) -> [[[Double]]] {
        let fft = calculus.fft, s = potential.species, d = dimension
        let kMax = (0..<d).reduce(0.0) { $0 + pow(Double.pi * Double(fft.extents[$1]) / fft.decomposition.box[$1], 2) }.squareRoot()
            * (1 + abs(calculus.strain))
        return (0..<s).map { a in
            (0..<s).map { b in
                let table = ChebyshevSeries.fit(on: kMax) { [transform($0, a, b)] }[0]
                return fft.modeFactors(strain: calculus.strain) { table($0) }
            }
        }
    }

    /// Collective: u_a for every species a (physical components), from the densities ρ̄_b as owned samples.
    public func evaluate(densities: [[Double]], calculus: SpectralCalculus) -> [[[Double]]] {
        let fft = calculus.fft, s = potential.species
        precondition(densities.count == s, "one density per species")
        let factors = if let modes, modes.fft === fft, modes.strain == calculus.strain { modes.factors } else { modeTransforms(on: calculus) }
        let spectra: [[Double]] = densities.map { field in
            fft.loadSamples(field)
            fft.forward()
            return Array(fft.spectral)
        }
        return (0..<s).map { a in
            var mean = [Double](repeating: 0, count: densities[a].count)
            for b in 0..<s {
                for i in 0..<fft.spectral.count { fft.spectral[i] = spectra[b][i] }
                fft.multiply(modeFactors: factors[a][b])
                fft.inverse()
                let convolved = fft.ownedSamples()
                for k in mean.indices { mean[k] += convolved[k] }
            }
            return calculus.gradient(mean)
        }
    }
}
