#if canImport(Glibc)
import Glibc
#endif
import Fields

/// The Fourier transform of the bond weight (physics.md §3.7a): Φ_ab(K) = ∫ d^d y  y ⊗ ∇V_ab(y) e^{iK·y}, real and
/// even, isotropic up to the direction K̂:
///   2D: Φ_ab(K) = P₀(K) I − P₂(K)(2 K̂⊗K̂ − I),  P_n(K) = π ∫₀^{r_ab} dr r² V'_ab(r) J_n(Kr);
///   3D: Φ_ab(K) = Q₁(K) I − Q₂(K) K̂⊗K̂,  Q₁ = 4π ∫ dr r³ V' j₁(Kr)/(Kr),  Q₂ = 4π ∫ dr r³ V' j₂(Kr)
/// (∫dθ ŷŷ e^{iz cos θ} = π[J₀ I − J₂(2K̂K̂ − I)]; ∫dΩ ŷŷ e^{iz K̂·ŷ} = 4π[j₁(z)/z I − j₂(z) K̂K̂]).
/// The two radial functions are entire in K (compact range), so each is tabulated once per (a, b) as a
/// ``ChebyshevSeries`` on [0, K_max]; the radial integrals use Gauss–Legendre panels broken at every range (V' has a kink there) with enough nodes for the
/// oscillation K_max r_ab. Evaluating Φ at a mode is then a Clenshaw sum, not a quadrature.
public struct BondTransform: Sendable {
    public let dimension: Int
    public let maximumWavenumber: Double
    /// [a][b]: the isotropic and the K̂⊗K̂ radial function.
    private let series: [[(isotropic: ChebyshevSeries, directional: ChebyshevSeries)]]

    public init(potential: BondPotential, dimension d: Int, maximumWavenumber kMax: Double) {
        precondition(d == 2 || d == 3, "2 or 3 dimensions")
        dimension = d
        let top = max(kMax, 1e-12)
        maximumWavenumber = top
        let breaks = potential.breaks
        series = (0..<potential.species).map { a in
            (0..<potential.species).map { b in
                let range = potential.ranges[a][b]
                let panels = ([0] + breaks.filter { $0 < range } + [range]).adjacentPairs()
                let count = max(48, Int(kMax * range) + 32)
                let rules = panels.map { GaussLegendre(count: count, on: $0...$1) }
                func radial(_ k: Double) -> (Double, Double) {
                    var iso = 0.0, dir = 0.0
                    for rule in rules {
                        for (r, w) in zip(rule.nodes, rule.weights) {
                            let slope = potential.derivative(r, a, b), x = k * r
                            if d == 2 {
                                iso += w * r * r * slope * j0(x)
                                dir += w * r * r * slope * jn(2, x)
                            } else {
                                let (j1x, j2) = Self.sphericalBessel(x)
                                iso += w * r * r * r * slope * j1x
                                dir += w * r * r * r * slope * j2
                            }
                        }
                    }
                    let scale = d == 2 ? Double.pi : 4 * Double.pi
                    return (scale * iso, scale * dir)
                }
                let fitted = ChebyshevSeries.fit(on: top) { k in
                    let (iso, dir) = radial(k)
                    return [iso, dir]
                }
                return (fitted[0], fitted[1])
            }
        }
    }

    /// The isotropic and directional radial functions at |K| = k ≤ `maximumWavenumber` (2D: P₀ + P₂ and 2P₂ so
    /// that Φ = iso I − dir K̂⊗K̂ in both dimensions).
    @inline(__always)
    public func radial(_ k: Double, _ a: Int, _ b: Int) -> (isotropic: Double, directional: Double) {
        let s = series[a][b]
        let p = s.isotropic(k), q = s.directional(k)
        return dimension == 2 ? (p + q, 2 * q) : (p, q)
    }

    /// j₁(x)/x and j₂(x), by their series below x = 0.5 where the closed forms cancel.
    static func sphericalBessel(_ x: Double) -> (Double, Double) {
        let x2 = x * x
        if x < 0.5 {
            let j1x = (1 - x2 / 10 * (1 - x2 / 28 * (1 - x2 / 54 * (1 - x2 / 88)))) / 3
            let j2 = x2 / 15 * (1 - x2 / 14 * (1 - x2 / 36 * (1 - x2 / 66 * (1 - x2 / 104))))
            return (j1x, j2)
        }
        let (s, c) = (sin(x), cos(x))
        return ((s / x2 - c / x) / x, (3 / x2 - 1) * s / x - 3 * c / x2)
    }
}

private extension Array {
    /// (a₀, a₁), (a₁, a₂), …
    func adjacentPairs() -> [(Element, Element)] { count < 2 ? [] : (1..<count).map { (self[$0 - 1], self[$0]) } }
}
