import Foundation
import Formats

/// `roc.csv` and `roc_curves.csv` from the `predictors.csv` of one run or of every run of a study (physics.md §6.4):
/// for each horizon (the next event, the next k events), indicator and window side, the windows of every event pooled, each scored by its oriented value
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
        /// The events ahead whose cores count as positive: 1, the next event's only.
        var horizon: Int
    }

    let rows: [Row]
    let curves: [(indicator: String, window: Double, points: [(falsePositive: Double, truePositive: Double)])]

    static let columns: [CSVColumn] = ["indicator", CSVColumn("window", unit: ReducedUnit.length), "auc", "auc_low", "auc_high", "events",
                                       "runs", "orientation", "positives", "negatives", "horizon"]

    /// One event's windows of one side in one run.
    private struct State {
        var lines: [[String]] = []
        var positives: Set<Int> = []
        /// γ − γ' of the windows' sheared frame: states of one frame share their windows (below).
        var frame = 0.0
    }

    /// The `predictors.csv` files of the runs (runs without the file, or without rows, add nothing), at horizons
    /// 1…`horizons`: at horizon k a state's window is positive when it holds the core of any of the next k events (its
    /// own and the k − 1 after it, in the same run). The windows tile the box in the sheared frame x' = x − γ' y, which the
    /// affine shear between two states leaves in place, so a later event's window is the same window of the earlier
    /// state up to the particles' non-affine motion in between (l0/10 to l0 in AQS, against windows of several l0); a
    /// state with fewer than k − 1 events after it, or one of another frame (a remapped γ'), is left out at horizon k.
    init(files: [String], horizons: Int = 3) throws {
        var runs: [[Double: [Int: State]]] = [], order: [String] = []
        var indicatorColumns: [[Int]] = [], headers: [[String]] = []
        for file in files {
            guard let table = try? CSVTable(path: file) else { continue }
            let header = table.names
            guard let event = header.firstIndex(of: "event"), let window = header.firstIndex(of: "window"),
                  let positive = header.firstIndex(of: "positive"), let index = header.firstIndex(of: "window_index") else {
                throw StudyError.invalidOption(name: file, value: "", expected: "is not a predictors.csv: its header lacks event, window, window_index or positive")
            }
            let strain = header.firstIndex(of: "strain"), frame = header.firstIndex(of: "frame_strain")
            let indicators = header.indices.filter { $0 > positive && PredictorIndicator.orientation(of: header[$0]) != nil }
            for k in indicators where !order.contains(header[k]) { order.append(header[k]) }
            var states: [Double: [Int: State]] = [:]
            for line in table.rows {
                guard let e = Int(line[event]), let side = Double(line[window]), let w = Int(line[index]) else { continue }
                var state = states[side]?[e] ?? State()
                state.lines.append(line)
                if line[positive] == "1" { state.positives.insert(w) }
                if let strain, let frame, let g = Double(line[strain]), let f = Double(line[frame]) { state.frame = g - f }
                states[side, default: [:]][e] = state
            }
            runs.append(states)
            indicatorColumns.append(indicators)
            headers.append(header)
        }
        var rows: [Row] = [], curves: [(String, Double, [(Double, Double)])] = []
        for horizon in 1...max(1, horizons) {
            var samples: [String: [Double: [ROC.Sample]]] = [:], eventsOf: [Double: Int] = [:], runsOf: [Double: Set<Int>] = [:]
            for (run, states) in runs.enumerated() {
                let header = headers[run], index = header.firstIndex(of: "window_index")!
                for (side, byEvent) in states {
                    for (e, state) in byEvent {
                        let next = (0..<horizon).map { byEvent[e + $0] }
                        guard next.allSatisfy({ $0 != nil && abs($0!.frame - state.frame) <= 1e-12 }) else { continue }
                        let positives = next.reduce(into: Set<Int>()) { $0.formUnion($1!.positives) }
                        eventsOf[side, default: 0] += 1
                        runsOf[side, default: []].insert(run)
                        for k in indicatorColumns[run] {
                            let orientation = PredictorIndicator.orientation(of: header[k])!
                            samples[header[k], default: [:]][side, default: []] += state.lines.map { line in
                                ROC.Sample(score: orientation * (Double(line[k]) ?? .nan), positive: positives.contains(Int(line[index])!),
                                           group: run << 32 | e)
                            }
                        }
                    }
                }
            }
            for name in order {
                guard let bySide = samples[name] else { continue }
                for side in bySide.keys.sorted() {
                    let roc = ROC(bySide[side]!)
                    rows.append(Row(indicator: name, window: side, auc: roc.auc, interval: roc.interval(), events: eventsOf[side] ?? 0,
                                    runs: runsOf[side]?.count ?? 0, orientation: PredictorIndicator.orientation(of: name)!, positives: roc.positives,
                                    negatives: roc.negatives, horizon: horizon))
                    guard horizon == 1 else { continue }
                    // At most ~200 points a curve: enough to draw it, not 10⁴ lines per indicator.
                    let curve = roc.curve, stride = max(1, curve.count / 200)
                    let kept = curve.indices.filter { $0 % stride == 0 || $0 == curve.count - 1 }.map { curve[$0] }
                    curves.append((name, side, kept.map { ($0.falsePositive, $0.truePositive) }))
                }
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
             "\(row.runs)", row.orientation > 0 ? "high" : "low", "\(row.positives)", "\(row.negatives)", "\(row.horizon)"].joined(separator: ",")
        }
        try AtomicFile.write(table.joined(separator: "\n") + "\n", to: (directory as NSString).appendingPathComponent("roc.csv"))
        let points = ["indicator,window [l0],false_positive_rate,true_positive_rate"] + curves.flatMap { curve in
            curve.points.map { "\(curve.indicator),\(curve.window),\($0.falsePositive),\($0.truePositive)" }
        }
        try AtomicFile.write(points.joined(separator: "\n") + "\n", to: (directory as NSString).appendingPathComponent("roc_curves.csv"))
    }

    /// The headline: each indicator's AUC [interval] for the next event at the window side where ξ_3 does best, one line
    /// each, then ξ_3's over the next `horizons` events there.
    func headline() -> [String] {
        let next = rows.filter { $0.horizon == 1 }
        guard let first = next.first else { return [] }
        let best = next.filter { $0.indicator == "xi3" && $0.auc.isFinite }.max { $0.auc < $1.auc }?.window ?? first.window
        func line(_ row: Row, _ name: String) -> String {
            "  " + name.padding(toLength: 24, withPad: " ", startingAt: 0) + String(
                format: "AUC %.3f [%.3f, %.3f]  (a = %g l0: %d events, %d runs, %d positive windows of %d)", row.auc, row.interval.low,
                row.interval.high, row.window, row.events, row.runs, row.positives, row.positives + row.negatives)
        }
        let far = rows.filter { $0.indicator == "xi3" && $0.window == best && $0.horizon > 1 }.max { $0.horizon < $1.horizon }
        return next.filter { $0.window == best }.map { line($0, $0.indicator) } + (far.map { [line($0, "xi3, next \($0.horizon) events")] } ?? [])
    }
}
