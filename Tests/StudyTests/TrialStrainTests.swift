import Foundation
import Parallel
@testable import Particles
@testable import Study
import Testing

/// The predictors' non-affine baseline (physics.md §6.4, ``EventPredictors/TrialStrain``) on the MPI singleton.
@Suite(.serialized) struct TrialStrainTests {
    /// A trial strain from a FIRE minimum of 256 bidisperse harmonic disks (φ = 0.9, max|F| < 1e-12) is linear response:
    /// u_na = δγ H⁻¹Ξ, so Σ_i|u_na,i|²/δγ² is the same at δγ = 1e-6 and 2.5e-7 within 1e-3 (the second-order terms are
    /// O(δγ) relative, and the relaxation's force tolerance 1e-12 leaves 1e-6 of u at the smaller strain; dividing by δγ
    /// instead of δγ² would give a ratio of 4), the values are positive and finite, and the state is left where it was,
    /// bit for bit (the indicators that follow are of that state).
    @Test func trialResponseIsLinearAndLeavesTheState() throws {
        let snapshot = try RandomPacking.make(dimension: 2, count: 256, packingFraction: 0.9, mixture: .bidisperse, seed: 3)
        let system = try ParticleSystem(block: snapshot, potential: PotentialKind.harmonic.potential(), skin: 0.3, communicator: .world)
        let fire = try FIREMinimizer(forceTolerance: 1e-12, maxIterations: 100_000)
        try fire.minimize(system)
        let start = system.localSnapshot()
        /// Positions by particle id (a restore may reorder the local arrays).
        func byId(_ s: ParticleSnapshot) -> [Int: [Double]] {
            Dictionary(uniqueKeysWithValues: s.ids.indices.map { (s.ids[$0], Array(s.positions[(2 * $0)..<(2 * $0 + 2)])) })
        }
        let driver = try AQSDriver(strainStep: 1e-4, relaxation: .fire(fire))
        var analysis = RunConfig.Analysis()
        analysis.scales = [2.0]
        analysis.pointsPerEll = 3
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trial-\(UUID())").path
        let relax: EventRecorder.Relaxation = { system, delta in driver.relax(system, by: delta) { _ in }.0 }
        var totals: [Double] = []
        for step in [1e-4, 2.5e-5] {
            let trial = EventPredictors.TrialStrain(step: step, onsetPrecision: 0, d2minRadius: 2.5, relax: relax)
            let predictors = try EventPredictors(windows: [4], analysis: analysis, trial: trial, system: system, directory: directory)
            let response = try #require(try predictors.trialResponse(trial, system: system), "δγ = \(trial.strain) crossed no instability")
            #expect(response.values.count == 256 && response.values.allSatisfy { $0.isFinite && $0 >= 0 })
            let restored = byId(system.localSnapshot()) == byId(start)
            #expect(restored, "the state before the trial is restored")
            totals.append(response.values.reduce(0, +))
        }
        #expect(totals[0] > 0 && abs(totals[1] / totals[0] - 1) < 1e-3, "Σ|u_na|²/δγ²: \(totals)")
    }
}
