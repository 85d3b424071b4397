import Fields
import Formats
import Foundation
import Particles
import TOMLKit

/// The simulation config of `stressflux run CONFIG.toml` (sections `[system]`, `[potential]`,
/// `[dynamics]`, `[shear]`, `[aqs]`, `[forcing]`, `[events]`, `[minimize]`, `[output]`, `[analysis]`; every key optional, defaults below). Units: physics.md §1.2.
/// Later studies add sections; unknown sections and keys are rejected so typos never pass silently.
public struct RunConfig: Sendable, Codable, Equatable {
    public struct System: Sendable, Codable, Equatable {
        public var dimension = 2
        public var particles = 1000
        /// φ = Σ_i v_d (d_i/2)^d / |Ω| (physics.md §1.4).
        public var packingFraction = 0.9
        public var mixture = Mixture.bidisperse
        /// Seed of the random placement.
        public var seed: UInt64 = 1
        /// A starting configuration instead of random placement: H5MD (`.h5`), GSD (`.gsd`) or a LAMMPS
        /// data file (`.data`, `.lmp`); relative to the config file's folder.
        public var input: String?
        /// Diameters of LAMMPS atom types (atom_style atomic), e.g. [1.0, 1.4] for types 1 and 2.
        public var typeDiameters = [1.0, 1.4]
    }

    public struct Potential: Sendable, Codable, Equatable {
        public var kind = PotentialKind.harmonic
        public var epsilon = 1.0
        /// Verlet skin in ℓ₀.
        public var skin = 0.3
    }

    public struct Dynamics: Sendable, Codable, Equatable {
        /// Δt in ℓ₀²/(μV₀).
        public var dt = 0.01
        public var steps = 1000
        /// T_v = k_B T / V₀.
        public var temperature = 1e-4
        public var noise = NoiseDistribution.gaussian
        /// Seed of the Brownian noise.
        public var seed: UInt64 = 2
    }

    /// Simple shear with Lees–Edwards boundaries (physics.md §1.5b): flow along x, gradient along y.
    public struct Shear: Sendable, Codable, Equatable {
        /// γ̇ in μV₀/ℓ₀²: the affine drift γ̇ (y − L_y/2) e_x of the overdamped dynamics; 0: no shear.
        public var rate = 0.0
    }

    /// Athermal quasistatic shear (physics.md §1.5c) instead of Brownian dynamics: affine steps of
    /// `step` under Lees–Edwards images, each relaxed by FIRE, up to `maxStrain`.
    public struct AQS: Sendable, Codable, Equatable {
        /// δγ; 0: no AQS.
        public var step = 0.0
        public var maxStrain = 0.1
        public var forceTolerance = 1e-10
        public var maxIterations = 20_000
        /// Bisect δγ around each detected event until its onset strain is bracketed to this width; 0: off.
        public var onsetPrecision = 0.0
        /// How each step is relaxed: FIRE, or the model's overdamped flow dx/dt = F (physics.md §5.7).
        public var relaxation = Relaxation.fire
        /// Overdamped flow: the largest local error of an integration step relative to its displacement.
        public var stepTolerance = 1e-2
        /// The default `stepTolerance` when the budget is measured through each event (``EventBudget``), where the analysis
        /// costs far more than the relaxation: a more accurate path for its budget. The box budget's closure sits at a floor
        /// of a few 1e-4 that does not fall steadily with the tolerance (N = 1024, ℓ = 1…8: 1e-4–4e-4 at 1e-3 and 3e-3,
        /// 3e-4 and, for one event, 1.3e-3 at 1e-2).
        public static let eventBudgetStepTolerance = 3e-3
        public var enabled: Bool { step != 0 }

        public enum Relaxation: String, Sendable, Codable, CaseIterable {
            case fire, overdamped
        }

        /// The relaxation these settings describe.
        public func relaxer() throws -> AQSDriver.Relaxation {
            switch relaxation {
            case .fire: .fire(try FIREMinimizer(forceTolerance: forceTolerance, maxIterations: maxIterations))
            case .overdamped: .overdamped(try OverdampedRelaxation(forceTolerance: forceTolerance, maxSteps: maxIterations,
                                                                   stepTolerance: stepTolerance))
            }
        }
        /// AQS steps to reach `maxStrain`.
        public var steps: Int { enabled ? Int((maxStrain / step - 1e-9).rounded(.up)) : 0 }
    }

    /// A large-scale body force in the dynamics (physics.md §1.5a): the Kolmogorov preset
    /// F₀ sin(2π n y/L_y) e_x (`amplitude`, `mode`) and/or any Fourier modes (``FourierForcing``).
    public struct Forcing: Sendable, Codable, Equatable {
        /// F₀ in V₀/ℓ₀; 0: no Kolmogorov term.
        public var amplitude = 0.0
        /// n, a whole number of periods along y.
        public var mode = 1.0
        /// f_a = F cos(2π Σ_b n_b x_b/L_b − ω t + φ) each.
        public var modes: [FourierForcing.Mode] = []
        public var enabled: Bool { amplitude != 0 || !modes.isEmpty }

        public init() {}

        /// `[forcing]` of a config (`run`'s and `dean`'s).
        init(_ root: TOMLTable) throws {
            var t = try ConfigTable(root, section: "forcing")
            amplitude = try t.double("amplitude", default: amplitude)
            mode = try t.double("mode", default: mode)
            for (k, table) in try t.tables("modes").enumerated() {
                var m = ConfigTable(table, label: "[forcing] modes[\(k)]")
                let component = try m.string("component", default: "x")!
                guard let axis = ["x", "y", "z"].firstIndex(of: component) else {
                    throw StudyError.invalidOption(name: "[forcing] modes[\(k)] component", value: "\"\(component)\"", expected: "must be \"x\", \"y\" or \"z\"")
                }
                let wavevector = try m.doubles("wavevector", default: []).map {
                    try FourierForcing.periods($0, name: "[forcing] modes[\(k)] wavevector")
                }
                modes.append(FourierForcing.Mode(
                    component: axis, amplitude: try m.double("amplitude", default: 0), wavevector: wavevector,
                    phase: try m.double("phase", default: 0), frequency: try m.double("frequency", default: 0)))
                try m.finish()
            }
            try t.finish()
        }

        /// The body force of these settings in `dimension`, or nil.
        public func forcing(dimension: Int) throws -> FourierForcing? {
            guard enabled else { return nil }
            let preset = amplitude != 0 ? try FourierForcing.kolmogorov(amplitude: amplitude, mode: mode, dimension: dimension).modes : []
            return try FourierForcing(modes: preset + modes, dimension: dimension)
        }
    }

    /// Plastic-event detection in sheared runs (AQS or a shear rate): a drop of σ_xy between observed
    /// states beyond max(threshold, relative_threshold × the fluctuation level of the last `window`
    /// increments) is an event (``StressDropDetector``), analysed by ``PlasticEvent``.
    public struct Events: Sendable, Codable, Equatable {
        public var enabled = true
        /// Absolute drop in V₀/ℓ₀^d (physics.md §1.5c: 10⁻⁶ typical).
        public var threshold = 1e-6
        /// Multiple of the robust standard deviation of recent increments.
        public var relativeThreshold = 5.0
        public var window = 50
        /// Brownian shear: steps between observed states; 0: every thermo line. (AQS observes every step.)
        public var every = 0
        /// Neighbour radius of D²_min, ℓ₀.
        public var d2minRadius = 2.5
        /// How many of the most displaced particles `events.csv` names.
        public var top = 10
        /// Write `event-<k>-before.h5` and `event-<k>-after.h5`.
        public var snapshots = true
        /// Overdamped AQS with `[analysis] scales`: states analysed along each event's relaxation (physics.md §5.7).
        public var samples = 40
        /// Measure the budget through each event (physics.md §5.7): nil = yes for AQS with `[analysis] scales`, no for
        /// Brownian shear; true in Brownian shear replays the steps between the observations around each drop.
        public var budget: Bool?
        /// Sides a (ℓ₀) of the windows that tile the box for the predictors of each event (physics.md §6.4,
        /// ``EventPredictors``); empty: none.
        public var predictorWindows: [Double] = []
    }

    /// The stress budget measured in line, on the running system's own slabs (``InlineAnalysis``, physics.md §4–6):
    /// every `every` steps one row of `budget.csv` per scale, and every `fieldsEvery` steps the fields.
    public struct Analysis: Sendable, Codable, Equatable {
        /// Scales ℓ in ℓ₀, increasing; empty: no analysis.
        public var scales: [Double] = []
        /// `gauss`, `bump<n>` or `mollifier` (physics.md §3.1).
        public var kernel = "gauss"
        /// ℓ/h of each scale's own grid, or (instead) `grid`: points along x, y[, z] for every scale.
        public var pointsPerEll: Double?
        public var grid: [Int]?
        /// `quadrature` (every field, norms and RMS, physics.md §3.5) or `averages` (box means, §3.7a).
        public var route = BudgetAnalysis.Route.quadrature
        /// Steps between analyses; 0: none (1000 when the section is present and does not say).
        public var every = 0
        /// Steps between the fields `analysis-<step>.h5` + `.xmf`; 0: none.
        public var fieldsEvery = 0
        /// Means conditioned on a region, as `analyze --region` takes it.
        public var region: String?
        /// Accept grids below ℓ/h = 3 (``ResolutionFloor``).
        public var allowCoarseGrid = false
        public var enabled: Bool { every > 0 }

        /// How the plan's messages name these keys.
        static let names = MeasurementPlan.Names(scales: "[analysis] scales", grid: "[analysis] grid", pointsPerEll: "[analysis] points_per_ell",
                                                 allowCoarseGrid: "[analysis] allow_coarse_grid")

        /// The measurement plan of these settings in `box` over `ranks` slabs, by `route` (errors name the keys).
        func plan(box: [Double], ranks: Int, route: BudgetAnalysis.Route, region: AnalysisRegion?) throws -> MeasurementPlan {
            try MeasurementPlan(scales: scales, grid: grid, pointsPerEll: pointsPerEll,
                                kernel: try KernelChoice.kernel(named: kernel, dimension: box.count, field: "[analysis] kernel"), route: route,
                                region: region, allowCoarseGrid: allowCoarseGrid, box: box, ranks: ranks, names: Self.names)
        }
    }

    public struct Minimize: Sendable, Codable, Equatable {
        /// FIRE before the dynamics (skipped on restart).
        public var enabled = true
        public var forceTolerance = 1e-10
        public var maxIterations = 20_000
    }

    public struct Output: Sendable, Codable, Equatable {
        public var directory = "out"
        /// Steps between thermo lines (thermo.csv); 0: first and last only.
        public var thermoEvery = 100
        /// Steps between snapshots `snapshot-<step>.h5`; 0: none besides the final one.
        public var snapshotEvery = 0
        /// Steps between checkpoints (`checkpoint.h5`); 0: none. A neighbour-list rebuild is forced at
        /// each checkpoint step so that a restart continues bit for bit.
        public var checkpointEvery = 0
        /// Slabs along y of `velocity_profile.csv` (forced or sheared Brownian runs); 0: no profile.
        public var profileBins = 32
        /// Formats of the final snapshot: `final.h5` (H5MD), `final.gsd`, `final.data` (LAMMPS).
        public var formats: [SnapshotFormat] = [.h5md]
    }

    public var system = System()
    public var potential = Potential()
    public var dynamics = Dynamics()
    public var shear = Shear()
    public var aqs = AQS()
    public var forcing = Forcing()
    public var events = Events()
    public var minimize = Minimize()
    public var output = Output()
    public var analysis = Analysis()

    public init() {}

    /// Parses and validates TOML text; `source` names the file in error messages.
    public init(toml text: String, source: String) throws {
        let root = try Self.table(toml: text, source: source)
        let sections = ["system", "potential", "dynamics", "shear", "aqs", "forcing", "events", "minimize", "output", "analysis"]
        if let unknown = root.keys.sorted().first(where: { !sections.contains($0) }) {
            throw StudyError.invalidOption(name: "[\(unknown)]", value: "", expected: "unknown section, valid sections are "
                                           + sections.map { "[\($0)]" }.joined(separator: ", "))
        }
        var c = RunConfig()
        var t = try ConfigTable(root, section: "system")
        c.system.dimension = try t.int("dimension", default: c.system.dimension)
        c.system.particles = try t.int("particles", default: c.system.particles)
        c.system.packingFraction = try t.double("packing_fraction", default: c.system.packingFraction)
        c.system.mixture = try t.choice("mixture", default: c.system.mixture)
        c.system.seed = try t.seed("seed", default: c.system.seed)
        c.system.input = try t.string("input", default: nil)
        c.system.typeDiameters = try t.doubles("type_diameters", default: c.system.typeDiameters)
        try t.finish()
        t = try ConfigTable(root, section: "potential")
        c.potential.kind = try t.choice("kind", default: c.potential.kind)
        c.potential.epsilon = try t.double("epsilon", default: c.potential.epsilon)
        c.potential.skin = try t.double("skin", default: c.potential.skin)
        try t.finish()
        t = try ConfigTable(root, section: "dynamics")
        c.dynamics.dt = try t.double("dt", default: c.dynamics.dt)
        c.dynamics.steps = try t.int("steps", default: c.dynamics.steps)
        c.dynamics.temperature = try t.double("temperature", default: c.dynamics.temperature)
        c.dynamics.noise = try t.choice("noise", default: c.dynamics.noise)
        c.dynamics.seed = try t.seed("seed", default: c.dynamics.seed)
        try t.finish()
        t = try ConfigTable(root, section: "shear")
        c.shear.rate = try t.double("rate", default: c.shear.rate)
        try t.finish()
        t = try ConfigTable(root, section: "aqs")
        c.aqs.step = try t.double("step", default: c.aqs.step)
        c.aqs.maxStrain = try t.double("max_strain", default: c.aqs.maxStrain)
        c.aqs.forceTolerance = try t.double("force_tolerance", default: c.aqs.forceTolerance)
        c.aqs.maxIterations = try t.int("max_iterations", default: c.aqs.maxIterations)
        c.aqs.onsetPrecision = try t.double("onset_precision", default: c.aqs.onsetPrecision)
        c.aqs.relaxation = try t.choice("relaxation", default: c.aqs.relaxation)
        let toleranceGiven = t.has("step_tolerance")
        c.aqs.stepTolerance = try t.double("step_tolerance", default: c.aqs.stepTolerance)
        if toleranceGiven && c.aqs.relaxation != .overdamped {
            throw StudyError.invalidOption(name: "[aqs] step_tolerance", value: "", expected: "applies to relaxation = \"overdamped\" only: set it or remove step_tolerance")
        }
        try t.finish()
        c.forcing = try Forcing(root)
        t = try ConfigTable(root, section: "events")
        c.events.enabled = try t.bool("enabled", default: c.events.enabled)
        c.events.threshold = try t.double("threshold", default: c.events.threshold)
        c.events.relativeThreshold = try t.double("relative_threshold", default: c.events.relativeThreshold)
        c.events.window = try t.int("window", default: c.events.window)
        c.events.every = try t.int("every", default: c.events.every)
        c.events.d2minRadius = try t.double("d2min_radius", default: c.events.d2minRadius)
        c.events.top = try t.int("top", default: c.events.top)
        c.events.snapshots = try t.bool("snapshots", default: c.events.snapshots)
        c.events.samples = try t.int("samples", default: c.events.samples)
        c.events.budget = t.has("budget") ? try t.bool("budget", default: false) : nil
        c.events.predictorWindows = try t.doubles("predictor_windows", default: c.events.predictorWindows)
        try t.finish()
        t = try ConfigTable(root, section: "minimize")
        c.minimize.enabled = try t.bool("enabled", default: c.minimize.enabled)
        c.minimize.forceTolerance = try t.double("force_tolerance", default: c.minimize.forceTolerance)
        c.minimize.maxIterations = try t.int("max_iterations", default: c.minimize.maxIterations)
        try t.finish()
        t = try ConfigTable(root, section: "output")
        c.output.directory = try t.string("directory", default: c.output.directory)!
        c.output.thermoEvery = try t.int("thermo_every", default: c.output.thermoEvery)
        c.output.snapshotEvery = try t.int("snapshot_every", default: c.output.snapshotEvery)
        c.output.checkpointEvery = try t.int("checkpoint_every", default: c.output.checkpointEvery)
        c.output.formats = try t.strings("formats", default: c.output.formats.map(\.rawValue)).map { name in
            guard let format = SnapshotFormat(rawValue: name) else {
                throw StudyError.invalidOption(name: "[output] formats", value: "= \"\(name)\"", expected: "formats are \(SnapshotFormat.listing)")
            }
            return format
        }
        c.output.profileBins = try t.int("profile_bins", default: c.output.profileBins)
        try t.finish()
        t = try ConfigTable(root, section: "analysis")
        c.analysis.scales = try t.doubles("scales", default: c.analysis.scales)
        c.analysis.kernel = try t.string("kernel", default: c.analysis.kernel)!
        c.analysis.grid = try t.ints("grid", repeated: c.system.dimension, default: nil)
        let perEll = try t.double("points_per_ell", default: .nan)
        c.analysis.pointsPerEll = perEll.isNaN ? (c.analysis.grid == nil ? 5 : nil) : perEll
        c.analysis.route = try t.choice("route", default: c.analysis.route)
        // A section that names scales measures every 1000 steps unless told otherwise; without the section, nothing. AQS
        // measures the overdamped relaxation of each event instead (``EventBudget``), and has no step to repeat it at.
        if c.aqs.enabled, let key = ["every", "fields_every", "region"].first(where: t.has) {
            throw StudyError.invalidOption(name: "[analysis] \(key)", value: "",
                                           expected: "applies to Brownian runs: AQS measures the budget through each plastic event, remove \(key)")
        }
        c.analysis.every = try t.int("every", default: root.contains(key: "analysis") && !c.aqs.enabled ? 1000 : 0)
        c.analysis.fieldsEvery = try t.int("fields_every", default: c.analysis.fieldsEvery)
        c.analysis.region = try t.string("region", default: nil)
        c.analysis.allowCoarseGrid = try t.bool("allow_coarse_grid", default: c.analysis.allowCoarseGrid)
        try t.finish()
        if c.analysesEvents && c.aqs.enabled && !toleranceGiven { c.aqs.stepTolerance = AQS.eventBudgetStepTolerance }
        try c.validate()
        self = c
    }

    /// The TOML document `text`; a syntax error names `source` and the line.
    static func table(toml text: String, source: String) throws -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw StudyError.invalidOption(name: source, value: "line \(error.source.begin.line)",
                                           expected: "not valid TOML (\(error.description)), fix the syntax there")
        }
    }

    /// Reads and validates a config file.
    public init(contentsOf path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StudyError.invalidOption(name: "config", value: path, expected: "cannot be read, check the path")
        }
        try self.init(toml: text, source: path)
    }

    /// Whether the budget is measured through each plastic event (``EventBudget``): of an overdamped AQS run with
    /// `[analysis] scales`, or of Brownian shear with `[events] budget = true`.
    public var analysesEvents: Bool { events.budget ?? (aqs.enabled && !analysis.scales.isEmpty) }

    /// Checks every value before any collective work starts.
    public func validate() throws {
        func bad(_ field: String, _ value: Any, _ expected: String) -> StudyError {
            .invalidOption(name: field, value: "= \(value)", expected: expected)
        }
        guard [2, 3].contains(system.dimension) else { throw bad("[system] dimension", system.dimension, "must be 2 or 3") }
        guard system.particles >= 1 else { throw bad("[system] particles", system.particles, "must be at least 1") }
        guard system.packingFraction > 0, system.packingFraction < 1 else {
            throw bad("[system] packing_fraction", system.packingFraction, "must lie strictly between 0 and 1 (0.90 in 2D and 0.70 in 3D are jammed)")
        }
        guard system.typeDiameters.allSatisfy({ $0 > 0 }), !system.typeDiameters.isEmpty else {
            throw bad("[system] type_diameters", system.typeDiameters, "must be positive numbers, one per LAMMPS atom type")
        }
        guard potential.epsilon >= 0, potential.epsilon.isFinite else { throw bad("[potential] epsilon", potential.epsilon, "must be zero or positive") }
        guard potential.skin >= 0, potential.skin.isFinite else { throw bad("[potential] skin", potential.skin, "must be zero or positive, 0.3 is typical") }
        guard dynamics.dt > 0, dynamics.dt.isFinite else { throw bad("[dynamics] dt", dynamics.dt, "the time step must be positive, 0.01 is typical") }
        guard dynamics.steps >= 0 else { throw bad("[dynamics] steps", dynamics.steps, "must be zero or positive") }
        guard dynamics.temperature >= 0, dynamics.temperature.isFinite else {
            throw bad("[dynamics] temperature", dynamics.temperature, "T_v must be zero or positive")
        }
        guard shear.rate.isFinite else { throw bad("[shear] rate", shear.rate, "must be a finite number (0: no shear)") }
        if aqs.enabled {
            guard aqs.step > 0, aqs.step.isFinite else { throw bad("[aqs] step", aqs.step, "the strain step must be positive, 1e-4 is typical") }
            guard shear.rate == 0 else {
                throw bad("[shear] rate", shear.rate, "AQS ([aqs] step) and a shear rate are two drives: set rate = 0 or remove [aqs] step")
            }
            guard aqs.maxStrain > 0, aqs.maxStrain.isFinite else { throw bad("[aqs] max_strain", aqs.maxStrain, "must be positive") }
            guard aqs.forceTolerance > 0 else { throw bad("[aqs] force_tolerance", aqs.forceTolerance, "must be positive") }
            guard aqs.maxIterations > 0 else { throw bad("[aqs] max_iterations", aqs.maxIterations, "must be positive") }
            guard aqs.onsetPrecision >= 0, aqs.onsetPrecision < aqs.step else {
                throw bad("[aqs] onset_precision", aqs.onsetPrecision, "must be 0 (no bisection) or positive and below [aqs] step = \(aqs.step)")
            }
            guard aqs.stepTolerance > 0, aqs.stepTolerance < 1 else {
                throw bad("[aqs] step_tolerance", aqs.stepTolerance, "the local error relative to the step must be in (0, 1), 0.01 is the default")
            }
        }
        if aqs.relaxation == .overdamped && !aqs.enabled {
            throw bad("[aqs] relaxation", "overdamped", "relaxes AQS steps: give [aqs] step too, or remove relaxation")
        }
        if forcing.enabled {
            _ = try BrownianDynamics(timeStep: 1, temperature: 0, seed: 0, shearRate: shear.rate,
                                     forcing: forcing.forcing(dimension: system.dimension))  // whole modes, periodic under shear
            guard !aqs.enabled else { throw bad("[forcing] amplitude", forcing.amplitude, "AQS has no dynamics to force: remove [aqs] step and the forcing") }
        }
        _ = try StressDropDetector(threshold: events.threshold, relativeThreshold: events.relativeThreshold, window: events.window)
        guard events.every >= 0 else { throw bad("[events] every", events.every, "must be zero (every thermo line) or a positive number of steps") }
        guard events.d2minRadius > 0, events.d2minRadius.isFinite else { throw bad("[events] d2min_radius", events.d2minRadius, "must be positive, 2.5 is typical") }
        guard events.top >= 0 else { throw bad("[events] top", events.top, "must be zero or positive") }
        guard minimize.forceTolerance > 0 else { throw bad("[minimize] force_tolerance", minimize.forceTolerance, "must be positive") }
        guard minimize.maxIterations >= 0 else { throw bad("[minimize] max_iterations", minimize.maxIterations, "must be zero or positive") }
        guard output.profileBins >= 0 else { throw bad("[output] profile_bins", output.profileBins, "must be zero (no profile) or a positive number of slabs") }
        if analysis.enabled || analysesEvents || !events.predictorWindows.isEmpty {
            guard !analysis.scales.isEmpty else { throw bad("[analysis] scales", analysis.scales, "give the scales ℓ in l0 to measure, like [2.0, 4.0]") }
            _ = try KernelChoice.kernel(named: analysis.kernel, dimension: system.dimension, field: "[analysis] kernel")
            guard analysis.grid == nil || analysis.pointsPerEll == nil else {
                throw bad("[analysis] grid", analysis.grid!, "give either grid or points_per_ell, not both")
            }
            if let grid = analysis.grid, grid.count != system.dimension || grid.contains(where: { $0 < 2 }) {
                throw bad("[analysis] grid", grid, "give \(system.dimension) numbers of points (x, y\(system.dimension == 3 ? ", z" : "")), each at least 2, or one for every axis")
            }
        }
        if events.budget == false && aqs.enabled && !analysis.scales.isEmpty && events.predictorWindows.isEmpty {
            throw bad("[events] budget", false, "AQS uses [analysis] scales for the budget through each event and for predictor_windows: "
                      + "remove the scales, or budget")
        }
        if !events.predictorWindows.isEmpty {
            let windows = events.predictorWindows
            guard windows.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw bad("[events] predictor_windows", windows, "window sides must be positive lengths in l0, like [2.0, 4.0, 8.0]")
            }
            guard aqs.enabled || shear.rate != 0 else {
                throw bad("[events] predictor_windows", windows, "predict the plastic events of sheared runs: give [aqs] step or [shear] rate")
            }
            guard events.enabled else { throw bad("[events] enabled", events.enabled, "predictor_windows score the windows of plastic events: enable them") }
            guard !analysis.scales.isEmpty else {
                throw bad("[analysis] scales", analysis.scales, "predictor_windows need the scales ℓ of rho_l and Q^flux_l, like [1.0, 2.0, 4.0]")
            }
            guard analysis.route == .quadrature else {
                throw bad("[analysis] route", analysis.route.rawValue, "predictor_windows need the fields: use route = \"quadrature\"")
            }
        }
        if analysesEvents {
            if aqs.enabled {
                guard aqs.relaxation == .overdamped else {
                    throw bad("[analysis] scales", analysis.scales, "AQS states are force-balanced (W = −Q^flux): set [aqs] relaxation = \"overdamped\" "
                              + "to measure the budget through each plastic event, or analyse snapshots with stressflux analyze")
                }
            } else if shear.rate == 0 {
                throw bad("[events] budget", true, "measures the plastic events of sheared runs: give [shear] rate (Brownian) or [aqs] step")
            }
            guard events.enabled else { throw bad("[events] enabled", events.enabled, "the budget is measured through plastic events: enable them") }
            guard analysis.route == .quadrature else {
                throw bad("[analysis] route", analysis.route.rawValue, "event windows need the fields: use route = \"quadrature\"")
            }
        }
        guard events.samples >= 2 else { throw bad("[events] samples", events.samples, "must be at least 2 states per event, 40 is the default") }
        for (name, value) in [("every", analysis.every), ("fields_every", analysis.fieldsEvery)] where value < 0 {
            throw bad("[analysis] \(name)", value, "must be zero (off) or a positive number of steps")
        }
        for (name, value) in [("thermo_every", output.thermoEvery), ("snapshot_every", output.snapshotEvery),
                              ("checkpoint_every", output.checkpointEvery)] where value < 0 {
            throw bad("[output] \(name)", value, "must be zero (off) or a positive number of steps")
        }
    }
}
