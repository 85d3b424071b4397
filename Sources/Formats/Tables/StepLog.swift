import Foundation

/// A CSV file of one line per step, written by rank 0 (`thermo.csv`, `aqs.csv`, `events.csv`): a header naming
/// each quantity and its unit (``CSVColumn``), then lines that start with the step. On restart the lines after
/// the checkpoint's step are dropped, so the file reads as one run.
public struct StepLog {
    public let path: String
    /// The columns after `step`.
    public let columns: [CSVColumn]

    public init(path: String, columns: [CSVColumn]) {
        self.path = path
        self.columns = columns
    }

    public var header: String { (["step"] + columns).csvHeader }

    /// Starts the file, or on restart keeps its lines up to `step`.
    public func begin(restartingAt step: Int?) throws {
        var lines = [header]
        if let step, let old = try? String(contentsOfFile: path, encoding: .utf8) {
            lines += old.split(separator: "\n").dropFirst().filter { line in
                Int(line.prefix { $0 != "," }).map { $0 <= step } ?? false
            }.map(String.init)
        }
        try write(lines.joined(separator: "\n") + "\n", append: false)
    }

    /// The line `step,values…`.
    public func append(step: Int, values: [String]) throws {
        try write(([String(step)] + values).joined(separator: ",") + "\n", append: true)
    }

    private func write(_ text: String, append: Bool) throws {
        if append, let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            do {
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
            } catch {
                throw FormatError.write(path: path, reason: "\(error)")
            }
            return
        }
        try AtomicFile.write(text, to: path)
    }
}
