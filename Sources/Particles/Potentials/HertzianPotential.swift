/// Hertzian spheres, V(r) = (2ε/5)(1 − r/σ)^{5/2} for r < σ (physics.md §1.4).
/// −V'(r)/r = ε(1 − r/σ)^{3/2}/(σ r).
public struct HertzianPotential: PairPotential {
    public let epsilon: Double
    public init(epsilon: Double = 1) { self.epsilon = epsilon }
    public var cutoffRatio: Double { 1 }

    /// One division per pair: with q = 1/(σ² r), g = 1 − r/σ = (σ − r) σ r q and −V'/r = ε g^{3/2} σ q.
    @inlinable @inline(__always)
    public func evaluate(r2: PairLanes, sigma: PairLanes) -> (energy: PairLanes, forceOverR: PairLanes) {
        let r = r2.laneSquareRoot
        let q = 1 / (sigma * sigma * r)
        let gap = (sigma - r) * sigma * r * q
        let g32 = gap * gap.laneSquareRoot
        return (0.4 * epsilon * gap * g32, epsilon * g32 * sigma * q)
    }
}
