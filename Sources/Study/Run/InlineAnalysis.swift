import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// The stress budget measured in line with `run` (`[analysis]`, physics.md §4–6): at every analysis step the live
/// system is measured on its own ranks and slabs — the same ``ScaleAnalysis`` as `analyze`, on grids and FFT plans
/// made once — with the overdamped drift velocities u_i = F_i + f^e(x_i) (``BrownianDynamics/nonAffineDrift(_:)``).
/// Writes one row of `budget.csv` per (step, ℓ) and, every `fieldsEvery` steps, `analysis-<step>.h5` + `.xmf`.
/// A restart keeps the rows up to the checkpoint's step and goes on from there.
final class InlineAnalysis {
    let settings: RunConfig.Analysis
    let plan: MeasurementPlan
    let potential: AnyPairPotential
    let directory: String
    let communicator: Communicator
    private let workspaces: ScaleWorkspaces
    private let log: StepLog
    private let components: [String]

    /// Collective: the plan for the system's box, checked (errors name the `[analysis]` keys).
    init(settings: RunConfig.Analysis, system: ParticleSystem, directory: String) throws {
        let d = system.dimension
        self.settings = settings
        communicator = system.communicator
        potential = system.potential
        self.directory = directory
        plan = try settings.plan(box: system.box, ranks: communicator.size, route: settings.route,
                                 region: try settings.region.map { try AnalysisRegion.parse($0, dimension: d, name: "[analysis] region") })
        // FFTW_ESTIMATE plans: the same transforms in every process, so that a restarted run's rows equal the
        // uninterrupted run's (FFTW_MEASURE may pick other algorithms, other rounding, in another process).
        workspaces = ScaleWorkspaces(box: system.box, effort: .estimate, communicator: communicator)
        components = Thermo.componentNames(dimension: d)
        let stress = ReducedUnit.stress(dimension: d), rate = ReducedUnit.stressRate(dimension: d)
        log = StepLog(path: (directory as NSString).appendingPathComponent("budget.csv"), columns: Self.columns(components, stress: stress, rate: rate))
    }

    /// `budget.csv`'s columns after `step` (a contract; README lists them).
    static func columns(_ components: [String], stress: String, rate: String) -> [CSVColumn] {
        [CSVColumn("time", unit: ReducedUnit.time), "strain", CSVColumn("ell", unit: ReducedUnit.length)]
            + components.map { CSVColumn("sigma_\($0)", unit: stress) } + components.map { CSVColumn("dsigma_dt_\($0)", unit: rate) }
            + components.map { CSVColumn("W_\($0)", unit: rate) } + components.map { CSVColumn("Qflux_\($0)", unit: rate) }
            + [CSVColumn("divJ_rms", unit: rate), CSVColumn("Qflux_rms", unit: rate), CSVColumn("Qflux_L1", unit: rate), "xi3", "residual_rel"]
    }

    /// Collective: rank 0 starts `budget.csv`, or on restart keeps its rows up to `step`.
    func begin(restartingAt step: Int?) throws {
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: step) } }
        if communicator.isRoot { plan.warnings.forEach(Console.error) }
    }

    /// Collective: measures `system` (forces current or not: they are evaluated here) with the velocities
    /// `velocities` of its owned particles, at `time`; returns the rows (one per scale).
    @discardableResult
    func measure(_ system: ParticleSystem, velocities: (ParticleSystem) -> [Double], time: Double?) throws -> [BudgetAnalysis.ScaleReport] {
        var particles = SlabParticles(system: system)
        particles.velocities = velocities(system)
        let step = system.step, writesFields = settings.fieldsEvery > 0 && step % settings.fieldsEvery == 0
        let stem = (directory as NSString).appendingPathComponent("analysis-\(step)")
        let fields = writesFields ? try AnalysisFieldFile(path: stem + ".h5", plan: plan, particles: particles, numbers: ["step": Double(step)],
                                                          words: ["velocities": "u_i = F_i + f^e(x_i), the affine shear flow left out"],
                                                          communicator: communicator) : nil
        let bonds = BudgetAnalysis.bondPotential(particles, potential)
        var rows: [BudgetAnalysis.ScaleReport] = []
        for scale in plan.scales {
            let space = try workspaces.workspace(scale.points)
            let result = try ScaleAnalysis(scale: scale, plan: plan, space: space, particles: particles, potential: bonds, communicator: communicator,
                                           reportsProgress: false).run(displaced: nil, fields: fields?.sink(space))
            let xi3 = try Self.xi3(result.density, decomposition: space.decomposition, spacing: space.spacing, ell: scale.ell, box: particles.box)
            let row = result.row
            let means = [row.sigma_mean, row.dsigma_dt_instantaneous_mean, row.W_mean, row.Qflux_mean].flatMap { t in components.map { String(t[$0]!) } }
            let values = [time.map { String($0) } ?? "", String(particles.strain), String(scale.ell)] + means
                + [row.divJ_rms, row.Qflux_rms, row.Qflux_L1, xi3, row.residual_rel].map { $0.map { String($0) } ?? "" }
            try communicator.agree { if communicator.isRoot { try log.append(step: step, values: values) } }
            rows.append(row)
        }
        try fields?.close(sidecar: stem + ".xmf")
        return rows
    }

    /// Collective: ξ_3 of ρ̄_ℓ (physics.md §6.1) fitted over [2ℓ, L/8]; nil when the range holds too few lags.
    static func xi3(_ density: [Double], decomposition: SlabDecomposition, spacing: Double, ell: Double, box: [Double]) throws -> Double? {
        let functions = try StructureFunctions(field: density, decomposition: decomposition, orders: [3])
        let fit = ScalingExponents(functions, spacing: spacing, range: 2 * ell...max(2 * ell, box.min()! / 8))
        return fit.xi[0].isFinite ? fit.xi[0] : nil
    }
}
