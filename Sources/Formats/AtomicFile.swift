import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written under `<path>.partial` and moved to `path` only when complete: flushed (`fsync`),
/// renamed, and the rename flushed with its folder. A run that dies or fails mid-write never leaves a
/// truncated file under the final name. Every writer of StressFlux goes through this type (HDF5's
/// parallel files through ``commit(partial:to:)``).
public final class AtomicFile {
    /// The final name.
    public let path: String
    /// Where the bytes go until ``commit()``.
    public let partialPath: String
    private var fd: Int32

    /// Creates (or truncates) `<path>.partial`.
    public init(path: String) throws(FormatError) {
        self.path = path
        partialPath = path + ".partial"
        fd = open(partialPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .write(path: path, reason: Self.errnoText()) }
    }

    /// Local: the whole of `text` as the file at `path`.
    public static func write(_ text: String, to path: String) throws(FormatError) {
        try whole(path) { file throws(FormatError) in try file.append(text) }
    }

    /// Local: the whole of `data` as the file at `path`.
    public static func write(_ data: Data, to path: String) throws(FormatError) {
        try whole(path) { file throws(FormatError) in
            try data.withUnsafeBytes { raw in Result { () throws(FormatError) in try file.append(raw) } }.get()
        }
    }

    private static func whole(_ path: String, _ body: (AtomicFile) throws(FormatError) -> Void) throws(FormatError) {
        let file = try AtomicFile(path: path)
        do throws(FormatError) {
            try body(file)
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    /// Appends `text` (UTF-8) at the end of what was written with ``append(_:)``.
    public func append(_ text: String) throws(FormatError) {
        var text = text
        let result: Result<Void, FormatError> = text.withUTF8 { bytes in
            Result { () throws(FormatError) in try self.append(UnsafeRawBufferPointer(bytes)) }
        }
        try result.get()
    }

    /// Appends raw bytes.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(FormatError) {
        var offset = 0
        while offset < bytes.count {
            let written = Self.posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .write(path: path, reason: Self.errnoText()) }
            offset += written
        }
    }

    /// Writes `bytes` at `offset` (`pwrite`), for formats that rewrite a header or an index in place.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(FormatError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { raw in pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .write(path: path, reason: Self.errnoText()) }
            done += n
        }
    }

    /// Flushes what was written to the disk (`fsync`), e.g. before writing an index that points at it.
    public func sync() throws(FormatError) {
        guard fsync(fd) == 0 else { throw .write(path: path, reason: "fsync: " + Self.errnoText()) }
    }

    /// Flushes and closes `<path>.partial`, then moves it to `path`. A second call does nothing.
    public func commit() throws(FormatError) {
        guard fd >= 0 else { return }
        let synced = fsync(fd) == 0 ? nil : Self.errnoText()
        let closed = Self.posixClose(fd) == 0 ? nil : Self.errnoText()
        fd = -1
        if let reason = synced ?? closed { throw .write(path: path, reason: reason) }
        try Self.commit(partial: partialPath, to: path)
    }

    /// Closes and deletes `<path>.partial` (after a failure).
    public func abandon() {
        if fd >= 0 { _ = Self.posixClose(fd); fd = -1 }
        unlink(partialPath)
    }

    /// Moves a finished file written elsewhere (e.g. by HDF5) from `partial` to `path`: flushes it, renames it
    /// (replacing any file there) and flushes the folder, so the rename itself survives a crash.
    public static func commit(partial: String, to path: String) throws(FormatError) {
        let fd = open(partial, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); _ = posixClose(fd) }
        guard rename(partial, path) == 0 else { throw .write(path: path, reason: "rename from \(partial): " + errnoText()) }
        let folder = (path as NSString).deletingLastPathComponent
        let folderFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if folderFD >= 0 { _ = fsync(folderFD); _ = posixClose(folderFD) }
    }

    deinit { if fd >= 0 { _ = Self.posixClose(fd) } }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, bytes, count)
        #else
        return Darwin.write(fd, bytes, count)
        #endif
    }

    private static func posixClose(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(fd)
        #else
        return Darwin.close(fd)
        #endif
    }
}
