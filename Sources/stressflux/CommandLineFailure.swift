import ArgumentParser
import Parallel

/// What the command line prints and returns for an error thrown on every rank alike.
///
/// Our own errors (``ReportableError``) are already one line, `<where>: <what>, <what to do>`;
/// argument-parser errors keep their first line, with a pointer to the help. Help and version requests
/// print in full and exit 0.
struct CommandLineFailure {
    let text: String
    let exitCode: Int32
    let isHelp: Bool

    init(_ error: Error) {
        if let reportable = error as? ReportableError {
            text = "error: \(reportable.description)"
            exitCode = 1
            isHelp = false
            return
        }
        let code = StressFluxCommand.exitCode(for: error)
        if code == .success {
            text = StressFluxCommand.fullMessage(for: error)
            exitCode = 0
            isHelp = true
            return
        }
        let message = StressFluxCommand.message(for: error)
        let first = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? message
        let trimmed = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : first
        text = "error: \(trimmed), see 'stressflux help' for usage"
        exitCode = code.rawValue
        isHelp = false
    }

    /// Rank 0 only.
    func print() {
        if isHelp { Swift.print(text) } else { Console.error(text) }
    }
}
