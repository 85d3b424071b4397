import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LAMMPSDataFile {
    /// The lines of a data file that a reader of one block of its atoms needs, kept in one pass over the file through
    /// a fixed buffer, so no rank ever holds the whole file: the title, the header, every section keyword and the
    /// line after it (which LAMMPS skips and which must be blank for the sections read), the `Masses` and
    /// `Atom Type Labels` lines, and the `Atoms` lines of the block — plus the first atom line, whose field count
    /// decides the style and against which every other line is checked, so a block reports the same errors as the
    /// whole file. Lines of other sections (`Velocities`, `Bonds`, …) and the other blocks' atom lines are dropped;
    /// every kept line keeps its line number for messages.
    struct Excerpt {
        /// The kept lines, each ended by a line feed.
        var text: [UInt8] = []
        /// The 1-based line number in the file of each kept line.
        var numbers: [Int] = []
        /// Lines in the file (LF, CRLF or CR ends a line; a last line without one counts).
        var totalLines = 0
        /// Data lines of the first `Atoms` section, past the line after its keyword.
        var atomLines = 0
        /// The atom lines kept for the block, as indices among the `Atoms` data lines.
        var block: Range<Int> = 0..<0
        /// Whether the first atom line is kept only as the reference for the style and field count (the block
        /// does not hold it).
        var referenceOnly: Bool { !block.contains(0) }
    }

    /// Reads `path` once and keeps the lines that atom lines [k·N/parts, (k+1)·N/parts) need, N the header's
    /// `atoms` count (see ``Excerpt``), through a buffer of `bufferSize` bytes.
    static func excerpt(path: String, block k: Int, of parts: Int, bufferSize: Int = 1 << 22) throws -> Excerpt {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw LAMMPSDataError.missingFile(path: path)
        }
        guard !isFolder.boolValue else { throw LAMMPSDataError.unreadable(path: path, reason: "it is a folder") }
        guard let file = fopen(path, "rb") else {
            throw LAMMPSDataError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var scanner = Scanner(block: k, of: parts)
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        // Bytes of a line not yet ended when the buffer ran out, and whether the last byte seen was a CR (a LF right
        // after it ends nothing).
        var pending: [UInt8] = []
        var afterCR = false
        var first = true
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 {
                guard ferror(file) == 0 else { throw LAMMPSDataError.unreadable(path: path, reason: "I/O error") }
                break
            }
            try buffer.withUnsafeBufferPointer { all in
                let bytes = UnsafeBufferPointer(rebasing: all[0..<count])
                if first {
                    first = false
                    if count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B { throw LAMMPSDataError.compressed(path: path) }
                }
                var start = 0
                for i in 0..<count {
                    let byte = bytes[i]
                    guard byte == 0x0A || byte == 0x0D else { continue }
                    if byte == 0x0A && afterCR && i == start && pending.isEmpty {
                        afterCR = false
                        start = i + 1
                        continue
                    }
                    afterCR = byte == 0x0D
                    if pending.isEmpty {
                        scanner.line(UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    } else {
                        pending.append(contentsOf: bytes[start..<i])
                        pending.withUnsafeBufferPointer { scanner.line($0) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    start = i + 1
                }
                if start < count {
                    afterCR = false
                    pending.append(contentsOf: bytes[start..<count])
                }
            }
        }
        if !pending.isEmpty { pending.withUnsafeBufferPointer { scanner.line($0) } }
        return scanner.excerpt
    }

    /// The one pass of ``excerpt(path:block:of:)``: classifies each line as ``Reader`` will (header lines start with
    /// a number, keywords have no number, data lines have one) and keeps what the block needs.
    private struct Scanner {
        let part: Int, parts: Int
        var excerpt = Excerpt()
        var inHeader = true
        /// The section the data lines belong to: `Atoms` (the first only), a kept section, or another.
        enum Current { case none, atoms, kept, dropped }
        var current = Current.none
        var afterKeyword = false
        var atomsSections = 0

        init(block part: Int, of parts: Int) {
            self.part = part
            self.parts = parts
        }

        mutating func line(_ bytes: UnsafeBufferPointer<UInt8>) {
            let index = excerpt.totalLines
            excerpt.totalLines += 1
            guard index > 0 else { return keep(bytes, index) }  // the title
            let shape = Shape(bytes)
            if inHeader {
                if shape.empty { return }
                if shape.firstNumeric {
                    if let atoms = Self.atomCount(bytes) {
                        excerpt.block = (part * atoms / parts)..<((part + 1) * atoms / parts)
                    }
                    return keep(bytes, index)
                }
                inHeader = false
            }
            let skipped = afterKeyword
            afterKeyword = false
            if shape.empty {
                if skipped { keep(bytes, index) }
                return
            }
            if !shape.anyNumeric {
                let name = Self.fields(bytes).joined(separator: " ")
                if name == "Atoms" { atomsSections += 1 }
                switch name {
                case "Atoms": current = atomsSections == 1 ? .atoms : .dropped
                case "Masses", "Atom Type Labels": current = .kept
                default: current = .dropped
                }
                afterKeyword = true
                return keep(bytes, index)
            }
            if skipped { return keep(bytes, index) }
            switch current {
            case .none, .kept:
                keep(bytes, index)  // a data line before any section is kept for the reader's error
            case .atoms:
                let k = excerpt.atomLines
                excerpt.atomLines += 1
                if k == 0 || excerpt.block.contains(k) { keep(bytes, index) }
            case .dropped:
                break
            }
        }

        mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) {
            excerpt.text.append(contentsOf: bytes)
            excerpt.text.append(0x0A)
            excerpt.numbers.append(index + 1)
        }

        /// The whitespace-separated fields before any `#`.
        static func fields(_ bytes: UnsafeBufferPointer<UInt8>) -> [Substring] {
            let text = String(decoding: bytes, as: UTF8.self)
            let data = text.prefix { $0 != "#" }
            return data.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{0B}" || $0 == "\u{0C}" })
        }

        /// N of a header line `N atoms`.
        static func atomCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
            let f = fields(bytes)
            guard f.count == 2, f[1] == "atoms", let n = Int(f[0]), n >= 0 else { return nil }
            return n
        }
    }

    /// What the reader's rules need of a line, read from its bytes before any `#`.
    private struct Shape {
        var empty = true, firstNumeric = false, anyNumeric = false

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            var inField = false
            for byte in bytes {
                if byte == 0x23 { break }  // '#'
                if byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C {
                    inField = false
                    continue
                }
                guard !inField else { continue }
                inField = true
                let numeric = (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E
                if empty { firstNumeric = numeric }
                empty = false
                anyNumeric = anyNumeric || numeric
            }
        }
    }
}
