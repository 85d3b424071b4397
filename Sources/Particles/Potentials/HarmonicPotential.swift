/// Harmonic soft spheres, V(r) = (ε/2)(1 − r/σ)² for r < σ (physics.md §1.4; LAMMPS harmonic/cut with
/// k = ε/(2σ²), r_c = σ). −V'(r)/r = ε(1 − r/σ)/(σ r).
public struct HarmonicPotential: PairPotential {
    public let epsilon: Double
    public init(epsilon: Double = 1) { self.epsilon = epsilon }
    public var cutoffRatio: Double { 1 }

    /// One division per pair: with q = 1/(σ² r), the force is ε(σ − r) q and the energy (ε/2)(σ − r)² q r.
    @inlinable @inline(__always)
    public func evaluate(r2: PairLanes, sigma: PairLanes) -> (energy: PairLanes, forceOverR: PairLanes) {
        let r = r2.laneSquareRoot
        let gap = sigma - r
        let q = 1 / (sigma * sigma * r)
        return (0.5 * epsilon * gap * gap * q * r, epsilon * gap * q)
    }
}
