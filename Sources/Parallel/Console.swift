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

    /// Prints `line` and flushes at once: standard output to a pipe (`mpirun`, a batch log) is fully
    /// buffered, and a progress line that waits in a buffer until exit tells nobody anything.
    public static func line(_ line: String) {
        print(line)
        fflush(nil)
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
