import Parallel

/// Overdamped Brownian dynamics by Euler–Maruyama (Itô), physics.md §1.3 in units with μ = 1:
///
///   x_i ← x_i + Δt [F_i + f^e(x_i)] + √(2 T_v Δt) ξ_i,
///
/// with, under simple shear at rate γ̇ (Lees–Edwards, physics.md §1.5b), the affine drift
/// f^e = γ̇ (y_i − L_y/2) e_x and the strain advanced by γ̇ Δt per step (``ParticleSystem/shear(by:)``),
/// and with a ``FourierForcing`` its body force f^e(x, t) (physics.md §1.5a), added to the forces before the move.
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
    /// Shear rate γ̇ in 1/(ℓ₀²/(μV₀)): flow along x, gradient along y; 0 for no shear.
    public let shearRate: Double
    /// A large-scale body force, or none.
    public let forcing: FourierForcing?

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for Δt ≤ 0, T_v < 0 or a
    ///   shear rate that is not finite.
    public init(timeStep: Double, temperature: Double, noise: NoiseDistribution = .gaussian, seed: UInt64,
                shearRate: Double = 0, forcing: FourierForcing? = nil) throws {
        guard timeStep > 0, timeStep.isFinite else {
            throw ParticlesError.invalidParameter(name: "[dynamics] dt", value: "\(timeStep)",
                                                  expected: "the time step must be positive, 0.01 is typical")
        }
        guard temperature >= 0, temperature.isFinite else {
            throw ParticlesError.invalidParameter(name: "[dynamics] temperature", value: "\(temperature)",
                                                  expected: "T_v must be zero or positive")
        }
        guard shearRate.isFinite else {
            throw ParticlesError.invalidParameter(name: "[shear] rate", value: "\(shearRate)", expected: "must be a finite number")
        }
        if let forcing, shearRate != 0, !forcing.uniformAlongX {
            throw ParticlesError.invalidParameter(name: "[forcing] modes", value: "wavevector with n_x ≠ 0",
                                                  expected: "under shear the y images are shifted along x, so only modes with n_x = 0 stay periodic")
        }
        self.shearRate = shearRate
        self.forcing = forcing
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

    @inline(__always)
    static func load8(_ buffer: UnsafeMutableBufferPointer<Double>, _ offset: Int) -> SIMD8<Double> {
        UnsafeRawPointer(buffer.baseAddress! + offset).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inline(__always)
    static func load8(_ buffer: UnsafeBufferPointer<Double>, _ offset: Int) -> SIMD8<Double> {
        UnsafeRawPointer(buffer.baseAddress! + offset).loadUnaligned(as: SIMD8<Double>.self)
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
        let rate = shearRate, halfY = 0.5 * system.box[ParticleSystem.slabAxis]
        let drifts = rate != 0
        if let forcing {
            let box = system.box, time = Double(step) * dt
            system.positions.withUnsafeBufferPointer { x in
                system.forces.withUnsafeMutableBufferPointer { f in
                    for i in 0..<n { forcing.add(at: x.baseAddress! + i * d, box: box, time: time, to: f.baseAddress! + i * d) }
                }
            }
        }
        /// The x-drift γ̇ (y − L_y/2) of a particle at height y.
        @inline(__always) func drift(_ y: Double) -> Double { rate * (y - halfY) }
        @inline(__always) func drift(_ y: SIMD8<Double>) -> SIMD8<Double> {
            var g = SIMD8<Double>()
            for l in 0..<8 { g[l] = drift(y[l]) }
            return g
        }
        // The move and the largest squared displacement since the last rebuild, in one pass over groups
        // of eight particles whose Philox blocks are drawn together (``NoiseLanes``).
        let largestMove = system.forces.withUnsafeBufferPointer { f in
        system.ids.withUnsafeBufferPointer { id in
        system.reference.withUnsafeBufferPointer { r in
        system.positions.withUnsafeMutableBufferPointer { x in
            var largest = SIMD8<Double>(), largestScalar = 0.0  // by lane in 2D; one value in 3D
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
                    let full = count == lanes  // else lanes past the last particle start at 0
                    var xi = full ? Self.load(x, at: 2 * group) : Self.loadPartial(x, at: 2 * group, count: 2 * count)
                    var fi = full ? Self.load(f, at: 2 * group) : Self.loadPartial(f, at: 2 * group, count: 2 * count)
                    if drifts {
                        var along = SIMD16<Double>()  // the drift on the x lanes
                        along.evenHalf = drift(xi.oddHalf)
                        fi += along
                    }
                    let ri = full ? Self.load(r, at: 2 * group) : Self.loadPartial(r, at: 2 * group, count: 2 * count)
                    xi += dt * fi + amplitude * xiNoise
                    if full {
                        UnsafeMutableRawPointer(x.baseAddress! + 2 * group).storeBytes(of: xi, as: SIMD16<Double>.self)
                    } else {
                        for k in 0..<(2 * count) { x[2 * group + k] = xi[k] }
                    }
                    let move = (xi - ri) * (xi - ri)
                    // Lanes past the last particle moved by their noise and drift, but hold no particle.
                    let real = SIMD8<Int64>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int64>(repeating: Int64(count))
                    let squared = SIMD8<Double>().replacing(with: move.evenHalf + move.oddHalf, where: real)
                    largest.replace(with: squared, where: squared .> largest)
                } else {
                    // ``NoiseDistribution/components(_:seed:id:n:)``
                    var (a, b) = noise.values(w.0, w.1)
                    var c = noise.values(w.2, w.3).0
                    if amplitude == 0 { (a, b, c) = (SIMD8(), SIMD8(), SIMD8()) }
                    if count == lanes {
                        // Eight particles' x, y, z are 24 doubles: three vectors, noise interleaved to match.
                        let noise = (SIMD8(a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2]),
                                     SIMD8(c[2], a[3], b[3], c[3], a[4], b[4], c[4], a[5]),
                                     SIMD8(b[5], c[5], a[6], b[6], c[6], a[7], b[7], c[7]))
                        let o = 3 * group
                        var f0 = Self.load8(f, o), f1 = Self.load8(f, o + 8), f2 = Self.load8(f, o + 16)
                        if drifts {
                            // the drift on the x lanes: particle l's y is element 3l + 1 of the 24
                            let v0 = Self.load8(x, o), v1 = Self.load8(x, o + 8), v2 = Self.load8(x, o + 16)
                            let g = drift(SIMD8(v0[1], v0[4], v0[7], v1[2], v1[5], v2[0], v2[3], v2[6]))
                            f0 += SIMD8(g[0], 0, 0, g[1], 0, 0, g[2], 0)
                            f1 += SIMD8(0, g[3], 0, 0, g[4], 0, 0, g[5])
                            f2 += SIMD8(0, 0, g[6], 0, 0, g[7], 0, 0)
                        }
                        let x0 = Self.load8(x, o) + (dt * f0 + amplitude * noise.0)
                        let x1 = Self.load8(x, o + 8) + (dt * f1 + amplitude * noise.1)
                        let x2 = Self.load8(x, o + 16) + (dt * f2 + amplitude * noise.2)
                        let base = UnsafeMutableRawPointer(x.baseAddress! + o)
                        base.storeBytes(of: x0, as: SIMD8<Double>.self)
                        base.storeBytes(of: x1, toByteOffset: 64, as: SIMD8<Double>.self)
                        base.storeBytes(of: x2, toByteOffset: 128, as: SIMD8<Double>.self)
                        let m0 = (x0 - Self.load8(r, o)) * (x0 - Self.load8(r, o))
                        let m1 = (x1 - Self.load8(r, o + 8)) * (x1 - Self.load8(r, o + 8))
                        let m2 = (x2 - Self.load8(r, o + 16)) * (x2 - Self.load8(r, o + 16))
                        let squared = SIMD8(m0[0], m0[3], m0[6], m1[1], m1[4], m1[7], m2[2], m2[5])
                            + SIMD8(m0[1], m0[4], m0[7], m1[2], m1[5], m2[0], m2[3], m2[6])
                            + SIMD8(m0[2], m0[5], m1[0], m1[3], m1[6], m2[1], m2[4], m2[7])
                        largest.replace(with: squared, where: squared .> largest)
                        continue
                    }
                    for l in 0..<count {
                        let i = group + l
                        let along = drifts ? drift(x[i * 3 + 1]) : 0
                        x[i * 3] += dt * (f[i * 3] + along) + amplitude * a[l]
                        x[i * 3 + 1] += dt * f[i * 3 + 1] + amplitude * b[l]
                        x[i * 3 + 2] += dt * f[i * 3 + 2] + amplitude * c[l]
                        let dx = x[i * 3] - r[i * 3], dy = x[i * 3 + 1] - r[i * 3 + 1], dz = x[i * 3 + 2] - r[i * 3 + 2]
                        largestScalar = max(largestScalar, dx * dx + dy * dy + dz * dz)
                    }
                }
            }
            return max(largest.max(), largestScalar)
        }}}}
        system.step += 1
        if rate != 0 { system.shear(by: rate * dt) }
        system.positionsChanged(largestSquaredMove: largestMove)
    }
}
