#if canImport(Glibc)
import Glibc
#endif

/// Plain writes to standard output and error that need no shared `FILE *` (Swift 6 treats C's
/// `stdout`/`stderr` globals as shared mutable state). Whether to print at all (rank 0 only) is
/// the caller's decision.
public enum Console {
    /// Writes `line` and a newline to standard error, unbuffered.
    public static func error(_ line: String) {
        write(2, line + "\n")
    }

    /// Flushes every C stdio stream (Swift's `print` writes through them).
    public static func flush() {
        fflush(nil)
    }

    /// Makes standard output line-buffered, so progress lines reach `mpirun` and log files promptly.
    public static func lineBufferStandardOutput() {
        setvbuf(fdopen(1, "w"), nil, _IOLBF, 0)
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }
}
