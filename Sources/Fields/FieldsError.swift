import Parallel

/// Bad input met by the fields module; one-line messages `<field>: <what is wrong>, <what to do>`.
public enum FieldsError: ReportableError, Equatable, Sendable {
    case invalidParameter(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let expected):
            return "\(name) \(value): \(expected)"
        }
    }
}
