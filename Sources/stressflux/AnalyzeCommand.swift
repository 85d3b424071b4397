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

    @Argument(help: "INPUT2 [INPUT3]: with INPUT2 the state --dt after INPUT (forward differences of σ̲_ℓ at INPUT); with INPUT3 the three states at t − dt, t, t + dt, analysed at INPUT2 (central differences).")
    var trajectory: [String] = []

    @Option(help: "Time between the snapshots (τ0), with two or three inputs.")
    var dt: Double?

    @OptionGroup var kernel: KernelOptions

    @Option(help: "Scales ℓ in l0, like 0.5,1,2 (the kernel's second moment is ℓ²).")
    var scales: String

    @Option(help: "Grid points along x, y[, z], like 128x128; one number for every axis. ℓ/h ≥ 5 keeps the budget's residual near 1e-10 for the Gaussian (physics.md §3.6).")
    var grid: String

    @OptionGroup var pair: PotentialOptions

    @Option(help: "Output folder.")
    var output: String

    func run() throws {
        let communicator = Communicator.world, dimension = try configuration.checkedDimension()
        let potential = try pair.chosen()
        let points = try OptionParsing.points(grid, dimension: dimension)
        let ells = try OptionParsing.scales(scales, option: "--scales")
        let chosen = try kernel.chosen(dimension: dimension)
        guard trajectory.count <= 2 else {
            throw StudyError.invalidOption(name: "INPUT", value: "\(1 + trajectory.count) files", expected: "give one, two or three snapshots")
        }
        let snapshots = try ([configuration.input] + trajectory).map { try configuration.read(communicator, path: $0) }
        let analysed = snapshots.count == 3 ? 1 : 0
        try ConfigurationOptions.makeFolder(output, communicator)
        var analysis = BudgetAnalysis(snapshot: snapshots[analysed], kernel: chosen, scales: ells, points: points,
                                      potential: potential, communicator: communicator)
        if snapshots.count > 1 {
            analysis.later = snapshots[analysed + 1]
            analysis.earlier = snapshots.count == 3 ? snapshots[0] : nil
            analysis.timeStep = dt
        }
        let report = try analysis.run(directory: output)
        if communicator.isRoot {
            print("analysed \(report.N) particles at \(report.scales.count) scale(s) on \(points.map(String.init).joined(separator: "x")) in "
                  + String(format: "%.3g s", report.seconds) + ": \(output)/summary.json, budget.csv")
        }
    }
}
