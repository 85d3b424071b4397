// The HOOMD-schema GSD reader (GSDFileLayer.swift has the file layer).


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

    /// The bytes of a chunk, or of its rows `rows` only (a block of a per-particle chunk).
    private func data(_ e: GSDIndexEntry, frame: Int, name: String, rows: Range<Int>? = nil) throws(GSDError) -> [UInt8] {
        let type = GSDType(rawValue: e.type)!  // validated when the index was read
        let row = Int(e.columns) * type.size, part = rows ?? 0..<Int(e.rows)
        let count = part.count * row
        guard count > 0 else { return [] }
        guard let bytes = try file.read(count: count, at: UInt64(e.location) + UInt64(part.lowerBound * row)) else {
            throw .corrupt(path: path, reason: "chunk \(name) of frame \(frame) ends beyond the end of the file")
        }
        return bytes
    }

    /// The values of a numeric chunk as doubles (float32/float64, or integers).
    private func numbers(_ e: GSDIndexEntry, frame: Int, name: String, rows: Range<Int>? = nil) throws(GSDError) -> [Double] {
        let b = try data(e, frame: frame, name: name, rows: rows)
        let count = (rows?.count ?? Int(e.rows)) * Int(e.columns)
        switch GSDType(rawValue: e.type)! {
        case .float32: return (0..<count).map { Double(Float(bitPattern: b.le(UInt32.self, at: 4 * $0))) }
        case .float64: return (0..<count).map { Double(bitPattern: b.le(UInt64.self, at: 8 * $0)) }
        default: return try integers(e, frame: frame, name: name, rows: rows).map(Double.init)
        }
    }

    /// The values of an integer chunk.
    private func integers(_ e: GSDIndexEntry, frame: Int, name: String, rows: Range<Int>? = nil) throws(GSDError) -> [Int64] {
        let type = GSDType(rawValue: e.type)!
        let b = try data(e, frame: frame, name: name, rows: rows)
        let count = (rows?.count ?? Int(e.rows)) * Int(e.columns)
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
        try read(frame: frame, block: 0, of: 1)
    }

    /// Reads particles [k·N/parts, (k+1)·N/parts) of frame `frame` with the whole header (ids are row numbers): rank
    /// k's block, read from its byte range of each per-particle chunk, never the whole.
    public func read(frame: Int? = nil, block part: Int, of parts: Int) throws(GSDError) -> ParticleSnapshot {
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
        let rows = (part * n / parts)..<((part + 1) * n / parts), m = rows.count

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

        var typeid = [Int64](repeating: 0, count: m)
        if let e = lookup("particles/typeid", perParticleN: n, n0: n0) {
            try checkShape(e, "particles/typeid", rows: n, columns: 1, float: false)
            typeid = try integers(e, frame: k, name: "particles/typeid", rows: rows)
        }
        if let wrong = typeid.first(where: { $0 < 0 || $0 >= Int64(speciesNames.count) }) {
            throw bad("particles/typeid", "holds type id \(wrong) but particles/types names \(speciesNames.count) types")
        }

        var diameters = [Double](repeating: 1, count: m)
        if let e = lookup("particles/diameter", perParticleN: n, n0: n0) {
            try checkShape(e, "particles/diameter", rows: n, columns: 1, float: true)
            diameters = try numbers(e, frame: k, name: "particles/diameter", rows: rows)
        }

        var image3 = [Int64](repeating: 0, count: 3 * m)
        if let e = lookup("particles/image", perParticleN: n, n0: n0) {
            try checkShape(e, "particles/image", rows: n, columns: 3, float: false)
            image3 = try integers(e, frame: k, name: "particles/image", rows: rows)
        }

        var position3 = [Double](repeating: 0, count: 3 * m)
        if n > 0 {
            guard let e = lookup("particles/position", perParticleN: n, n0: n0) else {
                throw .missingChunk(path: path, frame: k, name: "particles/position")
            }
            try checkShape(e, "particles/position", rows: n, columns: 3, float: true)
            position3 = try numbers(e, frame: k, name: "particles/position", rows: rows)
            guard position3.allSatisfy(\.isFinite) else { throw bad("particles/position", "holds a non-finite value") }
        }

        var positions = [Double](repeating: 0, count: dimension * m)
        var images = [Int32](repeating: 0, count: dimension * m)
        let axes = [1, 0, 2].prefix(dimension)  // y first: wrapping y moves x along the tilted a₂
        for i in 0..<m {
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
        var snapshot = ParticleSnapshot(dimension: dimension, box: box, step: Int(step), ids: Array(rows),
                                        positions: positions, images: images, species: typeid.map { Int32($0) },
                                        speciesNames: speciesNames, diameters: diameters)
        snapshot.strain = strain
        return snapshot
    }
}
