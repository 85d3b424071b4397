import Foundation
import Parallel

/// Rank 0's progress through a long count of expensive items — one scale's bond-quadrature nodes (physics.md §3.5),
/// the measured states of an event's relaxation (§5.7) — for loops whose single items take seconds: a line every 10 s
/// once the loop has run 5 s, with the count done and the time left (design.md "Logging and progress").
struct CountProgress {
    /// What is counted, e.g. "ℓ = 0.5: bond node" or "event 3: budget state".
    let label: String
    let enabled: Bool
    private let start = Date()
    private var last: Date?

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    mutating func update(done: Int, total: Int) {
        guard enabled, done > 0 else { return }
        let now = Date(), elapsed = now.timeIntervalSince(start)
        guard elapsed >= 5, last.map({ now.timeIntervalSince($0) >= 10 }) ?? true else { return }
        last = now
        let remaining = elapsed * Double(total - done) / Double(done)
        Console.line(String(format: "%@ %d/%d (%.0f%%), %@ elapsed, ETA %@", label, done, total, 100 * Double(done) / Double(total),
                            ProgressLine.clock(elapsed), ProgressLine.clock(remaining)))
    }
}
