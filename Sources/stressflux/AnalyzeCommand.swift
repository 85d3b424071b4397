import ArgumentParser
import Fields
import Foundation
import Parallel
import Particles
import Study

/// `stressflux analyze INPUT`: the large-scale stress budget of one configuration at several scales.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Stress budget at every scale (physics.md §4–5): DIR/summary.json, budget.csv, analysis.h5 + analysis.xmf (ParaView).")

    @OptionGroup var configuration: ConfigurationOptions

    @OptionGroup var kernel: KernelOptions

    @Option(help: "Scales ℓ in l0, like 0.5,1,2 (the kernel's second moment is ℓ²).")
    var scales: String

    @Option(help: "Grid points along x, y[, z], like 128x128; one number for every axis. ℓ/h ≥ 5 keeps the budget's residual near 1e-10 for the Gaussian (physics.md §3.6).")
    var grid: String

    @OptionGroup var pair: PotentialOptions

    @Option(help: "Output folder.")
    var output: String

    func run() throws {
        let communicator = Communicator.world, dimension = configuration.dimension
        guard dimension == 2 || dimension == 3 else {
            throw StudyError.invalidOption(name: "--dimension", value: "\(dimension)", expected: "must be 2 or 3")
        }
        let potential = try pair.chosen()
        let points = try OptionParsing.points(grid, dimension: dimension)
        let ells = try OptionParsing.scales(scales, option: "--scales")
        let chosen = try kernel.chosen(dimension: dimension)
        let snapshot = try configuration.read(communicator)
        try ConfigurationOptions.makeFolder(output, communicator)
        let analysis = BudgetAnalysis(snapshot: snapshot, kernel: chosen, scales: ells, points: points,
                                      potential: potential, communicator: communicator)
        let report = try analysis.run(directory: output)
        if communicator.isRoot {
            print("analysed \(report.N) particles at \(report.scales.count) scale(s) on \(points.map(String.init).joined(separator: "x")) in "
                  + String(format: "%.3g s", report.seconds) + ": \(output)/summary.json, budget.csv")
        }
    }
}
