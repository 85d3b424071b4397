import Foundation
import Particles

/// Reads a starting configuration by its file name: H5MD (`.h5`, `.h5md`), GSD (`.gsd`), LAMMPS data
/// (`.data`, `.lmp`; `typeDiameters[t − 1]` is the diameter of atom type t).
public enum ConfigurationFile {
    /// Local: the configuration in `path`.
    public static func read(_ path: String, dimension: Int, typeDiameters: [Double]) throws -> ParticleSnapshot {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StudyError.invalidOption(name: "input", value: path, expected: "no such file, check the path")
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "h5", "h5md", "hdf5":
            return try H5MDSnapshot.read(path: path)
        case "gsd":
            return try GSDReader(path: path).read()
        case "data", "lmp", "lammps":
            let diameters = Dictionary(uniqueKeysWithValues: typeDiameters.enumerated().map { ($0.offset + 1, $0.element) })
            return try LAMMPSDataFile.read(path: path, dimension: dimension, diameters: diameters)
        default:
            throw StudyError.invalidOption(name: "input", value: path,
                                           expected: "unknown file type, use an H5MD (.h5), GSD (.gsd) or LAMMPS data (.data) file")
        }
    }
}

extension ConfigurationFile {
    /// Local (rank 0): writes a gathered snapshot in the single-writer formats among `formats`
    /// (`"gsd"` → `<stem>.gsd`, `"lammps"` → `<stem>.data`).
    static func writeGathered(_ snapshot: ParticleSnapshot, formats: [String], stem: String) throws {
        if formats.contains("gsd") {
            let writer = try GSDWriter(path: stem + ".gsd")
            try writer.append(snapshot)
            try writer.close()
        }
        if formats.contains("lammps") { try LAMMPSDataFile.write(snapshot, to: stem + ".data") }
    }
}
