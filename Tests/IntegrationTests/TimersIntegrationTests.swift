import Foundation
import TestSupport
import Testing

/// `stressflux run`'s time breakdown (PhaseTimers): reduced over 1, 2 and 4 ranks, printed once on rank
/// 0, the same numbers in summary.json and timers.csv, and consistent with the loop's wall time.
@Suite(.serialized) struct TimersIntegrationTests {
    static let phases = ["pair_forces", "neighbor_lists", "ghost_exchange", "migration", "reductions", "io", "other"]

    @Test(arguments: [1, 2, 4])
    func breakdownAddsUpToTheLoop(ranks: Int) throws {
        let out = try Scratch.url("timers")
        let tiny = MPIRun.packageRoot.appendingPathComponent("examples/tiny.toml").path
        let run = try MPIRun.stressflux(["run", tiny, "--output", out.path], ranks: ranks, timeout: 120)
        try #require(run.exitCode == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.components(separatedBy: "time breakdown of the").count == 2, "printed once, by rank 0")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let timers = try #require(summary["timers"] as? [String: Any])
        let table = try #require(timers["phases"] as? [String: [String: Double]])
        #expect(Set(table.keys) == Set(Self.phases))
        let wall = try #require(timers["wallSeconds"] as? Double)
        // The phases are disjoint parts of each rank's loop and `other` is the rest, so their means add up
        // to the mean loop time up to rounding; the loop of rank 0 is summary's wallSeconds, within the
        // ranks' spread in start and end (one allreduce apart, well under 10% of a 1000-step loop).
        let means = Self.phases.map { table[$0]!["mean"]! }
        #expect(abs(means.reduce(0, +) - wall) <= 1e-9 * wall)
        #expect(abs(wall - (summary["wallSeconds"] as! Double)) <= 0.1 * wall)
        for (key, spread) in table {
            #expect(spread["min"]! >= 0 && spread["min"]! <= spread["mean"]! * (1 + 1e-12) && spread["mean"]! <= spread["max"]! * (1 + 1e-12), "\(key): \(spread)")
            #expect(abs(spread["percent"]! - 100 * spread["mean"]! / wall) <= 1e-9, "\(key)")
        }
        #expect(table["pair_forces"]!["min"]! > 0, "every rank computed forces")
        if ranks == 1 { for key in Self.phases { #expect(table[key]!["min"] == table[key]!["max"], "\(key)") } }
        let communication = ["ghost_exchange", "migration", "reductions"].map { table[$0]!["mean"]! }.reduce(0, +) / wall
        #expect(abs((timers["communicationFraction"] as! Double) - communication) <= 1e-12)

        let csv = try String(contentsOf: out.appendingPathComponent("timers.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "phase,min_seconds,mean_seconds,max_seconds,percent_of_wall")
        #expect(csv.dropFirst().map { String($0.split(separator: ",")[0]) } == Self.phases)
        for row in csv.dropFirst() {
            let fields = row.split(separator: ",").map(String.init)
            // The same double printed twice; JSONSerialization's parser may miss the nearest double by an ulp.
            let mean = table[fields[0]]!["mean"]!
            #expect(abs(Double(fields[2])! - mean) <= 1e-14 * mean, "timers.csv \(fields[0]) = summary.json")
        }
    }
}
