import ArgumentParser
import Parallel
import Study

/// `stressflux validate CONFIG.toml`: every problem of a run or study config at once (issue 19 item 4).
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a run or study config: every problem at once, one line each naming its key; exit status 1 if any.")

    @Argument(help: "Config file (TOML): a run config, or a study config (with [study]).")
    var config: String

    func run() throws {
        let check = try Communicator.world.agree { ConfigCheck(contentsOf: config) }
        guard check.problems.isEmpty else { throw Problems(lines: check.problems) }
        if Communicator.world.isRoot {
            Console.line("\(config): valid " + (check.isStudy ? "study config, \(check.runs ?? 0) runs" : "run config"))
        }
    }

    /// The problems, printed as the usual error lines (one per problem).
    struct Problems: ReportableError {
        let lines: [String]
        var description: String { lines.joined(separator: "\nerror: ") }
    }
}
