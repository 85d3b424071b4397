import Foundation

/// A CSV file as StressFlux writes it (``StepLog``, ``CSVColumn``), read back: the columns by name (the header's
/// `name [unit]` without the unit) and the lines as strings, empty cells kept.
public struct CSVTable {
    public let names: [String]
    public let rows: [[String]]

    public init(names: [String], rows: [[String]]) {
        self.names = names
        self.rows = rows
    }

    /// Reads `path`; lines with another number of cells than the header (a line cut by a crash) are left out.
    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FormatError.badFile(path: path, format: "CSV", reason: "cannot be read")
        }
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { throw FormatError.badFile(path: path, format: "CSV", reason: "has no header") }
        names = lines.removeFirst().map { cell in cell.split(separator: " ").first.map(String.init) ?? cell }
        rows = lines.filter { [count = names.count] in $0.count == count }
    }

    /// The column `name` as numbers (NaN for an empty or non-numeric cell; empty if there is no such column).
    public func column(_ name: String) -> [Double] {
        guard let k = names.firstIndex(of: name) else { return [] }
        return rows.map { Double($0[k]) ?? .nan }
    }
}
