import Foundation
import Particles
@testable import Study
import TestSupport
import Testing

/// Plastic events in slow Brownian shear through `stressflux run` under mpirun -np 1, 2, 4.
@Suite(.serialized) struct ShearEventsIntegrationTests {
    typealias P = ParticleIntegrationTests

    /// A FIRE-prepared 2D glass (N = 1000) sheared at γ̇ = 1e-4 and T_v = 1e-6 to γ = 0.05 (50 000 steps),
    /// observed every 1000 steps (Δγ = 1e-4, as an AQS step) with an absolute threshold of 1e-5 (the
    /// loading per observation is ~5e-5 at this rate, so the default relative threshold would hide the
    /// drops): stress drops are found; events.csv is the same bit for bit on 1, 2 and 4 ranks (trajectory
    /// and thermo sums are rank-independent); a restart from the checkpoint at step 25 000 continues it bit for bit.
    @Test func slowShearEventsAcrossRanksAndRestart() throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prepared = try P.run(P.config(steps: 0, minimize: true), in: dir, name: "prep", ranks: 1)
        let input = prepared.appendingPathComponent("minimized.h5").path
        func sheared(steps: Int) -> String {
            P.config(input: input, steps: steps, temperature: 1e-6, minimize: false,
                     extra: "checkpoint_every = 25000\n[shear]\nrate = 1e-4\n[events]\nevery = 1000\nthreshold = 1e-5\nrelative_threshold = 0")
        }
        var tables: [[[String]]] = []
        for ranks in [1, 2, 4] {
            let out = try P.run(sheared(steps: 50_000), in: dir, name: "shear\(ranks)", ranks: ranks)
            tables.append(try AQSIntegrationTests.table(out.appendingPathComponent("events.csv")))
        }
        #expect(!tables[0].isEmpty, "stress drops in slow shear")
        #expect(tables[1] == tables[0] && tables[2] == tables[0], "events.csv bitwise the same on 1, 2, 4 ranks")
        let part = try P.run(sheared(steps: 25_000), in: dir, name: "part", ranks: 2)
        _ = try P.run(sheared(steps: 50_000), in: dir, name: "part", ranks: 2, extra: ["--restart"])
        #expect(try AQSIntegrationTests.table(part.appendingPathComponent("events.csv")) == tables[1], "events.csv continues bit for bit")
    }
}
