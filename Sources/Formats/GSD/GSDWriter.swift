// The HOOMD-schema GSD writer (GSDFileLayer.swift has the file layer).


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
