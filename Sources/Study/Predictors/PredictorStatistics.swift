import Foundation
import Formats

/// `roc.csv` and `roc_curves.csv` from the `predictors.csv` of one run or of every run of a study (physics.md §6.4):
/// for each indicator and window side, the windows of every event pooled, each scored by its oriented value
/// (``PredictorIndicator``), the AUC with its 95 % bootstrap interval over events, and the curve. A window where an
/// indicator is undefined (an empty file cell: ξ_3 without two lags in range, a window without particles) is left
/// out of that indicator's statistics.
struct PredictorStatistics {
    struct Row {
        var indicator: String
        var window: Double
        var auc: Double
        var interval: (low: Double, high: Double)
        var events: Int
        var runs: Int
        var orientation: Double
        var positives: Int
        var negatives: Int
    }

    let rows: [Row]
    let curves: [(indicator: String, window: Double, points: [(falsePositive: Double, truePositive: Double)])]

    static let columns: [CSVColumn] = ["indicator", CSVColumn("window", unit: ReducedUnit.length), "auc", "auc_low", "auc_high", "events",
                                       "runs", "orientation", "positives", "negatives"]

    /// The `predictors.csv` files of the runs (runs without the file, or without rows, add nothing).
    init(files: [String]) throws {
        var samples: [String: [Double: [ROC.Sample]]] = [:], order: [String] = []
        var eventsOf: [Double: Set<Int>] = [:], runsOf: [Double: Set<Int>] = [:]
        for (run, file) in files.enumerated() {
            guard let table = try? CSVTable(path: file) else { continue }
            let header = table.names, lines = table.rows
            guard let event = header.firstIndex(of: "event"), let window = header.firstIndex(of: "window"),
                  let positive = header.firstIndex(of: "positive") else {
                throw StudyError.invalidOption(name: file, value: "", expected: "is not a predictors.csv: its header lacks event, window or positive")
            }
            let indicators = header.indices.filter { $0 > positive }
            for k in indicators where !order.contains(header[k]) { order.append(header[k]) }
            for line in lines {
                guard let e = Int(line[event]), let side = Double(line[window]) else { continue }
                let group = run << 32 | e
                eventsOf[side, default: []].insert(group)
                runsOf[side, default: []].insert(run)
                for k in indicators {
                    guard let orientation = PredictorIndicator.orientation(of: header[k]) else { continue }
                    samples[header[k], default: [:]][side, default: []].append(
                        ROC.Sample(score: orientation * (Double(line[k]) ?? .nan), positive: line[positive] == "1", group: group))
                }
            }
        }
        var rows: [Row] = [], curves: [(String, Double, [(Double, Double)])] = []
        for name in order {
            guard let orientation = PredictorIndicator.orientation(of: name), let bySide = samples[name] else { continue }
            for side in bySide.keys.sorted() {
                let roc = ROC(bySide[side]!)
                rows.append(Row(indicator: name, window: side, auc: roc.auc, interval: roc.interval(), events: eventsOf[side]?.count ?? 0,
                                runs: runsOf[side]?.count ?? 0, orientation: orientation, positives: roc.positives, negatives: roc.negatives))
                // At most ~200 points a curve: enough to draw it, not 10⁴ lines per indicator.
                let curve = roc.curve, stride = max(1, curve.count / 200)
                let kept = curve.indices.filter { $0 % stride == 0 || $0 == curve.count - 1 }.map { curve[$0] }
                curves.append((name, side, kept.map { ($0.falsePositive, $0.truePositive) }))
            }
        }
        self.rows = rows
        self.curves = curves.map { (indicator: $0.0, window: $0.1, points: $0.2.map { (falsePositive: $0.0, truePositive: $0.1) }) }
    }

    /// Writes `roc.csv` and `roc_curves.csv` into `directory` (atomically: a reader never sees half a table).
    func write(to directory: String) throws {
        func format(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
        let table = [Self.columns.csvHeader] + rows.map { row in
            [row.indicator, "\(row.window)", format(row.auc), format(row.interval.low), format(row.interval.high), "\(row.events)",
             "\(row.runs)", row.orientation > 0 ? "high" : "low", "\(row.positives)", "\(row.negatives)"].joined(separator: ",")
        }
        try AtomicFile.write(table.joined(separator: "\n") + "\n", to: (directory as NSString).appendingPathComponent("roc.csv"))
        let points = ["indicator,window [l0],false_positive_rate,true_positive_rate"] + curves.flatMap { curve in
            curve.points.map { "\(curve.indicator),\(curve.window),\($0.falsePositive),\($0.truePositive)" }
        }
        try AtomicFile.write(points.joined(separator: "\n") + "\n", to: (directory as NSString).appendingPathComponent("roc_curves.csv"))
    }

    /// The headline: each indicator's AUC [interval] at the window side where ξ_3 does best, one line each.
    func headline() -> [String] {
        let sides = Set(rows.map(\.window)).sorted()
        guard !sides.isEmpty else { return [] }
        let best = rows.filter { $0.indicator == "xi3" && $0.auc.isFinite }.max { $0.auc < $1.auc }?.window ?? sides[0]
        return rows.filter { $0.window == best }.map { row in
            "  " + row.indicator.padding(toLength: 24, withPad: " ", startingAt: 0) + String(
                format: "AUC %.3f [%.3f, %.3f]  (a = %g l0: %d events, %d runs, %d positive windows of %d)", row.auc, row.interval.low,
                row.interval.high, row.window, row.events, row.runs, row.positives, row.positives + row.negatives)
        }
    }
}
