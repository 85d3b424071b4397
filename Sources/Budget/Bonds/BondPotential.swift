#if canImport(Glibc)
import Glibc
#endif
/// The pair interaction as the budget sees it (physics.md §2.3): V_ab(r) and V'_ab(r) between species a and b,
/// zero from `ranges[a][b]` on. Plain closures, so that `Budget` does not depend on how the particle engine
/// evaluates its potentials (design.md: `Budget` never imports `Particles`); they are called once per
/// quadrature node or per Fourier mode, never per grid point.
public struct BondPotential: Sendable {
    /// Species count.
    public let species: Int
    /// r_ab: V_ab(r) = 0 for r ≥ r_ab (the contact distance σ_ab = (d_a + d_b)/2 for harmonic and Hertzian disks).
    public let ranges: [[Double]]
    private let potential: @Sendable (Double, Int, Int) -> Double
    private let slope: @Sendable (Double, Int, Int) -> Double

    /// - Parameters: `value(r, a, b)` = V_ab(r) and `derivative(r, a, b)` = V'_ab(r), both for r < r_ab.
    public init(ranges: [[Double]], value: @escaping @Sendable (Double, Int, Int) -> Double,
                derivative: @escaping @Sendable (Double, Int, Int) -> Double) {
        precondition(!ranges.isEmpty && ranges.allSatisfy { $0.count == ranges.count }, "one range per species pair")
        species = ranges.count
        self.ranges = ranges
        potential = value
        slope = derivative
    }

    /// V_ab(r), zero beyond the range.
    public func value(_ r: Double, _ a: Int, _ b: Int) -> Double { r < ranges[a][b] ? potential(r, a, b) : 0 }

    /// V'_ab(r), zero beyond the range.
    public func derivative(_ r: Double, _ a: Int, _ b: Int) -> Double { r < ranges[a][b] ? slope(r, a, b) : 0 }

    /// The distinct ranges, ascending: the panel breaks of the radial quadrature (V' has a kink there).
    public var breaks: [Double] { Array(Set(ranges.flatMap { $0 })).sorted() }

    /// Hertzian disks or spheres V_ab = (2ε/5)(1 − r/σ_ab)^{5/2}, σ_ab = (d_a + d_b)/2 (physics.md §1.4).
    public static func hertzian(diameters: [Double], epsilon: Double = 1) -> BondPotential {
        let sigma = diameters.map { a in diameters.map { b in 0.5 * (a + b) } }
        return BondPotential(ranges: sigma,
                             value: { r, a, b in 0.4 * epsilon * pow(1 - r / sigma[a][b], 2.5) },
                             derivative: { r, a, b in -epsilon * pow(1 - r / sigma[a][b], 1.5) / sigma[a][b] })
    }

    /// GEM-4 V_ab = ε exp(−(r/σ_ab)⁴), cut at 3σ_ab where it is e^{-81} (physics.md §1.4), σ_ab = σ (d_a + d_b)/2.
    public static func gem4(diameters: [Double] = [1], sigma: Double = 1, epsilon: Double = 1) -> BondPotential {
        bounded(diameters: diameters, sigma: sigma, cut: 3) { x in
            let x4 = x * x * x * x
            return (epsilon * exp(-x4), -4 * epsilon * x * x * x * exp(-x4))
        }
    }

    /// Gaussian core V_ab = ε exp(−(r/σ_ab)²), cut at 4σ_ab where it is e^{-16} (physics.md §1.4), σ_ab = σ (d_a + d_b)/2.
    public static func gaussianCore(diameters: [Double] = [1], sigma: Double = 1, epsilon: Double = 1) -> BondPotential {
        bounded(diameters: diameters, sigma: sigma, cut: 4) { x in (epsilon * exp(-x * x), -2 * epsilon * x * exp(-x * x)) }
    }

    /// A bounded potential V_ab(r) = v(r/σ_ab) with d v/dx given alongside, cut at `cut` σ_ab.
    private static func bounded(diameters: [Double], sigma: Double, cut: Double,
                                _ v: @escaping @Sendable (Double) -> (value: Double, slope: Double)) -> BondPotential {
        let s = diameters.map { a in diameters.map { b in sigma * 0.5 * (a + b) } }
        return BondPotential(ranges: s.map { $0.map { cut * $0 } },
                             value: { r, a, b in v(r / s[a][b]).value },
                             derivative: { r, a, b in v(r / s[a][b]).slope / s[a][b] })
    }

    /// Harmonic disks or spheres V_ab = (ε/2)(1 − r/σ_ab)², σ_ab = (d_a + d_b)/2 (physics.md §1.4).
    public static func harmonic(diameters: [Double], epsilon: Double = 1) -> BondPotential {
        let sigma = diameters.map { a in diameters.map { b in 0.5 * (a + b) } }
        return BondPotential(ranges: sigma,
                             value: { r, a, b in 0.5 * epsilon * (1 - r / sigma[a][b]) * (1 - r / sigma[a][b]) },
                             derivative: { r, a, b in -epsilon * (1 - r / sigma[a][b]) / sigma[a][b] })
    }
}
