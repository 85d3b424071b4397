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

    /// Collective: this rank's block of the configuration at `path` (default `INPUT`), never the whole file on one
    /// rank (``SnapshotFormat/readBlock(_:dimension:typeDiameters:communicator:)``).
    func readBlock(_ communicator: Communicator, path: String? = nil) throws -> ParticleSnapshot {
        try SnapshotFormat.readBlock(path ?? input, dimension: try checkedDimension(), typeDiameters: try checkedTypeDiameters(), communicator: communicator)
    }

    /// `--type-diameters`, checked: positive numbers.
    func checkedTypeDiameters() throws -> [Double] {
        let diameters = typeDiameters.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !diameters.isEmpty, diameters.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw StudyError.invalidOption(name: "--type-diameters", value: typeDiameters, expected: "give positive diameters separated by commas, like 1.0,1.4")
        }
        return diameters.map { $0! }
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
