import ArgumentParser
import Formats
import Foundation
import Parallel
import Study

/// `stressflux selfcheck`: the foundation's identities on the ranks of this job.
struct SelfCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Check halo exchange, collectives, FFTW-MPI, parallel HDF5 and the Gaussian noise on this job's ranks.",
        discussion: "Run it under mpirun with the rank count you plan to use; it exits non-zero if any check fails.")

    @Option(help: "2D grid for the halo, FFT and HDF5 checks.")
    var grid = "128x96"

    @Option(name: .customLong("grid3d"), help: "3D grid for the halo, FFT and HDF5 checks.")
    var grid3D = "32x32x32"

    @Option(help: "Comma-separated checks to run, from: halo, collectives, fft, hdf5, noise.")
    var checks = SelfCheck.Kind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Folder for the HDF5 check's files, kept afterwards (default: a temporary folder in the working directory, removed).")
    var output: String?

    @Option(help: "Write the full report as JSON to this file.")
    var json: String?

    @Flag(help: "Print only the summary line.")
    var quiet = false

    @Option(name: .customLong("planted-abort-rank"),
            help: ArgumentHelp("Testing: this rank aborts while the others wait in a barrier.", visibility: .hidden))
    var plantedAbortRank: Int?

    struct Failed: ReportableError {
        let failed: Int, total: Int
        var description: String {
            "selfcheck: \(failed) of \(total) checks failed, see the FAIL lines above and report them with the output of 'stressflux info'"
        }
    }

    func run() throws {
        let communicator = Communicator.world
        let grid2D = try OptionParsing.grid(grid, option: "--grid", dimension: 2)
        let grid3DShape = try OptionParsing.grid(grid3D, option: "--grid3d", dimension: 3)
        let kinds = try checks.split(separator: ",").map { name in
            guard let kind = SelfCheck.Kind(rawValue: String(name)) else {
                throw StudyError.invalidOption(name: "--checks", value: checks,
                                               expected: "unknown check '\(name)', choose from \(SelfCheck.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }
        if let plantedAbortRank {
            if communicator.rank == plantedAbortRank {
                communicator.abort(message: "selfcheck: planted abort on rank \(plantedAbortRank), the other ranks must end too")
            }
            communicator.barrier()
        }
        let folder = try prepareFolder(communicator)
        defer {
            if output == nil && communicator.isRoot { try? FileManager.default.removeItem(atPath: folder) }
        }
        if communicator.isRoot && !quiet {
            print("StressFlux \(BuildInfo.version) selfcheck on \(communicator.size) rank(s), grids \(grid2D) and \(grid3DShape)")
        }
        let report = try SelfCheck.run(grid2D: grid2D, grid3D: grid3DShape, kinds: kinds, output: folder,
                                       communicator: communicator) { result in
            guard !quiet else { return }
            let verdict = result.passed ? "ok  " : "FAIL"
            print("  \(verdict)  \(result.name)  error \(result.error) (tolerance \(result.tolerance))")
        }
        if let json {
            try communicator.agree {
                guard communicator.isRoot else { return }
                try JSONReport.write(report, to: json)
            }
        }
        if communicator.isRoot { print("selfcheck: \(report.passed) passed, \(report.failed) failed") }
        if report.failed > 0 { throw Failed(failed: report.failed, total: report.checks.count) }
    }

    /// Collective: the folder for HDF5 files, created on rank 0; its path is the same on every rank.
    private func prepareFolder(_ communicator: Communicator) throws -> String {
        let folder = communicator.broadcast(output ?? "stressflux-selfcheck-\(getpid())")
        try communicator.agree {
            guard communicator.isRoot else { return }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw FormatError.write(path: folder, reason: error.localizedDescription)
            }
        }
        return folder
    }
}
