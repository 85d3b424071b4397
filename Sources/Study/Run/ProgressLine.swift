import Foundation
import Parallel

/// A progress line on rank 0 for long loops: step, percent, steps/s, atom-steps/s, ETA and, under shear,
/// the strain, at most every `interval` seconds (design.md "Logging and progress").
struct ProgressLine {
    let label: String
    let total: Int
    let atoms: Int
    let enabled: Bool
    var interval = 2.0
    private let start = Date()
    private var last = Date.distantPast
    private let firstStep: Int

    init(label: String, from firstStep: Int, total: Int, atoms: Int, enabled: Bool) {
        self.label = label
        self.firstStep = firstStep
        self.total = total
        self.atoms = atoms
        self.enabled = enabled
    }

    /// `strain`: the Lees–Edwards strain γ of a sheared run, `events` the plastic events so far, shown when given.
    mutating func update(step: Int, strain: Double? = nil, events: Int? = nil, force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(last) >= interval else { return }
        last = now
        let elapsed = now.timeIntervalSince(start), done = step - firstStep
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - step) / rate : 0
        let percent = total > 0 ? 100 * Double(step) / Double(total) : 100
        Console.line("\(label) step \(step)/\(total) (\(String(format: "%.1f", percent))%)  "
              + "\(String(format: "%.3g", rate)) steps/s  \(String(format: "%.3g", rate * Double(atoms))) atom-steps/s  "
              + "ETA \(Self.clock(remaining))" + (strain.map { "  strain \(String(format: "%.4g", $0))" } ?? "") + (events.map { "  events \($0)" } ?? ""))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }
}
