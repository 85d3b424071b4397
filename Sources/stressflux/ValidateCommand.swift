import ArgumentParser
import Parallel
import Study

/// `stressflux validate CONFIG.toml`: every problem of a run, study or dean config at once (issue 19 item 4).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a run, study or dean config: every problem at once, one line each naming its key; exit status 1 if any.")

    @Argument(help: "Config file (TOML): a run config, a study config (with [study]) or a dean config (with [grid], [species], [initial] or [compare]).")
    var config: String

    func run() throws {
        let check = try Communicator.world.agree { ConfigCheck(contentsOf: config) }
        guard check.problems.isEmpty else { throw Problems(lines: check.problems) }
        if Communicator.world.isRoot {
            Console.line("\(config): valid " + (check.isStudy ? "study config, \(check.runs ?? 0) runs" : "\(check.kind.rawValue) config"))
        }
    }

    /// The problems, printed as the usual error lines (one per problem).
    struct Problems: ReportableError {
        let lines: [String]
        var description: String { lines.joined(separator: "\nerror: ") }
    }
}
