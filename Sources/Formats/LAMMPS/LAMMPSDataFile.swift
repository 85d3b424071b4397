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
        let text = try contents(of: path)
        var reader = Reader(path: path, text: text, dimension: dimension)
        return try reader.snapshot(typeDiameters: diameters)
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

    // MARK: Reading

    private static func contents(of path: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw LAMMPSDataError.missingFile(path: path)
        }
        guard !isFolder.boolValue else { throw LAMMPSDataError.unreadable(path: path, reason: "it is a folder") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LAMMPSDataError.unreadable(path: path, reason: "permission denied or I/O error")
        }
        if data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B {
            throw LAMMPSDataError.compressed(path: path)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// One section of the body: its keyword line and the lines up to the next section.
    private struct Section {
        var name: String
        var hint: String?
        /// Index (0-based) of the keyword line in ``Reader/lines``.
        var keyword: Int
        /// Indices of the section's lines after the keyword line.
        var body: Range<Int>
    }

    private struct Reader {
        let path: String
        let dimension: Int
        let lines: [Substring]
        /// Scratch for ``split(_:)``.
        var fields: [Substring] = []

        init(path: String, text: String, dimension: Int) {
            self.path = path
            self.dimension = dimension
            lines = Self.lines(of: text)
        }

        /// Lines split at LF, CRLF or CR.
        static func lines(of text: String) -> [Substring] {
            var lines: [Substring] = []
            let bytes = text.utf8
            var start = bytes.startIndex, index = start
            while index != bytes.endIndex {
                let byte = bytes[index]
                if byte == 0x0A || byte == 0x0D {
                    lines.append(text[start..<index])
                    var next = bytes.index(after: index)
                    if byte == 0x0D && next != bytes.endIndex && bytes[next] == 0x0A { next = bytes.index(after: next) }
                    start = next
                    index = next
                } else {
                    index = bytes.index(after: index)
                }
            }
            if start != bytes.endIndex { lines.append(text[start...]) }
            return lines
        }

        /// Fills ``fields`` with the whitespace-separated fields of line `index` before any `#`, and returns
        /// the comment after the `#` (trimmed; `nil` without `#`).
        @discardableResult
        mutating func split(_ index: Int) -> String? {
            fields.removeAll(keepingCapacity: true)
            let line = lines[index]
            let bytes = line.utf8
            var i = bytes.startIndex
            var fieldStart: Substring.UTF8View.Index? = nil
            while i != bytes.endIndex {
                let byte = bytes[i]
                if byte == 0x23 { break }  // '#'
                let blank = byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C
                if blank {
                    if let s = fieldStart { fields.append(line[s..<i]); fieldStart = nil }
                } else if fieldStart == nil {
                    fieldStart = i
                }
                i = bytes.index(after: i)
            }
            if let s = fieldStart { fields.append(line[s..<i]) }
            guard i != bytes.endIndex else { return nil }
            return line[bytes.index(after: i)...].trimmingCharacters(in: .whitespaces)
        }

        /// Whether a field starts like a number (digit, sign or point) rather than a word.
        static func isNumeric(_ field: Substring) -> Bool {
            guard let first = field.utf8.first else { return false }
            return (0x30...0x39).contains(first) || first == 0x2B || first == 0x2D || first == 0x2E
        }

        // MARK: Header

        struct Header {
            var atoms: Int?
            var atomTypes: Int?
            /// lo, hi per axis, with the line index that set them.
            var bounds: [(lo: Double, hi: Double, line: Int?)] = Array(repeating: (-0.5, 0.5, nil), count: 3)
            /// Tilt factor xy (xz and yz must be 0).
            var tilt = 0.0
            var step = 0
        }

        /// Parses the title and header; returns it with the index of the first body line.
        mutating func header() throws -> (Header, Int) {
            var header = Header()
            if let title = lines.first, let range = title.range(of: "timestep =") {
                let digits = title[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
                header.step = Int(digits) ?? 0
            }
            for index in lines.indices.dropFirst() {
                split(index)
                if fields.isEmpty { continue }
                guard Self.isNumeric(fields[0]) else { return (header, index) }
                let values = fields.prefix { Self.isNumeric($0) }
                let keyword = fields[values.count...].joined(separator: " ")
                let line = index + 1
                switch keyword {
                case "atoms", "atom types":
                    guard values.count == 1, let count = Int(values[0]), count >= 0 else {
                        throw LAMMPSDataError.badHeaderLine(path: path, line: line, keyword: keyword)
                    }
                    if keyword == "atoms" { header.atoms = count } else { header.atomTypes = count }
                case "xlo xhi", "ylo yhi", "zlo zhi":
                    guard values.count == 2, let lo = Self.finite(values[0]), let hi = Self.finite(values[1]) else {
                        throw LAMMPSDataError.badHeaderLine(path: path, line: line, keyword: keyword)
                    }
                    let axis = ["xlo xhi", "ylo yhi", "zlo zhi"].firstIndex(of: keyword)!
                    header.bounds[axis] = (lo, hi, line)
                case "xy xz yz":
                    let tilts = values.compactMap { Self.finite($0) }
                    guard values.count == 3, tilts.count == 3 else {
                        throw LAMMPSDataError.badHeaderLine(path: path, line: line, keyword: keyword)
                    }
                    guard tilts[1] == 0 && tilts[2] == 0 else {
                        throw LAMMPSDataError.triclinic(path: path, line: line, keyword: keyword)
                    }
                    header.tilt = tilts[0]
                case "avec", "bvec", "cvec", "abc origin":
                    throw LAMMPSDataError.triclinic(path: path, line: line, keyword: keyword)
                default:
                    continue  // bonds, extra …, ellipsoids, …: not ours
                }
            }
            return (header, lines.count)
        }

        static func finite(_ field: Substring) -> Double? {
            guard let value = Double(field), value.isFinite else { return nil }
            return value
        }

        // MARK: Body

        /// Splits the body from line index `start` into sections.
        mutating func sections(from start: Int) throws -> [Section] {
            var sections: [Section] = []
            for index in start..<lines.count {
                let comment = split(index)
                if fields.isEmpty { continue }
                if fields.contains(where: Self.isNumeric) {
                    guard !sections.isEmpty else { throw LAMMPSDataError.unexpectedLine(path: path, line: index + 1) }
                    continue
                }
                if !sections.isEmpty { sections[sections.count - 1].body = sections[sections.count - 1].body.lowerBound..<index }
                let hint = comment?.split(whereSeparator: \.isWhitespace).first.map(String.init)
                sections.append(Section(name: fields.joined(separator: " "), hint: hint, keyword: index,
                                        body: (index + 1)..<lines.count))
            }
            var seen: [String: Int] = [:]
            for section in sections where ["Atoms", "Masses", "Atom Type Labels"].contains(section.name) {
                if let first = seen[section.name] {
                    throw LAMMPSDataError.duplicateSection(path: path, line: section.keyword + 1, name: section.name,
                                                           firstLine: first + 1)
                }
                seen[section.name] = section.keyword
                if let next = section.body.first {
                    split(next)
                    guard fields.isEmpty else {
                        throw LAMMPSDataError.expectedBlankLine(path: path, line: next + 1, section: section.name)
                    }
                }
            }
            return sections
        }

        /// Line indices of the non-blank lines of a section's body, past the skipped line.
        mutating func dataLines(_ section: Section) -> [Int] {
            section.body.dropFirst().filter { split($0); return !fields.isEmpty }
        }

        // MARK: Snapshot

        mutating func snapshot(typeDiameters: [Int: Double]) throws -> ParticleSnapshot {
            let (header, bodyStart) = try header()
            let sections = try sections(from: bodyStart)
            let lastLine = max(lines.count, 1)
            guard let atomCount = header.atoms else {
                throw LAMMPSDataError.missingHeader(path: path, line: min(bodyStart + 1, lastLine), keyword: "atoms")
            }
            let types = header.atomTypes ?? 0
            if atomCount > 0 && header.atomTypes == nil {
                throw LAMMPSDataError.missingHeader(path: path, line: min(bodyStart + 1, lastLine), keyword: "atom types")
            }
            var box: [Double] = []
            var lower: [Double] = []
            for axis in 0..<dimension {
                let (lo, hi, line) = header.bounds[axis]
                guard hi > lo, (hi - lo).isFinite else {
                    throw LAMMPSDataError.emptyBox(path: path, line: line ?? 1, axis: ["x", "y", "z"][axis], lo: lo, hi: hi)
                }
                box.append(hi - lo)
                lower.append(lo)
            }

            // Names: Atom Type Labels, else one-word Masses comments, else type numbers.
            var names = (0..<types).map { "\($0 + 1)" }
            var labels: [Substring: Int] = [:]
            if let masses = sections.first(where: { $0.name == "Masses" }) {
                for index in dataLines(masses) {
                    let comment = split(index)
                    guard let type = Int(fields[0]), type >= 1 && type <= types,
                          let comment, !comment.isEmpty, !comment.contains(where: \.isWhitespace) else { continue }
                    names[type - 1] = String(comment)
                }
            }
            if let section = sections.first(where: { $0.name == "Atom Type Labels" }) {
                for index in dataLines(section) {
                    split(index)
                    guard let type = Int(fields[0]) else {
                        throw LAMMPSDataError.notANumber(path: path, line: index + 1, field: "atom type",
                                                         text: String(fields[0]), wholeNumber: true)
                    }
                    guard type >= 1 && type <= types else {
                        throw LAMMPSDataError.typeOutOfRange(path: path, line: index + 1, type: type, types: types)
                    }
                    if fields.count >= 2 {
                        names[type - 1] = String(fields[1])
                        labels[fields[1]] = type
                    }
                }
            }

            guard let atomsSection = sections.first(where: { $0.name == "Atoms" }) else {
                if atomCount == 0 {
                    return try atoms([], style: nil, header: header, types: types, box: box, lower: lower,
                                     names: names, labels: labels, typeDiameters: typeDiameters)
                }
                throw LAMMPSDataError.missingAtoms(path: path, line: lastLine, declared: atomCount)
            }
            let atomLines = dataLines(atomsSection)
            guard atomLines.count == atomCount else {
                throw LAMMPSDataError.atomCountMismatch(path: path, line: atomsSection.keyword + 1,
                                                        declared: atomCount, found: atomLines.count)
            }
            var style: AtomStyle? = nil
            if let hint = atomsSection.hint {
                guard let known = AtomStyle(rawValue: hint) else {
                    throw LAMMPSDataError.unsupportedStyle(path: path, line: atomsSection.keyword + 1, style: hint)
                }
                style = known
            }
            return try atoms(atomLines, style: style, header: header, types: types, box: box, lower: lower,
                             names: names, labels: labels, typeDiameters: typeDiameters)
        }

        mutating func atoms(_ atomLines: [Int], style hinted: AtomStyle?, header: Header, types: Int, box: [Double],
                            lower: [Double], names: [String], labels: [Substring: Int],
                            typeDiameters: [Int: Double]) throws -> ParticleSnapshot {
            let n = atomLines.count, d = dimension
            var lammpsIDs = [Int](repeating: 0, count: n)
            var species = [Int32](repeating: 0, count: n)
            var diameters = [Double](repeating: 0, count: n)
            var positions = [Double](repeating: 0, count: n * d)
            var images = [Int32](repeating: 0, count: n * d)
            // Checked diameter per type (index = type), filled at the type's first atom.
            var typeDiameter = [Double?](repeating: nil, count: types + 1)
            var decided = hinted
            var firstCount: (fields: Int, line: Int)? = nil
            // The current atom's x, y, z and image flags (all parsed before any is wrapped).
            var coordinate = [0.0, 0.0, 0.0]
            var flag: [Int32] = [0, 0, 0]
            let axes = [1, 0, 2].prefix(d)  // y first: wrapping y moves x along the tilted b = (xy, L_y, 0)

            for (k, index) in atomLines.enumerated() {
                split(index)
                let line = index + 1
                if decided == nil {
                    switch fields.count {
                    case 5, 8: decided = .atomic
                    case 7, 10: decided = .sphere
                    default: throw LAMMPSDataError.columnCount(path: path, line: line, style: nil, found: fields.count)
                    }
                }
                guard let style = decided else { preconditionFailure("style decided above") }
                if let first = firstCount {
                    guard fields.count == first.fields else {
                        throw LAMMPSDataError.inconsistentColumns(path: path, line: line, found: fields.count,
                                                                  expected: first.fields, firstLine: first.line)
                    }
                } else {
                    guard fields.count == style.baseFieldCount || fields.count == style.baseFieldCount + 3 else {
                        throw LAMMPSDataError.columnCount(path: path, line: line, style: style, found: fields.count)
                    }
                    firstCount = (fields.count, line)
                }

                guard let id = Int(fields[0]) else {
                    throw LAMMPSDataError.notANumber(path: path, line: line, field: "atom id", text: String(fields[0]),
                                                     wholeNumber: true)
                }
                guard id > 0 else { throw LAMMPSDataError.nonPositiveID(path: path, line: line, id: id) }
                lammpsIDs[k] = id

                let type: Int
                if let number = Int(fields[1]) {
                    type = number
                } else if let labelled = labels[fields[1]] {
                    type = labelled
                } else if Self.isNumeric(fields[1]) {
                    throw LAMMPSDataError.notANumber(path: path, line: line, field: "atom type",
                                                     text: String(fields[1]), wholeNumber: true)
                } else {
                    throw LAMMPSDataError.unknownTypeLabel(path: path, line: line, label: String(fields[1]))
                }
                guard type >= 1 && type <= types else {
                    throw LAMMPSDataError.typeOutOfRange(path: path, line: line, type: type, types: types)
                }
                species[k] = Int32(type - 1)

                switch style {
                case .sphere:
                    let diameter = try number(2, "diameter", line)
                    guard diameter > 0 else {
                        throw LAMMPSDataError.nonPositiveDiameter(path: path, line: line, value: diameter)
                    }
                    let density = try number(3, "density", line)
                    guard density > 0 else {
                        throw LAMMPSDataError.nonPositiveDensity(path: path, line: line, value: density)
                    }
                    diameters[k] = diameter
                case .atomic:
                    if let known = typeDiameter[type] {
                        diameters[k] = known
                    } else {
                        guard let given = typeDiameters[type] else {
                            throw LAMMPSDataError.missingDiameter(path: path, line: line, type: type)
                        }
                        guard given > 0 && given.isFinite else {
                            throw LAMMPSDataError.badTypeDiameter(path: path, line: line, type: type, value: given)
                        }
                        typeDiameter[type] = given
                        diameters[k] = given
                    }
                }

                let hasImages = fields.count == style.baseFieldCount + 3
                for axis in 0..<3 {
                    coordinate[axis] = try number(style.xField + axis, ["x", "y", "z"][axis], line)
                    flag[axis] = 0
                    if hasImages {
                        let field = fields[style.baseFieldCount + axis]
                        guard let image = Int32(field) else {
                            throw LAMMPSDataError.notANumber(path: path, line: line, field: "image flag",
                                                             text: String(field), wholeNumber: true)
                        }
                        flag[axis] = image
                    }
                }
                var yWraps = 0
                for axis in axes {
                    var x = coordinate[axis] - lower[axis]
                    if axis == 0 && header.tilt != 0 { x -= Double(yWraps) * header.tilt }
                    let (wrapped, shift) = LAMMPSDataFile.wrap(x, into: box[axis])
                    guard let shift, let moved = Int32(exactly: Int(flag[axis]) + shift) else {
                        throw LAMMPSDataError.imageOutOfRange(path: path, line: line)
                    }
                    if axis == 1 { yWraps = shift }
                    positions[k * d + axis] = wrapped
                    images[k * d + axis] = moved
                }
            }

            // Order by LAMMPS id; equal ids are next to each other, the earlier line first.
            let order = (0..<n).sorted { (lammpsIDs[$0], atomLines[$0]) < (lammpsIDs[$1], atomLines[$1]) }
            for (a, b) in zip(order, order.dropFirst()) where lammpsIDs[a] == lammpsIDs[b] {
                throw LAMMPSDataError.duplicateID(path: path, line: atomLines[b] + 1, id: lammpsIDs[b],
                                                  firstLine: atomLines[a] + 1)
            }
            var sortedPositions = [Double](repeating: 0, count: n * d)
            var sortedImages = [Int32](repeating: 0, count: n * d)
            for (k, p) in order.enumerated() {
                for axis in 0..<d {
                    sortedPositions[k * d + axis] = positions[p * d + axis]
                    sortedImages[k * d + axis] = images[p * d + axis]
                }
            }
            var snapshot = ParticleSnapshot(dimension: d, box: box, step: header.step, ids: Array(0..<n),
                                            positions: sortedPositions, images: sortedImages,
                                            species: order.map { species[$0] }, speciesNames: names,
                                            diameters: order.map { diameters[$0] })
            snapshot.strain = header.tilt / box[1]
            return snapshot
        }

        /// Field `i` of the current line as a finite number.
        func number(_ i: Int, _ name: String, _ line: Int) throws -> Double {
            guard let value = Self.finite(fields[i]) else {
                throw LAMMPSDataError.notANumber(path: path, line: line, field: name, text: String(fields[i]),
                                                 wholeNumber: false)
            }
            return value
        }
    }
}
