import ArgumentParser
import Fields
import Foundation
import Parallel
import Particles
import Study

/// `stressflux deposit INPUT`: coarse-grained densities of one configuration on a grid.
struct DepositCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposit",
        abstract: "Coarse-grain one configuration: DIR/density.h5 (ρ̄_ℓ of all particles and of each species), density.xmf (ParaView), deposit.json.")

    @OptionGroup var configuration: ConfigurationOptions

    @OptionGroup var kernel: KernelOptions

    @Option(help: "Scale ℓ in l0 (the kernel's second moment is ℓ²).")
    var scale: Double

    @Option(help: "Grid points along x, y[, z], like 128x128; one number for every axis. The spacing must be the same on every axis; ℓ/h ≥ 5 is the default accuracy.")
    var grid: String

    @Option(help: "More Gaussian scales, like 2,4,8, filled from the deposit at --scale by one Fourier multiplication each (datasets rho_ell<ℓ>).")
    var scales: String?

    @Option(help: "gridded (spread with a narrow Gaussian, FFT, filter: the fast default), real (kernel footprints, the sampled reference) or spectral (exact direct sums, small systems).")
    var method = "gridded"

    @Flag(help: "Also the Hardy stress σ^H_ℓ (datasets sigma_<ab>) and the force density (force_<a>) of the pair potential.")
    var stress = false

    @OptionGroup var pair: PotentialOptions

    @Option(name: .customLong("fft-effort"), help: "FFTW planner: estimate, measure (default) or patient.")
    var fftEffort = "measure"

    @Option(help: "FFTW wisdom file: read before planning (if it exists), written after, so later runs on this grid and rank count plan at once.")
    var wisdom: String?

    @Flag(name: .customLong("allow-coarse-grid"), help: "Accept grids with ℓ/h < 3, where the budget's aliasing error exceeds 1e-5 (physics.md §3.6); recorded in the outputs.")
    var allowCoarseGrid = false

    @Option(help: "Output folder.")
    var output: String

    func run() throws {
        let communicator = Communicator.world, dimension = try configuration.checkedDimension()
        guard let method = DensityDeposit.Method(rawValue: method) else {
            throw StudyError.invalidOption(name: "--method", value: method, expected: "must be gridded, real or spectral")
        }
        guard let effort = PlannerEffort(rawValue: fftEffort) else {
            throw StudyError.invalidOption(name: "--fft-effort", value: fftEffort, expected: "must be estimate, measure or patient")
        }
        let potential = try pair.chosen()
        let points = try OptionParsing.points(grid, dimension: dimension)
        let chosen = try kernel.chosen(dimension: dimension)
        let block = try configuration.readBlock(communicator)
        try ConfigurationOptions.makeFolder(output, communicator)
        var deposit = DensityDeposit(block: block, kernel: chosen, scale: scale, points: points, method: method,
                                     potential: stress ? potential : nil, names: .commandLine, communicator: communicator)
        deposit.effort = effort
        deposit.wisdom = wisdom
        deposit.allowCoarseGrid = allowCoarseGrid
        if let scales { deposit.extraScales = try OptionParsing.scales(scales, option: "--scales") }
        let report = try deposit.run(directory: output)
        if communicator.isRoot {
            print("deposited \(report.N) particles with \(report.kernel) at ℓ = \(report.scale) on \(points.map(String.init).joined(separator: "x")) "
                  + "(h = \(String(format: "%.4g", report.spacing))): ∫ρ̄ = \(report.mass["rho"]!), \(String(format: "%.3g", report.seconds)) s")
        }
    }
}
