/// Hertzian spheres, V(r) = (2ε/5)(1 − r/σ)^{5/2} for r < σ (physics.md §1.4).
/// −V'(r)/r = ε(1 − r/σ)^{3/2}/(σ r).
public struct HertzianPotential: PairPotential {
    public let epsilon: Double
    public init(epsilon: Double = 1) { self.epsilon = epsilon }
    public var cutoffRatio: Double { 1 }

    @inlinable
    public func evaluate(r2: Double, sigma: Double) -> (energy: Double, forceOverR: Double) {
        let r = r2.squareRoot()
        let gap = 1 - r / sigma
        let g32 = gap * gap.squareRoot()
        return (0.4 * epsilon * gap * g32, epsilon * g32 / (sigma * r))
    }
}
