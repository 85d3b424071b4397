import Foundation
import Particles
import TOMLKit

/// The simulation config of `stressflux run CONFIG.toml` (sections `[system]`, `[potential]`,
/// `[dynamics]`, `[shear]`, `[aqs]`, `[forcing]`, `[minimize]`, `[output]`; every key optional, defaults below). Units: physics.md §1.2.
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
        public var enabled: Bool { step != 0 }
        /// AQS steps to reach `maxStrain`.
        public var steps: Int { enabled ? Int((maxStrain / step - 1e-9).rounded(.up)) : 0 }
    }

    /// Kolmogorov body force F₀ sin(2π n y/L_y) e_x (physics.md §1.5a) in the dynamics.
    public struct Forcing: Sendable, Codable, Equatable {
        /// F₀ in V₀/ℓ₀; 0: no forcing.
        public var amplitude = 0.0
        /// n, a whole number of periods along y.
        public var mode = 1.0
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
        /// Formats of the final snapshot: "h5md" (final.h5), "gsd" (final.gsd), "lammps" (final.data).
        public var formats = ["h5md"]
    }

    public var system = System()
    public var potential = Potential()
    public var dynamics = Dynamics()
    public var shear = Shear()
    public var aqs = AQS()
    public var forcing = Forcing()
    public var minimize = Minimize()
    public var output = Output()

    public init() {}

    /// Parses and validates TOML text; `source` names the file in error messages.
    public init(toml text: String, source: String) throws {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw StudyError.invalidOption(name: source, value: "line \(error.source.begin.line)",
                                           expected: "not valid TOML (\(error.description)), fix the syntax there")
        }
        let sections = ["system", "potential", "dynamics", "shear", "aqs", "forcing", "minimize", "output"]
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
        try t.finish()
        t = try ConfigTable(root, section: "forcing")
        c.forcing.amplitude = try t.double("amplitude", default: c.forcing.amplitude)
        c.forcing.mode = try t.double("mode", default: c.forcing.mode)
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
        c.output.formats = try t.strings("formats", default: c.output.formats)
        try t.finish()
        try c.validate()
        self = c
    }

    /// Reads and validates a config file.
    public init(contentsOf path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StudyError.invalidOption(name: "config", value: path, expected: "cannot be read, check the path")
        }
        try self.init(toml: text, source: path)
    }

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
        }
        if forcing.amplitude != 0 {
            _ = try KolmogorovForcing(amplitude: forcing.amplitude, mode: forcing.mode)  // the mode is a whole number
            guard !aqs.enabled else { throw bad("[forcing] amplitude", forcing.amplitude, "AQS has no dynamics to force: remove [aqs] step or set amplitude = 0") }
        }
        guard minimize.forceTolerance > 0 else { throw bad("[minimize] force_tolerance", minimize.forceTolerance, "must be positive") }
        guard minimize.maxIterations >= 0 else { throw bad("[minimize] max_iterations", minimize.maxIterations, "must be zero or positive") }
        for (name, value) in [("thermo_every", output.thermoEvery), ("snapshot_every", output.snapshotEvery),
                              ("checkpoint_every", output.checkpointEvery)] where value < 0 {
            throw bad("[output] \(name)", value, "must be zero (off) or a positive number of steps")
        }
        if let format = output.formats.first(where: { !["h5md", "gsd", "lammps"].contains($0) }) {
            throw bad("[output] formats", "\"\(format)\"", "formats are \"h5md\", \"gsd\" and \"lammps\"")
        }
    }
}
