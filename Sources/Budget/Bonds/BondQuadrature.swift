#if canImport(Glibc)
import Glibc
#endif
import Fields

/// The quadrature over the bond vector y of the bond integrals B_ab[f, g] (physics.md §3.5): composite
/// Gauss–Legendre in r = |y| with panels [0, b₁], [b₁, b₂], … broken at the potentials' ranges (V' has a kink
/// there), and on the circle a periodic trapezoid rule with an even count (2D) or, on the sphere, Gauss–Legendre
/// in cos θ times a trapezoid rule in φ (3D), so that the node set is symmetric under y → −y. A node's weight
/// includes r^{d−1} and the angular measure: Σ_nodes w F(y) ≈ ∫ d^d y F(y) over |y| < the largest range.
public struct BondQuadrature: Sendable {
    public struct Node: Sendable {
        /// y in physical order (x, y[, z]).
        public let y: SIMD3<Double>
        public let r: Double
        public let weight: Double
    }

    public let dimension: Int
    public let nodes: [Node]
    /// Radial nodes per panel and angular nodes (2D: on the circle; 3D: polar × azimuthal).
    public let radialNodes: Int
    public let angularNodes: Int

    /// - Parameters: `breaks` ascending panel ends (the last is the largest range); physics.md's defaults
    ///   n_r = 8 per panel and N_θ = 32 give ≤ 2e-8 for ℓ ≥ 0.5 d_s (§3.6); in 3D `angularNodes` is the
    ///   azimuthal count and half of it the polar one.
    public init(dimension d: Int, breaks: [Double], radialNodes: Int = 8, angularNodes: Int = 32) {
        precondition(d == 2 || d == 3, "2 or 3 dimensions")
        precondition(angularNodes >= 2 && angularNodes % 2 == 0, "an even angular count keeps the node set symmetric under y → −y")
        precondition(!breaks.isEmpty && breaks.allSatisfy { $0 > 0 } && breaks == breaks.sorted(), "positive ascending breaks")
        dimension = d
        self.radialNodes = radialNodes
        self.angularNodes = angularNodes
        var radii: [(r: Double, w: Double)] = []
        var start = 0.0
        for end in breaks where end > start {
            let rule = GaussLegendre(count: radialNodes, on: start...end)
            radii += zip(rule.nodes, rule.weights).map { ($0, $1) }
            start = end
        }
        var directions: [(SIMD3<Double>, Double)] = []
        if d == 2 {
            let step = 2 * Double.pi / Double(angularNodes)
            directions = (0..<angularNodes).map { k in (SIMD3(cos(Double(k) * step), sin(Double(k) * step), 0), step) }
        } else {
            // cos θ nodes of Gauss–Legendre are symmetric about 0, φ + π pairs with φ: antipodal symmetry
            let polar = GaussLegendre(count: angularNodes / 2, on: -1...1), step = 2 * Double.pi / Double(angularNodes)
            for (c, wc) in zip(polar.nodes, polar.weights) {
                let s = (1 - c * c).squareRoot()
                for k in 0..<angularNodes {
                    directions.append((SIMD3(s * cos(Double(k) * step), s * sin(Double(k) * step), c), wc * step))
                }
            }
        }
        nodes = radii.flatMap { r, wr in
            directions.map { direction, wa in Node(y: r * direction, r: r, weight: wr * pow(r, Double(d - 1)) * wa) }
        }
    }
}
