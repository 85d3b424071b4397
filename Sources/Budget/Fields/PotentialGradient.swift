#if canImport(Glibc)
import Glibc
#endif
import Fields

/// The resolved potential gradient u_a = Σ_b ∇(V_ab * ρ̄_{ℓ,b}) (physics.md §4.1): the gradient of the mean-field
/// potential, minus the interaction force per particle. Spectral: û_a = Σ_b i k V̂_ab(|k|) ρ̂_b, exact on the
/// grid's trigonometric polynomials, with V̂_ab(k) = 2π ∫₀^R V(r) J₀(kr) r dr (2D) or 4π ∫₀^R V(r) sin(kr)/(kr) r² dr
/// (3D) by 64-node Gauss–Legendre on [0, R] (V is smooth inside its range), tabulated per grid as a ``ChebyshevSeries``
/// up to the grid's largest wavenumber, so that a mode costs a Clenshaw sum instead of 64 Bessel functions.
public struct PotentialGradient {
    public let potential: BondPotential
    public let dimension: Int
    private let rules: [[GaussLegendre]]

    public init(potential: BondPotential, dimension: Int) {
        self.potential = potential
        self.dimension = dimension
        rules = potential.ranges.map { row in row.map { GaussLegendre(count: 64, on: 0...$0) } }
    }

    /// V̂_ab(k).
    public func transform(_ k: Double, _ a: Int, _ b: Int) -> Double {
        let rule = rules[a][b]
        var sum = 0.0
        for (r, w) in zip(rule.nodes, rule.weights) {
            let v = potential.value(r, a, b)
            if dimension == 2 {
                sum += w * v * j0(k * r) * r
            } else {
                let x = k * r
                sum += w * v * (x < 1e-8 ? 1 - x * x / 6 : sin(x) / x) * r * r
            }
        }
        return (dimension == 2 ? 2 : 4) * .pi * sum
    }

    /// Collective: u_a for every species a (physical components), from the densities ρ̄_b as owned samples.
    public func evaluate(densities: [[Double]], calculus: SpectralCalculus) -> [[[Double]]] {
        let fft = calculus.fft, s = potential.species, d = dimension
        precondition(densities.count == s, "one density per species")
        let kMax = (0..<d).reduce(0.0) { $0 + pow(Double.pi * Double(fft.extents[$1]) / fft.decomposition.box[$1], 2) }.squareRoot()
            * (1 + abs(calculus.strain))
        let tables = (0..<s).map { a in (0..<s).map { b in ChebyshevSeries.fit(on: kMax) { [transform($0, a, b)] }[0] } }
        let spectra: [[Double]] = densities.map { field in
            fft.loadSamples(field)
            fft.forward()
            return Array(fft.spectral)
        }
        return (0..<s).map { a in
            var mean = [Double](repeating: 0, count: densities[a].count)
            for b in 0..<s {
                for i in 0..<fft.spectral.count { fft.spectral[i] = spectra[b][i] }
                fft.multiply(strain: calculus.strain) { tables[a][b]($0) }
                fft.inverse()
                let convolved = fft.ownedSamples()
                for k in mean.indices { mean[k] += convolved[k] }
            }
            return calculus.gradient(mean)
        }
    }
}
