import Foundation
import Parallel
import Testing
@testable import Particles

/// Fourier-mode body forcing (physics.md §1.5a) on the MPI singleton.
@Suite(.serialized) struct ForcingTests {
    /// Ideal particles (ε = 0) at T_v driven by one mode F cos(k·x + φ) e_a: the overdamped velocity is the
    /// force (μ = 1), so the mean displacement along a over t is F cos(k·x₀ + φ) (1 − e^{−|k|²T_v t})/(|k|²T_v)
    /// (the particle diffuses freely and averages the cosine down). The least-squares slope of the displacement
    /// against that profile equals F within 4 standard errors (from the residuals). Cases: the Kolmogorov
    /// preset F₀ sin(2πny/L_y) e_x for n = 1, 3, and an oblique mode along y varying with x and y.
    @Test(arguments: [(0, [0, 1], -0.5), (0, [0, 3], -0.5), (1, [2, 1], 0.25)])
    func meanVelocityFollowsTheForce(component: Int, wavevector: [Int], phaseOverPi: Double) throws {
        let n = 2000, temperature = 0.5, dt = 0.01, steps = 150, amplitude = 0.8
        let snapshot = try RandomPacking.make(dimension: 2, count: n, packingFraction: 0.2, mixture: .monodisperse, seed: 13)
        let system = try ParticleSystem(block: snapshot, potential: PotentialKind.harmonic.potential(epsilon: 0),
                                        skin: 0.3, communicator: .world)
        let forcing = component == 0 && wavevector[0] == 0
            ? try FourierForcing.kolmogorov(amplitude: amplitude, mode: Double(wavevector[1]))
            : try FourierForcing(modes: [.init(component: component, amplitude: amplitude, wavevector: wavevector,
                                               phase: phaseOverPi * .pi)], dimension: 2)
        let dynamics = try BrownianDynamics(timeStep: dt, temperature: temperature, seed: 6, forcing: forcing)
        for _ in 0..<steps { dynamics.step(system) }
        system.rebuild()
        let end = try #require(system.gatherSnapshot())
        let t = Double(steps) * dt, box = end.box
        let k = (0..<2).map { 2 * Double.pi * Double(wavevector[$0]) / box[$0] }, k2 = k[0] * k[0] + k[1] * k[1]
        let damping = (1 - exp(-k2 * temperature * t)) / (k2 * temperature)
        var profile: [Double] = [], moved: [Double] = []
        for i in 0..<n {
            let x0 = snapshot.positions[2 * i], y0 = snapshot.positions[2 * i + 1]
            profile.append(cos(k[0] * x0 + k[1] * y0 + phaseOverPi * .pi) * damping)
            let a = 2 * i + component
            moved.append(end.positions[a] + Double(end.images[a]) * box[component] - snapshot.positions[a])
        }
        let sxx = profile.reduce(0) { $0 + $1 * $1 }, slope = zip(profile, moved).reduce(0) { $0 + $1.0 * $1.1 } / sxx
        let residual = zip(profile, moved).reduce(0) { $0 + ($1.1 - slope * $1.0) * ($1.1 - slope * $1.0) } / Double(n - 1)
        #expect(abs(slope - amplitude) <= 4 * (residual / sxx).squareRoot(), "slope \(slope) vs F = \(amplitude)")
    }

    @Test func nonPeriodicModesAreRejected() throws {
        #expect(throws: ParticlesError.self) { try FourierForcing.kolmogorov(amplitude: 1, mode: 1.5) }
        #expect(throws: ParticlesError.self) { try FourierForcing.kolmogorov(amplitude: 1, mode: 0) }
        #expect(throws: ParticlesError.self) { try FourierForcing.kolmogorov(amplitude: .nan, mode: 1) }
        // the first maximum of mode 2 in a box of height 10 lies at y = 1.25; 1e-15: rounding of 2πny/L_y
        let kolmogorov = try FourierForcing.kolmogorov(amplitude: 0.7, mode: 2)
        #expect(abs(kolmogorov.force(at: [3.3, 1.25], box: [7, 10])[0] - 0.7) < 1e-15)
        #expect(kolmogorov.force(at: [3.3, 1.25], box: [7, 10])[1] == 0)
        // a mode with n_x ≠ 0 cannot be periodic across sheared y faces
        let oblique = try FourierForcing(modes: [.init(component: 1, amplitude: 0.1, wavevector: [1, 0])], dimension: 2)
        #expect(throws: ParticlesError.self) { try BrownianDynamics(timeStep: 0.01, temperature: 0, seed: 1, shearRate: 0.1, forcing: oblique) }
        #expect(throws: ParticlesError.self) { try FourierForcing(modes: [.init(component: 2, amplitude: 1, wavevector: [0, 1])], dimension: 2) }
    }
}
