import ArgumentParser
import Formats
import Foundation
import Parallel
import Particles
import Study

/// The configuration a one-shot command reads (`evaluate`, `deposit`) and the folder it writes to.
struct ConfigurationOptions: ParsableArguments {
    @Argument(help: "Configuration: LAMMPS data file (.data, .lmp), H5MD (.h5) or GSD (.gsd).")
    var input: String

    @Option(help: "2 or 3; for a LAMMPS data file, 2 ignores z.")
    var dimension = 2

    @Option(name: .customLong("type-diameters"), help: "Diameters of LAMMPS atom types 1, 2, … (atom_style atomic).")
    var typeDiameters = "1.0,1.4"

    /// Collective: every rank reads the file (`path`, by default INPUT), after the options are checked; one error
    /// line if any rank fails.
    func read(_ communicator: Communicator, path: String? = nil) throws -> ParticleSnapshot {
        let dimension = try checkedDimension()
        let diameters = typeDiameters.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !diameters.isEmpty, diameters.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw StudyError.invalidOption(name: "--type-diameters", value: typeDiameters, expected: "give positive diameters separated by commas, like 1.0,1.4")
        }
        return try communicator.agree { try SnapshotFormat.read(path ?? input, dimension: dimension, typeDiameters: diameters.map { $0! }) }
    }

    /// `--dimension`, checked: 2 or 3.
    func checkedDimension() throws -> Int {
        guard dimension == 2 || dimension == 3 else {
            throw StudyError.invalidOption(name: "--dimension", value: "\(dimension)", expected: "must be 2 or 3")
        }
        return dimension
    }

    /// Collective: creates `folder` on rank 0.
    static func makeFolder(_ folder: String, _ communicator: Communicator) throws {
        try communicator.agree {
            guard communicator.isRoot else { return }
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw FormatError.write(path: folder, reason: error.localizedDescription)
            }
        }
    }
}
