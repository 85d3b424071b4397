import Parallel

/// Bad input met by the `Study` module (files: ``FormatError``); one-line messages
/// `<where>: <what is wrong>, <what to do>`.
public enum StudyError: ReportableError, Equatable, Sendable {
    /// A command-line option or config field has a bad value.
    case invalidOption(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let expected):
            return value.isEmpty ? "\(name): \(expected)" : "\(name) \(value): \(expected)"
        }
    }
}
