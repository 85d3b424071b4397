import Foundation

/// The JSON files of every command (`summary.json`, `thermo.json`, `deposit.json`, self-check reports):
/// pretty-printed with sorted keys, written atomically, failures as one-line ``StudyError/write(path:reason:)``.
public enum JSONReport {
    /// Local (rank 0): writes `value` to `path`.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        do { try data(value).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw StudyError.write(path: path, reason: error.localizedDescription)
        }
    }

    /// The encoded text, for printing.
    public static func data<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }
}
