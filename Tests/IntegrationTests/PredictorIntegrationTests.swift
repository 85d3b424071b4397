import Foundation
import Particles
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// The predictors of plastic events (physics.md §6.4, issue 19 item 2) through `stressflux run` under mpirun -np 1, 2, 4:
/// the AQS glass of ``AQSIntegrationTests`` (N = 1024, δγ = 1e-4, FIRE relaxation) to γ = 0.0045, two events (steps 35 and
/// 43, measured), windows of side 4 and 8 at ℓ = 1, 2.
@Suite(.serialized) struct PredictorIntegrationTests {
    typealias P = ParticleIntegrationTests

    /// - Each event has one row per window of each side (9² + 5² windows for L = 36.4), and the windows hold every
    ///   particle once: Σ particles = N, and the window packing fractions average to φ (1e-12; a particle counted twice or
    ///   lost, or a window volume wrong, moves it by 1/N), their shear-stress deviations to 0 (1e-12 of the box stress:
    ///   the per-particle virials sum to the box's);
    /// - the positive windows are those holding the event's `top_ids` in `event-<k>-before.h5`, the state before the step
    ///   (labelling the after state instead, or other ids, changes them); at least one per side and event;
    /// - `roc.csv` has one row per indicator and side with 0 ≤ AUC ≤ 1 inside its interval and 2 events for the next
    ///   event (horizon 1), and 1 event over the next two;
    /// - on 1, 2 and 4 ranks every cell of `predictors.csv` agrees to 1e-9 of its column's largest value (the state is
    ///   the same bits; the fields' sums are reduced in other orders);
    /// - a study of two seeds of this config (an input file and AQS: the seeds change nothing, so the runs are twins)
    ///   pools them: `roc.csv` with 4 events of 2 runs and each AUC the single run's (every sample twice leaves the
    ///   Mann–Whitney AUC as it is, on the same 2 ranks; pooling by event number alone, without the run, would give 2
    ///   events); tools/plot.py
    ///   draws its `roc.png` and the runs' `event-1-predictors.png`.
    @Test func predictorsTileTheBoxAndLabelTheCore() throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prepared = try P.run(P.config(particles: 1024, steps: 0, minimize: true), in: dir, name: "prep", ranks: 1)
        let input = prepared.appendingPathComponent("minimized.h5").path
        let config = AQSIntegrationTests.aqs(input, step: 1e-4, maxStrain: 0.0045, extra: """
            [events]
            budget = false
            predictor_windows = [4.0, 8.0]
            [analysis]
            scales = [1.0, 2.0]
            points_per_ell = 3
            """)
        var tables: [CSVTable] = []
        for ranks in [1, 2, 4] {
            let out = try P.run(config, in: dir, name: "p\(ranks)", ranks: ranks)
            tables.append(try CSVTable(path: out.appendingPathComponent("predictors.csv").path))
        }
        let out = dir.appendingPathComponent("p1"), table = tables[0]
        let events = try CSVTable(path: out.appendingPathComponent("events.csv").path)
        #expect(events.rows.count == 2, "two events up to γ = 0.0045: \(events.column("step"))")
        let column = { (name: String) in table.names.firstIndex(of: name)! }
        let phi = 0.9
        for (k, event) in events.rows.enumerated() {
            let before = try H5MDSnapshot.read(path: out.appendingPathComponent("event-\(k + 1)-before.h5").path)
            let top = Set(event[events.names.firstIndex(of: "top_ids")!].split(separator: " ").map { Int($0)! })
            for side in [4.0, 8.0] {
                let rows = table.rows.filter { $0[column("event")] == "\(k + 1)" && Double($0[column("window")]) == side }
                let tiling = WindowTiling(side: side, box: before.box, strain: before.strain)
                #expect(rows.count == tiling.count && [81, 25].contains(rows.count), "windows of side \(side): \(rows.count)")
                #expect(rows.map { Int($0[column("particles")])! }.reduce(0, +) == 1024)
                let packing = rows.map { Double($0[column("packing_fraction")])! }.reduce(0, +) / Double(rows.count)
                #expect(abs(packing - phi) <= 1e-12, "mean window packing fraction \(packing) against φ = \(phi)")
                let deviations = rows.map { Double($0[column("shear_stress_deviation")])! }
                let scale = deviations.map(abs).max()!
                #expect(abs(deviations.reduce(0, +)) <= 1e-12 * scale * Double(rows.count), "Σ shear-stress deviations \(deviations.reduce(0, +))")
                var expected = Set<Int>()
                for i in 0..<before.count where top.contains(before.ids[i]) {
                    expected.insert(tiling.window(of: before.positions[(2 * i)..<(2 * i + 2)]))
                }
                let positives = Set(rows.filter { $0[column("positive")] == "1" }.map { Int($0[column("window_index")])! })
                #expect(!positives.isEmpty && positives == expected, "event \(k + 1), side \(side): positives \(positives.sorted()) vs \(expected.sorted())")
            }
        }
        let all = try CSVTable(path: out.appendingPathComponent("roc.csv").path)
        let roc = CSVTable(names: all.names, rows: all.rows.filter { $0.last == "1" })
        #expect(roc.rows.count == 2 * (table.names.count - column("positive") - 1), "one row per indicator and side for the next event")
        #expect(all.rows.filter { $0.last == "2" }.allSatisfy { $0[all.names.firstIndex(of: "events")!] == "1" }, "only event 1 has a next one")
        for (auc, low, high) in zip(roc.column("auc"), zip(roc.column("auc_low"), roc.column("auc_high"))).map({ ($0, $1.0, $1.1) }) where auc.isFinite {
            #expect((0...1).contains(auc) && low <= auc && auc <= high, "AUC \(auc) in [\(low), \(high)]")
        }
        #expect(roc.column("events").allSatisfy { $0 == 2 })
        let studyFile = dir.appendingPathComponent("study.toml")
        try (config + "\n[study]\nseeds = [1, 2]\n").write(to: studyFile, atomically: true, encoding: .utf8)
        let study = try MPIRun.stressflux(["study", studyFile.path, "--output", dir.appendingPathComponent("study").path], ranks: 2, directory: dir)
        #expect(study.exitCode == 0 && study.stdout.contains("AUC"), "\(study.stdout)\n\(study.stderr)")
        let pooledAll = try CSVTable(path: dir.appendingPathComponent("study/roc.csv").path)
        let pooled = CSVTable(names: pooledAll.names, rows: pooledAll.rows.filter { $0.last == "1" })
        #expect(pooled.column("events").allSatisfy { $0 == 4 } && pooled.column("runs").allSatisfy { $0 == 2 })
        // Against the run on as many ranks (2): tied window values (equal packing fractions) are equal only to rounding
        // across rank counts, and a tie broken otherwise moves an AUC by 1e-3.
        let twinAll = try CSVTable(path: dir.appendingPathComponent("p2/roc.csv").path)
        let twin = CSVTable(names: twinAll.names, rows: twinAll.rows.filter { $0.last == "1" })
        for (a, b) in zip(pooled.column("auc"), twin.column("auc")) where a.isFinite || b.isFinite {
            #expect(abs(a - b) <= 1e-12, "pooled AUC \(a) against the run's \(b)")
        }
        try StudyIntegrationTests.plots(of: dir.appendingPathComponent("study"), expect: ["plots/roc.png", "seed-1/plots/roc.png", "seed-1/plots/event-1-predictors.png"])
        for other in tables.dropFirst() {
            #expect(other.rows.count == table.rows.count)
            for k in table.names.indices {
                let a = table.rows.map { Double($0[k]) ?? .nan }, b = other.rows.map { Double($0[k]) ?? .nan }
                let largest = a.filter(\.isFinite).map(abs).max() ?? 0
                for (x, y) in zip(a, b) where x.isFinite || y.isFinite {
                    #expect(abs(x - y) <= 1e-9 * largest, "\(table.names[k]): \(x) vs \(y)")
                }
            }
        }
    }
}
