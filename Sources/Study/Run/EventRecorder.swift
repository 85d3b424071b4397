import Formats
import Foundation
import Parallel
import Particles

/// Plastic events of a sheared run (``RunConfig/Events``): compares each observed state's σ_xy with the
/// remembered previous state's (``StressDropDetector``); at a drop it optionally brackets the onset by
/// bisection (AQS), analyses the two states on the slabs (``PlasticEvent``), writes
/// `event-<k>-before.h5` / `event-<k>-after.h5` (the after file with per-particle `nonaffine_displacement`
/// and `d2min`) and one line of `events.csv`.
///
/// The remembered state is taken after any checkpoint of the same step, and the detector's history
/// travels in the checkpoint (``runState``), so a restarted run finds the same events bit for bit.
final class EventRecorder {
    /// An affine strain step of the given size relaxed by FIRE, returning the relaxed thermo (AQS bisection).
    typealias Relaxation = (ParticleSystem, Double) -> Thermo

    let settings: RunConfig.Events
    let directory: String
    let communicator: Communicator
    private(set) var count = 0
    private var detector: StressDropDetector
    private var previousEnergy = Double.nan
    private var before: ParticleSnapshot?
    private let log: StepLog
    /// The budget through each event (overdamped AQS with `[analysis] scales`).
    let budget: EventBudget?
    /// The local indicators of the state before each event (`[events] predictor_windows`).
    let predictors: EventPredictors?

    static let runStateKeys = ["event_detector", "event_count", "event_previous_energy"]

    /// Collective: checks that the D²_min radius fits the system's box.
    init(settings: RunConfig.Events, directory: String, system: ParticleSystem, budget: EventBudget? = nil,
         predictors: EventPredictors? = nil) throws {
        let d = system.dimension
        self.settings = settings
        self.budget = budget
        self.predictors = predictors
        self.directory = directory
        communicator = system.communicator
        do {
            let smallest = communicator.allreduce(system.diameters.prefix(system.localCount).min() ?? .infinity, .min)
            try PlasticEvent.checkRadius(settings.d2minRadius, box: system.box, potential: system.potential, smallest: smallest,
                                         largest: system.maxDiameter)
        } catch ParticlesError.invalidParameter(_, let value, let expected) {
            throw StudyError.invalidOption(name: "[events] d2min_radius", value: "= \(value)", expected: expected)
        }
        detector = try StressDropDetector(threshold: settings.threshold, relativeThreshold: settings.relativeThreshold,
                                          window: settings.window)
        typealias U = ReducedUnit
        let stress = U.stress(dimension: d)
        log = StepLog(path: (directory as NSString).appendingPathComponent("events.csv"), columns: [
            "event", "strain_before", "strain_after", CSVColumn("delta_sigma_xy", unit: stress), CSVColumn("delta_energy", unit: U.energy),
            CSVColumn("threshold", unit: stress), "participation_ratio",
        ] + ["x", "y", "z"].map { CSVColumn("centroid_\($0)", unit: U.length) } + [
            CSVColumn("radius_of_gyration", unit: U.length), CSVColumn("max_nonaffine", unit: U.length), CSVColumn("max_d2min", unit: "l0^2"),
            "top_ids", "before_file", "after_file", "onset_resolved", CSVColumn("delta_energy_per_particle", unit: U.energy),
        ])
    }

    /// Collective: starts `events.csv` (on restart: keeps its lines up to `step` and takes the
    /// detector's history from the checkpoint's `runState`).
    func begin(restartingAt step: Int?, runState: [String: [Double]]) throws {
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: step) } }
        try budget?.begin(restartingAt: step)
        try predictors?.begin(restartingAt: step)
        if step != nil {
            detector.restore(runState["event_detector"] ?? [])
            count = Int(runState["event_count"]?.first ?? 0)
            previousEnergy = runState["event_previous_energy"]?.first ?? .nan
        }
    }

    /// What a checkpoint must carry for a restart to find the same events.
    var runState: [String: [Double]] {
        ["event_detector": detector.state, "event_count": [Double(count)], "event_previous_energy": [previousEnergy]]
    }

    /// Local: the current state becomes the `before` of the next observation.
    func remember(_ system: ParticleSystem) {
        before = system.localSnapshot()
    }

    /// Collective: observes the current state with its σ_xy and total energy U; on an event (bracketed by
    /// `relax` when given and `[aqs] onset_precision` > 0) analyses and writes it, and measures its budget when asked
    /// (AQS: `strainStep` is δγ, the step replayed). Returns whether it was one.
    @discardableResult
    func observe(_ system: ParticleSystem, stress: Double, energy: Double, time: Double, strainStep: Double = 0, onsetPrecision: Double = 0,
                 relax: Relaxation? = nil) throws -> Bool {
        let limit = detector.currentThreshold, beforeEnergy = previousEnergy, typical = detector.medianIncrement
        let drop = detector.observe(stress)
        previousEnergy = energy
        guard let drop, var lo = before else { return false }
        var hi = system.localSnapshot(), loStress = stress - drop, hiStress = stress
        var loEnergy = beforeEnergy, hiEnergy = energy, resolved = true
        // The relaxation that made `hi`: from which state, by which strain change (the budget replays it, bit for bit).
        // Not the final bracket's: from `lo` by hi − lo the flow may crawl past the saddle-node's ghost below the force
        // tolerance and stop there without the event (seen: ΔU 2e-10 against the event's 7e-3).
        var source = (state: lo, stress: loStress, change: strainStep)
        if let relax, onsetPrecision > 0 {
            // A trial state holds the event when it falls below the elastic continuation of `lo` (the
            // median increment per step as slope) by more than half the step's drop: the bracket closes
            // on the instability that carries most of the drop, not on a small precursor in the same step.
            let whole = (lo: lo, loStress: loStress, loEnergy: loEnergy)
            let after = hi, slope = typical / (hi.strain - lo.strain), cut = max(limit, 0.5 * abs(drop))
            while hi.strain - lo.strain > onsetPrecision {
                system.restore(lo)
                let delta = 0.5 * (hi.strain - lo.strain)
                let trial = relax(system, delta)
                if trial.shearStress - (loStress + slope * delta) < -cut {
                    (hi, hiStress, hiEnergy) = (system.localSnapshot(), trial.shearStress, trial.potentialEnergy)
                    source = (lo, loStress, delta)
                } else {
                    (lo, loStress, loEnergy) = (system.localSnapshot(), trial.shearStress, trial.potentialEnergy)
                }
            }
            system.restore(after)
            // A cascade of pieces each below the threshold can leave a bracket without a drop: then the
            // whole step stands, and `onset_resolved` says so.
            if hiStress - loStress >= -limit {
                (lo, loStress, loEnergy, hi, hiStress, hiEnergy) = (whole.lo, whole.loStress, whole.loEnergy, after, stress, energy)
                source = (whole.lo, whole.loStress, strainStep)
                resolved = false
            }
        }
        count += 1
        let event = try record(lo, hi, step: system.step, potential: system.potential, deltaStress: hiStress - loStress, deltaEnergy: hiEnergy - loEnergy, threshold: limit,
                   resolved: resolved, time: time)
        if let predictors {
            // The state before the step that triggered the event (the bracket's lower end when bisected); then the live one back.
            let live = system.localSnapshot(), step = system.step
            system.restore(lo)
            try predictors.measure(event: count, step: step, core: event.topIds, system: system)
            system.restore(live)
        }
        if let budget {
            // The relaxation that made the event's after state replayed and measured; then the live state back.
            let live = system.localSnapshot()
            try budget.measure(event: count, step: system.step, before: source.state, strainChange: source.change,
                               window: EventWindow(center: event.centroid, width: event.radiusOfGyration), virialBefore: source.stress, system: system)
            system.restore(live)
        }
        return true
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    private func record(_ lo: ParticleSnapshot, _ hi: ParticleSnapshot, step: Int, potential: AnyPairPotential, deltaStress: Double,
                        deltaEnergy: Double, threshold: Double, resolved: Bool, time: Double) throws -> PlasticEvent {
        let event = try PlasticEvent(before: lo, after: hi, potential: potential, d2minRadius: settings.d2minRadius, top: settings.top,
                                     communicator: communicator)
        let names = ["event-\(count)-before.h5", "event-\(count)-after.h5"]
        if settings.snapshots {
            try H5MDSnapshot.write(local: event.before, communicator: communicator, to: path(names[0]), time: time)
            try H5MDSnapshot.write(local: event.after, communicator: communicator, to: path(names[1]), time: time, fields: [
                .init(name: "nonaffine_displacement", width: lo.dimension, values: event.nonAffineDisplacement, unit: ReducedUnit.H5MD.length),
                .init(name: "d2min", width: 1, values: event.d2min, unit: ReducedUnit.H5MD.area),
            ])
        }
        try communicator.agree {
            guard communicator.isRoot else { return }
            let centroid: [Double?] = event.centroid + (event.centroid.count == 2 ? [nil] : [])
            let values = ["\(count)", "\(lo.strain)", "\(hi.strain)", "\(deltaStress)", "\(deltaEnergy)", "\(threshold)",
                          "\(event.participationRatio)"] + centroid.map { $0.map { "\($0)" } ?? "" }
                + ["\(event.radiusOfGyration)", "\(event.maxNonAffine)", "\(event.maxD2min)", event.topIds.map(String.init).joined(separator: " ")]
                + (settings.snapshots ? names : ["", ""]) + [resolved ? "1" : "0", "\(deltaEnergy / Double(event.particles))"]
            try log.append(step: step, values: values)
        }
        return event
    }
}
