import Parallel

/// Bad input or failed output met by the `Study` module; one-line messages
/// `<where>: <what is wrong>, <what to do>`.
public enum StudyError: ReportableError, Equatable, Sendable {
    /// An HDF5 call failed on a file.
    case hdf5(path: String, operation: String)
    /// A plain file could not be written.
    case write(path: String, reason: String)
    /// A command-line option or config field has a bad value.
    case invalidOption(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .hdf5(let path, let operation):
            return "\(path): HDF5 could not \(operation), check that the folder exists, is writable and has free space"
        case .write(let path, let reason):
            return "\(path): could not write (\(reason)), check that the folder exists and is writable"
        case .invalidOption(let name, let value, let expected):
            return value.isEmpty ? "\(name): \(expected)" : "\(name) \(value): \(expected)"
        }
    }
}
