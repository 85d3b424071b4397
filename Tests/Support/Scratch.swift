import Foundation

/// Fresh temporary folders for tests, one per call.
public enum Scratch {
    public static func url(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public static func folder(_ prefix: String) throws -> String { try url(prefix).path }
}
