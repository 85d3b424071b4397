/// Overdamped Brownian dynamics by Euler–Maruyama (Itô), physics.md §1.3 in units with μ = 1:
///
///   x_i ← x_i + Δt [F_i + f^e(x_i)] + √(2 T_v Δt) ξ_i,
///
/// ξ_i a unit-variance vector drawn from ``RandomStream/brownian`` at (seed, id, step) (in 2D with
/// ``NoiseDistribution/pair(_:seed:id:n:)``, in 3D with ``NoiseDistribution/components(_:seed:id:n:)``):
/// the same trajectory on any number of ranks.
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
        // The move and the largest squared displacement since the last rebuild, in one pass over groups
        // of eight particles whose Philox blocks are drawn together (``NoiseLanes``).
        let largestMove = system.forces.withUnsafeBufferPointer { f in
        system.ids.withUnsafeBufferPointer { id in
        system.reference.withUnsafeBufferPointer { r in
        system.positions.withUnsafeMutableBufferPointer { x in
            var largest = 0.0
            let lanes = NoiseLanes.scalarCount
            for group in stride(from: 0, to: n, by: lanes) {
                let count = min(lanes, n - group)
                var w = (NoiseLanes(), NoiseLanes(), NoiseLanes(), NoiseLanes())
                if amplitude > 0 {
                    var ids = NoiseLanes()
                    for l in 0..<count { ids[l] = UInt64(bitPattern: Int64(id[group + l])) }
                    w = RandomStream.brownian.words(seed: seed, ids: ids, n: d == 2 ? step >> 1 : step)
                }
                for l in 0..<count {
                    let i = group + l
                    if d == 2 {
                        // One block per two steps (``NoiseDistribution/pair(_:seed:id:n:)``).
                        var (a, b) = step & 1 == 0 ? noise.values(UInt32(w.0[l]), UInt32(w.1[l]))
                                                   : noise.values(UInt32(w.2[l]), UInt32(w.3[l]))
                        if amplitude == 0 { (a, b) = (0, 0) }
                        x[i * 2] += dt * f[i * 2] + amplitude * a
                        x[i * 2 + 1] += dt * f[i * 2 + 1] + amplitude * b
                        let dx = x[i * 2] - r[i * 2], dy = x[i * 2 + 1] - r[i * 2 + 1]
                        largest = max(largest, dx * dx + dy * dy)
                    } else {
                        // ``NoiseDistribution/components(_:seed:id:n:)``
                        var (a, b) = noise.values(UInt32(w.0[l]), UInt32(w.1[l]))
                        var c = noise.values(UInt32(w.2[l]), UInt32(w.3[l])).0
                        if amplitude == 0 { (a, b, c) = (0, 0, 0) }
                        x[i * 3] += dt * f[i * 3] + amplitude * a
                        x[i * 3 + 1] += dt * f[i * 3 + 1] + amplitude * b
                        x[i * 3 + 2] += dt * f[i * 3 + 2] + amplitude * c
                        let dx = x[i * 3] - r[i * 3], dy = x[i * 3 + 1] - r[i * 3 + 1], dz = x[i * 3 + 2] - r[i * 3 + 2]
                        largest = max(largest, dx * dx + dy * dy + dz * dz)
                    }
                }
            }
            return largest
        }}}}
        system.step += 1
        system.positionsChanged(largestSquaredMove: largestMove)
    }
}
