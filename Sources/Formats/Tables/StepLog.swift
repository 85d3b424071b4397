import Foundation

/// A CSV file of one line per step, written by rank 0 (`thermo.csv`, `aqs.csv`): a header naming each
/// quantity and its unit, then lines that start with the step. On restart the lines after the
/// checkpoint's step are dropped, so the file reads as one run.
public struct StepLog {
    public let path: String
    public let header: String

    public init(path: String, header: String) {
        self.path = path
        self.header = header
    }

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
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            return
        }
        try AtomicFile.write(text, to: path)
    }
}
