import Foundation
import Parallel

/// How `stressflux run` shows its ``PhaseTimers/Breakdown``: a table on rank 0 at the end, and
/// `timers.csv` beside `summary.json` (which holds the same numbers under `timers`).
extension PhaseTimers.Breakdown {
    /// One line per phase: min / mean / max seconds over ranks and the mean's share of the loop.
    public var lines: [String] {
        ["time breakdown of the \(String(format: "%.3f", wallSeconds)) s loop "
            + "(seconds, min / mean / max over ranks; % of the loop by the mean):"]
            + Self.order.compactMap { key in
                phases[key].map { s in
                    "  " + key.padding(toLength: 15, withPad: " ", startingAt: 0)
                        + String(format: "%9.3f / %9.3f / %9.3f  %5.1f%%", s.min, s.mean, s.max, s.percent)
                }
            }
            + [String(format: "  communication: %.1f%% of the loop (ghost exchange, migration, reductions)",
                      100 * communicationFraction)]
    }

    /// `timers.csv`: a header and one row per phase.
    public var csv: String {
        "phase,min_seconds,mean_seconds,max_seconds,percent_of_wall\n"
            + Self.order.compactMap { key in phases[key].map { "\(key),\($0.min),\($0.mean),\($0.max),\($0.percent)\n" } }.joined()
    }
}
