import ArgumentParser
import Fields
import Formats
import Foundation
import Parallel
import Study

/// `stressflux info`: versions, rank count and the slab layout of a grid.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print versions (StressFlux, Swift, MPI, FFTW, HDF5), the rank count and a grid's slab layout.")

    @Option(help: "Grid N0xN1 or N0xN1xN2; axis 0 is split into slabs, one per rank.")
    var grid = "256x256"

    @Option(help: "Box lengths L0xL1[xL2] (default: unit grid spacing, L = N).")
    var box: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The machine-readable form (`--json`); its keys are a contract for other tools.
    struct Report: Codable {
        struct Slab: Codable {
            let rank: Int, start: Int, count: Int, lower: Double, upper: Double
        }
        let stressflux: String, swift: String, mpi: String, fftw: String, hdf5: String
        let ranks: Int
        /// Pairs per step of the pair loop's vector (8 on AVX-512 builds, else 4).
        let pairLanes: Int
        let grid: [Int]
        let box: [Double]
        let slabs: [Slab]
    }

    func run() throws {
        let communicator = Communicator.world
        let shape = try OptionParsing.grid(grid, option: "--grid")
        let lengths = try box.map { try OptionParsing.box($0, option: "--box", grid: shape) }
        let decomposition = try SlabDecomposition(grid: shape, box: lengths, communicator: communicator)
        guard communicator.isRoot else { return }
        let layout = decomposition.layout
        let report = Report(
            stressflux: BuildInfo.version, swift: BuildInfo.swiftVersion, mpi: Communicator.libraryVersion,
            fftw: fftwVersion, hdf5: hdf5Version, ranks: communicator.size, pairLanes: BuildInfo.pairLanes, grid: shape.extents,
            box: decomposition.box,
            slabs: (0..<layout.ranks).map { r in
                let interval = decomposition.interval(ofRank: r)
                return .init(rank: r, start: layout.starts[r], count: layout.counts[r],
                             lower: interval.lower, upper: interval.upper)
            })
        if json {
            print(String(decoding: try JSONReport.data(report), as: UTF8.self))
            return
        }
        print("StressFlux \(report.stressflux)")
        print("  Swift   \(report.swift)")
        print("  MPI     \(report.mpi)")
        print("  FFTW    \(report.fftw)")
        print("  HDF5    \(report.hdf5) (parallel)")
        print("  ranks   \(report.ranks)")
        print("  pairs   \(report.pairLanes) per vector in the pair loop")
        let boxText = report.box.map { "\($0)" }.joined(separator: " x ")
        print("Slab layout of grid \(shape) over box \(boxText) (FFTW-MPI, axis 0 split):")
        print("  rank  planes [start, end)  count  axis-0 interval [lower, upper)")
        for slab in report.slabs {
            let planes = "[\(slab.start), \(slab.start + slab.count))"
            print("  \(pad(slab.rank, 4))  \(planes.padding(toLength: 19, withPad: " ", startingAt: 0))"
                  + "\(pad(slab.count, 5))  [\(slab.lower), \(slab.upper))")
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
