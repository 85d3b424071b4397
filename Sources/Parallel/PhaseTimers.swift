import Glibc

/// Wall time per phase of a run on one rank (LAMMPS's "MPI task timing breakdown"): the pair loop,
/// neighbour lists, ghost exchange, migration, reductions and I/O. Whatever no phase claims (the
/// integrator, the noise, event detection) is `other`, the rest of the timed interval.
///
/// Reductions include the wait for the slowest rank, so load imbalance shows up there and in the
/// spread between ranks that ``reduced(wallSeconds:)`` reports.
public final class PhaseTimers {
    public enum Phase: Int, CaseIterable, Sendable {
        case pairForces, neighborLists, ghostExchange, migration, reductions, io

        /// The name in `summary.json` and `timers.csv`.
        public var key: String {
            ["pair_forces", "neighbor_lists", "ghost_exchange", "migration", "reductions", "io"][rawValue]
        }
        /// Whether the phase is communication (for the communication fraction of a scaling table).
        public var communicates: Bool { self == .ghostExchange || self == .migration || self == .reductions }
    }

    private var seconds = [Double](repeating: 0, count: Phase.allCases.count)

    public init() {}

    /// Seconds since an arbitrary origin, from the monotonic clock.
    @inline(__always) public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
    }

    /// Runs `body`, adding its wall time to `phase`. Phases must not nest.
    @inline(__always)
    public func time<T>(_ phase: Phase, _ body: () throws -> T) rethrows -> T {
        let start = Self.now()
        defer { seconds[phase.rawValue] += Self.now() - start }
        return try body()
    }

    public func reset() { seconds = [Double](repeating: 0, count: Phase.allCases.count) }

    /// One phase reduced over ranks.
    public struct Spread: Codable, Sendable, Equatable {
        public var min: Double
        public var mean: Double
        public var max: Double
        /// 100 × mean / the timed wall time.
        public var percent: Double
    }

    /// The breakdown reduced over ranks: each phase and `other` (wall time not in a phase), and the
    /// fraction of the wall time spent communicating (ghost exchange, migration, reductions; means).
    public struct Breakdown: Codable, Sendable {
        /// Keyed by ``Phase/key`` and `other`.
        public var phases: [String: Spread]
        public var wallSeconds: Double
        public var communicationFraction: Double
        /// Phase keys in the order they are printed.
        public static let order = Phase.allCases.map(\.key) + ["other"]
    }

    /// Collective: every rank's phases and its `wallSeconds` (the interval the timers covered) reduced
    /// to min, mean and max over ranks.
    public func reduced(wallSeconds: Double, on communicator: Communicator) -> Breakdown {
        let mine = seconds + [max(wallSeconds - seconds.reduce(0, +), 0)]
        let low = communicator.allreduce(mine, .min), high = communicator.allreduce(mine, .max)
        let sum = communicator.allreduce(mine + [wallSeconds], .sum)
        let ranks = Double(communicator.size), wall = sum[mine.count] / ranks
        var phases: [String: Spread] = [:]
        for (k, key) in Breakdown.order.enumerated() {
            let mean = sum[k] / ranks
            phases[key] = Spread(min: low[k], mean: mean, max: high[k], percent: wall > 0 ? 100 * mean / wall : 0)
        }
        let communicating = Phase.allCases.filter(\.communicates).reduce(0.0) { $0 + sum[$1.rawValue] / ranks }
        return Breakdown(phases: phases, wallSeconds: wall, communicationFraction: wall > 0 ? communicating / wall : 0)
    }
}
