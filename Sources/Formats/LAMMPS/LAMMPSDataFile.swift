import Foundation
import Parallel
import Particles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LAMMPS data files (the text format of LAMMPS's `read_data` and `write_data` commands) to and from
/// ``ParticleSnapshot``, so a run can start from a LAMMPS configuration and hand its own back to LAMMPS.
///
/// The format followed is the one the LAMMPS manual describes on its `read_data` page (header, then
/// sections) and produces with `write_data`; only orthogonal boxes or boxes tilted in xy (a Lees–Edwards
/// strain) and the atom styles `atomic` and `sphere` are read, and `atomic` is written.
///
/// ## Layout of a data file, as read here
/// - The first line is a title and is always skipped; if it contains `timestep = N` (as `write_data`
///   writes it), `N` becomes the snapshot's ``ParticleSnapshot/step``, else the step is 0.
/// - Everything after a `#` on a line is a comment. Lines blank after removing comments are skipped.
/// - The header: lines of numbers followed by a keyword, e.g. `100 atoms`, `2 atom types`, `0 10 xlo xhi`.
///   `atoms` and (for N > 0) `atom types` are required; a missing `xlo xhi`, `ylo yhi` or `zlo zhi` takes
///   LAMMPS's default −0.5 0.5. `xy xz yz` must have xz = yz = 0 (xy is the strain); `avec`, `bvec`, `cvec`
///   and `abc origin` (general triclinic boxes) are rejected; other header keywords (`bonds`, `extra …`,
///   `ellipsoids`, …) are ignored.
/// - The body: sections, each opened by a line of words only (`Atoms`, `Masses`, `Pair Coeffs`, or any
///   other name, optionally followed by `# style`) and running up to the next such line. LAMMPS always
///   skips the line right after a section keyword, so for the sections read here (`Atoms`, `Masses`,
///   `Atom Type Labels`) it must be blank. Every other section (`Velocities`, `Pair Coeffs`, `Bonds`,
///   sections of fixes, …) is skipped whole. Data lines always start with a number (an id or a type),
///   so a data line is never mistaken for a section keyword, not even a `Masses` line that names its type
///   by a label (`C 12.011` has a number in it).
///
/// ## Atoms: `atomic` or `sphere`
/// Atom lines are `id type x y z [ix iy iz]` for `atom_style atomic` and
/// `id type diameter density x y z [ix iy iz]` for `atom_style sphere`. The style is decided so:
/// 1. A style hint after the keyword, `Atoms # atomic` or `Atoms # sphere` (as `write_data` writes it),
///    decides; any other hint (`full`, `charge`, …) is an error.
/// 2. Without a hint, the first atom line's field count decides: 5 or 8 fields is `atomic`, 7 or 10 is
///    `sphere`, anything else is an error. (A file of another style with 7 or 10 fields, e.g. `full`
///    without image flags, would pass for `sphere`; such files must carry their hint, which
///    `write_data` always writes. A sphere density that is not positive is rejected, which catches most
///    `full` files, whose fourth field is a charge.)
///
/// Image flags are given on every atom line or on none.
///
/// ## What the snapshot gets
/// - ids: LAMMPS ids are positive and unique but need not be 1…N nor in order; particle `k` of the
///   snapshot is the atom with the `k`-th smallest LAMMPS id, its id is `k` (0-based), and the
///   snapshot's arrays are in that order.
/// - species = type − 1; `speciesNames` has one entry per header atom type: the label of an
///   `Atom Type Labels` section, else a one-word comment on the type's `Masses` line (`1 1.0 # A`, as
///   ``write(_:to:)`` writes it), else the type number (`"1"`, `"2"`, …).
/// - diameters: from the file for `sphere` (each > 0); from the caller's `diameters` (keyed by the
///   1-based LAMMPS type) for `atomic`, with an entry > 0 for every type that appears.
/// - positions: shifted by the lower bounds into [0, L) and wrapped, the image flags updated so that
///   position + image · L equals the file's (x − lo) + image · L up to rounding; a position already
///   inside a box whose lower bound is 0 is kept bit for bit (so files from ``write(_:to:)`` are).
/// - strain: xy / L_y. A tilted box has the image lattice of that Lees–Edwards strain (``TriclinicShear``),
///   and LAMMPS's image flags count its vectors (unwrapped = x + ix a + iy b + iz c), so positions are
///   wrapped into [0, L) y first, x moving back by xy per y image gained, keeping the unwrapped position.
/// - In 2D (`dimension` 2) z and iz must still parse as numbers but are dropped, and `zlo zhi` is ignored.
public enum LAMMPSDataFile {
    /// The atom styles read: one line per atom, fields as named.
    public enum AtomStyle: String, Sendable, Equatable {
        /// `id type x y z [ix iy iz]`
        case atomic
        /// `id type diameter density x y z [ix iy iz]`
        case sphere

        /// Field count without image flags.
        var baseFieldCount: Int { self == .atomic ? 5 : 7 }
        /// Index of the x field.
        var xField: Int { self == .atomic ? 2 : 4 }
        var layout: String {
            self == .atomic ? "id type x y z [ix iy iz]" : "id type diameter density x y z [ix iy iz]"
        }
    }

    /// Reads a LAMMPS data file of `atom_style atomic` or `sphere` in an orthogonal or xy-tilted box (see the
    /// type's documentation for the rules).
    ///
    /// - Parameters:
    ///   - path: the data file (plain text; gzip-compressed files are refused with a hint).
    ///   - dimension: 2 or 3; in 2D the z column is parsed and dropped.
    ///   - diameters: diameter (in ℓ₀) per LAMMPS atom type (1-based); needed for `atomic` files, with an
    ///     entry for every type that appears; ignored for `sphere` files, which carry their diameters.
    /// - Returns: the configuration, particles in order of increasing LAMMPS id, ids 0…N−1.
    /// - Throws: ``LAMMPSDataError``, a one-line message naming the file and line.
    public static func read(path: String, dimension: Int, diameters: [Int: Double] = [:]) throws -> ParticleSnapshot {
        precondition(dimension == 2 || dimension == 3, "dimension must be 2 or 3, got \(dimension)")
        var reader = Reader(path: path, excerpt: try excerpt(path: path, block: 0, of: 1), dimension: dimension)
        return try reader.block(typeDiameters: diameters).inIDOrder(path: path, firstID: 0)
    }

    /// Writes `snapshot` as an `atom_style atomic` data file that LAMMPS's `read_data` accepts: a title
    /// naming StressFlux and the step, `N atoms`, `M atom types`, box bounds `0 L xlo xhi` (2D: z bounds
    /// `-0.5 0.5`), a comment per type with its species and diameter(s), `Masses` (all 1.0, each line
    /// commented with the species name), and `Atoms # atomic` lines `id type x y z ix iy iz` with
    /// id = our id + 1, type = species + 1, in order of id. Numbers are written in the shortest form that
    /// reads back to the same `Double`, so positions and box round-trip bit for bit.
    ///
    /// A sheared snapshot (strain γ ≠ 0) adds the tilt line `xy 0.0 0.0 xy xz yz` with xy = γ' L_y, γ reduced
    /// to γ' (|xy| ≤ L_x/2, ``TriclinicShear``), and its atoms lie in the tilted box (0 ≤ y < L_y,
    /// 0 ≤ x − xy y/L_y < L_x) with image flags of its lattice; the unwrapped positions are kept, up to the
    /// rounding of the whole box lengths added to x.
    ///
    /// `atom_style atomic` has no per-atom diameter: read the file back with the diameters from
    /// ``typeDiameters(of:)``; a species whose particles differ in diameter cannot round-trip this way.
    ///
    /// The file is written to `<path>.partial`, flushed to disk and renamed to `path`, so a failure never
    /// leaves a half-written file under the final name.
    /// - Throws: ``LAMMPSDataError/nonFinitePosition(path:id:)`` or ``FormatError/write(path:reason:)``.
    public static func write(_ snapshot: ParticleSnapshot, to path: String) throws {
        let d = snapshot.dimension, n = snapshot.count
        precondition(d == 2 || d == 3, "dimension must be 2 or 3, got \(d)")
        precondition(snapshot.box.count == d && snapshot.box.allSatisfy { $0 > 0 && $0.isFinite },
                     "box must hold \(d) positive lengths")
        precondition(snapshot.positions.count == n * d && snapshot.images.count == n * d
                     && snapshot.species.count == n && snapshot.diameters.count == n,
                     "snapshot arrays do not match its \(n) ids")
        let types = max(snapshot.speciesNames.count, Int(snapshot.species.max() ?? -1) + 1)
        precondition(snapshot.species.allSatisfy { $0 >= 0 }, "species must be non-negative")
        precondition(snapshot.strain.isFinite, "strain must be finite")
        let order = (0..<n).sorted { snapshot.ids[$0] < snapshot.ids[$1] }
        for (a, b) in zip(order, order.dropFirst()) {
            precondition(snapshot.ids[a] != snapshot.ids[b], "particle id \(snapshot.ids[a]) appears twice")
        }
        precondition(order.first.map { snapshot.ids[$0] >= 0 } ?? true, "particle ids must be non-negative")
        for p in 0..<n where !(0..<d).allSatisfy({ snapshot.positions[p * d + $0].isFinite }) {
            throw LAMMPSDataError.nonFinitePosition(path: path, id: snapshot.ids[p])
        }

        let shear = snapshot.strain != 0 ? TriclinicShear(box: snapshot.box, strain: snapshot.strain) : nil
        let file = try AtomicFile(path: path)
        do {
            var out = ""
            out.reserveCapacity(1 << 20)
            out += "LAMMPS data file written by StressFlux, timestep = \(snapshot.step), units = lj\n\n"
            out += "\(n) atoms\n\(types) atom types\n\n"
            for (axis, name) in ["x", "y", "z"].enumerated() {
                out += axis < d ? "0.0 \(snapshot.box[axis]) \(name)lo \(name)hi\n" : "-0.5 0.5 zlo zhi\n"
            }
            if let shear { out += "\(shear.tilt) 0.0 0.0 xy xz yz\n" }
            out += "\n# StressFlux species and diameters per atom type (atom_style atomic keeps no diameter):\n"
            for species in 0..<types {
                out += "# type \(species + 1): species \(speciesName(snapshot, species)), \(diameterSummary(snapshot, species))\n"
            }
            if types > 0 { out += "\nMasses\n\n" }
            for species in 0..<types {
                let name = speciesName(snapshot, species)
                let isWord = !name.isEmpty && !name.contains("#") && !name.contains(where: \.isWhitespace)
                out += isWord ? "\(species + 1) 1.0 # \(name)\n" : "\(species + 1) 1.0\n"
            }
            if n > 0 { out += "\nAtoms # atomic\n\n" }
            for p in order {
                var (x, y) = (snapshot.positions[p * d], snapshot.positions[p * d + 1])
                var (nx, ny) = (Int64(snapshot.images[p * d]), Int64(snapshot.images[p * d + 1]))
                if let shear { (x, y, nx, ny) = shear.cell(x: x, y: y, nx: nx, ny: ny, pivot: 0) }
                let z = d == 3 ? snapshot.positions[p * d + 2] : 0.0
                let nz = d == 3 ? snapshot.images[p * d + 2] : 0
                out += "\(snapshot.ids[p] + 1) \(snapshot.species[p] + 1) \(x) \(y) \(z) \(nx) \(ny) \(nz)\n"
                if out.utf8.count >= 1 << 20 {
                    try file.append(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
            try file.append(out)
            try file.commit()
        } catch {
            file.abandon()
            throw error
        }
    }

    /// The diameter of each LAMMPS type (species + 1) of `snapshot`, for reading back a file written by
    /// ``write(_:to:)``; `nil` if some species has particles of different diameters.
    public static func typeDiameters(of snapshot: ParticleSnapshot) -> [Int: Double]? {
        var result: [Int: Double] = [:]
        for (species, diameter) in zip(snapshot.species, snapshot.diameters) {
            let type = Int(species) + 1
            if let known = result[type], known != diameter { return nil }
            result[type] = diameter
        }
        return result
    }

    /// `s` (a coordinate relative to the lower bound) wrapped into [0, length), and the number of box
    /// lengths taken off (`nil` if beyond any image counter), so s = wrapped + shift · length up to rounding.
    static func wrap(_ s: Double, into length: Double) -> (Double, Int?) {
        if s >= 0 && s < length { return (s, 0) }
        let boxes = (s / length).rounded(.down)
        guard abs(boxes) < 1e9 else { return (0, nil) }
        var wrapped = s.addingProduct(-boxes, length)
        var shift = Int(boxes)
        if wrapped < 0 { wrapped += length; shift -= 1 }
        if wrapped >= length { wrapped -= length; shift += 1 }
        if !(wrapped >= 0 && wrapped < length) { wrapped = 0 }
        return (wrapped, shift)
    }

    // MARK: Writing helpers

    private static func speciesName(_ snapshot: ParticleSnapshot, _ species: Int) -> String {
        species < snapshot.speciesNames.count ? snapshot.speciesNames[species] : "\(species + 1)"
    }

    private static func diameterSummary(_ snapshot: ParticleSnapshot, _ species: Int) -> String {
        let values = zip(snapshot.species, snapshot.diameters).filter { Int($0.0) == species }.map(\.1)
        guard let low = values.min(), let high = values.max() else { return "no particles" }
        return low == high ? "diameter \(low)" : "diameters \(low) to \(high) (polydisperse)"
    }
}
