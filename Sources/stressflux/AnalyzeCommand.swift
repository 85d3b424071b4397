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

    @Option(help: "Grid points along x, y[, z] for every scale, like 128x128; one number for every axis. ℓ/h ≥ 5 keeps the budget's residual near 1e-10 for the Gaussian (physics.md §3.6).")
    var grid: String?

    @Option(name: .customLong("points-per-ell"), help: "Instead of --grid: each scale on its own grid, the coarsest FFT-friendly one with ℓ/h ≥ this (5 for a ~1e-10 closure).")
    var pointsPerEll: Double?

    @Option(help: "quadrature: every field by the bond quadrature (physics.md §3.5: maps, RMS, PDFs, residual); averages: box means only, by one pass over the Fourier modes (§3.7a), a few FFTs per scale.")
    var route = "quadrature"

    @Option(help: "Means conditioned on a region: the disk x,y[,z],r (l0), or events.csv:K for plastic event K of a sheared run (its centroid, twice its radius of gyration).")
    var region: String?

    @OptionGroup var pair: PotentialOptions

    @Option(help: "pairs: also evaluate σ̲_ℓ, J̄_ℓ and W_ℓ + Q^flux_ℓ by the exact pair sums (physics.md §3.7b, Gaussian kernel) and report their largest difference from the route's own (pairs_check in summary.json); slow at large ℓ.")
    var check: String?

    @Flag(name: .customLong("allow-coarse-grid"), help: "Accept grids with ℓ/h < 3, where the budget's aliasing error exceeds 1e-5 (physics.md §3.6); recorded in the outputs.")
    var allowCoarseGrid = false

    @Option(help: "Output folder.")
    var output: String

    func run() throws {
        let communicator = Communicator.world, dimension = try configuration.checkedDimension()
        let potential = try pair.chosen()
        guard (grid == nil) != (pointsPerEll == nil) else {
            throw StudyError.invalidOption(name: "--grid", value: grid ?? "missing", expected: "give either --grid N or --points-per-ell P, not both")
        }
        let points = try grid.map { try OptionParsing.points($0, dimension: dimension) }
        guard let chosenRoute = BudgetAnalysis.Route(rawValue: route) else {
            throw StudyError.invalidOption(name: "--route", value: route, expected: "give quadrature or averages")
        }
        guard check == nil || check == "pairs" else {
            throw StudyError.invalidOption(name: "--check", value: check!, expected: "give pairs")
        }
        let area = try region.map { try AnalysisRegion.parse($0, dimension: dimension, name: "--region") }
        let ells = try OptionParsing.scales(scales, option: "--scales")
        let chosen = try kernel.chosen(dimension: dimension)
        guard trajectory.count <= 2 else {
            throw StudyError.invalidOption(name: "INPUT", value: "\(1 + trajectory.count) files", expected: "give one, two or three snapshots")
        }
        let blocks = try ([configuration.input] + trajectory).map { try configuration.readBlock(communicator, path: $0) }
        let analysed = blocks[blocks.count == 3 ? 1 : 0]
        let plan = try MeasurementPlan(scales: ells, grid: points, pointsPerEll: pointsPerEll, kernel: chosen, route: chosenRoute, region: area,
                                       allowCoarseGrid: allowCoarseGrid, box: analysed.box, ranks: communicator.size, names: .commandLine,
                                       checkPairs: check == "pairs")
        try ConfigurationOptions.makeFolder(output, communicator)
        let report = try BudgetAnalysis(plan: plan, potential: potential, communicator: communicator)
            .run(blocks: blocks, timeStep: dt, directory: output)
        if communicator.isRoot {
            let structure = report.structure, xi3 = structure.xi_p["3"] ?? nil
            print("structure of ρ̄ at ℓ = \(ells.min()!): ξ_3 = " + (xi3.map { String(format: "%.3f", $0) } ?? "not fitted")
                  + " over \(structure.fit_range.map { String(format: "%.3g", $0) }.joined(separator: "–")) l0, anomaly flag (ξ_3 ≤ 1/3): "
                  + (structure.anomaly_flag.map { "\($0)" } ?? "unknown"))
            if let limit = report.flux_scaling.Qflux_mean_limit?["xy"], let error = report.flux_scaling.Qflux_mean_limit_error?["xy"] {
                print(String(format: "⟨Q^flux_xy⟩ extrapolated to ℓ → 0: %.4g ± %.2g", limit, error))
            }
            print("analysed \(report.N) particles at \(report.scales.count) scale(s) in " + String(format: "%.3g s", report.seconds)
                  + ": \(output)/summary.json, budget.csv, analysis.h5 + analysis.xmf")
        }
    }
}

extension MeasurementPlan.Names {
    /// The options of `analyze` and `deposit`.
    static let commandLine = MeasurementPlan.Names(scales: "--scales", grid: "--grid", pointsPerEll: "--points-per-ell",
                                                   allowCoarseGrid: "--allow-coarse-grid", checkPairs: "--check pairs")
}
