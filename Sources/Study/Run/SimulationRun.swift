import Formats
import Foundation
import Parallel
import Particles

/// `stressflux run`: prepare (random placement + FIRE, or an input file), then overdamped Brownian
/// dynamics with thermo, snapshots and checkpoints; or continue from the last checkpoint.
///
/// Files in the output folder: `thermo.csv`, `minimized.h5` (after FIRE), `snapshot-<step>.h5`,
/// `checkpoint.h5`, `final.h5` (+ `final.gsd`, `final.data` on request), `summary.json`; AQS adds
/// `aqs.csv`, sheared runs `events.csv` with `event-<k>-before.h5` / `event-<k>-after.h5`, forced or
/// sheared Brownian runs `velocity_profile.csv`.
public struct SimulationRun {
    public let config: RunConfig
    /// The config file's text, recorded in every output.
    public let configText: String
    /// Folder against which a relative `[system] input` is resolved.
    public let configFolder: String
    public let outputDirectory: String
    public let restart: Bool
    public let quiet: Bool
    public let communicator: Communicator

    public init(config: RunConfig, configText: String, configFolder: String, outputDirectory: String?,
                restart: Bool, quiet: Bool, communicator: Communicator) {
        self.config = config
        self.configText = configText
        self.configFolder = configFolder
        self.outputDirectory = outputDirectory ?? config.output.directory
        self.restart = restart
        self.quiet = quiet
        self.communicator = communicator
    }

    /// What `summary.json` records.
    public struct Summary: Codable, Sendable {
        public var stressflux = BuildInfo.version
        public var ranks: Int
        public var units = H5MDSnapshot.units
        public var particles: Int
        public var dimension: Int
        public var box: [Double]
        public var firstStep: Int
        public var lastStep: Int
        public var wallSeconds: Double
        public var atomStepsPerSecond: Double
        public var rebuilds: Int
        /// Ghost copies per rank at the end (mean over ranks): the halo traffic of every step.
        public var ghostsPerRank: Double
        public var fire: FIREMinimizer.Result?
        /// Plastic events detected so far (sheared runs with `[events] enabled`).
        public var events: Int?
        public var finalThermo: Thermo
        /// Where the loop's `wallSeconds` went, min/mean/max over ranks (also in `timers.csv`).
        public var timers: PhaseTimers.Breakdown
        /// Wall seconds of the analyses in line (`[analysis]`, slowest rank; inside `wallSeconds`, most of it in `other`).
        public var analysisSeconds: Double?
        public var config: RunConfig
    }

    /// The most particles gathered on rank 0 for the single-writer formats (GSD, LAMMPS data): about
    /// 0.5 GB of rows there.
    public static let maxGatheredParticles = 8_000_000

    private func path(_ name: String) -> String { (outputDirectory as NSString).appendingPathComponent(name) }
    private func say(_ line: String) { if communicator.isRoot && !quiet { Console.line(line) } }

    /// Collective: the whole run. Returns the summary on every rank.
    @discardableResult
    public func run() throws -> Summary {
        try communicator.agree {
            guard communicator.isRoot else { return }
            do { try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
                throw FormatError.write(path: outputDirectory, reason: error.localizedDescription)
            }
        }
        // Each rank reads (or makes) its block of the starting configuration, which goes to the slabs' owners.
        let system = try ParticleSystem(block: try startingBlock(),
                                        potential: config.potential.kind.potential(epsilon: config.potential.epsilon),
                                        skin: config.potential.skin, communicator: communicator)
        let gathered = config.output.formats.filter(\.isGathered)
        if !gathered.isEmpty && system.totalCount > Self.maxGatheredParticles {
            throw StudyError.invalidOption(
                name: "[output] formats", value: "= \(gathered.map(\.rawValue))",
                expected: "these are written by rank 0 from all \(system.totalCount) particles, more than the limit "
                    + "\(Self.maxGatheredParticles); keep only \"h5md\", which every rank writes in parallel")
        }
        say("StressFlux \(BuildInfo.version): \(system.totalCount) particles, \(system.dimension)D box "
            + system.box.map { String(format: "%.6g", $0) }.joined(separator: " x ") + ", \(communicator.size) rank(s), "
            + (restart ? "restarting at step \(system.step)" : "starting at step \(system.step)"))
        var fire: FIREMinimizer.Result?
        if !restart && config.minimize.enabled {
            let minimizer = try FIREMinimizer(forceTolerance: config.minimize.forceTolerance, maxIterations: config.minimize.maxIterations)
            let result = minimizer.minimize(system) { iteration, fmax in
                say("FIRE iteration \(iteration): max|F| = \(String(format: "%.3e", fmax))")
            }
            say("FIRE: \(result.iterations) iterations, max|F| = \(String(format: "%.3e", result.maxForce)) "
                + (result.converged ? "(converged)" : "(iteration cap \(config.minimize.maxIterations) reached before the tolerance \(config.minimize.forceTolerance))")
                + ", U/N = \(String(format: "%.6e", result.energyPerParticle))")
            system.computeForces(thermo: true, perParticleVirials: true)
            try H5MDSnapshot.write(system, to: path("minimized.h5"), time: 0, includeForces: true, config: configText)
            fire = result
        }
        let dynamics = try BrownianDynamics(timeStep: config.dynamics.dt, temperature: config.dynamics.temperature,
                                            noise: config.dynamics.noise, seed: config.dynamics.seed,
                                            shearRate: config.shear.rate,
                                            forcing: try config.forcing.forcing(dimension: system.dimension))
        let log = ThermoLog(path: path("thermo.csv"), dimension: system.dimension, temperature: config.dynamics.temperature)
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: restart ? system.step : nil) } }
        // AQS (physics.md §1.5c) replaces the dynamics: a step is an affine strain step relaxed by FIRE or the overdamped flow,
        // one line of aqs.csv each.
        let aqs = config.aqs.enabled
            ? try AQSDriver(strainStep: config.aqs.step, relaxation: config.aqs.relaxer()) : nil
        let d = system.dimension
        let aqsLog = AQSLog(path: path("aqs.csv"), dimension: d)
        if aqs != nil {
            try communicator.agree { if communicator.isRoot { try aqsLog.begin(restartingAt: restart ? system.step : nil) } }
        }
        let firstStep = system.step, steps = aqs != nil ? config.aqs.steps : config.dynamics.steps, output = config.output
        // AQS has no time: its steps are strain steps (thermo.csv leaves the column empty, H5MD writes 0).
        let time = { aqs == nil ? Double(system.step) * config.dynamics.dt : 0 }
        let profile = aqs == nil && (config.forcing.enabled || config.shear.rate != 0) && output.profileBins > 0
            ? VelocityProfile(bins: output.profileBins, dimension: d, forcing: dynamics.forcing, shearRate: config.shear.rate) : nil
        /// A thermo line (and a profile sample) from forces just evaluated.
        func thermoLine(_ thermo: Thermo) throws {
            profile?.sample(system, time: time())
            try system.timers.time(.io) {
                try communicator.agree { if communicator.isRoot { try log.append(thermo, time: aqs == nil ? time() : nil, strain: system.strain) } }
            }
        }
        let sheared = aqs != nil || config.shear.rate != 0
        // Plastic events: AQS observes every step, Brownian shear every `[events] every` steps.
        // Overdamped AQS with [analysis] scales, or Brownian shear with [events] budget: the budget through each event
        // (physics.md §5.7).
        // An AQS step's relaxation of a given strain change (the bisection of an event's onset, the predictors' trial strain).
        let relax: EventRecorder.Relaxation? = aqs.map { aqs in { system, delta in aqs.relax(system, by: delta) { _ in }.0 } }
        let budget = config.analysesEvents
            ? try communicator.agree { try EventBudget(settings: config.analysis, samples: config.events.samples,
                                                       dynamics: aqs.map { .aqs($0) } ?? .brownian(dynamics), system: system,
                                                       directory: outputDirectory) } : nil
        // Local indicators of the state before each event, on windows tiling the box (physics.md §6.4).
        let predictors = sheared && config.events.enabled && !config.events.predictorWindows.isEmpty
            ? try communicator.agree {
                try EventPredictors(windows: config.events.predictorWindows, analysis: config.analysis, trial: relax.map {
                    EventPredictors.TrialStrain(step: config.aqs.step, onsetPrecision: config.aqs.onsetPrecision, d2minRadius: config.events.d2minRadius,
                                                relax: $0)
                }, system: system, directory: outputDirectory)
            } : nil
        let events = sheared && config.events.enabled
            ? try EventRecorder(settings: config.events, directory: outputDirectory, system: system, budget: budget, predictors: predictors) : nil
        let eventEvery = aqs != nil ? 1 : config.events.every > 0 ? config.events.every : max(output.thermoEvery, 1)
        let inline = config.analysis.enabled
            ? try communicator.agree { try InlineAnalysis(settings: config.analysis, system: system, directory: outputDirectory) } : nil
        try inline?.begin(restartingAt: restart ? system.step : nil)
        var analysisSeconds = 0.0
        /// The analysis in line at this step, when due (before a checkpoint, which a restart continues after).
        func analyse() throws {
            guard let inline, system.step % config.analysis.every == 0 else { return }
            let start = PhaseTimers.now()
            let rows = try inline.measure(system, velocities: dynamics.nonAffineDrift, time: time())
            analysisSeconds += communicator.allreduce(PhaseTimers.now() - start, .max)
            say("analysis at step \(system.step): ⟨Q^flux_xy⟩ = " + rows.map { String(format: "%.4g", $0.Qflux_mean["xy"]!) }.joined(separator: ", ")
                + " at ℓ = " + rows.map { String(format: "%g", $0.ell) }.joined(separator: ", ") + String(format: " (%.3g s)", rows.reduce(0) { $0 + $1.seconds }))
        }
        var runState: [String: [Double]] = [:]
        if restart {
            try communicator.agree {
                runState = try H5MDSnapshot.readRunState(path: path("checkpoint.h5"), keys: EventRecorder.runStateKeys + [VelocityProfile.runStateKey])
            }
        }
        try events?.begin(restartingAt: restart ? system.step : nil, runState: runState)
        profile?.restore(runState, communicator: communicator)
        if !restart {
            let thermo = system.computeForces(thermo: true)!
            try thermoLine(thermo)
            try events?.observe(system, stress: thermo.shearStress, energy: thermo.potentialEnergy, time: time())
            try analyse()
        }
        /// The state a Brownian event's budget replays from is remembered on fresh lists, as the replay starts (the lists'
        /// rounding is part of the path).
        func remember() {
            if budget != nil && aqs == nil { system.rebuild() }
            events?.remember(system)
        }
        remember()
        var progress = ProgressLine(label: aqs != nil ? "aqs" : "run", from: firstStep, total: steps, atoms: system.totalCount,
                                    enabled: communicator.isRoot && !quiet)
        // The breakdown covers the loop, as wallSeconds and atom-steps/s do, on the timers' clock.
        let clock = PhaseTimers.now()
        system.timers.reset()
        while system.step < steps {
            var thermo: Thermo?
            if let aqs {
                let r = aqs.step(system)
                try system.timers.time(.io) {
                    try communicator.agree { if communicator.isRoot { try aqsLog.append(r) } }
                }
                try events?.observe(system, stress: r.shearStress, energy: r.potentialEnergy, time: time(),
                                    strainStep: config.aqs.step, onsetPrecision: config.aqs.onsetPrecision, relax: relax)
            } else {
                dynamics.step(system)
                if events != nil && system.step % eventEvery == 0 {
                    thermo = system.computeForces(thermo: true)!
                    try events?.observe(system, stress: thermo!.shearStress, energy: thermo!.potentialEnergy, time: time())
                }
            }
            let n = system.step
            if n == steps || (output.thermoEvery > 0 && n % output.thermoEvery == 0) {
                try thermoLine(thermo ?? system.computeForces(thermo: true)!)
            }
            if output.snapshotEvery > 0 && n % output.snapshotEvery == 0 {
                system.computeForces(thermo: true, perParticleVirials: true)
                try system.timers.time(.io) {
                    try H5MDSnapshot.write(system, to: path("snapshot-\(n).h5"), time: time(), includeForces: true, config: configText)
                }
            }
            try analyse()
            if output.checkpointEvery > 0 && n % output.checkpointEvery == 0 {
                system.rebuild()  // positions wrapped now, exactly as a restart will find them
                let runState = (events?.runState ?? [:]).merging(profile?.runState(communicator) ?? [:]) { a, _ in a }
                try system.timers.time(.io) {
                    try H5MDSnapshot.write(system, to: path("checkpoint.h5"), time: time(), includeForces: false, config: configText,
                                           runState: runState)
                }
            }
            if n % eventEvery == 0 { remember() }  // after the checkpoint: as a restart remembers it
            progress.update(step: n, strain: sheared ? system.strain : nil, events: events?.count)
        }
        let wall = PhaseTimers.now() - clock
        let timers = system.timers.reduced(wallSeconds: wall, on: communicator)
        progress.update(step: system.step, strain: sheared ? system.strain : nil, events: events?.count, force: firstStep < steps)
        let final = system.computeForces(thermo: true, perParticleVirials: true)!
        try writeFinal(system, time: time())
        try profile?.write(to: path("velocity_profile.csv"), height: system.box[1], communicator: communicator)
        let summary = Summary(ranks: communicator.size, particles: system.totalCount, dimension: system.dimension, box: system.box,
                              firstStep: firstStep, lastStep: system.step, wallSeconds: wall,
                              atomStepsPerSecond: wall > 0 ? Double(system.totalCount * (system.step - firstStep)) / wall : 0,
                              rebuilds: system.rebuilds,
                              ghostsPerRank: communicator.allreduce(Double(system.ghostCount), .sum) / Double(communicator.size),
                              fire: fire, events: events?.count, finalThermo: final, timers: timers,
                              analysisSeconds: inline == nil ? nil : analysisSeconds, config: config)
        if predictors != nil {
            let statistics = try communicator.agree { communicator.isRoot ? try PredictorStatistics(files: [path(EventPredictors.file)]) : nil }
            try communicator.agree { try statistics?.write(to: outputDirectory) }
        }
        try communicator.agree {
            guard communicator.isRoot else { return }
            try JSONReport.write(summary, to: path("summary.json"))
            try AtomicFile.write(timers.csv, to: path("timers.csv"))
        }
        timers.lines.forEach(say)
        say("done: step \(system.step), U/N = \(String(format: "%.6e", final.energyPerParticle)), "
            + "P = \(String(format: "%.6e", final.pressure(temperature: config.dynamics.temperature))), "
            + (system.strain != 0 ? "strain \(String(format: "%.6g", system.strain)), " : "")
            + (events.map { "\($0.count) plastic event(s), " } ?? "")
            + "\(String(format: "%.3g", summary.atomStepsPerSecond)) atom-steps/s; outputs in \(outputDirectory)")
        return summary
    }

    /// Collective: this rank's block of the checkpoint, the input file or a random packing (each rank places its own
    /// ids from the seed).
    private func startingBlock() throws -> ParticleSnapshot {
        let rank = communicator.rank, size = communicator.size
        if restart {
            let checkpoint = path("checkpoint.h5")
            return try communicator.agree {
                guard FileManager.default.fileExists(atPath: checkpoint) else {
                    throw StudyError.invalidOption(name: "--restart", value: "", expected: "no checkpoint.h5 in \(outputDirectory), run without --restart first (with [output] checkpoint_every > 0)")
                }
                return try H5MDSnapshot.read(path: checkpoint, block: rank, of: size, communicator: communicator)
            }
        }
        if let input = config.system.input {
            let resolved = input.hasPrefix("/") ? input : (configFolder as NSString).appendingPathComponent(input)
            var block = try SnapshotFormat.readBlock(resolved, dimension: config.system.dimension, typeDiameters: config.system.typeDiameters,
                                                     communicator: communicator)
            block.step = 0  // a new run: the file's own step counter belongs to the run that wrote it
            return block
        }
        return try communicator.agree {
            try RandomPacking.make(dimension: config.system.dimension, count: config.system.particles, packingFraction: config.system.packingFraction,
                                   mixture: config.system.mixture, seed: config.system.seed, block: rank, of: size)
        }
    }

    /// Collective: `final.h5` (forces and per-particle virials included) and the other requested formats.
    private func writeFinal(_ system: ParticleSystem, time: Double) throws {
        if config.output.formats.contains(.h5md) {
            try H5MDSnapshot.write(system, to: path("final.h5"), time: time, includeForces: true, config: configText)
        }
        // Single-writer formats need every particle on rank 0; without them no rank ever holds them all.
        guard config.output.formats.contains(where: \.isGathered) else { return }
        let gathered = system.gatherSnapshot()
        try communicator.agree {
            guard let gathered else { return }
            for format in config.output.formats where format.isGathered { try format.writeGathered(gathered, stem: path("final")) }
        }
    }
}
