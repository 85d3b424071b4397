import Foundation
import Particles
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// Body forcing through `stressflux run` under mpirun -np 1, 2, 4 (physics.md §1.5a).
@Suite(.serialized) struct ForcingIntegrationTests {
    typealias P = ParticleIntegrationTests

    /// Ideal particles (ε = 0, N = 2000, φ = 0.2, T_v = 0.5) under the Kolmogorov force 0.8 sin(2π·2 y/L_y) e_x
    /// for 150 steps of 0.01:
    /// - the same final positions, bit for bit, on 1, 2 and 4 ranks (the force is a function of each
    ///   particle's position, the noise of its id);
    /// - the mean x-displacement against F₀ sin(k y₀)(1 − e^{−k²T_v t})/(k²T_v) has slope F₀ within 4
    ///   standard errors (overdamped v = μ f^e, diffusion averaging the sine down);
    /// - `velocity_profile.csv` (32 slabs, sampled every 50 steps) gives v_x = F₀ sin(k y_c) sinc(k h/2) in
    ///   every slab within 0.06 F₀: 4 standard deviations of a slab mean over ~60 independent particles whose
    ///   force values spread by F₀ k h/√12 inside a slab of width h; and v_y = 0 to the same tolerance.
    @Test func forcedIdealParticles() throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let amplitude = 0.8, mode = 2.0
        let config = P.config(particles: 2000, phi: 0.2, steps: 150, temperature: 0.5, minimize: false,
                              extra: "[potential]\nepsilon = 0\n[forcing]\namplitude = \(amplitude)\nmode = \(Int(mode))")
        var finals: [ParticleSnapshot] = []
        var outputs: [URL] = []
        for ranks in [1, 2, 4] {
            let out = try P.run(config, in: dir, name: "forced\(ranks)", ranks: ranks)
            finals.append(try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path))
            outputs.append(out)
        }
        #expect(finals[1].positions == finals[0].positions && finals[2].positions == finals[0].positions
                && finals[2].images == finals[0].images, "bitwise the same on 1, 2, 4 ranks")
        let start = try RandomPacking.make(dimension: 2, count: 2000, packingFraction: 0.2, mixture: .bidisperse, seed: 1)
        let end = finals[0], ly = end.box[1], k = 2 * Double.pi * mode / ly, t = 1.5, temperature = 0.5
        let damping = (1 - exp(-k * k * temperature * t)) / (k * k * temperature)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in 0..<end.count {
            let p = sin(k * start.positions[2 * i + 1]) * damping
            let dx = end.positions[2 * i] + Double(end.images[2 * i]) * end.box[0] - start.positions[2 * i]
            (sxx, sxy, syy) = (sxx + p * p, sxy + p * dx, syy + dx * dx)
        }
        let slope = sxy / sxx, residual = (syy - slope * sxy) / Double(end.count - 1)
        #expect(abs(slope - amplitude) <= 4 * (residual / sxx).squareRoot(), "slope \(slope) vs F₀ = \(amplitude)")

        let rows = try AQSIntegrationTests.table(outputs[0].appendingPathComponent("velocity_profile.csv")).map { $0.map { Double($0)! } }
        let h = ly / 32, sinc = sin(k * h / 2) / (k * h / 2)
        #expect(rows.count == 32 && rows.reduce(0) { $0 + $1[2] } == 4 * 2000, "32 slabs, 4 samples of 2000 particles")
        for row in rows {
            #expect(abs(row[3] - amplitude * sin(k * row[1]) * sinc) <= 0.06 * amplitude, "v_x at y = \(row[1]): \(row[3])")
            #expect(abs(row[4]) <= 0.06 * amplitude, "v_y at y = \(row[1]): \(row[4])")
        }
    }
}
