import Foundation
import Particles

/// Reading: the lines kept by ``LAMMPSDataFile/Excerpt`` parsed into a snapshot of the atoms they hold.
extension LAMMPSDataFile {

    /// One section of the body: its keyword line and the lines up to the next section.
    struct Section {
        var name: String
        var hint: String?
        /// Index (0-based) of the keyword line in ``Reader/lines``.
        var keyword: Int
        /// Indices of the section's lines after the keyword line.
        var body: Range<Int>
    }

    struct Reader {
        let path: String
        let dimension: Int
        let lines: [Substring]
        /// Scratch for ``split(_:)``.
        var fields: [Substring] = []

        /// The 1-based line number in the file of each of ``lines``.
        let numbers: [Int]
        /// Lines in the file.
        let totalLines: Int
        /// Atom lines in the file (``lines`` holds only a block's).
        let atomLineCount: Int
        /// Whether the first kept atom line is there only to check the others against (``Excerpt/referenceOnly``).
        let referenceOnly: Bool

        init(path: String, excerpt: Excerpt, dimension: Int) {
            self.path = path
            self.dimension = dimension
            lines = Self.lines(of: String(decoding: excerpt.text, as: UTF8.self))
            numbers = excerpt.numbers
            totalLines = excerpt.totalLines
            atomLineCount = excerpt.atomLines
            referenceOnly = excerpt.referenceOnly
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
                let line = numbers[index]
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
                    guard !sections.isEmpty else { throw LAMMPSDataError.unexpectedLine(path: path, line: numbers[index]) }
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
                    throw LAMMPSDataError.duplicateSection(path: path, line: numbers[section.keyword], name: section.name,
                                                           firstLine: numbers[first])
                }
                seen[section.name] = section.keyword
                if let next = section.body.first {
                    split(next)
                    guard fields.isEmpty else {
                        throw LAMMPSDataError.expectedBlankLine(path: path, line: numbers[next], section: section.name)
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

        /// The excerpt's atoms (``AtomBlock``), every line checked.
        mutating func block(typeDiameters: [Int: Double]) throws -> AtomBlock {
            let (header, bodyStart) = try header()
            let sections = try sections(from: bodyStart)
            let lastLine = max(totalLines, 1)
            guard let atomCount = header.atoms else {
                throw LAMMPSDataError.missingHeader(path: path, line: bodyStart < lines.count ? numbers[bodyStart] : lastLine, keyword: "atoms")
            }
            let types = header.atomTypes ?? 0
            if atomCount > 0 && header.atomTypes == nil {
                throw LAMMPSDataError.missingHeader(path: path, line: bodyStart < lines.count ? numbers[bodyStart] : lastLine, keyword: "atom types")
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
                        throw LAMMPSDataError.notANumber(path: path, line: numbers[index], field: "atom type",
                                                         text: String(fields[0]), wholeNumber: true)
                    }
                    guard type >= 1 && type <= types else {
                        throw LAMMPSDataError.typeOutOfRange(path: path, line: numbers[index], type: type, types: types)
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
            guard atomLineCount == atomCount else {
                throw LAMMPSDataError.atomCountMismatch(path: path, line: numbers[atomsSection.keyword],
                                                        declared: atomCount, found: atomLineCount)
            }
            var style: AtomStyle? = nil
            if let hint = atomsSection.hint {
                guard let known = AtomStyle(rawValue: hint) else {
                    throw LAMMPSDataError.unsupportedStyle(path: path, line: numbers[atomsSection.keyword], style: hint)
                }
                style = known
            }
            return try atoms(atomLines, style: style, header: header, types: types, box: box, lower: lower,
                             names: names, labels: labels, typeDiameters: typeDiameters)
        }

        mutating func atoms(_ atomLines: [Int], style hinted: AtomStyle?, header: Header, types: Int, box: [Double],
                            lower: [Double], names: [String], labels: [Substring: Int],
                            typeDiameters: [Int: Double]) throws -> AtomBlock {
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
                let line = numbers[index]
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

            let skip = referenceOnly && n > 0 ? 1 : 0
            var atoms = ParticleSnapshot(dimension: d, box: box, step: header.step, ids: Array(lammpsIDs[skip...]),
                                         positions: Array(positions[(skip * d)...]), images: Array(images[(skip * d)...]),
                                         species: Array(species[skip...]), speciesNames: names, diameters: Array(diameters[skip...]))
            atoms.strain = header.tilt / box[1]
            return AtomBlock(atoms: atoms, lines: atomLines[skip...].map { numbers[$0] })
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
