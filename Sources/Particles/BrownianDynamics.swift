/// Overdamped Brownian dynamics by Euler–Maruyama (Itô), physics.md §1.3 in units with μ = 1:
///
///   x_i ← x_i + Δt [F_i + f^e(x_i)] + √(2 T_v Δt) ξ_i,
///
/// ξ_i a unit-variance vector drawn from ``RandomStream/brownian`` at (seed, id, step): the same
/// trajectory on any number of ranks.
public struct BrownianDynamics: Sendable {
    /// Time step Δt in ℓ₀²/(μV₀).
    public let timeStep: Double
    /// Temperature T_v = k_B T / V₀.
    public let temperature: Double
    public let noise: NoiseDistribution
    public let seed: UInt64

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for Δt ≤ 0 or T_v < 0.
    public init(timeStep: Double, temperature: Double, noise: NoiseDistribution = .gaussian, seed: UInt64) throws {
        guard timeStep > 0, timeStep.isFinite else {
            throw ParticlesError.invalidParameter(name: "[dynamics] dt", value: "\(timeStep)",
                                                  expected: "the time step must be positive, 0.01 is typical")
        }
        guard temperature >= 0, temperature.isFinite else {
            throw ParticlesError.invalidParameter(name: "[dynamics] temperature", value: "\(temperature)",
                                                  expected: "T_v must be zero or positive")
        }
        self.timeStep = timeStep
        self.temperature = temperature
        self.noise = noise
        self.seed = seed
    }

    /// Collective: one step: forces at the current positions, the move, then ghosts or a rebuild.
    public func step(_ system: ParticleSystem) {
        system.computeForces()
        let d = system.dimension, n = system.localCount, dt = timeStep, step = system.step
        let amplitude = (2 * temperature * dt).squareRoot()
        system.forces.withUnsafeBufferPointer { f in
        system.ids.withUnsafeBufferPointer { id in
        system.positions.withUnsafeMutableBufferPointer { x in
            for i in 0..<n {
                if amplitude > 0 {
                    let xi = noise.components(.brownian, seed: seed, id: id[i], n: step)
                    x[i * d] += dt * f[i * d] + amplitude * xi.0
                    x[i * d + 1] += dt * f[i * d + 1] + amplitude * xi.1
                    if d == 3 { x[i * d + 2] += dt * f[i * d + 2] + amplitude * xi.2 }
                } else {
                    for a in 0..<d { x[i * d + a] += dt * f[i * d + a] }
                }
            }
        }}}
        system.step += 1
        system.positionsChanged()
    }
}
