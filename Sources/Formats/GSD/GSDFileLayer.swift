// GSD trajectories (the HOOMD-blue format read by OVITO, freud, gsd and HOOMD) written and read natively.
//
// Written from the published specification, not from the gsd sources:
//   - file layer: https://gsd.readthedocs.io/en/stable/file-layer.html (GSD file layer, version 2.x)
//   - HOOMD schema: https://gsd.readthedocs.io/en/stable/schema-hoomd.html
//
// File layer, as used here (all integers little-endian, the byte order of every platform gsd runs on):
//   header (256 bytes at offset 0): magic u64 = 0x65DF65DF65DF65DF, index_location u64,
//       index_allocated_entries u64, namelist_location u64, namelist_allocated_entries u64 (64-byte segments),
//       schema_version u32, gsd_version u32 (both 0xaaaabbbb = aaaa.bbbb), application[64], schema[64],
//       reserved[80];
//   index block: 32-byte entries (frame u64, N u64, location i64, M u32, name id u16, type u8, flags u8),
//       sorted by frame then name id; the first entry with location 0 ends the list, and the frame count is
//       the last entry's frame + 1;
//   name list: NUL-terminated names; a name starting with NUL ends the list; a name's id is its position;
//   data chunks: N × M values (M the fast index) of the entry's type at the entry's location.
//   Type ids: 1 uint8, 2 uint16, 3 uint32, 4 uint64, 5 int8, 6 int16, 7 int32, 8 int64, 9 float32,


import Foundation
import Parallel
import Particles
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - File layer

/// Constants of the GSD file layer (specification version 2.x).
enum GSDLayout {
    static let magic: UInt64 = 0x65DF_65DF_65DF_65DF
    static let headerSize = 256
    static let indexEntrySize = 32
    static let nameSegmentSize = 64
    /// File layer version written: 2.1 (`0x00020001`), the current version (2.1 added the character type).
    static let fileVersion: (major: UInt32, minor: UInt32) = (2, 1)
    /// Index entries allocated when a file is created; the index doubles (at the end of the file) when full.
    static let initialIndexEntries = 128

    static func packVersion(_ major: UInt32, _ minor: UInt32) -> UInt32 { (major << 16) | (minor & 0xFFFF) }
}

/// Data type of a chunk, with the file layer's type ids.
enum GSDType: UInt8, Sendable {
    case uint8 = 1, uint16, uint32, uint64, int8, int16, int32, int64, float32, float64, character

    var size: Int {
        switch self {
        case .uint8, .int8, .character: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        }
    }

    var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    var name: String {
        switch self {
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float32: return "float32"
        case .float64: return "float64"
        case .character: return "character"
        }
    }
}

/// One named N × M chunk of a frame, already encoded little-endian.
struct GSDChunk: Sendable {
    var name: String
    var type: GSDType
    var rows: UInt64
    var columns: UInt32
    var bytes: [UInt8]

    init<T: FixedWidthInteger>(_ name: String, _ type: GSDType, rows: Int, columns: Int, integers: [T]) {
        precondition(type.size == MemoryLayout<T>.size && integers.count == rows * columns)
        var out = ByteBuffer(capacity: integers.count * type.size)
        for v in integers { out.append(v) }
        self.init(name: name, type: type, rows: rows, columns: columns, bytes: out.bytes)
    }

    init(_ name: String, rows: Int, columns: Int, floats: [Float]) {
        precondition(floats.count == rows * columns)
        var out = ByteBuffer(capacity: floats.count * 4)
        for v in floats { out.append(v.bitPattern) }
        self.init(name: name, type: .float32, rows: rows, columns: columns, bytes: out.bytes)
    }

    init(name: String, type: GSDType, rows: Int, columns: Int, bytes: [UInt8]) {
        precondition(bytes.count == rows * columns * type.size)
        self.name = name
        self.type = type
        self.rows = UInt64(rows)
        self.columns = UInt32(columns)
        self.bytes = bytes
    }
}

/// One 32-byte index entry.
struct GSDIndexEntry: Sendable, Equatable {
    var frame: UInt64
    var rows: UInt64
    var location: Int64
    var columns: UInt32
    var nameID: UInt16
    var type: UInt8
    var flags: UInt8

    func encode(into out: inout ByteBuffer) {
        out.append(frame)
        out.append(rows)
        out.append(location)
        out.append(columns)
        out.append(nameID)
        out.append(type)
        out.append(flags)
    }

    static func decode(_ b: [UInt8], at offset: Int) -> GSDIndexEntry {
        GSDIndexEntry(frame: b.le(UInt64.self, at: offset), rows: b.le(UInt64.self, at: offset + 8),
                      location: b.le(Int64.self, at: offset + 16), columns: b.le(UInt32.self, at: offset + 24),
                      nameID: b.le(UInt16.self, at: offset + 28), type: b[offset + 30], flags: b[offset + 31])
    }
}

/// Little-endian byte accumulator.
struct ByteBuffer {
    var bytes: [UInt8] = []
    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    /// `text` as UTF-8, cut to `width - 1` bytes, NUL-padded to `width` bytes.
    mutating func appendFixedString(_ text: String, width: Int) {
        let utf8 = Array(text.utf8.prefix(width - 1))
        bytes.append(contentsOf: utf8)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: width - utf8.count))
    }
    mutating func appendZeros(_ count: Int) { bytes.append(contentsOf: [UInt8](repeating: 0, count: count)) }
}

extension Array where Element == UInt8 {
    /// The little-endian integer at `offset` (no alignment needed).
    func le<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}

/// A file open for reading, with whole-buffer positioned reads (writers go through ``AtomicFile``).
struct POSIXFile {
    let fd: Int32
    let path: String

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Exactly `count` bytes at `offset`; `nil` when the file ends first.
    func read(count: Int, at offset: UInt64) throws(GSDError) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read \(count) bytes at offset \(offset)", reason: Self.errnoText())
            }
            if n == 0 { return nil }
            done += n
        }
        return out
    }

    func size() throws(GSDError) -> UInt64 {
        let end = lseek(fd, 0, SEEK_END)
        if end < 0 { throw .io(path: path, operation: "find the file size", reason: Self.errnoText()) }
        return UInt64(end)
    }
}

/// Chunk-level GSD writer: creates a file with a fixed list of chunk names and appends whole frames.
///
/// Crash safety: a frame's data chunks are written after the end of the file and flushed (`fsync`) before
/// its index entries are written into the zero-filled index block (one `pwrite`) and flushed, so readers
/// never see index entries that point at unwritten data, and a killed process leaves a file whose frames
/// are exactly those committed. When the index is full, a twice larger copy is written at the end of the
/// file and flushed before the header (one 256-byte `pwrite`) points at it.
final class GSDFileLayerWriter {
    private let file: AtomicFile
    /// The final name (the file being written is `<path>.partial` until ``close()``).
    var reportPath: String { file.path }
    private let names: [String]
    private let nameIDs: [String: UInt16]
    private var indexLocation: UInt64
    private var indexCapacity: UInt64
    private let namelistLocation: UInt64
    private let namelistSegments: UInt64
    private let schemaVersion: UInt32
    private let application: String
    private let schema: String
    private var entryCount: UInt64 = 0
    private var fileEnd: UInt64
    private(set) var frameCount: UInt64 = 0
    /// The index entries written so far (copied when the index grows).
    private var index: [UInt8] = []
    private(set) var isClosed = false

    /// Creates (or truncates) `<path>.partial` as an empty GSD file that can hold chunks named `names`;
    /// ``close()`` moves it to `path`.
    init(path: String, application: String, schema: String,
         schemaVersion: (major: UInt32, minor: UInt32), names: [String]) throws(GSDError) {
        precondition(!names.isEmpty && names.count <= Int(UInt16.max) && Set(names).count == names.count)
        precondition(names.allSatisfy { !$0.isEmpty && !$0.utf8.contains(0) })
        self.names = names
        var ids: [String: UInt16] = [:]
        for (i, name) in names.enumerated() { ids[name] = UInt16(i) }
        self.nameIDs = ids
        self.application = application
        self.schema = schema
        self.schemaVersion = GSDLayout.packVersion(schemaVersion.major, schemaVersion.minor)
        indexLocation = UInt64(GSDLayout.headerSize)
        indexCapacity = UInt64(GSDLayout.initialIndexEntries)
        namelistLocation = indexLocation + indexCapacity * UInt64(GSDLayout.indexEntrySize)
        let namelistBytes = names.reduce(1) { $0 + $1.utf8.count + 1 }  // + the empty name that ends the list
        namelistSegments = UInt64((namelistBytes + GSDLayout.nameSegmentSize - 1) / GSDLayout.nameSegmentSize)
        fileEnd = namelistLocation + namelistSegments * UInt64(GSDLayout.nameSegmentSize)

        do { file = try AtomicFile(path: path) } catch { throw .io(path: path, operation: "create the file", reason: error.description) }

        var out = ByteBuffer(capacity: Int(fileEnd))
        out.bytes.append(contentsOf: headerBytes())
        out.appendZeros(Int(indexCapacity) * GSDLayout.indexEntrySize)
        for name in names {
            out.bytes.append(contentsOf: Array(name.utf8))
            out.bytes.append(0)
        }
        out.appendZeros(Int(fileEnd) - out.bytes.count)
        do throws(GSDError) {
            try write(out.bytes, at: 0)
        } catch {
            file.abandon()
            isClosed = true
            throw error
        }
    }

    /// `bytes` at `offset`, flushed to disk before anything that points at them is written.
    private func write(_ bytes: [UInt8], at offset: UInt64) throws(GSDError) {
        do {
            try file.write(bytes, at: offset)
            try file.sync()
        } catch {
            throw .io(path: reportPath, operation: "write \(bytes.count) bytes at offset \(offset)", reason: error.description)
        }
    }

    private func headerBytes() -> [UInt8] {
        var h = ByteBuffer(capacity: GSDLayout.headerSize)
        h.append(GSDLayout.magic)
        h.append(indexLocation)
        h.append(indexCapacity)
        h.append(namelistLocation)
        h.append(namelistSegments)
        h.append(schemaVersion)
        h.append(GSDLayout.packVersion(GSDLayout.fileVersion.major, GSDLayout.fileVersion.minor))
        h.appendFixedString(application, width: 64)
        h.appendFixedString(schema, width: 64)
        h.appendZeros(80)
        assert(h.bytes.count == GSDLayout.headerSize)
        return h.bytes
    }

    /// Appends one frame made of `chunks` (names from the creation list, each at most once).
    func writeFrame(_ chunks: [GSDChunk]) throws(GSDError) {
        guard !isClosed else { throw .writerClosed(path: reportPath) }
        precondition(!chunks.isEmpty, "a GSD frame needs at least one chunk")
        var withIDs: [(id: UInt16, chunk: GSDChunk)] = []
        for chunk in chunks {
            guard let id = nameIDs[chunk.name] else { preconditionFailure("chunk name \(chunk.name) not declared") }
            withIDs.append((id, chunk))
        }
        withIDs.sort { $0.id < $1.id }
        for i in withIDs.indices.dropFirst() { precondition(withIDs[i].id != withIDs[i - 1].id, "duplicate chunk") }

        // 1. Data at the end of the file, flushed before anything refers to it.
        var data = ByteBuffer(capacity: withIDs.reduce(0) { $0 + $1.chunk.bytes.count })
        var entries = ByteBuffer(capacity: withIDs.count * GSDLayout.indexEntrySize)
        for (id, chunk) in withIDs {
            let entry = GSDIndexEntry(frame: frameCount, rows: chunk.rows,
                                      location: Int64(fileEnd) + Int64(data.bytes.count), columns: chunk.columns,
                                      nameID: id, type: chunk.type.rawValue, flags: 0)
            entry.encode(into: &entries)
            data.bytes.append(contentsOf: chunk.bytes)
        }
        try write(data.bytes, at: fileEnd)
        fileEnd += UInt64(data.bytes.count)

        // 2. Room in the index.
        let needed = entryCount + UInt64(withIDs.count)
        if needed > indexCapacity { try growIndex(toAtLeast: needed) }

        // 3. The index entries (one write), then flushed: the frame is committed.
        try write(entries.bytes, at: indexLocation + entryCount * UInt64(GSDLayout.indexEntrySize))
        index.append(contentsOf: entries.bytes)
        entryCount = needed
        frameCount += 1
    }

    private func growIndex(toAtLeast needed: UInt64) throws(GSDError) {
        var capacity = indexCapacity
        while capacity < needed { capacity *= 2 }
        var block = index
        block.append(contentsOf: [UInt8](repeating: 0, count: Int(capacity) * GSDLayout.indexEntrySize - index.count))
        let newLocation = fileEnd
        try write(block, at: newLocation)
        fileEnd += UInt64(block.count)
        indexLocation = newLocation
        indexCapacity = capacity
        try write(headerBytes(), at: 0)
    }

    /// Flushes and closes the file descriptor.
    func close() throws(GSDError) {
        guard !isClosed else { return }
        isClosed = true
        do { try file.commit() } catch { throw .io(path: reportPath, operation: "flush, close and rename the file", reason: error.description) }
    }
}

/// `close(2)`, named apart from the methods called `close`.
@inline(__always) func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
