import Foundation

/// The JSON files of every command (`summary.json`, `thermo.json`, `deposit.json`, self-check reports):
/// pretty-printed with sorted keys, written atomically (``AtomicFile``), failures as one-line ``FormatError/write(path:reason:)``.
public enum JSONReport {
    /// Local (rank 0): writes `value` to `path`.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoded: Data
        do { encoded = try data(value) } catch { throw FormatError.write(path: path, reason: "\(error)") }
        try AtomicFile.write(encoded, to: path)
    }

    /// The encoded text, for printing.
    public static func data<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }
}
