import Foundation
import Testing
@testable import Study

/// `roc.csv` from `predictors.csv` files (physics.md §6.4): orientation, pooling over runs, horizons.
struct PredictorStatisticsTests {
    /// A run of three events on four windows, event e's core in window e − 1, where ξ_3 = 0 and 1 elsewhere, so that low
    /// ξ_3 marks the next event's window exactly. `frames` gives each event's γ − γ'.
    static func file(in dir: URL, name: String, frames: [Double] = [0, 0, 0]) throws -> String {
        var lines = ["step,event,strain,frame_strain,window [l0],window_index,window_side [l0],particles,positive,xi3,coordination"]
        for e in 1...3 {
            for w in 0..<4 {
                lines.append("\(e),\(e),\(0.01 * Double(e)),\(0.01 * Double(e) - frames[e - 1]),4.0,\(w),4.0,10,\(w == e - 1 ? 1 : 0),"
                             + "\(w == e - 1 ? 0 : 1),\(w == 3 ? "" : "5")")
            }
        }
        let path = dir.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// - Horizon 1: low ξ_3 (oriented "low") ranks every core window first: AUC 1 over 3 events; `coordination`, equal
    ///   everywhere and empty in window 3, ties: 0.5 over the windows it has (9 of 12).
    /// - Horizon 2: the next event's window joins the positives, where ξ_3 = 1 ties with the negatives: per event 2 of 4
    ///   positive-negative pairs won and 2 tied, AUC 3/4 over events 1 and 2 (event 3 has no next one).
    /// - Two runs pooled count 6 events of 2 runs and keep these AUCs; a run whose event 2 is in another frame (γ'
    ///   remapped) gives only its event 2 at horizon 2 (events 1 and 2 straddle the frames, event 3 has no next).
    @Test func horizonsPoolAndOrient() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("predictor-statistics-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try PredictorStatistics(files: [try Self.file(in: dir, name: "a.csv")])
        func row(_ s: PredictorStatistics, _ name: String, _ horizon: Int) -> PredictorStatistics.Row? {
            s.rows.first { $0.indicator == name && $0.horizon == horizon }
        }
        #expect(row(one, "xi3", 1)?.auc == 1 && row(one, "xi3", 1)?.events == 3 && row(one, "xi3", 1)?.orientation == -1)
        #expect(row(one, "coordination", 1)?.auc == 0.5 && row(one, "coordination", 1).map { $0.positives + $0.negatives } == 9)
        #expect(row(one, "xi3", 2)?.auc == 0.75 && row(one, "xi3", 2)?.events == 2 && row(one, "xi3", 2)?.positives == 4)
        #expect(row(one, "xi3", 3)?.events == 1)
        let two = try PredictorStatistics(files: [try Self.file(in: dir, name: "a.csv"), try Self.file(in: dir, name: "b.csv")])
        #expect(row(two, "xi3", 1)?.events == 6 && row(two, "xi3", 1)?.runs == 2 && row(two, "xi3", 1)?.auc == 1)
        #expect(row(two, "xi3", 2)?.auc == 0.75 && row(two, "xi3", 2)?.events == 4)
        let remapped = try PredictorStatistics(files: [try Self.file(in: dir, name: "c.csv", frames: [0, 1, 1])])
        #expect(row(remapped, "xi3", 2)?.events == 1, "only event 2 has its next event in its own frame")
        #expect(one.headline().first?.contains("AUC 1.000") == true)
    }
}
