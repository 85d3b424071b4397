import Parallel

/// A file StressFlux cannot read or write, outside the formats with their own detailed errors
/// (``GSDError``, ``LAMMPSDataError``); one-line messages `<path>: <what is wrong>, <what to do>`.
public enum FormatError: ReportableError, Equatable, Sendable {
    /// An HDF5 call failed on a file.
    case hdf5(path: String, operation: String)
    /// A file could not be written.
    case write(path: String, reason: String)
    /// A file holds something StressFlux cannot use; `format` names the file's kind (`H5MD`, `XDMF`, …).
    case badFile(path: String, format: String, reason: String)
    /// A file's name or extension is not one of the known formats.
    case unknownFormat(path: String, expected: String)

    public var description: String {
        switch self {
        case .hdf5(let path, let operation):
            return "\(path): HDF5 could not \(operation), check that the folder exists, is writable and has free space"
        case .write(let path, let reason):
            return "\(path): could not write (\(reason)), check that the folder exists and is writable"
        case .badFile(let path, let format, let reason):
            return "\(path) (\(format)): \(reason)"
        case .unknownFormat(let path, let expected):
            return "\(path): unknown file type, use \(expected)"
        }
    }
}
