import Foundation
import Parallel
import Testing
@testable import Particles

/// Kolmogorov body forcing (physics.md §1.5a) on the MPI singleton.
@Suite(.serialized) struct ForcingTests {
    /// Ideal particles (ε = 0) at T_v driven by F₀ sin(k y) e_x, k = 2πn/L_y: the overdamped velocity is the
    /// force (μ = 1), so the mean x displacement over t is F₀ sin(k y₀) (1 − e^{−k²T_v t})/(k²T_v) (y diffuses
    /// freely and averages the sine down). The least-squares slope of Δx against that profile equals F₀
    /// within 4 standard errors (from the residuals).
    @Test(arguments: [1, 3])
    func meanVelocityFollowsTheForce(mode: Int) throws {
        let n = 2000, temperature = 0.5, dt = 0.01, steps = 150, amplitude = 0.8
        let snapshot = try RandomPacking.make(dimension: 2, count: n, packingFraction: 0.2, mixture: .monodisperse, seed: 13)
        let system = try ParticleSystem(snapshot: snapshot, potential: PotentialKind.harmonic.potential(epsilon: 0),
                                        skin: 0.3, communicator: .world)
        let forcing = try KolmogorovForcing(amplitude: amplitude, mode: Double(mode))
        let dynamics = try BrownianDynamics(timeStep: dt, temperature: temperature, seed: 6, forcing: forcing)
        for _ in 0..<steps { dynamics.step(system) }
        system.rebuild()
        let end = try #require(system.gatherSnapshot())
        let t = Double(steps) * dt, lx = end.box[0], ly = end.box[1], k = 2 * Double.pi * Double(mode) / ly
        let damping = (1 - exp(-k * k * temperature * t)) / (k * k * temperature)
        var profile: [Double] = [], moved: [Double] = []
        for i in 0..<n {
            profile.append(sin(k * snapshot.positions[2 * i + 1]) * damping)
            moved.append(end.positions[2 * i] + Double(end.images[2 * i]) * lx - snapshot.positions[2 * i])
        }
        let sxx = profile.reduce(0) { $0 + $1 * $1 }, slope = zip(profile, moved).reduce(0) { $0 + $1.0 * $1.1 } / sxx
        let residual = zip(profile, moved).reduce(0) { $0 + ($1.1 - slope * $1.0) * ($1.1 - slope * $1.0) } / Double(n - 1)
        #expect(abs(slope - amplitude) <= 4 * (residual / sxx).squareRoot(), "slope \(slope) vs F₀ = \(amplitude)")
    }

    @Test func nonPeriodicModesAreRejected() throws {
        #expect(throws: ParticlesError.self) { try KolmogorovForcing(amplitude: 1, mode: 1.5) }
        #expect(throws: ParticlesError.self) { try KolmogorovForcing(amplitude: 1, mode: 0) }
        #expect(throws: ParticlesError.self) { try KolmogorovForcing(amplitude: .nan, mode: 1) }
        // the first maximum of mode 2 in a box of height 10 lies at y = 1.25; 1e-15: rounding of 2πny/L_y
        #expect(abs(try KolmogorovForcing(amplitude: 0.7, mode: 2).force(y: 1.25, height: 10) - 0.7) < 1e-15)
    }
}
