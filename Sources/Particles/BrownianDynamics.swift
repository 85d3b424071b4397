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

    @inline(__always)
    static func load(_ buffer: UnsafeBufferPointer<Double>, at offset: Int) -> SIMD16<Double> {
        UnsafeRawPointer(buffer.baseAddress! + offset).loadUnaligned(as: SIMD16<Double>.self)
    }

    @inline(__always)
    static func load(_ buffer: UnsafeMutableBufferPointer<Double>, at offset: Int) -> SIMD16<Double> {
        load(UnsafeBufferPointer(buffer), at: offset)
    }

    /// The first `count` lanes from `buffer[offset...]`, the others 0 (the last, partial group).
    static func loadPartial(_ buffer: UnsafeBufferPointer<Double>, at offset: Int, count: Int) -> SIMD16<Double> {
        var lanes = SIMD16<Double>()
        for k in 0..<count { lanes[k] = buffer[offset + k] }
        return lanes
    }

    static func loadPartial(_ buffer: UnsafeMutableBufferPointer<Double>, at offset: Int, count: Int) -> SIMD16<Double> {
        loadPartial(UnsafeBufferPointer(buffer), at: offset, count: count)
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
            var largest = SIMD8<Double>()
            let lanes = NoiseLanes.scalarCount
            for group in stride(from: 0, to: n, by: lanes) {
                let count = min(lanes, n - group)
                var w = (NoiseLanes(), NoiseLanes(), NoiseLanes(), NoiseLanes())
                if amplitude > 0 {
                    var ids = NoiseLanes()
                    for l in 0..<count { ids[l] = UInt64(bitPattern: Int64(id[group + l])) }
                    w = RandomStream.brownian.words(seed: seed, ids: ids, n: d == 2 ? step >> 1 : step)
                }
                if d == 2 {
                    // One block per two steps (``NoiseDistribution/pair(_:seed:id:n:)``); the eight
                    // particles' x and y interleaved, as they lie in memory.
                    let (a, b) = step & 1 == 0 ? noise.values(w.0, w.1) : noise.values(w.2, w.3)
                    var xiNoise = SIMD16<Double>()
                    if amplitude > 0 {
                        xiNoise.evenHalf = a
                        xiNoise.oddHalf = b
                    }
                    let full = count == lanes  // else lanes past the last particle stay 0
                    var xi = full ? Self.load(x, at: 2 * group) : Self.loadPartial(x, at: 2 * group, count: 2 * count)
                    let fi = full ? Self.load(f, at: 2 * group) : Self.loadPartial(f, at: 2 * group, count: 2 * count)
                    let ri = full ? Self.load(r, at: 2 * group) : Self.loadPartial(r, at: 2 * group, count: 2 * count)
                    xi += dt * fi + amplitude * xiNoise
                    if full {
                        UnsafeMutableRawPointer(x.baseAddress! + 2 * group).storeBytes(of: xi, as: SIMD16<Double>.self)
                    } else {
                        for k in 0..<(2 * count) { x[2 * group + k] = xi[k] }
                    }
                    let move = (xi - ri) * (xi - ri)
                    let squared = move.evenHalf + move.oddHalf
                    largest.replace(with: squared, where: squared .> largest)
                } else {
                    // ``NoiseDistribution/components(_:seed:id:n:)``
                    var (a, b) = noise.values(w.0, w.1)
                    var c = noise.values(w.2, w.3).0
                    if amplitude == 0 { (a, b, c) = (SIMD8(), SIMD8(), SIMD8()) }
                    for l in 0..<count {
                        let i = group + l
                        x[i * 3] += dt * f[i * 3] + amplitude * a[l]
                        x[i * 3 + 1] += dt * f[i * 3 + 1] + amplitude * b[l]
                        x[i * 3 + 2] += dt * f[i * 3 + 2] + amplitude * c[l]
                        let dx = x[i * 3] - r[i * 3], dy = x[i * 3 + 1] - r[i * 3 + 1], dz = x[i * 3 + 2] - r[i * 3 + 2]
                        largest[l] = max(largest[l], dx * dx + dy * dy + dz * dz)
                    }
                }
            }
            return largest.max()
        }}}}
        system.step += 1
        system.positionsChanged(largestSquaredMove: largestMove)
    }
}
