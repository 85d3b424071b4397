import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// The stress budget through a plastic event (physics.md §5.7), for AQS relaxed by the overdamped flow: the event's
/// relaxation is replayed from the relaxed state before its step (the flow is deterministic, so the replay is the step's
/// own path, bit for bit) and measured in line on the slabs at states spaced along the path — as many as `samples`,
/// equally spaced in s = ½ E(t)/E(T) + ½ t/T (E the energy dissipated so far), so dense where Σ|F_i|² is large and
/// never absent for long — each at every ℓ of the plan, with v_i = F_i.
///
/// A first replay only records (t, Σ|F_i|²) of every accepted step to place the samples; the second measures. Box means
/// obey d⟨σ̲_ℓ⟩/dt = ⟨W_ℓ⟩ + ⟨Q^flux_ℓ⟩, so the trapezoid of the right side closes Δ⟨σ̲_ℓ⟩ up to the quadrature
/// (`closure_box`). W and Q^flux nearly cancel (their sum is the small rate), so Δ⟨σ̲_ℓ⟩ is a small difference and the
/// closure a demanding test: over the measured states it was 0.48, 0.12, 0.034, 6e-4, 3e-5 with 20, 40, 80, 160, 320
/// samples (ℓ = 8, N = 1024; the rate has a kink at every contact made or broken), so the box integrals are taken over
/// every accepted step by the cheap route (``EventBoxBudget``). The window of the event (``EventWindow``) adds the stress
/// carried across its edge, and Φ_ℓ = ∫⟨Q^flux_ℓ⟩_w dt / Δ⟨σ̲_ℓ⟩_w is the flux fraction, the anomaly diagnostic; its
/// window means need the fields, so they are integrated over the measured states, and its closure falls slowly (0.13 at
/// 160 samples), down to the spacing of the integrator's own steps.
///
/// Writes `event-<k>-budget.csv` (the series), `event-<k>-fields.h5` + `.xmf` (ρ̄_ℓ, σ̲_ℓ, W_ℓ, Q^flux_ℓ, ∇·J̄_ℓ at every ℓ at
/// the state of largest Σ|F_i|², a state always measured), one row per (event, ℓ) of `events_budget.csv`, and per event
/// the anomaly diagnostics (item 3–4): Φ_ℓ's limit ℓ → 0 (``FluxFractionLimit``) and the local exponents of the density
/// in and outside the event before its step and after (``EventStructure``) in `events_anomaly.csv` and
/// `event-<k>-structure.csv`. Rank 0 prints the progress through the measured states (a state costs seconds).
///
/// Brownian shear (item 5; physics.md §5.3, §5.7): the path is the dynamics' own steps from the state remembered at the
/// last observation to the one that showed the drop (the noise is a function of (seed, id, step), so the replay is the
/// run's trajectory), the velocities the non-affine drift u_i = F_i + f^e(x_i), the states the steps' (before each move,
/// and the last). The box columns then add the affine flow's share of Δ⟨σ̲_ℓ⟩ and the noise's, the rest
/// (``EventBoxBudget``); `closure_box` is the noise's share |noise|/|Δ⟨σ̲⟩|, and ∫Σ|F_i|²dt no longer equals −ΔU (the
/// shear flow and the noise also work on the particles).
final class EventBudget {
    /// What made an event's path, replayed to measure it.
    enum Dynamics {
        /// Overdamped AQS: the relaxation of an affine strain change from the relaxed state before it.
        case aqs(AQSDriver)
        /// Brownian shear: the dynamics' steps from the remembered state to the observed one.
        case brownian(BrownianDynamics)
    }

    let plan: MeasurementPlan
    let dimension: Int
    let samples: Int
    let dynamics: Dynamics
    let potential: AnyPairPotential
    let directory: String
    let communicator: Communicator
    private let workspaces: ScaleWorkspaces
    private let log: StepLog
    private let anomalyLog: StepLog
    /// d_s, below whose quarter ρ̄_ℓ resolves single particles (physics.md §5.7).
    private let smallestDiameter: Double

    /// Collective: the plan for the system's box (errors name the `[analysis]` keys).
    init(settings: RunConfig.Analysis, samples: Int, dynamics: Dynamics, system: ParticleSystem, directory: String) throws {
        let d = system.dimension
        dimension = d
        self.samples = samples
        self.dynamics = dynamics
        potential = system.potential
        self.directory = directory
        communicator = system.communicator
        plan = try settings.plan(box: system.box, ranks: communicator.size, route: .quadrature, region: nil)
        smallestDiameter = SlabParticles(system: system).speciesDiameters.filter { $0 > 0 }.min() ?? 1
        // FFTW_ESTIMATE: the same transforms in every process, so that a restarted run's rows equal the uninterrupted run's.
        workspaces = ScaleWorkspaces(box: system.box, effort: .estimate, communicator: communicator)
        typealias U = ReducedUnit
        let stress = U.stress(dimension: d)  // also the unit of a time integral of a stress rate
        log = StepLog(path: (directory as NSString).appendingPathComponent("events_budget.csv"), columns: [
            "event", "strain", CSVColumn("ell", unit: U.length), CSVColumn("duration", unit: U.time),
            CSVColumn("delta_sigma_xy_box", unit: stress), CSVColumn("int_W_xy_box", unit: stress), CSVColumn("int_Qflux_xy_box", unit: stress),
            "closure_box", CSVColumn("delta_sigma_xy_region", unit: stress), CSVColumn("int_W_xy_region", unit: stress),
            CSVColumn("int_Qflux_xy_region", unit: stress), "flux_fraction_region", CSVColumn("dissipated_energy", unit: U.energy),
            CSVColumn("delta_energy", unit: U.energy), CSVColumn("int_edge_xy_region", unit: stress), "closure_region",
            CSVColumn("delta_sigma_xy_virial", unit: stress), "samples", CSVColumn("window_width", unit: U.length),
            CSVColumn("analysis_seconds", unit: "s"), CSVColumn("relaxation_seconds", unit: "s"), "box_states",
            CSVColumn("affine_xy_box", unit: stress), CSVColumn("noise_xy_box", unit: stress),
        ])
        anomalyLog = StepLog(path: (directory as NSString).appendingPathComponent("events_anomaly.csv"), columns: [
            "event", "flux_fraction_limit", "flux_fraction_limit_error", CSVColumn("fit_ell_min", unit: U.length),
            CSVColumn("fit_ell_max", unit: U.length), "xi3_region_before", "xi3_outside_before", "xi3_region_after", "xi3_outside_after",
            "fit_scales", CSVColumn("structure_ell", unit: U.length), CSVColumn("region_radius", unit: U.length),
        ])
    }

    /// Collective: rank 0 starts `events_budget.csv`, or on restart keeps its rows up to `step`.
    func begin(restartingAt step: Int?) throws {
        try communicator.agree { if communicator.isRoot { try [log, anomalyLog].forEach { try $0.begin(restartingAt: step) } } }
        if communicator.isRoot {
            (plan.warnings + [FluxFractionLimit.advice(scales: plan.scales.map(\.ell), smallestDiameter: smallestDiameter)].compactMap { $0 })
                .forEach(Console.error)
        }
    }

    /// One measured state of the path: its time, max|F|, Σ|F_i|² and one row per scale.
    struct State {
        var sample: OverdampedRelaxation.Sample
        var rows: [BudgetAnalysis.ScaleReport]
        var energy: Double
    }

    /// Collective: event `event` seen at step `step`: the path from `before` (a local snapshot) — AQS: the relaxation of the
    /// strain change `strainChange`; Brownian: the steps up to `step` — measured along it in `window`. Leaves the system
    /// at the end of the replay.
    func measure(event: Int, step: Int, before: ParticleSnapshot, strainChange: Double, window: EventWindow,
                 virialBefore: Double, system: ParticleSystem) throws {
        var path: [OverdampedRelaxation.Sample] = []
        let clock = PhaseTimers.now()
        system.restore(before)
        let structureBefore = try structure(system, window: window)
        let scouted = PhaseTimers.now()
        system.restore(before)
        _ = try follow(system, strainChange: strainChange, until: step) { path.append($0) }
        let relaxation = communicator.allreduce(PhaseTimers.now() - scouted, .max)
        system.restore(before)
        let replay = try replay(event: event, step: step, strainChange: strainChange, path: path, window: window, system: system)
        let structureAfter = try structure(system, window: window)
        let analysis = communicator.allreduce(PhaseTimers.now() - clock, .max) - 2 * relaxation
        try write(event: event, states: replay.states)
        try write(event: event, structure: [("before", structureBefore), ("after", structureAfter)])
        let states = replay.states
        let brownian = if case .brownian = dynamics { true } else { false }
        let integrals = plan.scales.indices.map { k in
            Integrals(states.map { ($0.sample.time, $0.rows[k]) }, box: replay.box.integrals[k], splitsNoise: brownian)
        }
        for (k, ell) in plan.scales.map(\.ell).enumerated() {
            let values = [Double(event), system.strain, ell, states.last!.sample.time] + integrals[k].values
                + [replay.dissipatedEnergy, states.last!.energy - states[0].energy]
                + integrals[k].regionTail + [replay.shearStress - virialBefore, Double(states.count), window.width, analysis, relaxation,
                                          Double(replay.box.states)] + integrals[k].boxTail
            try communicator.agree { if communicator.isRoot { try log.append(step: step, values: values.map { $0.isNaN ? "" : "\($0)" }) } }
        }
        let limit = FluxFractionLimit(scales: plan.scales.map(\.ell), fractions: integrals.map(\.fluxFraction),
                                      smallestDiameter: smallestDiameter)
        let values = [Double(event), limit.value, limit.error, limit.range.lowerBound, limit.range.upperBound, structureBefore.xi3.region,
                      structureBefore.xi3.outside, structureAfter.xi3.region, structureAfter.xi3.outside, Double(limit.scales),
                      structureScale.ell, window.width]
        try communicator.agree { if communicator.isRoot { try anomalyLog.append(step: step, values: values.map { $0.isFinite ? "\($0)" : "" }) } }
    }

    /// The measured replay: the states at the chosen steps, the box budget at every step, and how it ended.
    private struct Replay {
        var states: [State] = []
        var box: EventBoxBudget
        var dissipatedEnergy = Double.nan
        var shearStress = Double.nan
    }

    /// Collective: the path from the system's state replayed along `path` (the scout pass's record), each state's box
    /// means added to the box budget and the chosen states measured at every scale (the maps at the largest Σ|F_i|²).
    private func replay(event: Int, step: Int, strainChange: Double, path: [OverdampedRelaxation.Sample], window: EventWindow,
                        system: ParticleSystem) throws -> Replay {
        // The maps of item 4 (physics.md §5.7): the fields at the state of largest dissipation rate Σ|F_i|².
        let peak = path.max { $0.forceSquared < $1.forceSquared }!.step
        let chosen = Self.spacing(path, count: samples).union([peak])
        var replay = Replay(box: EventBoxBudget(plan: plan, workspaces: workspaces, dimension: dimension,
                                                potential: BudgetAnalysis.bondPotential(SlabParticles(system: system), potential)))
        var progress = CountProgress(label: "event \(event): budget state", enabled: communicator.isRoot)
        let (end, dissipated) = try follow(system, strainChange: strainChange, until: step) { sample in
            var particles = SlabParticles(system: system)
            if case .brownian(let dynamics) = dynamics { particles.velocities = dynamics.nonAffineDrift(system) }
            try replay.box.add(time: sample.time, particles: particles)
            if case .brownian(let dynamics) = dynamics, sample.step < path.last!.step {
                try replay.box.addAffine(particles: particles, strainIncrement: dynamics.shearRate * dynamics.timeStep)
            }
            guard chosen.contains(sample.step) else { return }
            let stem = (directory as NSString).appendingPathComponent("event-\(event)-fields")
            let maps = sample.step == peak ? try AnalysisFieldFile(
                path: stem + ".h5", plan: plan, particles: particles, numbers: ["event": Double(event), "step": Double(step), "time": sample.time],
                words: ["state": "largest dissipation rate sum_i |F_i|^2 along the event's path", "velocities": velocityWords],
                communicator: communicator) : nil
            replay.states.append(State(sample: sample, rows: try measure(particles, window: window, maps: maps), energy: particles.potentialEnergy))
            try maps?.close(sidecar: stem + ".xmf")
            progress.update(done: replay.states.count, total: chosen.count)
        }
        if replay.states.last?.sample != path.last, communicator.isRoot {
            Console.error("warning: event \(event): the replayed path left the recorded one; its budget is of the replay")
        }
        replay.dissipatedEnergy = dissipated
        replay.shearStress = end.shearStress
        return replay
    }

    /// How the fields' currents were made, for the maps' metadata.
    private var velocityWords: String {
        if case .brownian = dynamics { "u_i = F_i + f^e(x_i), the drift without the affine shear flow" } else { "v_i = F_i" }
    }

    /// Collective: the event's path from the system's state, `visit` seeing each of its states with the forces current
    /// there — AQS: the accepted states of the overdamped relaxation of `strainChange`; Brownian: the state before each
    /// step's move up to step `until`, and the last. Returns the end state's thermo and ∫Σ_i|F_i|²dt (trapezoid).
    private func follow(_ system: ParticleSystem, strainChange: Double, until last: Int,
                        visit: (OverdampedRelaxation.Sample) throws -> Void) throws -> (Thermo, Double) {
        switch dynamics {
        case .aqs(let driver):
            let (end, relaxed) = try driver.relax(system, by: strainChange, observe: visit)
            return (end, relaxed.overdamped?.dissipatedEnergy ?? .nan)
        case .brownian(let dynamics):
            let first = system.step, dt = dynamics.timeStep
            var dissipated = 0.0, previous: Double?
            while true {
                system.computeForces()
                let (largest, power) = OverdampedRelaxation.norms(system)
                try visit(OverdampedRelaxation.Sample(step: system.step - first, time: Double(system.step - first) * dt, maxForce: largest,
                                                      forceSquared: power))
                if let previous { dissipated += 0.5 * dt * (previous + power) }
                previous = power
                guard system.step < last else { break }
                dynamics.step(system)
            }
            return (system.computeForces(thermo: true)!, dissipated)
        }
    }

    /// The scale of the structure functions: the plan's smallest (physics.md §6.1, "the density filtered at the smallest
    /// analysed scale").
    private var structureScale: MeasurementPlan.Scale { plan.scales.min { $0.ell < $1.ell }! }

    /// Collective: ξ_p of `system`'s current state in and outside `window`.
    private func structure(_ system: ParticleSystem, window: EventWindow) throws -> EventStructure {
        let scale = structureScale
        return try EventStructure(particles: SlabParticles(system: system), window: window, kernel: plan.kernel, ell: scale.ell,
                                  space: try workspaces.workspace(scale.points))
    }

    /// Collective: every scale of the plan for `particles` (v_i = F_i) with `window`, its fields into `maps` when given.
    private func measure(_ particles: SlabParticles, window: EventWindow, maps: AnalysisFieldFile?) throws -> [BudgetAnalysis.ScaleReport] {
        let bonds = BudgetAnalysis.bondPotential(particles, potential)
        return try plan.scales.map { scale in
            let space = try workspaces.workspace(scale.points)
            var analysis = ScaleAnalysis(scale: scale, plan: plan, space: space, particles: particles, potential: bonds, communicator: communicator,
                                         reportsProgress: false)
            analysis.window = window
            return try analysis.run(displaced: nil, fields: maps?.sink(space)).row
        }
    }

    /// The accepted steps to measure: `count` equally spaced in s = ½ E/E(T) + ½ t/T (first and last always).
    static func spacing(_ path: [OverdampedRelaxation.Sample], count: Int) -> Set<Int> {
        guard let last = path.last else { return [] }
        var energy = [0.0]
        for (a, b) in zip(path, path.dropFirst()) { energy.append(energy.last! + 0.5 * (b.time - a.time) * (a.forceSquared + b.forceSquared)) }
        let s = path.indices.map { k in
            0.5 * (energy.last! > 0 ? energy[k] / energy.last! : 0) + 0.5 * (last.time > 0 ? path[k].time / last.time : 0)
        }
        var chosen: Set<Int> = [path[0].step, last.step], k = 0
        for m in 1..<max(count - 1, 1) {
            let target = Double(m) / Double(count - 1)
            while k < path.count - 1 && s[k] < target { k += 1 }
            chosen.insert(path[k].step)
        }
        return chosen
    }

    /// The xy integrals of one scale over the states (trapezoid in time).
    struct Integrals {
        /// delta_sigma_xy_box … flux_fraction_region, as `events_budget.csv` orders them.
        var values: [Double]
        /// int_edge_xy_region, closure_region.
        var regionTail: [Double]
        /// affine_xy_box, noise_xy_box (NaN without noise: AQS).
        var boxTail: [Double]
        /// Φ_ℓ = ∫⟨Q^flux_ℓ,xy⟩_w dt / Δ⟨σ̲_ℓ,xy⟩_w (flux_fraction_region).
        var fluxFraction: Double { values[7] }

        /// `box`: the box integrals over every state of the path (``EventBoxBudget``); the window's over the measured states.
        /// `splitsNoise`: Brownian, with the affine flow's and the noise's shares of the box change reported.
        init(_ series: [(time: Double, row: BudgetAnalysis.ScaleReport)], box: EventBoxBudget.Integrals, splitsNoise: Bool = false) {
            func integral(_ value: (BudgetAnalysis.ScaleReport) -> Double) -> Double {
                zip(series, series.dropFirst()).reduce(0) { $0 + 0.5 * ($1.1.time - $1.0.time) * (value($1.0.row) + value($1.1.row)) }
            }
            func change(_ value: (BudgetAnalysis.ScaleReport) -> Double) -> Double { value(series.last!.row) - value(series[0].row) }
            let window = { (row: BudgetAnalysis.ScaleReport) in row.window! }
            let region = (sigma: change { window($0).sigma_mean["xy"]! }, work: integral { window($0).W_mean["xy"]! },
                          flux: integral { window($0).Qflux_mean["xy"]! }, edge: integral { window($0).edge_mean["xy"]! })
            let rest = box.sigma - box.work - box.flux - box.affine  // the noise's share (Brownian), the quadrature's (AQS)
            values = [box.sigma, box.work, box.flux, abs(rest) / abs(box.sigma),
                      region.sigma, region.work, region.flux, region.flux / region.sigma]
            regionTail = [region.edge, abs(region.sigma - region.work - region.flux - region.edge) / abs(region.sigma)]
            boxTail = splitsNoise ? [box.affine, rest] : [.nan, .nan]
        }
    }

    /// Collective: `event-<k>-structure.csv`, ξ_p in and outside the event's region before its step and after, and
    /// `event-<k>-structure-functions.csv`, the S_p(r) they were fitted to (rank 0 writes).
    private func write(event: Int, structure: [(state: String, value: EventStructure)]) throws {
        let columns: [CSVColumn] = ["state", "where", "p", "zeta", "zeta_error", "xi", CSVColumn("fit_r_min", unit: ReducedUnit.length),
                                    CSVColumn("fit_r_max", unit: ReducedUnit.length)]
        var lines = [columns.csvHeader]
        for (state, value) in structure {
            for (place, fit) in [("region", value.region), ("outside", value.outside)] {
                let lags = fit.fitLags.map { Double($0) * value.spacing }
                for (k, p) in fit.orders.enumerated() {
                    lines.append(([state, place, "\(p)"] + [fit.zeta[k], fit.standardErrors[k], fit.xi[k], lags.first ?? .nan, lags.last ?? .nan]
                        .map { $0.isFinite ? "\($0)" : "" }).joined(separator: ","))
                }
            }
        }
        let path = (directory as NSString).appendingPathComponent("event-\(event)-structure.csv")
        // The structure functions themselves, for S_p(r) on log-log axes (tools/plot.py).
        let unit = "l0^(-\(dimension)p)"
        var values = [(["state", "where", "p", CSVColumn("r", unit: ReducedUnit.length), CSVColumn("S_p", unit: unit)] as [CSVColumn]).csvHeader]
        for (state, value) in structure {
            for (place, functions) in [("region", value.functions.region), ("outside", value.functions.outside)] {
                for (k, p) in functions.orders.enumerated() {
                    for (l, lag) in functions.lags.enumerated() {
                        values.append("\(state),\(place),\(p),\(Double(lag) * value.spacing),\(functions.values[k][l])")
                    }
                }
            }
        }
        let functionsPath = (directory as NSString).appendingPathComponent("event-\(event)-structure-functions.csv")
        try communicator.agree {
            guard communicator.isRoot else { return }
            try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
            try AtomicFile.write(values.joined(separator: "\n") + "\n", to: functionsPath)
        }
    }

    /// Collective: `event-<k>-budget.csv`, the series through event k (rank 0 writes).
    private func write(event: Int, states: [State]) throws {
        typealias U = ReducedUnit
        let d = dimension
        let stress = U.stress(dimension: d), rate = U.stressRate(dimension: d)
        let columns: [CSVColumn] = [
            CSVColumn("time", unit: U.time), CSVColumn("max_force", unit: U.force), CSVColumn("force_squared", unit: "V0^2/l0^2"),
            CSVColumn("ell", unit: U.length), CSVColumn("sigma_xy_box", unit: stress), CSVColumn("dsigma_dt_xy_box", unit: rate),
            CSVColumn("W_xy_box", unit: rate), CSVColumn("Qflux_xy_box", unit: rate), CSVColumn("divJ_rms", unit: rate),
            CSVColumn("sigma_xy_region", unit: stress), CSVColumn("dsigma_dt_xy_region", unit: rate), CSVColumn("W_xy_region", unit: rate),
            CSVColumn("Qflux_xy_region", unit: rate), CSVColumn("edge_xy_region", unit: rate),
        ]
        var lines = [columns.csvHeader]
        for state in states {
            for row in state.rows {
                let w = row.window!
                let values = [state.sample.time, state.sample.maxForce, state.sample.forceSquared, row.ell, row.sigma_mean["xy"]!,
                              row.dsigma_dt_instantaneous_mean["xy"]!, row.W_mean["xy"]!, row.Qflux_mean["xy"]!, row.divJ_rms ?? .nan,
                              w.sigma_mean["xy"]!, w.dsigma_dt_mean["xy"]!, w.W_mean["xy"]!, w.Qflux_mean["xy"]!, w.edge_mean["xy"]!]
                lines.append(values.map { "\($0)" }.joined(separator: ","))
            }
        }
        let path = (directory as NSString).appendingPathComponent("event-\(event)-budget.csv")
        try communicator.agree { if communicator.isRoot { try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path) } }
    }
}
