import Budget
import Fields
import Foundation
import Formats
import Parallel
import Particles

/// Local indicators of the state before each plastic event, on windows tiling the box (physics.md §6.4): for each
/// window side a of `[events] predictor_windows` and each window, the ``PredictorIndicator``s and whether the event's
/// core — any of its particles of largest D²_min (`events.csv` `top_ids`) — sits in it, as rows of `predictors.csv`.
/// The state is the relaxed one before the strain step that triggers the event (AQS; with a bisected onset, the
/// bracket's lower end) or the one observed before the drop (Brownian shear). The fields are the in-line analysis's
/// (``ScaleAnalysis``, quadrature route, v_i = F_i), on the same grids at every event. Under AQS one more baseline
/// needs the dynamics: the non-affine displacement u_na,i of a small trial strain relaxed from that state (the linear
/// response H⁻¹Ξ δγ that marks soft spots), kept below the instability (``TrialStrain``). ``PredictorStatistics``
/// turns the rows into `roc.csv`.
final class EventPredictors {
    let windows: [Double]
    let plan: MeasurementPlan
    let potential: AnyPairPotential
    let communicator: Communicator
    let indicators: [PredictorIndicator]
    let trial: TrialStrain?
    private let workspaces: ScaleWorkspaces
    private let log: StepLog

    static let file = "predictors.csv"

    /// One scale's fields on the owned samples of its grid: ρ̄_ℓ, |Q^flux_ℓ| (Frobenius) and the grid's strain γ'.
    private struct ScaleFields {
        let ell: Double
        let space: ScaleWorkspaces.Workspace
        let density: [Double]
        let flux: [Double]
        let strain: Double
    }

    /// The trial strain of the non-affine baseline (AQS): δγ_t, a hundredth of the strain step (a tenth of the onset
    /// precision when the onset is bisected, so that the lower end of the bracket stays below the instability), relaxed
    /// as the steps are; a trial whose shear stress falls crossed an instability and is retried ten times smaller (three
    /// times at most, then the window's value is left empty). u_na,i is measured against the affine map (``PlasticEvent``).
    struct TrialStrain {
        let strain: Double
        /// The radius `PlasticEvent` builds its neighbours with (its D²_min, not used here).
        let d2minRadius: Double
        let relax: EventRecorder.Relaxation

        init(step: Double, onsetPrecision: Double, d2minRadius: Double, relax: @escaping EventRecorder.Relaxation) {
            strain = onsetPrecision > 0 ? min(0.01 * step, 0.1 * onsetPrecision) : 0.01 * step
            self.d2minRadius = d2minRadius
            self.relax = relax
        }
    }

    /// Collective: the plan of `analysis` for the system's box (errors name the `[analysis]` keys).
    init(windows: [Double], analysis: RunConfig.Analysis, trial: TrialStrain?, system: ParticleSystem, directory: String) throws {
        self.windows = windows
        self.trial = trial
        potential = system.potential
        communicator = system.communicator
        plan = try analysis.plan(box: system.box, ranks: communicator.size, route: .quadrature, region: nil)
        workspaces = ScaleWorkspaces(box: system.box, effort: .estimate, communicator: communicator)
        indicators = PredictorIndicator.all(scales: plan.scales.map(\.ell), dimension: system.dimension, trial: trial != nil)
        log = StepLog(path: (directory as NSString).appendingPathComponent(Self.file), columns: [
            "event", "strain", "frame_strain", CSVColumn("window", unit: ReducedUnit.length), "window_index", CSVColumn("window_side", unit: ReducedUnit.length),
            "particles", "positive",
        ] + indicators.map { CSVColumn($0.name, unit: $0.unit) })
    }

    /// Collective: rank 0 starts `predictors.csv`, or on restart keeps its rows up to `step`.
    func begin(restartingAt step: Int?) throws {
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: step) } }
    }

    /// Collective: the rows of event `event` seen at `step`, from `system` in its state before the event (left there
    /// with fresh forces), its core the particles `core`.
    func measure(event: Int, step: Int, core: [Int], system: ParticleSystem) throws {
        let response = try trial.map { try trialResponse($0, system: system) }
        let particles = SlabParticles(system: system)
        let thermo = system.computeForces(thermo: true, perParticleVirials: true)!
        let bonds = BudgetAnalysis.bondPotential(particles, potential)
        let d = particles.dimension, names = Thermo.componentNames(dimension: d), components = names.count, xy = names.firstIndex(of: "xy")!
        // Every scale's ρ̄_ℓ and |Q^flux_ℓ| (Frobenius, off-diagonal components twice) at the owned samples of its grid.
        var scales: [ScaleFields] = []
        for scale in plan.scales {
            let space = try workspaces.workspace(scale.points)
            var fluxComponents: [String: [Double]] = [:]
            let analysis = ScaleAnalysis(scale: scale, plan: plan, space: space, particles: particles, potential: bonds,
                                         communicator: communicator, reportsProgress: false)
            let result = try analysis.run(displaced: nil) { name, values, _, _ in
                if name.hasPrefix("Qflux_") { fluxComponents[name] = values }
            }
            let flux = GridReductions(components: names, communicator: communicator)
                .squaredNorms(names.map { fluxComponents["Qflux_\($0)_ell\(scale.ell)"]! }).map { $0.squareRoot() }
            scales.append(ScaleFields(ell: scale.ell, space: space, density: result.density, flux: flux, strain: result.strain))
        }
        let smallest = scales.min { $0.ell < $1.ell }!
        let coreIds = Set(core), volumeFactor = d == 2 ? Double.pi / 4 : Double.pi / 6
        let boxStress = thermo.virialStress[xy], loading: Double = boxStress < 0 ? -1 : 1
        var lines: [[String]] = []
        for side in windows {
            let tiling = WindowTiling(side: side, box: particles.box, strain: smallest.strain), n = tiling.count
            // Per window: particles, their volume, Σ s_xy, Σ z_i, core particles.
            var sums = [Double](repeating: 0, count: 5 * n)
            for i in 0..<particles.ids.count {
                let w = tiling.window(of: particles.positions[(i * d)..<(i * d + d)])
                sums[5 * w] += 1
                sums[5 * w + 1] += volumeFactor * pow(system.diameters[i], Double(d))
                sums[5 * w + 2] += system.virials[i * components + xy]
                sums[5 * w + 3] += Double(system.contactCounts[i])
                if coreIds.contains(particles.ids[i]) { sums[5 * w + 4] += 1 }
            }
            sums = communicator.allreduce(sums, .sum)
            let windowVolume = tiling.sides.reduce(1, *)
            // Window means of |Q^flux_ℓ| on each scale's grid.
            let fluxMeans: [[Double]] = scales.map { scale -> [Double] in
                let tilingHere = WindowTiling(side: side, box: particles.box, strain: scale.strain)
                let index = tilingHere.windows(decomposition: scale.space.decomposition, spacing: scale.space.spacing)
                var totals = [Double](repeating: 0, count: 2 * n)
                for (k, w) in index.enumerated() {
                    totals[2 * w] += scale.flux[k]
                    totals[2 * w + 1] += 1
                }
                totals = communicator.allreduce(totals, .sum)
                return (0..<n).map { w -> Double in totals[2 * w] / totals[2 * w + 1] }
            }
            let structure = try localStructure(smallest, tiling: tiling, box: particles.box)
            let nonAffine = response.map { windowMeans($0, tiling: tiling) }
            for w in 0..<n {
                let count = sums[5 * w]
                let flux = fluxMeans.map { $0[w] }
                let slope = scales.count >= 2 && flux.allSatisfy { $0 > 0 }
                    ? LineFit(x: scales.map { Foundation.log($0.ell) }, y: flux.map { Foundation.log($0) }).slope : Double.nan
                let stress: Double = loading * (sums[5 * w + 2] / windowVolume - boxStress)
                let coordination: Double = count > 0 ? sums[5 * w + 3] / count : .nan
                var values: [Double] = [structure.xi3[w], structure.s3OverEll[w], sums[5 * w + 1] / windowVolume, stress, coordination]
                values += flux
                values.append(slope)
                if let nonAffine { values.append(nonAffine[w]) }
                lines.append(["\(event)", "\(system.strain)", "\(tiling.strain)", "\(side)", "\(w)", "\(tiling.sides[0])", "\(Int(count))", sums[5 * w + 4] > 0 ? "1" : "0"]
                             + values.map { $0.isFinite ? "\($0)" : "" })
            }
        }
        try communicator.agree { if communicator.isRoot { for line in lines { try log.append(step: step, values: line) } } }
    }

    /// Collective: |u_na,i|²/δγ² of every owned particle after the trial strain from the system's state (left there), with
    /// its position there; nil when every trial crossed an instability.
    func trialResponse(_ trial: TrialStrain, system: ParticleSystem) throws -> (positions: [Double], values: [Double])? {
        let start = system.localSnapshot(), loading: Double = trial.strain < 0 ? -1 : 1
        let stress = system.computeForces(thermo: true)!.shearStress
        var strain = trial.strain
        for _ in 0..<3 {
            system.restore(start)
            if loading * (trial.relax(system, strain).shearStress - stress) >= 0 {
                let response = try PlasticEvent(before: start, after: system.localSnapshot(), potential: potential, d2minRadius: trial.d2minRadius,
                                                top: 0, communicator: communicator)
                let d = start.dimension, u = response.nonAffineDisplacement, scale = 1 / (strain * strain)
                var values = [Double](repeating: 0, count: u.count / d)
                for k in u.indices { values[k / d] += scale * u[k] * u[k] }
                system.restore(start)
                return (response.before.positions, values)
            }
            strain /= 10
        }
        system.restore(start)
        return nil
    }

    /// Collective: the mean of a per-particle value over each window's particles (NaN for an empty window or none).
    private func windowMeans(_ values: (positions: [Double], values: [Double])?, tiling: WindowTiling) -> [Double] {
        guard let values else { return [Double](repeating: .nan, count: tiling.count) }
        let d = tiling.box.count
        var sums = [Double](repeating: 0, count: 2 * tiling.count)
        for i in values.values.indices {
            let w = tiling.window(of: values.positions[(i * d)..<(i * d + d)])
            sums[2 * w] += values.values[i]
            sums[2 * w + 1] += 1
        }
        sums = communicator.allreduce(sums, .sum)
        return (0..<tiling.count).map { (w: Int) -> Double in sums[2 * w] / sums[2 * w + 1] }
    }

    /// Collective: ξ_3 and S_3(r)/r (r the lag nearest ℓ) of ρ̄_ℓ with base points in each window (physics.md §6.1), ζ_3
    /// fitted over h·r ∈ [2ℓ, min(L/8, a)] as for the event's region (``EventStructure``), on up to 8 lags spread
    /// geometrically over that range (physics.md's global lags leave one or none inside a small window). A window
    /// with fewer than two lags in range (a ≤ 2ℓ) has no ξ_3.
    private func localStructure(_ scale: ScaleFields, tiling: WindowTiling, box: [Double]) throws -> (xi3: [Double], s3OverEll: [Double]) {
        let h = scale.space.spacing, nearest = max(1, Int((scale.ell / h).rounded()))
        let range = 2 * scale.ell...max(2 * scale.ell, min(box.min()! / 8, tiling.sides.min()!))
        let first = Int((range.lowerBound / h).rounded(.up)), last = Int((range.upperBound / h).rounded(.down))
        let fitted = last > first ? Set((0..<8).map { k in Int((Double(first) * pow(Double(last) / Double(first), Double(k) / 7)).rounded()) }) : []
        let lags = fitted.union([nearest]).sorted()
        let index = tiling.windows(decomposition: scale.space.decomposition, spacing: h)
        let functions = try StructureFunctions.windowed(field: scale.density, windows: index, windowCount: tiling.count,
                                                        decomposition: scale.space.decomposition, lags: lags, orders: [3], periodic: true)
        let at = lags.firstIndex(of: nearest)!
        return (functions.map { ScalingExponents($0, spacing: h, range: range).xi[0] },
                functions.map { $0.values[0][at] / (Double(nearest) * h) })
    }
}
