import Parallel

/// A LAMMPS data file that cannot be read or written; each message is one line,
/// `<path>:<line>: <what is wrong>, <what to do>` (`<path>: …` where no line applies).
public enum LAMMPSDataError: ReportableError, Equatable, Sendable {
    /// The file does not exist.
    case missingFile(path: String)
    /// The file exists but cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is gzip-compressed.
    case compressed(path: String)
    /// A header line's values do not fit its keyword (`atoms`, `atom types`, `xlo xhi`, …, `xy xz yz`).
    case badHeaderLine(path: String, line: Int, keyword: String)
    /// A required header line (`atoms`, `atom types`) is missing; `line` is where the body starts.
    case missingHeader(path: String, line: Int, keyword: String)
    /// Bounds with hi ≤ lo on an axis.
    case emptyBox(path: String, line: Int, axis: String, lo: Double, hi: Double)
    /// Non-zero xz or yz tilt factors (only xy, a Lees–Edwards strain, is read) or a general triclinic box.
    case triclinic(path: String, line: Int, keyword: String)
    /// A data line where a header line or section keyword belongs.
    case unexpectedLine(path: String, line: Int)
    /// A section read here appears twice.
    case duplicateSection(path: String, line: Int, name: String, firstLine: Int)
    /// The line after a section keyword, which LAMMPS skips, is not blank.
    case expectedBlankLine(path: String, line: Int, section: String)
    /// The header declares atoms but there is no Atoms section; `line` is the file's last line.
    case missingAtoms(path: String, line: Int, declared: Int)
    /// The Atoms section's line count differs from the header's `atoms`; `line` is the `Atoms` line.
    case atomCountMismatch(path: String, line: Int, declared: Int, found: Int)
    /// An atom style hint other than `atomic` or `sphere`.
    case unsupportedStyle(path: String, line: Int, style: String)
    /// An atom line whose field count fits no supported style (`style` nil: none was decided yet).
    case columnCount(path: String, line: Int, style: LAMMPSDataFile.AtomStyle?, found: Int)
    /// An atom line with a different field count from the first atom line.
    case inconsistentColumns(path: String, line: Int, found: Int, expected: Int, firstLine: Int)
    /// A field that should be a (whole) number is not.
    case notANumber(path: String, line: Int, field: String, text: String, wholeNumber: Bool)
    /// An atom id ≤ 0.
    case nonPositiveID(path: String, line: Int, id: Int)
    /// An atom id given twice.
    case duplicateID(path: String, line: Int, id: Int, firstLine: Int)
    /// An atom type outside 1…`types`.
    case typeOutOfRange(path: String, line: Int, type: Int, types: Int)
    /// An atom type that is neither a number nor a defined label.
    case unknownTypeLabel(path: String, line: Int, label: String)
    /// An atomic-style file has an atom type for which the caller gave no diameter; `line` is its first atom.
    case missingDiameter(path: String, line: Int, type: Int)
    /// The caller's diameter for a type is not positive and finite; `line` is the type's first atom.
    case badTypeDiameter(path: String, line: Int, type: Int, value: Double)
    /// A sphere-style diameter ≤ 0.
    case nonPositiveDiameter(path: String, line: Int, value: Double)
    /// A sphere-style density ≤ 0.
    case nonPositiveDensity(path: String, line: Int, value: Double)
    /// A coordinate so far outside the box that its image counter would overflow.
    case imageOutOfRange(path: String, line: Int)
    /// Writing: a particle's position is NaN or infinite.
    case nonFinitePosition(path: String, id: Int)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): no such file, check the path"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason)), check the path and its permissions"
        case .compressed(let path):
            return "\(path): the file is gzip-compressed, decompress it (gunzip) first"
        case .badHeaderLine(let path, let line, let keyword):
            let example: String
            switch keyword {
            case "atoms": example = "a count ≥ 0, like '100 atoms'"
            case "atom types": example = "a count ≥ 0, like '2 atom types'"
            case "xy xz yz": example = "3 numbers, like '0.0 0.0 0.0 xy xz yz'"
            default:
                let axis = keyword.prefix(1)
                example = "2 numbers, like '0.0 10.0 \(axis)lo \(axis)hi'"
            }
            return "\(path):\(line): bad '\(keyword)' header line, write \(example)"
        case .missingHeader(let path, let line, let keyword):
            let example = keyword == "atoms" ? "'100 atoms'" : "'2 atom types'"
            return "\(path):\(line): the header has no '\(keyword)' line, add one like \(example) before the first section"
        case .emptyBox(let path, let line, let axis, let lo, let hi):
            return "\(path):\(line): box bounds \(axis)lo \(lo) and \(axis)hi \(hi) enclose no length, give \(axis)hi > \(axis)lo"
        case .triclinic(let path, let line, let keyword):
            if keyword == "xy xz yz" {
                return "\(path):\(line): non-zero tilt factors xz or yz are not supported (only xy, a sheared box), "
                    + "set xz and yz to 0 in the 'xy xz yz' line"
            }
            return "\(path):\(line): '\(keyword)' (a general triclinic box) is not supported, "
                + "give an orthogonal box with 'xlo xhi', 'ylo yhi', 'zlo zhi'"
        case .unexpectedLine(let path, let line):
            return "\(path):\(line): expected a header line like '100 atoms' or a section keyword like 'Atoms', "
                + "check the layout of the file"
        case .duplicateSection(let path, let line, let name, let firstLine):
            return "\(path):\(line): a second '\(name)' section (the first is at line \(firstLine)), merge them into one"
        case .expectedBlankLine(let path, let line, let section):
            return "\(path):\(line): the line after '\(section)' must be blank (LAMMPS skips it), "
                + "insert an empty line after the section keyword"
        case .missingAtoms(let path, let line, let declared):
            return "\(path):\(line): no Atoms section but the header declares \(declared) atoms, "
                + "add an 'Atoms' section with one line per atom"
        case .atomCountMismatch(let path, let line, let declared, let found):
            return "\(path):\(line): the Atoms section has \(found) atom lines but the header declares \(declared) atoms, "
                + "make the 'atoms' header line match the section"
        case .unsupportedStyle(let path, let line, let style):
            return "\(path):\(line): atom_style '\(style)' is not supported, write the file with atom_style atomic or sphere"
        case .columnCount(let path, let line, let style, let found):
            guard let style else {
                return "\(path):\(line): atom line has \(found) fields, which fits neither atom_style atomic "
                    + "(5 or 8: id type x y z [ix iy iz]) nor sphere (7 or 10: id type diameter density x y z [ix iy iz]), "
                    + "write the file in one of these styles"
            }
            let base = style.baseFieldCount
            return "\(path):\(line): atom line has \(found) fields but atom_style \(style.rawValue) needs \(base) or "
                + "\(base + 3) (\(style.layout)), fix the line or the style after 'Atoms #'"
        case .inconsistentColumns(let path, let line, let found, let expected, let firstLine):
            return "\(path):\(line): atom line has \(found) fields but the first atom line (line \(firstLine)) has "
                + "\(expected), give image flags on every atom line or on none"
        case .notANumber(let path, let line, let field, let text, let wholeNumber):
            return wholeNumber
                ? "\(path):\(line): \(field) '\(text)' is not a whole number, write it as an integer like 3"
                : "\(path):\(line): \(field) '\(text)' is not a finite number, write it as a decimal like 1.25 or 1e-3"
        case .nonPositiveID(let path, let line, let id):
            return "\(path):\(line): atom id \(id) is not positive, number the atoms from 1"
        case .duplicateID(let path, let line, let id, let firstLine):
            return "\(path):\(line): atom id \(id) was already used at line \(firstLine), give every atom a unique id"
        case .typeOutOfRange(let path, let line, let type, let types):
            return "\(path):\(line): atom type \(type) is outside the \(types) atom types of the header, "
                + "fix the type or raise the 'atom types' count"
        case .unknownTypeLabel(let path, let line, let label):
            return "\(path):\(line): atom type '\(label)' is neither a number nor a label of the 'Atom Type Labels' "
                + "section, use a type number or define the label"
        case .missingDiameter(let path, let line, let type):
            return "\(path):\(line): atom type \(type) has no diameter, pass a diameter for every atom type of an "
                + "atom_style atomic file"
        case .badTypeDiameter(let path, let line, let type, let value):
            return "\(path):\(line): the diameter \(value) passed for atom type \(type) is not positive, pass a diameter > 0"
        case .nonPositiveDiameter(let path, let line, let value):
            return "\(path):\(line): diameter \(value) is not positive, give every particle a diameter > 0"
        case .nonPositiveDensity(let path, let line, let value):
            return "\(path):\(line): density \(value) is not positive, give every sphere a density > 0 "
                + "(if the file is not atom_style sphere, name its style after 'Atoms #')"
        case .imageOutOfRange(let path, let line):
            return "\(path):\(line): the atom lies too many box lengths outside the box, wrap it into the box"
        case .nonFinitePosition(let path, let id):
            return "\(path): particle \(id) has a non-finite position, check the run for a blow-up before writing"
        }
    }
}
