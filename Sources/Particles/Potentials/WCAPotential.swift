/// Weeks–Chandler–Andersen: V(r) = 4ε[(σ/r)¹² − (σ/r)⁶] + ε for r < 2^{1/6}σ (the Lennard-Jones
/// repulsion shifted to zero at its minimum). −V'(r)/r = 24ε[2(σ/r)¹² − (σ/r)⁶]/r².
public struct WCAPotential: PairPotential {
    public let epsilon: Double
    public init(epsilon: Double = 1) { self.epsilon = epsilon }
    public var cutoffRatio: Double { 1.122_462_048_309_373 }  // 2^{1/6}

    @inlinable @inline(__always)
    public func evaluate(r2: PairLanes, sigma: PairLanes) -> (energy: PairLanes, forceOverR: PairLanes) {
        let s2 = sigma * sigma / r2
        let s6 = s2 * s2 * s2
        let s12 = s6 * s6
        return (4 * epsilon * (s12 - s6) + epsilon, 24 * epsilon * (2 * s12 - s6) / r2)
    }
}
