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
//   10 float64, 11 character (UTF-8 byte).

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

// MARK: - Errors

/// Bad input or failed I/O met by ``GSDWriter`` and ``GSDReader``; one-line messages
/// `<path>: <what is wrong>, <what to do>`. Frame numbers are 0-based, as in gsd and HOOMD.
public enum GSDError: ReportableError, Equatable, Sendable {
    /// The file is not a GSD file at all (too short, or no GSD magic number).
    case notGSD(path: String, reason: String)
    /// The GSD file layer version is not 2.x.
    case unsupportedVersion(path: String, major: Int, minor: Int)
    /// The file is a GSD file of another schema than `hoomd`.
    case wrongSchema(path: String, schema: String)
    /// The file is cut short or its header, index or name list are inconsistent.
    case corrupt(path: String, reason: String)
    /// A frame lacks a chunk that has no usable default (e.g. `particles/position`, with N > 0).
    case missingChunk(path: String, frame: Int, name: String)
    /// A chunk has the wrong type or shape, or values outside the schema's range.
    case badChunk(path: String, frame: Int, name: String, reason: String)
    /// The frame's box has non-zero xz or yz tilt factors (StressFlux reads only xy, its Lees–Edwards strain).
    case tiltedBox(path: String, frame: Int, xy: Double, xz: Double, yz: Double)
    /// The requested frame is not in the file.
    case noSuchFrame(path: String, frame: Int, frameCount: Int)
    /// A snapshot handed to the writer is inconsistent (counts that disagree, bad box, …).
    case invalidSnapshot(path: String, reason: String)
    /// A system call on the file failed.
    case io(path: String, operation: String, reason: String)
    /// ``GSDWriter/append(_:)`` after ``GSDWriter/close()``.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case .notGSD(let path, let reason):
            return "\(path): not a GSD file (\(reason)), check the path or write the file with StressFlux or HOOMD-blue"
        case .unsupportedVersion(let path, let major, let minor):
            if major < 2 {
                return "\(path): GSD file layer version \(major).\(minor) is too old (StressFlux reads 2.x), "
                    + "upgrade it in place with gsd: python3 -c \"import gsd.fl; gsd.fl.open('\(path)', 'r+').upgrade()\""
            }
            return "\(path): GSD file layer version \(major).\(minor) is newer than StressFlux reads (2.x), "
                + "update StressFlux or re-write the file with a gsd that writes file layer 2.x"
        case .wrongSchema(let path, let schema):
            return "\(path): GSD schema is '\(schema)', not 'hoomd', give a HOOMD-schema trajectory (HOOMD-blue, gsd.hoomd or StressFlux)"
        case .corrupt(let path, let reason):
            return "\(path): truncated or corrupt GSD file (\(reason)), re-copy or re-write the file"
        case .missingChunk(let path, let frame, let name):
            return "\(path): frame \(frame) has no chunk \(name) (nor does frame 0 with the same N), "
                + "write the frame with \(name)"
        case .badChunk(let path, let frame, let name, let reason):
            return "\(path): chunk \(name) of frame \(frame) \(reason), re-write the file following the HOOMD schema"
        case .tiltedBox(let path, let frame, let xy, let xz, let yz):
            return "\(path): frame \(frame) has a box tilted in xz or yz (xy \(xy), xz \(xz), yz \(yz)), "
                + "StressFlux reads only the xy tilt (Lees–Edwards shear): write the trajectory with xz = yz = 0"
        case .noSuchFrame(let path, let frame, let frameCount):
            if frameCount == 0 {
                return "\(path): the file has no frames, write at least one frame into it"
            }
            return "\(path): no frame \(frame) (the file has \(frameCount) frames), ask for a frame in 0..<\(frameCount)"
        case .invalidSnapshot(let path, let reason):
            return "\(path): cannot write the snapshot (\(reason)), fix the snapshot before writing it"
        case .io(let path, let operation, let reason):
            return "\(path): could not \(operation) (\(reason)), check that the folder exists, is writable and has free space"
        case .writerClosed(let path):
            return "\(path): the GSD writer is already closed, open a new GSDWriter to write more frames"
        }
    }
}

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
private struct GSDIndexEntry: Sendable, Equatable {
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
private struct ByteBuffer {
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

private extension Array where Element == UInt8 {
    /// The little-endian integer at `offset` (no alignment needed).
    func le<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}

/// A file open for reading, with whole-buffer positioned reads (writers go through ``AtomicFile``).
private struct POSIXFile {
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
@inline(__always) private func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

// MARK: - Writer (HOOMD schema)

/// Writes a HOOMD-schema GSD trajectory, one frame per ``ParticleSnapshot``.
///
/// The file is GSD file layer 2.1, application `StressFlux`, schema `hoomd` version ``schemaVersion``.
/// Every frame carries all of these chunks (so no frame depends on frame 0):
/// `configuration/step` (uint64), `configuration/dimensions` (uint8), `configuration/box`
/// (float32 × 6: L_x L_y L_z xy xz yz, xz = yz = 0; in 2D L_z = 1), `particles/N` (uint32), `particles/types`
/// (int8 NT × M, NUL-padded UTF-8 names), `particles/typeid` (uint32), `particles/diameter` (float32),
/// `particles/position` (float32 N × 3) and `particles/image` (int32 N × 3).
///
/// Conventions:
/// - Units are ours: lengths (box, positions, diameters) in ℓ₀ (physics.md §1.2), stored without scaling.
/// - GSD stores no particle id: particles are written **sorted by ``ParticleSnapshot/ids``**, which is
///   HOOMD's tag order (the k-th particle of a frame has tag k). Ids need not be 0..<N, only unique; a
///   reader gets ids 0..<N in that order.
/// - HOOMD's box is centred on the origin: a position x ∈ [0, L) is written as x − L/2 ∈ [−L/2, L/2).
///   Positions are float32: the written value is within about 3·10⁻⁸ L of x − L/2 (half a float32 ulp).
///   When that rounding lands on +L/2 (outside HOOMD's half-open box) the particle is written at −L/2
///   with its image incremented; positions outside [0, L) are wrapped the same way, so the unwrapped
///   position x + image · L is kept. In 2D, z = 0 and the z image is 0.
/// - The Lees–Edwards strain γ (``ParticleSnapshot/strain``) is the tilt xy of HOOMD's box, whose image
///   lattice is ours (``TriclinicShear``), written reduced to γ' = γ − m L_x/L_y with |γ' L_y| ≤ L_x/2 and
///   x images n_x + m n_y. Positions lie in HOOMD's sheared box: y_h ∈ [−L_y/2, L_y/2) and
///   x_h − γ' y_h ∈ [−L_x/2, L_x/2) (checked on the float32 values), moved there by whole lattice vectors
///   counted in the images, so the unwrapped position is ours up to float32 rounding of positions and tilt.
/// - Box lengths and diameters are float32 too: exact when representable in float32 (e.g. 10, 12.5,
///   1.375), else the nearest float32 (relative error ≤ 6·10⁻⁸).
///
/// Crash safety: the file is written as `<path>.partial` and renamed to `path` by ``close()`` after a
/// final `fsync` (an existing file at `path` stays untouched until then). Each ``append(_:)`` commits
/// its frame before returning: data first, flushed, then the index entries, flushed (see the GSD file
/// layer's design); so if the process dies, `<path>.partial` is a valid GSD file holding every frame
/// appended so far, readable by ``GSDReader``, gsd, OVITO and HOOMD (rename it to use it, before a new
/// `GSDWriter` for the same path truncates it). Frames are not appendable across runs: a writer always
/// starts an empty file.
public final class GSDWriter {
    /// `hoomd` schema version written: 1.4, the version whose chunks we write with float32 values
    /// (HOOMD-blue ≤ 6 and gsd ≤ 4 write 1.4; schema 2.0, written by HOOMD-blue 7 and gsd 5, only
    /// adds float64 chunks, and older readers refuse it, so 1.4 keeps OVITO < 3.15.2 and gsd < 5 working).
    public static let schemaVersion: (major: Int, minor: Int) = (1, 4)
    /// Application name in the header.
    public static let application = "StressFlux"
    /// L_z written for 2D frames (HOOMD-blue 2 convention; HOOMD-blue ≥ 3 and freud mark 2D boxes by
    /// L_z = 0 instead: readers should go by `configuration/dimensions`, which we always write).
    public static let boxLzIn2D: Float = 1
    /// The chunks of every frame, in name-id order.
    static let chunkNames = [
        "configuration/step", "configuration/dimensions", "configuration/box",
        "particles/N", "particles/types", "particles/typeid", "particles/diameter",
        "particles/position", "particles/image",
    ]

    /// Final path of the trajectory (the file being written is `path + ".partial"`).
    public let path: String
    /// Path of the file being written until ``close()``.
    public var partialPath: String { path + ".partial" }
    private let layer: GSDFileLayerWriter
    private var closed = false

    /// Number of frames appended so far.
    public var frameCount: Int { Int(layer.frameCount) }

    /// Creates `<path>.partial` (truncating any earlier one) as an empty GSD trajectory.
    public init(path: String) throws(GSDError) {
        self.path = path
        layer = try GSDFileLayerWriter(
            path: path, application: Self.application, schema: "hoomd",
            schemaVersion: (UInt32(Self.schemaVersion.major), UInt32(Self.schemaVersion.minor)),
            names: Self.chunkNames)
    }

    /// Appends `snapshot` as the next frame and commits it to disk (see the type's notes).
    ///
    /// Throws ``GSDError/invalidSnapshot(path:reason:)`` (and writes nothing) when the snapshot's arrays
    /// disagree in length, its dimension is not 2 or 3, its box is not positive and finite, ids repeat,
    /// a species index has no name, or values are not finite.
    public func append(_ snapshot: ParticleSnapshot) throws(GSDError) {
        guard !closed else { throw .writerClosed(path: path) }
        try layer.writeFrame(Self.chunks(for: snapshot, path: path))
    }

    /// Flushes `<path>.partial`, renames it to `path` (replacing any file there) and flushes the folder.
    /// A second `close()` does nothing.
    public func close() throws(GSDError) {
        guard !closed else { return }
        closed = true
        try layer.close()
    }

    /// The HOOMD-schema chunks of one frame (particles sorted by id).
    static func chunks(for s: ParticleSnapshot, path: String) throws(GSDError) -> [GSDChunk] {
        func invalid(_ reason: String) -> GSDError { .invalidSnapshot(path: path, reason: reason) }
        let d = s.dimension
        guard d == 2 || d == 3 else { throw invalid("dimension \(d), expected 2 or 3") }
        guard s.box.count == d else { throw invalid("\(s.box.count) box lengths for dimension \(d)") }
        guard s.box.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw invalid("box \(s.box) is not positive and finite")
        }
        let n = s.ids.count
        guard n <= Int(UInt32.max) else { throw invalid("\(n) particles, more than GSD's uint32 N holds") }
        let counts = [("positions", s.positions.count, n * d), ("images", s.images.count, n * d),
                      ("species", s.species.count, n), ("diameters", s.diameters.count, n)]
        for (what, count, expected) in counts where count != expected {
            throw invalid("particle counts disagree: \(n) ids but \(count) \(what) (expected \(expected))")
        }
        guard s.step >= 0 else { throw invalid("negative step \(s.step)") }
        let names = s.speciesNames.isEmpty ? ["A"] : s.speciesNames
        guard Set(names).count == names.count, names.allSatisfy({ !$0.isEmpty && !$0.utf8.contains(0) }) else {
            throw invalid("species names \(names) are not unique, non-empty and NUL-free")
        }
        guard s.positions.allSatisfy(\.isFinite), s.diameters.allSatisfy(\.isFinite) else {
            throw invalid("a position or diameter is not finite")
        }
        guard s.strain.isFinite else { throw invalid("strain \(s.strain) is not finite") }

        let order = (0..<n).sorted { s.ids[$0] < s.ids[$1] }
        for k in order.indices.dropFirst() where s.ids[order[k]] == s.ids[order[k - 1]] {
            throw invalid("particle id \(s.ids[order[k]]) appears twice")
        }

        var position = [Float](repeating: 0, count: 3 * n)
        var image = [Int32](repeating: 0, count: 3 * n)
        var typeid = [UInt32](repeating: 0, count: n)
        var diameter = [Float](repeating: 0, count: n)
        let shear = TriclinicShear(box: s.box, strain: s.strain)
        let tilt = Float(shear.strain)
        for (row, i) in order.enumerated() {
            let species = s.species[i]
            guard species >= 0, Int(species) < names.count else {
                throw invalid("particle \(s.ids[i]) has species \(species) but there are \(names.count) species names")
            }
            typeid[row] = UInt32(species)
            diameter[row] = Float(s.diameters[i])
            let p = i * d
            let cell = shear.cell(x: s.positions[p], y: s.positions[p + 1], nx: Int64(s.images[p]),
                                  ny: Int64(s.images[p + 1]), pivot: s.box[1] / 2)
            let (y, ny) = hoomdCoordinate(cell.y, image: cell.ny, length: s.box[1])
            // float32 rounding onto the open end moved y down by L_y: x moves along a₂ with it.
            let x = cell.x - Double(ny - cell.ny) * shear.tilt
            var coordinates = [hoomdCoordinate(x, image: cell.nx, length: s.box[0], shear: Double(tilt) * Double(y)),
                               (y, ny)]
            if d == 3 {
                coordinates.append(hoomdCoordinate(s.positions[p + 2], image: Int64(s.images[p + 2]), length: s.box[2]))
            }
            for (a, (x, img)) in coordinates.enumerated() {
                guard let img32 = Int32(exactly: img) else {
                    throw invalid("particle \(s.ids[i]) has an image count \(img) beyond int32")
                }
                position[3 * row + a] = x
                image[3 * row + a] = img32
            }
        }
        let box: [Float] = [Float(s.box[0]), Float(s.box[1]), d == 3 ? Float(s.box[2]) : boxLzIn2D, tilt, 0, 0]
        let typeRows = names.map { Array($0.utf8) }
        let width = (typeRows.map(\.count).max() ?? 0) + 1
        let types = typeRows.flatMap { $0 + [UInt8](repeating: 0, count: width - $0.count) }
        return [
            GSDChunk("configuration/step", .uint64, rows: 1, columns: 1, integers: [UInt64(s.step)]),
            GSDChunk("configuration/dimensions", .uint8, rows: 1, columns: 1, integers: [UInt8(d)]),
            GSDChunk("configuration/box", rows: 6, columns: 1, floats: box),
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(n)]),
            GSDChunk(name: "particles/types", type: .int8, rows: names.count, columns: width, bytes: types),
            GSDChunk("particles/typeid", .uint32, rows: n, columns: 1, integers: typeid),
            GSDChunk("particles/diameter", rows: n, columns: 1, floats: diameter),
            GSDChunk("particles/position", rows: n, columns: 3, floats: position),
            GSDChunk("particles/image", .int32, rows: n, columns: 3, integers: image),
        ]
    }

    /// Our coordinate x (any real, nominally in [0, L)) with image count `image` as HOOMD's float32
    /// coordinate x_h with x_h − shear in [−L/2, L/2) of the float32 box length, and the image count that
    /// keeps x + image · L. `shear` is γ' y_h for x in a sheared box, whose cell HOOMD tilts, else 0.
    static func hoomdCoordinate(_ x: Double, image: Int64, length: Double, shear: Double = 0) -> (Float, Int64) {
        var x = x - shear
        var image = image
        if !(x >= 0 && x < length) {
            let shift = (x / length).rounded(.down)
            x -= shift * length
            image += Int64(shift)
            if x >= length { x -= length; image += 1 }
            if x < 0 { x = 0 }
        }
        var centred = Float(x - length / 2 + shear)
        let fraction = { (Double(centred) - shear) / Double(Float(length)) }
        if fraction() >= 0.5 {  // rounding reached the open end of the box
            centred -= Float(length)
            image += 1
        }
        while fraction() < -0.5 { centred = centred.nextUp }  // rounding left the box at its closed end
        return (centred, image)
    }
}

// MARK: - Reader (HOOMD schema)

/// Reads frames of a HOOMD-schema GSD file (GSD file layer 2.x) into ``ParticleSnapshot``s.
///
/// Follows the schema's rule for absent chunks: a chunk missing from frame k takes its value from
/// frame 0 (for per-particle chunks only when frame 0 has the same N), else the schema default:
/// step 0, dimensions 3, box (1, 1, 1, 0, 0, 0), N 0, types ["A"], typeid 0, diameter 1.0, image 0.
/// `particles/position` has no default here: a frame with N > 0 and no position (in it or in frame 0
/// with the same N) is an error.
///
/// Conventions of the returned snapshot: ids are 0..<N in file order (HOOMD's tags); positions are the
/// file's float32 values shifted by +L/2 back into [0, L) (exact in double, so within half a float32
/// ulp of what was written) and wrapped with their image counts adjusted; box lengths are the file's
/// float32 values. Lengths are in the file's units (ℓ₀ for files written by ``GSDWriter``).
/// Float chunks may be float32 or float64 (schema 2.0 allows both); integer chunks any integer type.
/// A tilt xy is the Lees–Edwards strain (``ParticleSnapshot/strain`` = xy, same image lattice): y is wrapped
/// first, x moving by xy L_y per y image gained, then x. Boxes with non-zero xz or yz are refused
/// (``GSDError/tiltedBox(path:frame:xy:xz:yz:)``). In 2D frames the
/// file's L_z is ignored (HOOMD-blue ≥ 3 writes 0, HOOMD-blue 2 and ``GSDWriter`` write 1) and so are z
/// positions and z images.
public final class GSDReader {
    /// The file read.
    public let path: String
    /// Number of frames in the file.
    public let frameCount: Int
    /// Application name stored in the header.
    public let application: String
    /// Schema version stored in the header.
    public let schemaVersion: (major: Int, minor: Int)
    /// GSD file layer version stored in the header.
    public let fileVersion: (major: Int, minor: Int)

    private let file: POSIXFile
    private let fileSize: UInt64
    private let names: [String]
    private let nameIDs: [String: UInt16]
    private let entries: [GSDIndexEntry]

    /// Opens `path` and reads its header, name list and index.
    public init(path: String) throws(GSDError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .io(path: path, operation: "open the file for reading", reason: POSIXFile.errnoText()) }
        file = POSIXFile(fd: fd, path: path)
        do throws(GSDError) {
            fileSize = try file.size()
            let h = try Self.readHeader(file, size: fileSize, path: path)
            fileVersion = h.fileVersion
            schemaVersion = h.schemaVersion
            application = h.application
            names = h.names
            var ids: [String: UInt16] = [:]
            for (i, name) in names.enumerated() where ids[name] == nil { ids[name] = UInt16(i) }
            nameIDs = ids
            entries = h.entries
            frameCount = entries.last.map { Int($0.frame) + 1 } ?? 0
        } catch {
            _ = closeDescriptor(fd)
            throw error
        }
    }

    deinit { _ = closeDescriptor(file.fd) }

    private struct Header {
        var fileVersion: (major: Int, minor: Int)
        var schemaVersion: (major: Int, minor: Int)
        var application: String
        var names: [String]
        var entries: [GSDIndexEntry]
    }

    private static func readHeader(_ file: POSIXFile, size: UInt64, path: String) throws(GSDError) -> Header {
        func corrupt(_ reason: String) -> GSDError { .corrupt(path: path, reason: reason) }
        guard size >= UInt64(GSDLayout.headerSize),
              let h = try file.read(count: GSDLayout.headerSize, at: 0) else {
            throw .notGSD(path: path, reason: "\(size) bytes, shorter than the 256-byte GSD header")
        }
        guard h.le(UInt64.self, at: 0) == GSDLayout.magic else {
            throw .notGSD(path: path, reason: "no GSD magic number at the start")
        }
        let indexLocation = h.le(UInt64.self, at: 8)
        let indexAllocated = h.le(UInt64.self, at: 16)
        let namelistLocation = h.le(UInt64.self, at: 24)
        let namelistSegments = h.le(UInt64.self, at: 32)
        let schemaVersion = h.le(UInt32.self, at: 40)
        let gsdVersion = h.le(UInt32.self, at: 44)
        let major = Int(gsdVersion >> 16), minor = Int(gsdVersion & 0xFFFF)
        guard major == 2 else { throw .unsupportedVersion(path: path, major: major, minor: minor) }
        func cString(_ range: Range<Int>) -> String {
            String(decoding: h[range].prefix { $0 != 0 }, as: UTF8.self)
        }
        let application = cString(48..<112)
        let schema = cString(112..<176)
        guard schema == "hoomd" else { throw .wrongSchema(path: path, schema: schema) }

        func block(_ location: UInt64, _ count: UInt64, _ unit: Int, _ what: String) throws(GSDError) -> [UInt8] {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(unit))
            let (end, overflow2) = location.addingReportingOverflow(bytes)
            guard !overflow, !overflow2, location >= UInt64(GSDLayout.headerSize), end <= size else {
                throw corrupt("the \(what) (\(count) × \(unit) bytes at offset \(location)) ends beyond the "
                    + "end of the \(size)-byte file")
            }
            guard let data = try file.read(count: Int(bytes), at: location) else {
                throw corrupt("the \(what) ends beyond the end of the file")
            }
            return data
        }
        let namelist = try block(namelistLocation, namelistSegments, GSDLayout.nameSegmentSize, "name list")
        var names: [String] = []
        var start = 0
        while start < namelist.count, namelist[start] != 0 {
            guard let end = namelist[start...].firstIndex(of: 0) else {
                throw corrupt("the last chunk name in the name list is not NUL-terminated")
            }
            names.append(String(decoding: namelist[start..<end], as: UTF8.self))
            start = end + 1
        }

        let index = try block(indexLocation, indexAllocated, GSDLayout.indexEntrySize, "index")
        var entries: [GSDIndexEntry] = []
        for k in 0..<Int(indexAllocated) {
            let e = GSDIndexEntry.decode(index, at: k * GSDLayout.indexEntrySize)
            if e.location == 0 { break }
            guard let type = GSDType(rawValue: e.type) else {
                throw corrupt("index entry \(k) has unknown data type \(e.type)")
            }
            guard Int(e.nameID) < names.count else {
                throw corrupt("index entry \(k) names chunk \(e.nameID) but the name list has \(names.count) names")
            }
            let (cells, o1) = e.rows.multipliedReportingOverflow(by: UInt64(e.columns))
            let (bytes, o2) = cells.multipliedReportingOverflow(by: UInt64(type.size))
            let (end, o3) = UInt64(clamping: e.location).addingReportingOverflow(bytes)
            guard e.location > 0, !o1, !o2, !o3, end <= size else {
                throw corrupt("chunk \(names[Int(e.nameID)]) of frame \(e.frame) ends beyond the end of the "
                    + "\(size)-byte file")
            }
            if let last = entries.last, e.frame < last.frame {
                throw corrupt("index entry \(k) (frame \(e.frame)) follows one of frame \(last.frame)")
            }
            entries.append(e)
        }
        return Header(fileVersion: (major, minor),
                      schemaVersion: (Int(schemaVersion >> 16), Int(schemaVersion & 0xFFFF)),
                      application: application, names: names, entries: entries)
    }

    /// Chunk names present in `frame` (0-based), in name-id order.
    public func chunkNames(frame: Int) -> [String] {
        entriesRange(frame: frame).map { names[Int(entries[$0].nameID)] }
    }

    private func entriesRange(frame: Int) -> Range<Int> {
        guard frame >= 0 else { return 0..<0 }
        let f = UInt64(frame)
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].frame < f { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < entries.count, entries[end].frame == f { end += 1 }
        return lo..<end
    }

    private func entry(frame: Int, name: String) -> GSDIndexEntry? {
        guard let id = nameIDs[name] else { return nil }
        for k in entriesRange(frame: frame) where entries[k].nameID == id { return entries[k] }
        return nil
    }

    private func data(_ e: GSDIndexEntry, frame: Int, name: String) throws(GSDError) -> [UInt8] {
        let type = GSDType(rawValue: e.type)!  // validated when the index was read
        let count = Int(e.rows) * Int(e.columns) * type.size
        guard count > 0 else { return [] }
        guard let bytes = try file.read(count: count, at: UInt64(e.location)) else {
            throw .corrupt(path: path, reason: "chunk \(name) of frame \(frame) ends beyond the end of the file")
        }
        return bytes
    }

    /// The values of a numeric chunk as doubles (float32/float64, or integers).
    private func numbers(_ e: GSDIndexEntry, frame: Int, name: String) throws(GSDError) -> [Double] {
        let b = try data(e, frame: frame, name: name)
        let count = Int(e.rows) * Int(e.columns)
        switch GSDType(rawValue: e.type)! {
        case .float32: return (0..<count).map { Double(Float(bitPattern: b.le(UInt32.self, at: 4 * $0))) }
        case .float64: return (0..<count).map { Double(bitPattern: b.le(UInt64.self, at: 8 * $0)) }
        default: return try integers(e, frame: frame, name: name).map(Double.init)
        }
    }

    /// The values of an integer chunk.
    private func integers(_ e: GSDIndexEntry, frame: Int, name: String) throws(GSDError) -> [Int64] {
        let type = GSDType(rawValue: e.type)!
        let b = try data(e, frame: frame, name: name)
        let count = Int(e.rows) * Int(e.columns)
        switch type {
        case .uint8, .character: return b.map { Int64($0) }
        case .int8: return b.map { Int64(Int8(bitPattern: $0)) }
        case .uint16: return (0..<count).map { Int64(b.le(UInt16.self, at: 2 * $0)) }
        case .int16: return (0..<count).map { Int64(b.le(Int16.self, at: 2 * $0)) }
        case .uint32: return (0..<count).map { Int64(b.le(UInt32.self, at: 4 * $0)) }
        case .int32: return (0..<count).map { Int64(b.le(Int32.self, at: 4 * $0)) }
        case .int64: return (0..<count).map { b.le(Int64.self, at: 8 * $0) }
        case .uint64:
            var out: [Int64] = []
            out.reserveCapacity(count)
            for k in 0..<count {
                guard let v = Int64(exactly: b.le(UInt64.self, at: 8 * k)) else {
                    throw .badChunk(path: path, frame: frame, name: name, reason: "holds a value beyond int64")
                }
                out.append(v)
            }
            return out
        case .float32, .float64:
            throw .badChunk(path: path, frame: frame, name: name, reason: "is \(type.name), expected an integer type")
        }
    }

    /// Reads frame `frame` (0-based; `nil` = the last frame).
    public func read(frame: Int? = nil) throws(GSDError) -> ParticleSnapshot {
        let k = frame ?? frameCount - 1
        guard k >= 0, k < frameCount else { throw .noSuchFrame(path: path, frame: frame ?? -1, frameCount: frameCount) }

        func bad(_ name: String, _ reason: String) -> GSDError {
            .badChunk(path: path, frame: k, name: name, reason: reason)
        }
        /// Entry of `name` for frame k: its own, else frame 0's (per-particle chunks: only when N matches).
        func lookup(_ name: String, perParticleN n: Int? = nil, n0: Int = 0) -> GSDIndexEntry? {
            if let e = entry(frame: k, name: name) { return e }
            guard k != 0, let e = entry(frame: 0, name: name) else { return nil }
            if let n, n != n0 { return nil }
            return e
        }
        func scalar(_ name: String, default value: Int64) throws(GSDError) -> Int64 {
            guard let e = lookup(name) else { return value }
            let v = try integers(e, frame: k, name: name)
            guard v.count == 1 else { throw bad(name, "has \(v.count) values, expected 1") }
            return v[0]
        }
        func checkShape(_ e: GSDIndexEntry, _ name: String, rows: Int, columns: Int, float: Bool) throws(GSDError) {
            let type = GSDType(rawValue: e.type)!
            guard Int(e.rows) == rows, Int(e.columns) == columns else {
                throw bad(name, "is \(e.rows) × \(e.columns), expected \(rows) × \(columns)")
            }
            guard type.isFloatingPoint == float, type != .character else {
                throw bad(name, "is \(type.name), expected \(float ? "float32 or float64" : "an integer type")")
            }
        }

        // Configuration.
        let step = try scalar("configuration/step", default: 0)
        guard step >= 0 else { throw bad("configuration/step", "is negative (\(step))") }
        let dimension = Int(try scalar("configuration/dimensions", default: 3))
        guard dimension == 2 || dimension == 3 else {
            throw bad("configuration/dimensions", "is \(dimension), expected 2 or 3")
        }
        var box6: [Double] = [1, 1, 1, 0, 0, 0]
        if let e = lookup("configuration/box") {
            guard Int(e.rows) * Int(e.columns) == 6 else {
                throw bad("configuration/box", "has \(e.rows * UInt64(e.columns)) values, expected 6")
            }
            try checkShape(e, "configuration/box", rows: Int(e.rows), columns: Int(e.columns), float: true)
            box6 = try numbers(e, frame: k, name: "configuration/box")
        }
        guard box6[4] == 0, box6[5] == 0 else {
            throw .tiltedBox(path: path, frame: k, xy: box6[3], xz: box6[4], yz: box6[5])
        }
        let strain = box6[3]
        let box = Array(box6[0..<dimension])
        guard box.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw bad("configuration/box", "has lengths \(box), expected positive finite lengths")
        }
        guard strain.isFinite else { throw bad("configuration/box", "has tilt xy \(strain), expected a finite tilt") }

        // Particle count of this frame and of frame 0 (for the frame-0 rule of per-particle chunks).
        func particleCount(_ f: Int) throws(GSDError) -> Int {
            guard let e = entry(frame: f, name: "particles/N") ?? (f != 0 ? entry(frame: 0, name: "particles/N") : nil)
            else { return 0 }
            let v = try integers(e, frame: f, name: "particles/N")
            guard v.count == 1, v[0] >= 0, v[0] <= Int64(UInt32.max) else {
                throw bad("particles/N", "is not a single count in 0...\(UInt32.max)")
            }
            return Int(v[0])
        }
        let n = try particleCount(k)
        let n0 = k == 0 ? n : try particleCount(0)

        // Types (not per particle: frame 0's apply whatever its N).
        var speciesNames = ["A"]
        if let e = lookup("particles/types") {
            let type = GSDType(rawValue: e.type)!
            guard type == .int8 || type == .uint8 || type == .character else {
                throw bad("particles/types", "is \(type.name), expected int8 characters")
            }
            let b = try data(e, frame: k, name: "particles/types")
            let width = Int(e.columns)
            speciesNames = (0..<Int(e.rows)).map { row in
                String(decoding: b[(row * width)..<((row + 1) * width)].prefix { $0 != 0 }, as: UTF8.self)
            }
        }

        var typeid = [Int64](repeating: 0, count: n)
        if let e = lookup("particles/typeid", perParticleN: n, n0: n0) {
            try checkShape(e, "particles/typeid", rows: n, columns: 1, float: false)
            typeid = try integers(e, frame: k, name: "particles/typeid")
        }
        if let wrong = typeid.first(where: { $0 < 0 || $0 >= Int64(speciesNames.count) }) {
            throw bad("particles/typeid", "holds type id \(wrong) but particles/types names \(speciesNames.count) types")
        }

        var diameters = [Double](repeating: 1, count: n)
        if let e = lookup("particles/diameter", perParticleN: n, n0: n0) {
            try checkShape(e, "particles/diameter", rows: n, columns: 1, float: true)
            diameters = try numbers(e, frame: k, name: "particles/diameter")
        }

        var image3 = [Int64](repeating: 0, count: 3 * n)
        if let e = lookup("particles/image", perParticleN: n, n0: n0) {
            try checkShape(e, "particles/image", rows: n, columns: 3, float: false)
            image3 = try integers(e, frame: k, name: "particles/image")
        }

        var position3 = [Double](repeating: 0, count: 3 * n)
        if n > 0 {
            guard let e = lookup("particles/position", perParticleN: n, n0: n0) else {
                throw .missingChunk(path: path, frame: k, name: "particles/position")
            }
            try checkShape(e, "particles/position", rows: n, columns: 3, float: true)
            position3 = try numbers(e, frame: k, name: "particles/position")
            guard position3.allSatisfy(\.isFinite) else { throw bad("particles/position", "holds a non-finite value") }
        }

        var positions = [Double](repeating: 0, count: dimension * n)
        var images = [Int32](repeating: 0, count: dimension * n)
        let axes = [1, 0, 2].prefix(dimension)  // y first: wrapping y moves x along the tilted a₂
        for i in 0..<n {
            var yWraps: Int64 = 0
            for a in axes {
                let length = box[a]
                var x = position3[3 * i + a] + length / 2
                if a == 0 { x -= Double(yWraps) * strain * box[1] }
                var img = image3[3 * i + a]
                if !(x >= 0 && x < length) {
                    let shift = (x / length).rounded(.down)
                    x -= shift * length
                    img += Int64(shift)
                    if x >= length { x -= length; img += 1 }
                    if x < 0 { x = 0 }
                }
                guard let img32 = Int32(exactly: img) else {
                    throw bad("particles/image", "holds an image count \(img) beyond int32")
                }
                if a == 1 { yWraps = img - image3[3 * i + 1] }
                positions[dimension * i + a] = x
                images[dimension * i + a] = img32
            }
        }
        var snapshot = ParticleSnapshot(dimension: dimension, box: box, step: Int(step), ids: Array(0..<n),
                                        positions: positions, images: images, species: typeid.map { Int32($0) },
                                        speciesNames: speciesNames, diameters: diameters)
        snapshot.strain = strain
        return snapshot
    }
}
