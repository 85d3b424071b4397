#if canImport(Glibc)
import Glibc
#endif

/// The C∞ mollifier (physics.md §3.1), the kernel that meets the paper's hypothesis G ∈ C_c^∞ literally:
/// G(r) = c exp(−1/(1 − r²/R²)) for r < R. With m_p = S_d ∫₀¹ e^{−1/(1−u²)} u^{d−1+p} du,
/// R = √(m₀/m₂) and c = 1/(m₀ R^d) give unit mass and second moment (2D: R = 1.9562348, c = 0.56013775).
/// Ĝ is the Hankel transform, by composite Gauss–Legendre quadrature: 2π ∫₀^R G J₀(kr) r dr in 2D,
/// 4π ∫₀^R G sin(kr)/(kr) r² dr in 3D.
public struct MollifierKernel: Kernel, Equatable {
    public let dimension: Int
    public let supportRadius: Double
    /// c.
    public let normalisation: Double
    /// Nodes and weights of the radial rule on [0, R] for the transform.
    private let radial: GaussLegendre

    public init(dimension: Int) {
        precondition(dimension == 2 || dimension == 3)
        self.dimension = dimension
        // The integrand vanishes with every derivative at u = 1: a plain rule converges fast.
        let unit = GaussLegendre(count: 200, on: 0...1)
        let sphere = dimension == 2 ? 2 * Double.pi : 4 * Double.pi
        let moment = { (p: Int) in sphere * unit.integrate { u in u < 1 ? exp(-1 / (1 - u * u)) * pow(u, Double(dimension - 1 + p)) : 0 } }
        let m0 = moment(0), m2 = moment(2)
        supportRadius = (m0 / m2).squareRoot()
        normalisation = 1 / (m0 * pow(supportRadius, Double(dimension)))
        radial = Self.panels(8, nodes: 32, on: supportRadius)
    }

    public var name: String { "mollifier" }

    public func value(_ r: Double) -> Double {
        let u = r / supportRadius
        return u < 1 ? normalisation * exp(-1 / (1 - u * u)) : 0
    }

    public func transform(_ k: Double) -> Double {
        var sum = 0.0
        for (r, w) in zip(radial.nodes, radial.weights) {
            let kr = abs(k) * r
            let angular = dimension == 2 ? j0(kr) * r : (kr == 0 ? 1 : sin(kr) / kr) * r * r
            sum += w * value(r) * angular
        }
        return sphere * sum
    }

    /// `count` equal panels of a Gauss–Legendre rule with `nodes` each, on [0, radius].
    static func panels(_ count: Int, nodes: Int, on radius: Double) -> GaussLegendre {
        let width = radius / Double(count)
        let parts = (0..<count).map { GaussLegendre(count: nodes, on: (Double($0) * width)...(Double($0 + 1) * width)) }
        return GaussLegendre(nodes: parts.flatMap(\.nodes), weights: parts.flatMap(\.weights))
    }
}
