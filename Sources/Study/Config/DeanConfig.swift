import Fields
import Foundation
import TOMLKit

/// The config of `stressflux dean CONFIG.toml` (physics.md §7; sections `[grid]`, `[potential]`, `[dynamics]`,
/// `[initial]`, `[forcing]`, `[output]`; every key optional, defaults below). Units: physics.md §1.2.
public struct DeanConfig: Sendable, Codable, Equatable {
    public struct Grid: Sendable, Codable, Equatable {
        public var dimension = 2
        /// Points along x, y[, z] (one integer: the same along each).
        public var points = [64, 64]
        /// L_x, L_y[, L_z] in ℓ₀.
        public var box = [8.0, 8.0]
    }

    public struct Potential: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case harmonic, hertzian, gaussian, gem4
            /// V = 0: the ideal gas (physics.md §7.3's test D3).
            case ideal
        }
        public var kind = Kind.gem4
        /// ε in V₀.
        public var epsilon = 1.0
        /// σ in ℓ₀: the contact diameter (harmonic, Hertzian) or the range scale (Gaussian core, GEM-4).
        public var sigma = 1.0
    }

    /// Several species (physics.md §7.1 summed over species): V_ab(r) = v(r/σ_ab), σ_ab = σ (d_a + d_b)/2 with σ of
    /// `[potential]`; each species' share of `[initial] mean`. Empty: one species of d = 1. With `[initial] kind =
    /// "particles"` the snapshot's species and diameters are taken instead.
    public struct Species: Sendable, Codable, Equatable {
        public var names: [String] = []
        /// d_a, relative to σ.
        public var diameters: [Double] = []
        /// x_a: number fractions, summing to 1 (default: equal).
        public var fractions: [Double] = []
    }

    public struct Dynamics: Sendable, Codable, Equatable {
        /// Δt in ℓ₀²/(μV₀); with `adaptive`, the largest step.
        public var dt = 1e-3
        /// Steps shortened so that the explicit velocity ∇(V*ρ) − f^e crosses at most `courant` grid cells (``IMEXStepper``).
        public var adaptive = false
        public var courant = 0.5
        public var steps = 1000
        /// T_v = k_BT/V₀.
        public var temperature = 0.1
        /// The deterministic scheme; the stochastic step is Euler–Maruyama.
        public var scheme = "sbdf2"
        /// The Dean–Kawasaki equation (physics.md §7.3), noise by (seed, cell, axis, step).
        public var stochastic = false
        public var seed: UInt64 = 1
    }

    public struct Initial: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            /// mean + amplitude·cos(k·x); mean + amplitude·(smooth random)/max; mean + N(0, amplitude²) per cell, re-centred.
            case mode, noise, white
            /// Dataset `dataset` of the HDF5 file `file` on the grid (storage order y, x[, z], as `fields-<step>.h5`).
            case file
            /// The coarse-grained density ρ̄_ℓ₀ = Σ_i G_ℓ₀(x − x_i) of the particle snapshot `file` (H5MD, GSD or LAMMPS
            /// data) at ℓ₀ = `scale` with `[analysis] kernel` (physics.md §4.1); the box is the snapshot's.
            case particles
        }
        public var kind = Kind.noise
        /// ρ₀ in ℓ₀^-d.
        public var mean = 2.0
        /// mode: the cosine's amplitude; noise: the largest deviation from the mean; white: the standard deviation (ℓ₀^-d).
        public var amplitude = 0.1
        /// mode: whole periods along x, y[, z].
        public var wavevector = [1, 0]
        /// noise: Fourier modes with every |n_α| ≤ this, Gaussian-weighted exp(−|n|²/(2·cutoff²/4)).
        public var cutoff = 4
        public var seed: UInt64 = 1
        /// file, particles: the input's path (relative: to the config file's folder).
        public var file: String?
        /// file: the dataset holding ρ.
        public var dataset = "rho"
        /// particles: ℓ₀ in ℓ₀ units of length (the coarse-graining scale of the initial density).
        public var scale = 1.0
    }

    /// The particles-against-NDE test (issue 20 item 5): the snapshots `snapshot-<step>.h5` of a `run` started from the
    /// `[initial]` particle snapshot, compared at each common time and each ℓ ≥ ℓ₀ (``DeanComparison``).
    public struct Compare: Sendable, Codable, Equatable {
        /// The run's output folder (relative: to the config file's folder); nil: no comparison.
        public var trajectory: String?
        /// ℓ in ℓ₀, increasing, each ≥ `[initial] scale`; empty: ℓ₀, 2ℓ₀ and 4ℓ₀.
        public var scales: [Double] = []
    }

    /// The field-form stress budget (physics.md §5.3, ``DeanBudget``) at each scale.
    public struct Analysis: Sendable, Codable, Equatable {
        /// ℓ in ℓ₀, increasing; empty: no budget.
        public var scales: [Double] = []
        /// `gauss`, `bump<n>` or `mollifier` (physics.md §3.1).
        public var kernel = "gauss"
        /// Steps between rows of `budget.csv`; 0: with every row of `dean.csv`.
        public var every = 0
    }

    public struct Output: Sendable, Codable, Equatable {
        public var directory = "dean"
        /// Steps between rows of `dean.csv`; 0: first and last only.
        public var thermoEvery = 10
        /// Steps between `fields-<step>.h5` + `.xmf`; 0: the last step's only.
        public var fieldsEvery = 0
        /// Steps between `checkpoint.h5` (`--restart` continues from it); 0: the last step's only.
        public var checkpointEvery = 1000
    }

    public var grid = Grid()
    public var potential = Potential()
    public var species = Species()
    public var dynamics = Dynamics()
    public var initial = Initial()
    public var forcing = RunConfig.Forcing()
    public var analysis = Analysis()
    public var compare = Compare()
    public var output = Output()

    public init() {}

    /// `[compare] scales`, or ℓ₀, 2ℓ₀ and 4ℓ₀.
    public var compareScales: [Double] { compare.scales.isEmpty ? [1, 2, 4].map { $0 * initial.scale } : compare.scales }

    /// Parses and validates TOML text; `source` names the file in error messages.
    public init(toml text: String, source: String) throws {
        let root = try RunConfig.table(toml: text, source: source)
        let sections = ["grid", "potential", "species", "dynamics", "initial", "forcing", "analysis", "compare", "output"]
        if let unknown = root.keys.sorted().first(where: { !sections.contains($0) }) {
            throw StudyError.invalidOption(name: "[\(unknown)]", value: "", expected: "unknown section of a dean config, valid sections are "
                                           + sections.map { "[\($0)]" }.joined(separator: ", "))
        }
        var c = DeanConfig()
        var t = try ConfigTable(root, section: "grid")
        c.grid.dimension = try t.int("dimension", default: c.grid.dimension)
        guard c.grid.dimension == 2 || c.grid.dimension == 3 else { throw Self.bad("[grid] dimension", c.grid.dimension, "must be 2 or 3") }
        let d = c.grid.dimension
        c.grid.points = try t.ints("points", repeated: d, default: Array(repeating: 64, count: d))!
        let fromParticles = (root["initial"]?.table?["kind"]?.string).flatMap(Initial.Kind.init(rawValue:)) == .particles
        c.grid.box = t.has("box") && (try? t.double("box", default: 0)) != nil
            ? Array(repeating: try t.double("box", default: 0), count: d) : try t.doubles("box", default: fromParticles ? [] : Array(repeating: 8, count: d))
        try t.finish()
        t = try ConfigTable(root, section: "potential")
        c.potential.kind = try t.choice("kind", default: c.potential.kind)
        c.potential.epsilon = try t.double("epsilon", default: c.potential.epsilon)
        c.potential.sigma = try t.double("sigma", default: c.potential.sigma)
        try t.finish()
        t = try ConfigTable(root, section: "species")
        c.species.names = try t.strings("names", default: [])
        c.species.diameters = try t.doubles("diameters", default: c.species.names.map { _ in 1 })
        c.species.fractions = try t.doubles("fractions", default: c.species.names.map { _ in 1 / Double(c.species.names.count) })
        try t.finish()
        t = try ConfigTable(root, section: "dynamics")
        c.dynamics.dt = try t.double("dt", default: c.dynamics.dt)
        if t.has("time") && t.has("steps") {
            throw StudyError.invalidOption(name: "[dynamics] time", value: "", expected: "give steps or time, not both")
        }
        c.dynamics.steps = t.has("time") ? Int((try t.double("time", default: 0) / c.dynamics.dt).rounded()) : try t.int("steps", default: c.dynamics.steps)
        c.dynamics.temperature = try t.double("temperature", default: c.dynamics.temperature)
        c.dynamics.scheme = try t.string("scheme", default: c.dynamics.scheme)!
        c.dynamics.adaptive = try t.bool("adaptive", default: c.dynamics.adaptive)
        c.dynamics.courant = try t.double("courant", default: c.dynamics.courant)
        c.dynamics.stochastic = try t.bool("stochastic", default: c.dynamics.stochastic)
        c.dynamics.seed = try t.seed("seed", default: c.dynamics.seed)
        try t.finish()
        t = try ConfigTable(root, section: "initial")
        c.initial.kind = try t.choice("kind", default: c.initial.kind)
        c.initial.mean = try t.double("mean", default: c.initial.mean)
        c.initial.amplitude = try t.double("amplitude", default: c.initial.amplitude)
        c.initial.wavevector = try t.ints("wavevector", repeated: d, default: [1] + Array(repeating: 0, count: d - 1))!
        c.initial.cutoff = try t.int("cutoff", default: c.initial.cutoff)
        c.initial.seed = try t.seed("seed", default: c.initial.seed)
        c.initial.file = try t.string("file", default: nil)
        c.initial.dataset = try t.string("dataset", default: c.initial.dataset)!
        c.initial.scale = try t.double("scale", default: c.initial.scale)
        try t.finish()
        c.forcing = try RunConfig.Forcing(root)
        t = try ConfigTable(root, section: "analysis")
        c.analysis.scales = try t.doubles("scales", default: c.analysis.scales)
        c.analysis.kernel = try t.string("kernel", default: c.analysis.kernel)!
        c.analysis.every = try t.int("every", default: c.analysis.every)
        try t.finish()
        t = try ConfigTable(root, section: "compare")
        c.compare.trajectory = try t.string("trajectory", default: nil)
        c.compare.scales = try t.doubles("scales", default: c.compare.scales)
        try t.finish()
        t = try ConfigTable(root, section: "output")
        c.output.directory = try t.string("directory", default: c.output.directory)!
        c.output.thermoEvery = try t.int("thermo_every", default: c.output.thermoEvery)
        c.output.fieldsEvery = try t.int("fields_every", default: c.output.fieldsEvery)
        c.output.checkpointEvery = try t.int("checkpoint_every", default: c.output.checkpointEvery)
        try t.finish()
        try c.validate()
        self = c
    }

    /// Reads and validates a config file; a relative `[initial] file` or `[compare] trajectory` is taken from the
    /// config file's folder (as `run` takes `[system] input`).
    public init(contentsOf path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StudyError.invalidOption(name: "config", value: path, expected: "cannot be read, check the path")
        }
        try self.init(toml: text, source: path)
        let folder = (path as NSString).deletingLastPathComponent
        let resolve = { (name: String?) in name.map { $0.hasPrefix("/") || folder.isEmpty ? $0 : (folder as NSString).appendingPathComponent($0) } }
        initial.file = resolve(initial.file)
        compare.trajectory = resolve(compare.trajectory)
    }

    private static func bad(_ name: String, _ value: Any, _ expected: String) -> StudyError {
        StudyError.invalidOption(name: name, value: "= \(value)", expected: expected)
    }

    /// The checks that need several keys or none of the parser's types.
    func validate() throws {
        let d = grid.dimension
        guard grid.points.count == d, grid.points.allSatisfy({ $0 >= 4 }) else {
            throw Self.bad("[grid] points", grid.points, "must be \(d) integers ≥ 4 (x, y\(d == 3 ? ", z" : ""))")
        }
        // An empty box is the particle snapshot's, set by the run once it has read the file.
        guard grid.box.isEmpty && initial.kind == .particles || grid.box.count == d && grid.box.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw Self.bad("[grid] box", grid.box, "must be \(d) positive lengths in l0 (or one for a square box)")
        }
        for (name, value) in [("epsilon", potential.epsilon), ("sigma", potential.sigma)] where !(value > 0 && value.isFinite) {
            throw Self.bad("[potential] \(name)", value, "must be positive")
        }
        if !species.names.isEmpty || !species.diameters.isEmpty {
            let s = species.names.count
            guard s >= 1, Set(species.names).count == s, species.names.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else {
                throw Self.bad("[species] names", species.names, "give distinct names of letters, digits and _, like [\"A\", \"B\"]")
            }
            guard species.diameters.count == s, species.diameters.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw Self.bad("[species] diameters", species.diameters, "give \(s) positive diameters, one per name")
            }
            guard species.fractions.count == s, species.fractions.allSatisfy({ $0 > 0 }), abs(species.fractions.reduce(0, +) - 1) < 1e-9 else {
                throw Self.bad("[species] fractions", species.fractions, "give \(s) positive number fractions summing to 1")
            }
            guard initial.kind != .particles else {
                throw Self.bad("[species] names", species.names, "the particle snapshot of [initial] gives the species: leave [species] out")
            }
            guard s == 1 || !dynamics.stochastic else {
                throw Self.bad("[species] names", species.names, "the Dean-Kawasaki step has one species")
            }
        }
        guard dynamics.dt > 0, dynamics.dt.isFinite else { throw Self.bad("[dynamics] dt", dynamics.dt, "must be positive, in l0^2/(mu V0)") }
        guard dynamics.steps >= 1 else { throw Self.bad("[dynamics] steps", dynamics.steps, "must be at least 1 (or give time > 0)") }
        guard dynamics.temperature >= 0, dynamics.temperature.isFinite else {
            throw Self.bad("[dynamics] temperature", dynamics.temperature, "must be zero (the noiseless Dean equation) or positive")
        }
        guard ["sbdf1", "sbdf2"].contains(dynamics.scheme) else {
            throw Self.bad("[dynamics] scheme", "\"\(dynamics.scheme)\"", "must be \"sbdf1\" or \"sbdf2\"")
        }
        guard dynamics.courant > 0, dynamics.courant <= 1 else {
            throw Self.bad("[dynamics] courant", dynamics.courant, "must lie in (0, 1]: the grid cells the explicit velocity may cross per step")
        }
        if dynamics.adaptive && dynamics.stochastic {
            throw Self.bad("[dynamics] adaptive", true, "the Dean-Kawasaki step is Euler-Maruyama at a fixed dt: set adaptive = false")
        }
        if dynamics.stochastic && !grid.box.isEmpty {
            let h = zip(grid.box, grid.points).map { $0 / Double($1) }
            guard h.allSatisfy({ abs($0 - h[0]) <= 1e-12 * h[0] }) else {
                throw Self.bad("[grid] points", grid.points, "the Dean-Kawasaki cells are cubes: make box/points the same along every axis (spacings \(h))")
            }
            guard try forcing.forcing(dimension: d)?.modes.allSatisfy({ $0.frequency == 0 }) ?? true else {
                throw Self.bad("[forcing] modes", "frequency", "the Dean-Kawasaki step takes a steady force: set every frequency to 0")
            }
        }
        if [.file, .particles].contains(initial.kind) && (initial.file ?? "").isEmpty {
            throw Self.bad("[initial] file", "", "kind = \"\(initial.kind.rawValue)\" reads its density from a file: give file = \"PATH\"")
        }
        guard initial.scale > 0, initial.scale.isFinite else { throw Self.bad("[initial] scale", initial.scale, "must be a positive length in l0") }
        if let trajectory = compare.trajectory {
            guard initial.kind == .particles else {
                throw Self.bad("[compare] trajectory", "\"\(trajectory)\"", "compares with the particles the run started from: set [initial] kind = \"particles\"")
            }
            guard [.harmonic, .hertzian].contains(potential.kind) else {
                throw Self.bad("[potential] kind", "\"\(potential.kind.rawValue)\"", "the particles of [compare] interact by harmonic or hertzian contacts: use one of them")
            }
            guard analysis.kernel == "gauss" else {
                throw Self.bad("[analysis] kernel", "\"\(analysis.kernel)\"", "[compare] filters the NDE density from l0 to l by the Gaussian semigroup: use \"gauss\"")
            }
            guard compare.scales.allSatisfy({ $0 >= initial.scale && $0.isFinite }), compare.scales == compare.scales.sorted() else {
                throw Self.bad("[compare] scales", compare.scales, "must increase and be at least [initial] scale = \(initial.scale) l0")
            }
            guard !dynamics.stochastic else {
                throw Self.bad("[dynamics] stochastic", true, "[compare] tests the noiseless Dean equation: set stochastic = false")
            }
        }
        guard initial.mean > 0, initial.mean.isFinite else { throw Self.bad("[initial] mean", initial.mean, "must be a positive density, in 1/l0^\(d)") }
        guard initial.amplitude >= 0, initial.amplitude < initial.mean else {
            throw Self.bad("[initial] amplitude", initial.amplitude, "must be ≥ 0 and below [initial] mean = \(initial.mean), so that the density stays positive")
        }
        guard initial.wavevector.count == d else { throw Self.bad("[initial] wavevector", initial.wavevector, "must be \(d) whole numbers of periods") }
        guard initial.cutoff >= 1 else { throw Self.bad("[initial] cutoff", initial.cutoff, "must be at least 1") }
        for (key, value) in [("thermo_every", output.thermoEvery), ("fields_every", output.fieldsEvery), ("checkpoint_every", output.checkpointEvery)]
        where value < 0 {
            throw Self.bad("[output] \(key)", value, "must be zero or positive")
        }
        _ = try forcing.forcing(dimension: d)
        let h = zip(grid.box.isEmpty ? [0] : grid.box, grid.points).map { $0 / Double($1) }.max()!
        guard analysis.scales.allSatisfy({ $0 >= h && $0.isFinite }), analysis.scales == analysis.scales.sorted() else {
            throw Self.bad("[analysis] scales", analysis.scales, "must increase and be at least the grid spacing \(h) l0 (the filter must be resolved)")
        }
        _ = try KernelChoice.kernel(named: analysis.kernel, dimension: d, field: "[analysis] kernel")
        if !analysis.scales.isEmpty, try !(forcing.forcing(dimension: d)?.modes.allSatisfy({ $0.frequency == 0 }) ?? true) {
            throw Self.bad("[analysis] scales", analysis.scales, "the budget takes a steady force: set every [forcing] frequency to 0 or drop the scales")
        }
        guard analysis.every >= 0 else { throw Self.bad("[analysis] every", analysis.every, "must be zero or positive") }
    }
}
