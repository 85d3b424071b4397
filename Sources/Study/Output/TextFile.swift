import Foundation

/// Small text outputs (CSV tables): written whole and atomically, failures as one-line
/// ``StudyError/write(path:reason:)``.
enum TextFile {
    static func write(_ text: String, to path: String) throws {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw StudyError.write(path: path, reason: error.localizedDescription)
        }
    }
}
