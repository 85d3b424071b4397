import Foundation
import Parallel
import Particles
import TestSupport
import Testing
@testable import Formats

/// GSD trajectories: round trips through ``GSDWriter`` and ``GSDReader``, the HOOMD schema's frame-0
/// defaults, one-line errors on bad files, and a check of our files by the reference reader (the `gsd`
/// Python package, through Tests/Scripts/check_gsd.py).
@Suite struct GSDFileTests {
    static func folder() throws -> String { try Scratch.folder("stressflux-gsd") }

    /// Package root (three levels above this file: Tests/StudyTests/GSDFileTests.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path


    /// A snapshot with shuffled, sparse ids, random positions in [0, L) (plus the edge cases 0, L/2 and
    /// just below L, which float32 rounds onto HOOMD's open box end), random images, and diameters that
    /// float32 holds exactly.
    static func snapshot(dimension: Int, box: [Double], n: Int, step: Int, names: [String] = ["A", "B"],
                         seed: UInt64) -> ParticleSnapshot {
        var rng = SplitMix64(state: seed)
        var ids = (0..<n).map { 3 * $0 + 1 }
        ids.shuffle(using: &rng)
        var positions = (0..<(n * dimension)).map { Double.random(in: 0..<box[$0 % dimension], using: &rng) }
        if n >= 3 {
            for a in 0..<dimension {
                positions[a] = 0
                positions[dimension + a] = box[a] / 2
                positions[2 * dimension + a] = box[a] - 1e-12
            }
        }
        let images = (0..<(n * dimension)).map { _ in Int32.random(in: -3...3, using: &rng) }
        let species = (0..<n).map { _ in Int32.random(in: 0..<Int32(names.count), using: &rng) }
        let diameters = species.map { $0 == 0 ? 1.0 : 1.375 }
        return ParticleSnapshot(dimension: dimension, box: box, step: step, ids: ids, positions: positions,
                                images: images, species: species, speciesNames: names, diameters: diameters)
    }

    /// `snapshot` with its particles sorted by id (the order a GSD file holds them in).
    static func sortedByID(_ s: ParticleSnapshot) -> ParticleSnapshot {
        let order = s.ids.indices.sorted { s.ids[$0] < s.ids[$1] }
        let d = s.dimension
        var sorted = ParticleSnapshot(
            dimension: d, box: s.box, step: s.step, ids: order.map { s.ids[$0] },
            positions: order.flatMap { i in (0..<d).map { s.positions[i * d + $0] } },
            images: order.flatMap { i in (0..<d).map { s.images[i * d + $0] } },
            species: order.map { s.species[$0] }, speciesNames: s.speciesNames,
            diameters: order.map { s.diameters[$0] })
        sorted.strain = s.strain
        return sorted
    }

    /// `read` is `written` to float32 precision: box, dimension, step, species, names and diameters
    /// exactly; ids 0..<N; positions in [0, L) with the unwrapped position x + i·L within 1e-7 L.
    static func expectMatch(_ read: ParticleSnapshot, _ written: ParticleSnapshot,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let w = sortedByID(written)
        #expect(read.dimension == w.dimension, sourceLocation: sourceLocation)
        #expect(read.box == w.box, sourceLocation: sourceLocation)
        #expect(read.step == w.step, sourceLocation: sourceLocation)
        #expect(read.ids == Array(0..<w.count), sourceLocation: sourceLocation)
        #expect(read.species == w.species, sourceLocation: sourceLocation)
        #expect(read.speciesNames == w.speciesNames, sourceLocation: sourceLocation)
        #expect(read.diameters == w.diameters, sourceLocation: sourceLocation)
        guard read.positions.count == w.positions.count, read.images.count == w.images.count else {
            Issue.record("position/image counts \(read.positions.count)/\(read.images.count), expected \(w.positions.count)",
                         sourceLocation: sourceLocation)
            return
        }
        var worst = 0.0
        for k in w.positions.indices {
            let length = w.box[k % w.dimension]
            #expect(read.positions[k] >= 0 && read.positions[k] < length, sourceLocation: sourceLocation)
            let unwrappedRead = read.positions[k] + Double(read.images[k]) * length
            let unwrappedWritten = w.positions[k] + Double(w.images[k]) * length
            worst = max(worst, abs(unwrappedRead - unwrappedWritten) / length)
        }
        #expect(worst <= 1e-7, "worst relative position error \(worst)", sourceLocation: sourceLocation)
    }

    /// The error thrown by `body`, checked to be a one-line `<path>: …, …` message.
    @discardableResult
    static func expectError(path: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) -> GSDError? {
        let error = #expect(throws: GSDError.self, sourceLocation: sourceLocation) { try body() }
        if let error {
            let message = error.description
            #expect(message.hasPrefix(path + ": "), "\(message)", sourceLocation: sourceLocation)
            #expect(!message.contains("\n") && message.contains(", "), "\(message)", sourceLocation: sourceLocation)
        }
        return error
    }

    // MARK: Round trips

    /// Several frames (varying N, names and steps) come back to float32 precision; the file exists under
    /// its name only after `close()`.
    @Test(arguments: [(2, [10.0, 12.5]), (3, [10.0, 12.5, 7.75])])
    func roundTrip(dimension: Int, box: [Double]) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/traj.gsd"
        let frames = [
            Self.snapshot(dimension: dimension, box: box, n: 60, step: 0, seed: 1),
            Self.snapshot(dimension: dimension, box: box, n: 60, step: 1000, seed: 2),
            Self.snapshot(dimension: dimension, box: box, n: 45, step: 123_456_789_012,
                          names: ["small", "large", "x"], seed: 3),
        ]
        let writer = try GSDWriter(path: path)
        for frame in frames { try writer.append(frame) }
        #expect(writer.frameCount == 3)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: path + ".partial"))
        try writer.close()
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

        let reader = try GSDReader(path: path)
        #expect(reader.frameCount == 3)
        #expect(reader.application == "StressFlux")
        #expect(reader.fileVersion == (2, 1))
        #expect(reader.schemaVersion == GSDWriter.schemaVersion)
        #expect(reader.chunkNames(frame: 1) == GSDWriter.chunkNames)
        for (k, frame) in frames.enumerated() { Self.expectMatch(try reader.read(frame: k), frame) }
        Self.expectMatch(try reader.read(), frames[2])  // default: the last frame
    }

    /// Sheared frames (``shearStrains``, one reduced to a tilt of 0) come back with
    /// the same image lattice and the same unwrapped positions (each computed with its snapshot's own strain
    /// and images), ids 0..<N in id order, positions wrapped into [0, L). Tolerances come from float32:
    /// the strain read is the float32 tilt, whose rounding is ≤ 2⁻²⁴ |γ'| ≤ 2⁻²⁵ L_x/L_y, so γ_read − γ is
    /// a whole multiple of L_x/L_y to 2⁻²³ of it; an unwrapped position is off by half a float32 ulp of the
    /// position plus that tilt rounding times L_y per y image (|n_y| ≤ 3 here), under 4 ulps of the box length.
    @Test(arguments: [(2, [10.0, 12.5]), (3, [10.0, 12.5, 7.75])])
    func shearedRoundTrip(dimension: Int, box: [Double]) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/sheared.gsd"
        let frames = Self.shearStrains.enumerated().map { k, strain in
            var frame = Self.snapshot(dimension: dimension, box: box, n: 60, step: k, seed: UInt64(10 + k))
            frame.strain = strain
            return frame
        }
        let writer = try GSDWriter(path: path)
        for frame in frames { try writer.append(frame) }
        try writer.close()

        let reader = try GSDReader(path: path)
        let tolerance = 4 * Double(Float(box.max()!).ulp)
        for (k, frame) in frames.enumerated() {
            let read = try reader.read(frame: k)
            let written = Self.sortedByID(frame)
            #expect(read.ids == Array(0..<written.count))
            #expect(read.box == written.box && read.species == written.species && read.diameters == written.diameters)
            #expect(read.hasShearLattice(of: written, tolerance: Double(Float.ulpOfOne)),
                    "strain \(read.strain) for \(frame.strain)")
            #expect(abs(read.strain * box[1]) <= box[0] / 2, "strain \(read.strain) is not reduced")
            #expect(read.positions.indices.allSatisfy { read.positions[$0] >= 0 && read.positions[$0] < box[$0 % dimension] })
            let error = zip(read.unwrappedPositions, written.unwrappedPositions).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= tolerance, "strain \(frame.strain): unwrapped positions differ by \(error)")
        }
    }

    /// Strains of the sheared tests: with L_y/L_x = 1.25 they are reduced by 0, 1, −2 and 4 whole L_x/L_y
    /// (to 0.013, −0.2, −0.1 and 0).
    static let shearStrains = [0.013, 0.6, -1.7, 3.2]

    /// A particle just below L is written at HOOMD's −L/2 with its image raised, and reads back at 0.
    @Test func floatRoundingOntoTheOpenBoxEndWraps() throws {
        let (x, image) = GSDWriter.hoomdCoordinate(10 - 1e-12, image: 2, length: 10)
        #expect(x == -5 && image == 3)
        let (y, imageY) = GSDWriter.hoomdCoordinate(-0.5, image: 0, length: 10)  // outside [0, L): wrapped
        #expect(y == 4.5 && imageY == -1)
    }

    /// Non-representable float32 values come back as the nearest float32.
    @Test func float32Precision() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/p.gsd"
        let s = ParticleSnapshot(dimension: 2, box: [10.1, 9.3], ids: [0, 1], positions: [0.1, 0.2, 9.99, 9.2],
                                 images: [0, 0, 0, 0], species: [0, 0], speciesNames: ["A"], diameters: [1.4, 1.0])
        let writer = try GSDWriter(path: path)
        try writer.append(s)
        try writer.close()
        let read = try GSDReader(path: path).read()
        #expect(read.box == [Double(Float(10.1)), Double(Float(9.3))])
        #expect(read.diameters == [Double(Float(1.4)), 1.0])
        for k in 0..<4 { #expect(abs(read.positions[k] - s.positions[k]) <= 1e-6) }
    }

    /// Past the initial index (128 entries, 9 per frame) the index is moved and doubled; every frame
    /// stays readable, and an unclosed writer's `.partial` holds every frame appended so far.
    @Test func manyFramesAndUnclosedWriter() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/long.gsd"
        let writer = try GSDWriter(path: path)
        var frames: [ParticleSnapshot] = []
        for k in 0..<40 {
            let frame = Self.snapshot(dimension: 2, box: [8, 8], n: 5 + k % 3, step: 100 * k, seed: UInt64(k))
            frames.append(frame)
            try writer.append(frame)
            if k == 20 {  // as a killed run would leave it
                let partial = try GSDReader(path: writer.partialPath)
                #expect(partial.frameCount == 21)
                Self.expectMatch(try partial.read(), frame)
            }
        }
        try writer.close()
        let reader = try GSDReader(path: path)
        #expect(reader.frameCount == 40)
        for (k, frame) in frames.enumerated() { Self.expectMatch(try reader.read(frame: k), frame) }
    }

    // MARK: HOOMD schema defaults

    /// Chunks missing from frame k come from frame 0 (per-particle ones only when N matches), else the
    /// schema defaults.
    @Test func missingChunksTakeFrameZeroOrDefaults() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/defaults.gsd"
        let layer = try GSDFileLayerWriter(path: path, application: "test", schema: "hoomd",
                                           schemaVersion: (1, 4), names: GSDWriter.chunkNames)
        let types: [UInt8] = Array("A\0\0B\0\0".utf8) // 2 × 3
        try layer.writeFrame([
            GSDChunk("configuration/step", .uint64, rows: 1, columns: 1, integers: [UInt64(7)]),
            GSDChunk("configuration/dimensions", .uint8, rows: 1, columns: 1, integers: [UInt8(2)]),
            GSDChunk("configuration/box", rows: 6, columns: 1, floats: [4, 6, 1, 0, 0, 0]),
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(3)]),
            GSDChunk(name: "particles/types", type: .int8, rows: 2, columns: 3, bytes: types),
            GSDChunk("particles/typeid", .uint32, rows: 3, columns: 1, integers: [UInt32(0), 1, 1]),
            GSDChunk("particles/diameter", rows: 3, columns: 1, floats: [1, 2, 3]),
            GSDChunk("particles/position", rows: 3, columns: 3, floats: [-2, -3, 0, 0, 0, 0, 1.5, 2.5, 0]),
            GSDChunk("particles/image", .int32, rows: 3, columns: 3, integers: [Int32(1), 2, 0, 0, 0, 0, -1, 0, 0]),
        ])
        // Frame 1: same N (from frame 0), new positions and step only.
        try layer.writeFrame([
            GSDChunk("configuration/step", .uint64, rows: 1, columns: 1, integers: [UInt64(8)]),
            GSDChunk("particles/position", rows: 3, columns: 3, floats: [1, 1, 0, 1, 1, 0, 1, 1, 0]),
        ])
        // Frame 2: N = 2 differs from frame 0: per-particle chunks take schema defaults.
        try layer.writeFrame([
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(2)]),
            GSDChunk("particles/position", rows: 2, columns: 3, floats: [0, 0, 0, 1, 1, 0]),
        ])
        try layer.close()

        let reader = try GSDReader(path: path)
        #expect(reader.frameCount == 3)
        let f0 = try reader.read(frame: 0)
        #expect(f0.step == 7 && f0.dimension == 2 && f0.box == [4, 6])
        #expect(f0.positions == [0, 0, 2, 3, 3.5, 5.5])
        #expect(f0.images == [1, 2, 0, 0, -1, 0])
        #expect(f0.species == [0, 1, 1] && f0.speciesNames == ["A", "B"] && f0.diameters == [1, 2, 3])

        let f1 = try reader.read(frame: 1)
        #expect(f1.step == 8 && f1.dimension == 2 && f1.box == [4, 6])
        #expect(f1.positions == [3, 4, 3, 4, 3, 4])
        #expect(f1.images == [1, 2, 0, 0, -1, 0])
        #expect(f1.species == [0, 1, 1] && f1.speciesNames == ["A", "B"] && f1.diameters == [1, 2, 3])

        let f2 = try reader.read(frame: 2)
        #expect(f2.step == 7 && f2.dimension == 2 && f2.box == [4, 6])  // configuration from frame 0
        #expect(f2.ids == [0, 1] && f2.positions == [2, 3, 3, 4])
        #expect(f2.images == [0, 0, 0, 0] && f2.species == [0, 0] && f2.diameters == [1, 1])
        #expect(f2.speciesNames == ["A", "B"])
    }

    /// A file with positions only: dimensions 3, box from the file, types ["A"], diameters 1.
    @Test func schemaDefaultsWithoutFrameZeroChunks() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bare.gsd"
        let layer = try GSDFileLayerWriter(path: path, application: "test", schema: "hoomd",
                                           schemaVersion: (1, 4), names: GSDWriter.chunkNames)
        try layer.writeFrame([
            GSDChunk("configuration/box", rows: 6, columns: 1, floats: [2, 2, 2, 0, 0, 0]),
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(1)]),
            GSDChunk("particles/position", rows: 1, columns: 3, floats: [0.5, -0.5, 0]),
        ])
        try layer.close()
        let s = try GSDReader(path: path).read()
        #expect(s.dimension == 3 && s.box == [2, 2, 2] && s.step == 0)
        #expect(s.positions == [1.5, 0.5, 1] && s.images == [0, 0, 0])
        #expect(s.speciesNames == ["A"] && s.species == [0] && s.diameters == [1])
    }

    // MARK: Errors

    /// Empty, garbage, truncated, old-version and other-schema files, and missing paths, give one-line errors.
    @Test func badFilesGiveOneLineErrors() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let empty = dir + "/empty.gsd"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let e1 = Self.expectError(path: empty) { _ = try GSDReader(path: empty) }
        guard case .notGSD = e1 else { Issue.record("empty file: \(String(describing: e1))"); return }

        let garbage = dir + "/garbage.gsd"
        var rng = SplitMix64(state: 42)
        _ = FileManager.default.createFile(atPath: garbage, contents: Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        let e2 = Self.expectError(path: garbage) { _ = try GSDReader(path: garbage) }
        guard case .notGSD = e2 else { Issue.record("garbage file: \(String(describing: e2))"); return }

        let good = dir + "/good.gsd"
        let writer = try GSDWriter(path: good)
        for k in 0..<3 { try writer.append(Self.snapshot(dimension: 3, box: [5, 5, 5], n: 200, step: k, seed: 9)) }
        try writer.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))

        for cut in [bytes.count - 1, bytes.count * 6 / 10, 1000] {  // in the data, in the data, in the index
            let truncated = dir + "/cut\(cut).gsd"
            _ = FileManager.default.createFile(atPath: truncated, contents: bytes.prefix(cut))
            let e = Self.expectError(path: truncated) { _ = try GSDReader(path: truncated).read() }
            guard case .corrupt = e else { Issue.record("cut at \(cut): \(String(describing: e))"); continue }
        }

        var old = bytes
        old.replaceSubrange(44..<48, with: [0, 0, 1, 0])  // gsd_version 1.0
        let oldPath = dir + "/old.gsd"
        _ = FileManager.default.createFile(atPath: oldPath, contents: old)
        let e3 = Self.expectError(path: oldPath) { _ = try GSDReader(path: oldPath) }
        #expect(e3 == .unsupportedVersion(path: oldPath, major: 1, minor: 0))

        var other = bytes
        other.replaceSubrange(112..<118, with: Array("hpmcX\0".utf8))
        let otherPath = dir + "/other.gsd"
        _ = FileManager.default.createFile(atPath: otherPath, contents: other)
        let e4 = Self.expectError(path: otherPath) { _ = try GSDReader(path: otherPath) }
        #expect(e4 == .wrongSchema(path: otherPath, schema: "hpmcX"))

        let missing = dir + "/nope/none.gsd"
        let e5 = Self.expectError(path: missing) { _ = try GSDReader(path: missing) }
        guard case .io = e5 else { Issue.record("missing file: \(String(describing: e5))"); return }

        let reader = try GSDReader(path: good)
        let e6 = Self.expectError(path: good) { _ = try reader.read(frame: 3) }
        #expect(e6 == .noSuchFrame(path: good, frame: 3, frameCount: 3))
    }

    /// An xy tilt reads as the strain: a particle above HOOMD's box (y_h = 1.5 in L_y = 2, image 0) is
    /// wrapped to y = 0.5 with n_y = 1, and x moves back by xy L_y = 1 from 2 to 1; exact (all values are
    /// small binary fractions).
    @Test func tiltReadsAsStrain() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/tilt.gsd"
        let layer = try GSDFileLayerWriter(path: path, application: "test", schema: "hoomd",
                                           schemaVersion: (1, 4), names: GSDWriter.chunkNames)
        try layer.writeFrame([
            GSDChunk("configuration/dimensions", .uint8, rows: 1, columns: 1, integers: [UInt8(2)]),
            GSDChunk("configuration/box", rows: 6, columns: 1, floats: [4, 2, 1, 0.5, 0, 0]),
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(2)]),
            GSDChunk("particles/position", rows: 2, columns: 3, floats: [0, 1.5, 0, 1.5, -0.5, 0]),
            GSDChunk("particles/image", .int32, rows: 2, columns: 3, integers: [Int32(0), 0, 0, 2, -1, 0]),
        ])
        try layer.close()
        let s = try GSDReader(path: path).read()
        #expect(s.strain == 0.5 && s.box == [4, 2])
        #expect(s.positions == [1, 0.5, 3.5, 0.5])
        #expect(s.images == [0, 1, 2, -1])
    }

    /// Boxes tilted in xz or yz and frames without positions are refused by the reader.
    @Test func tiltedBoxAndMissingPositions() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/tilt.gsd"
        let layer = try GSDFileLayerWriter(path: path, application: "test", schema: "hoomd",
                                           schemaVersion: (1, 4), names: GSDWriter.chunkNames)
        try layer.writeFrame([
            GSDChunk("configuration/box", rows: 6, columns: 1, floats: [2, 2, 2, 0.25, 0.5, 0]),
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(1)]),
            GSDChunk("particles/position", rows: 1, columns: 3, floats: [0, 0, 0]),
        ])
        try layer.writeFrame([  // N = 2 but frame 0 had N = 1: no positions to borrow
            GSDChunk("configuration/box", rows: 6, columns: 1, floats: [2, 2, 2, 0, 0, 0]),
            GSDChunk("particles/N", .uint32, rows: 1, columns: 1, integers: [UInt32(2)]),
        ])
        try layer.close()
        let reader = try GSDReader(path: path)
        let e1 = Self.expectError(path: path) { _ = try reader.read(frame: 0) }
        #expect(e1 == .tiltedBox(path: path, frame: 0, xy: 0.25, xz: 0.5, yz: 0))
        let e2 = Self.expectError(path: path) { _ = try reader.read(frame: 1) }
        #expect(e2 == .missingChunk(path: path, frame: 1, name: "particles/position"))
    }

    /// Inconsistent snapshots are refused before anything is written; a closed writer refuses frames.
    @Test func invalidSnapshotsAndClosedWriter() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bad.gsd"
        let writer = try GSDWriter(path: path)
        let good = Self.snapshot(dimension: 2, box: [4, 4], n: 5, step: 0, seed: 5)

        var counts = good
        counts.diameters.removeLast()
        let e1 = Self.expectError(path: path) { try writer.append(counts) }
        guard case .invalidSnapshot(_, let reason) = e1, reason.contains("disagree") else {
            Issue.record("counts: \(String(describing: e1))"); return
        }
        var duplicate = good
        duplicate.ids[1] = duplicate.ids[0]
        let e2 = Self.expectError(path: path) { try writer.append(duplicate) }
        guard case .invalidSnapshot = e2 else { Issue.record("ids: \(String(describing: e2))"); return }
        var species = good
        species.species[0] = 2
        let e3 = Self.expectError(path: path) { try writer.append(species) }
        guard case .invalidSnapshot = e3 else { Issue.record("species: \(String(describing: e3))"); return }
        var box = good
        box.box = [4, 4, 4]
        let e4 = Self.expectError(path: path) { try writer.append(box) }
        guard case .invalidSnapshot = e4 else { Issue.record("box: \(String(describing: e4))"); return }
        #expect(writer.frameCount == 0)

        try writer.append(good)
        try writer.close()
        let e5 = Self.expectError(path: path) { try writer.append(good) }
        #expect(e5 == .writerClosed(path: path))
        #expect(try GSDReader(path: path).frameCount == 1)
    }

    // MARK: Reference reader

    /// What check_gsd.py compares, in our conventions (particles sorted by id, positions in [0, L)).
    struct Expected: Encodable {
        struct Frame: Encodable {
            var index: Int
            var step: Int
            var N: Int
            var dimensions: Int
            var box: [Double]
            var strain: Double
            var types: [String]
            var typeids: [Int32]
            var diameters: [Double]
            var positions: [[Double]]
            var images: [[Int32]]
        }
        var application: String
        var schema: String
        var nframes: Int
        var frames: [Frame]
    }

    /// The interpreter with `gsd` and `numpy`: `STRESSFLUX_PYTHON`, else `<package root>/.venv/bin/python`.
    static func python() -> (path: String?, tried: String) {
        if let env = ProcessInfo.processInfo.environment["STRESSFLUX_PYTHON"], !env.isEmpty {
            return (FileManager.default.isExecutableFile(atPath: env) ? env : nil, "STRESSFLUX_PYTHON=\(env)")
        }
        let venv = packageRoot + "/.venv/bin/python"
        return (FileManager.default.isExecutableFile(atPath: venv) ? venv : nil, venv)
    }

    /// The `gsd` package reads our 2D and 3D frames (many, so the index has moved) as HOOMD would.
    @Test func referenceReaderAgrees() throws {
        try Self.expectReferenceReaderAgrees(Self.referenceFrames(strains: [0]))
    }

    /// The `gsd` package reads sheared frames with the reduced strain as tilt xy and every particle inside
    /// the tilted box, at our unwrapped positions (check_gsd.py states the tolerances).
    @Test func referenceReaderAgreesOnShearedBoxes() throws {
        try Self.expectReferenceReaderAgrees(Self.referenceFrames(strains: Self.shearStrains))
    }

    /// 20 frames alternating 2D and 3D, each pair with the next of `strains`.
    static func referenceFrames(strains: [Double]) -> [ParticleSnapshot] {
        (0..<20).map { k in
            var frame = k % 2 == 0
                ? snapshot(dimension: 2, box: [10, 12.5], n: 30 + k, step: 10 * k, seed: UInt64(k))
                : snapshot(dimension: 3, box: [10, 12.5, 7.75], n: 30, step: 10 * k,
                           names: ["small", "large", "x"], seed: UInt64(k))
            frame.strain = strains[(k / 2) % strains.count]
            return frame
        }
    }

    /// Writes `frames` and has check_gsd.py compare the file, read by `gsd`, with them.
    static func expectReferenceReaderAgrees(_ frames: [ParticleSnapshot],
                                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (python, tried) = python()
        guard let python else {
            let message = "no Python with gsd found (\(tried) is not an executable): run `make test`, which creates "
                + ".venv with `pip install gsd h5py numpy`, or set STRESSFLUX_PYTHON to a python that has gsd and numpy"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return
        }
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/check.gsd"
        let writer = try GSDWriter(path: path)
        for frame in frames { try writer.append(frame) }
        try writer.close()

        let expected = Expected(
            application: GSDWriter.application, schema: "hoomd", nframes: frames.count,
            frames: frames.enumerated().map { k, frame in
                let s = sortedByID(frame)
                let d = s.dimension
                return .init(index: k, step: s.step, N: s.count, dimensions: d, box: s.box, strain: s.strain,
                             types: s.speciesNames, typeids: s.species, diameters: s.diameters,
                             positions: (0..<s.count).map { i in Array(s.positions[(i * d)..<((i + 1) * d)]) },
                             images: (0..<s.count).map { i in Array(s.images[(i * d)..<((i + 1) * d)]) })
            })
        let json = dir + "/check.json"
        try JSONEncoder().encode(expected).write(to: URL(fileURLWithPath: json))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot + "/Tests/Scripts/check_gsd.py", path, json]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "check_gsd.py (\(python)) failed:\n\(output)",
                sourceLocation: sourceLocation)
    }
}

extension ParticleSnapshot {
    /// Unwrapped positions with the snapshot's own strain and images, particle-major:
    /// (x + n_x L_x + n_y γ L_y, y + n_y L_y[, z + n_z L_z]). Shared with LAMMPSDataFileTests.
    var unwrappedPositions: [Double] {
        positions.indices.map { k in
            let axis = k % dimension
            let shear = axis == 0 ? Double(images[k + 1]) * strain * box[1] : 0
            return positions[k] + Double(images[k]) * box[axis] + shear
        }
    }

    /// Whether `other`'s strain spans the same image lattice: (γ − γ_other) L_y/L_x is whole to `tolerance`.
    func hasShearLattice(of other: ParticleSnapshot, tolerance: Double) -> Bool {
        let turns = (strain - other.strain) * box[1] / box[0]
        return abs(turns - turns.rounded()) <= tolerance
    }
}
