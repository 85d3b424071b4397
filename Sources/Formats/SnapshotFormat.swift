import Foundation
import Parallel
import Particles

/// The particle-snapshot formats: one table of names, file extensions, readers and writers. A new format
/// is one folder under `Formats/` and one case here.
public enum SnapshotFormat: String, CaseIterable, Sendable, Codable {
    /// H5MD 1.1 in parallel HDF5 (`.h5`): written collectively, every rank its own rows (``H5MDSnapshot``).
    case h5md
    /// GSD, HOOMD-blue's schema (`.gsd`), written by one rank (``GSDWriter``, ``GSDReader``).
    case gsd
    /// LAMMPS data file (`.data`), written by one rank (``LAMMPSDataFile``).
    case lammps

    /// The extension of files written in this format.
    public var fileExtension: String {
        switch self {
        case .h5md: return "h5"
        case .gsd: return "gsd"
        case .lammps: return "data"
        }
    }

    /// Extensions read as this format.
    public var readExtensions: [String] {
        switch self {
        case .h5md: return ["h5", "h5md", "hdf5"]
        case .gsd: return ["gsd"]
        case .lammps: return ["data", "lmp", "lammps"]
        }
    }

    /// Whether one rank writes the whole file from a gathered snapshot (else every rank writes its rows).
    public var isGathered: Bool { self != .h5md }

    /// The names and extensions, for messages: `"h5md" (.h5), "gsd" (.gsd), "lammps" (.data)`.
    public static var listing: String {
        allCases.map { "\"\($0.rawValue)\" (.\($0.fileExtension))" }.joined(separator: ", ")
    }

    /// The format of a file, by its extension.
    public init(path: String) throws(FormatError) {
        let ext = (path as NSString).pathExtension.lowercased()
        guard let format = Self.allCases.first(where: { $0.readExtensions.contains(ext) }) else {
            throw .unknownFormat(path: path, expected: "an H5MD (.h5), GSD (.gsd) or LAMMPS data (.data) file")
        }
        self = format
    }

    /// Local: the configuration in `path`, sorted by id. `dimension` and `typeDiameters` (the diameter of
    /// LAMMPS atom type t is `typeDiameters[t − 1]`) serve formats that do not record them.
    public static func read(_ path: String, dimension: Int, typeDiameters: [Double]) throws -> ParticleSnapshot {
        switch try existing(path) {
        case .h5md:
            return try H5MDSnapshot.read(path: path)
        case .gsd:
            return try GSDReader(path: path).read()
        case .lammps:
            return try LAMMPSDataFile.read(path: path, dimension: dimension, diameters: lammpsDiameters(typeDiameters))
        }
    }

    /// Collective: this rank's share of the configuration in `path`, with the whole header (box, strain, step, species
    /// names) on every rank: the input of a ``ParticleSystem`` made from blocks, which routes each particle to its slab's
    /// owner. H5MD (collective MPI-IO hyperslabs) and GSD give rank r of P rows [r·N/P, (r+1)·N/P) of the file; a LAMMPS data file, read in blocks
    /// of atom lines, gives each rank a contiguous range of ids (``LAMMPSDataFile/readBlock(path:dimension:diameters:communicator:)``).
    public static func readBlock(_ path: String, dimension: Int, typeDiameters: [Double], communicator: Communicator) throws -> ParticleSnapshot {
        var block: ParticleSnapshot
        switch try communicator.agree({ try existing(path) }) {
        case .h5md:
            block = try communicator.agree { try H5MDSnapshot.read(path: path, block: communicator.rank, of: communicator.size, communicator: communicator) }
        case .gsd:
            block = try communicator.agree { try GSDReader(path: path).read(block: communicator.rank, of: communicator.size) }
        case .lammps:
            block = try LAMMPSDataFile.readBlock(path: path, dimension: dimension, diameters: lammpsDiameters(typeDiameters),
                                                 communicator: communicator)
        }
        // A file without species names names as many species as its largest index on any rank.
        let kinds = communicator.allreduce(block.speciesNames.count, .max)
        if block.speciesNames.count < kinds { block.speciesNames = (0..<kinds).map { String(UnicodeScalar(UInt8(65 + $0 % 26))) } }
        return block
    }

    /// `typeDiameters` keyed by LAMMPS atom type (1-based).
    static func lammpsDiameters(_ typeDiameters: [Double]) -> [Int: Double] {
        Dictionary(uniqueKeysWithValues: typeDiameters.enumerated().map { ($0.offset + 1, $0.element) })
    }

    /// The format of an input file that exists.
    static func existing(_ path: String) throws -> SnapshotFormat {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FormatError.badFile(path: path, format: "input", reason: "no such file, check the path")
        }
        return try SnapshotFormat(path: path)
    }

    /// Local (one rank): writes a gathered snapshot to `<stem>.<fileExtension>` in a single-writer format.
    public func writeGathered(_ snapshot: ParticleSnapshot, stem: String) throws {
        let path = stem + "." + fileExtension
        switch self {
        case .h5md:
            preconditionFailure("H5MD is written collectively (H5MDSnapshot.write)")
        case .gsd:
            let writer = try GSDWriter(path: path)
            try writer.append(snapshot)
            try writer.close()
        case .lammps:
            try LAMMPSDataFile.write(snapshot, to: path)
        }
    }
}
