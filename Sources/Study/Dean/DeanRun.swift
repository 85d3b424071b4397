#if canImport(Glibc)
import Glibc
#endif
import Budget
import Dean
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// `stressflux dean`: the deterministic Dean equation (physics.md §7.1–7.2), or with `[dynamics] stochastic` the
/// Dean–Kawasaki equation (§7.3), on the slabs of one grid, from the
/// `[initial]` density, with `dean.csv` (mass, min and max ρ, free energy), the fields `fields-<step>.h5` + `.xmf`
/// (dataset `rho`, ParaView) and `summary.json`. The grid's axes are the slabs' (y, x[, z]); the config speaks x, y, z.
public final class DeanRun {
    public let config: DeanConfig
    public let outputDirectory: String
    let quiet: Bool
    /// Continue from `checkpoint.h5` (``DeanCheckpoint``).
    let restart: Bool
    let communicator: Communicator

    /// `summary.json`.
    public struct Summary: Codable, Sendable {
        public var stressflux = BuildInfo.version
        public var ranks: Int
        public var units = FileMetadata.units
        public var steps: Int
        public var time: Double
        public var mass: Double
        /// |M(t) − M(0)| / M(0) at the end.
        public var relativeMassChange: Double
        /// The smallest density seen at the rows of `dean.csv`.
        public var minimumDensity: Double
        /// The first step whose row saw a negative density, if any.
        public var firstNegativeStep: Int?
        /// F at the end; nil when a density was not positive there (its T_v ρ ln ρ is undefined).
        public var freeEnergy: Double?
        /// The largest relative residual of the budget's closure over its rows (`[analysis] scales`), nil without.
        public var budgetResidual: Double?
        public var wallSeconds: Double
        /// Time per step (slowest rank).
        public var secondsPerStep: Double
        public var config: DeanConfig
    }

    public init(config: DeanConfig, outputDirectory: String? = nil, restart: Bool = false, quiet: Bool = false, communicator: Communicator) {
        self.config = config
        self.outputDirectory = outputDirectory ?? config.output.directory
        self.restart = restart
        self.quiet = quiet
        self.communicator = communicator
    }

    private func path(_ name: String) -> String { (outputDirectory as NSString).appendingPathComponent(name) }
    private func say(_ line: String) { if communicator.isRoot && !quiet { Console.line(line) } }

    /// The grid axis (y, x[, z]) of the physical axis `a` (x, y[, z]).
    static func gridAxis(_ a: Int) -> Int { a == 0 ? 1 : a == 1 ? 0 : 2 }

    /// Collective: the whole run. Returns the summary on every rank.
    @discardableResult
    public func run() throws -> Summary {
        let d = config.grid.dimension
        try communicator.agree {
            guard communicator.isRoot else { return }
            do { try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true) } catch {
                throw FormatError.write(path: outputDirectory, reason: error.localizedDescription)
            }
        }
        let extents = (0..<d).map { config.grid.points[Self.physicalAxis($0)] }, box = (0..<d).map { config.grid.box[Self.physicalAxis($0)] }
        guard extents[0] >= communicator.size else {
            throw StudyError.invalidOption(name: "[grid] points", value: "= \(config.grid.points)",
                                           expected: "the slabs split y over the ranks: give at least \(communicator.size) points along y, or run on fewer ranks")
        }
        let decomposition = try SlabDecomposition(grid: GridShape(extents), box: box, communicator: communicator)
        // FFTW_ESTIMATE: the same transforms in every process, so a run's numbers do not depend on the planner's timing.
        let fft = SlabFFT(decomposition: decomposition, effort: .estimate)
        let equation = DeanEquation(fft: fft, potential: bondPotential, temperature: config.dynamics.temperature, forcing: try forcing())
        let resumed = restart ? try communicator.agree {
            try DeanCheckpoint.read(path: path(DeanCheckpoint.file), fft: fft, species: 1, stochastic: config.dynamics.stochastic)
        } : nil
        let stepper: DeanStepper = config.dynamics.stochastic
            ? try DeanKawasakiStepper(fft: fft, potential: config.potential.kind == .ideal ? nil : bondPotential, temperature: config.dynamics.temperature,
                                      forcing: try forcing(), seed: config.dynamics.seed, density: resumed?.density ?? initialDensity(fft),
                                      time: resumed?.time ?? 0, step: resumed?.step ?? 0)
            : IMEXStepper(equation: equation, scheme: IMEXStepper.Scheme(rawValue: config.dynamics.scheme)!,
                          spectra: resumed?.spectra ?? equation.spectra([initialDensity(fft)]), time: resumed?.time ?? 0, step: resumed?.step ?? 0,
                          history: resumed?.history)
        say("StressFlux \(BuildInfo.version): Dean equation, \(d)D grid " + config.grid.points.map(String.init).joined(separator: "x")
            + " on box " + config.grid.box.map { String(format: "%.6g", $0) }.joined(separator: " x ") + ", \(config.potential.kind.rawValue), "
            + "T_v = \(config.dynamics.temperature), \(config.dynamics.stochastic ? "Dean-Kawasaki, Euler-Maruyama" : config.dynamics.scheme), dt = \(config.dynamics.dt), \(communicator.size) rank(s)"
            + (resumed.map { ", restarting at step \($0.step)" } ?? ""))
        typealias U = ReducedUnit
        let log = StepLog(path: path("dean.csv"), columns: [
            CSVColumn("time", unit: U.time), "mass", CSVColumn("min_rho", unit: U.density(dimension: d)),
            CSVColumn("max_rho", unit: U.density(dimension: d)), CSVColumn("free_energy", unit: U.energy),
            CSVColumn("rho_variance", unit: "1/l0^\(2 * d)"),
        ])
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: resumed?.step) } }
        let cell = decomposition.spacing.reduce(1, *)
        var observed = (mass0: Double.nan, mass: Double.nan, smallest: Double.infinity, negative: Int?.none, energy: Double.nan)
        func observe() throws {
            let rho = stepper.currentDensities()
            let extremes = communicator.allreduce([-(rho[0].min() ?? .infinity), rho[0].max() ?? -.infinity], .max)
            let sums = communicator.allreduce([rho[0].reduce(0, +), rho[0].reduce(0) { $0 + $1 * $1 }], .sum)
            let points = Double(fft.decomposition.grid.pointCount), mean = sums[0] / points, variance = sums[1] / points - mean * mean
            let mass = cell * sums[0], energy = equation.freeEnergy(equation.spectra(rho))
            if observed.mass0.isNaN { observed.mass0 = mass }
            observed.mass = mass
            observed.energy = energy
            observed.smallest = min(observed.smallest, -extremes[0])
            if -extremes[0] < 0 && observed.negative == nil {
                observed.negative = stepper.step
                if communicator.isRoot {
                    Console.error("warning: step \(stepper.step): the density is negative somewhere (min rho = \(-extremes[0])): "
                                  + "a peak narrower than the grid rings (refine [grid] points) or the step is too long (lower [dynamics] dt)")
                }
            }
            try communicator.agree {
                if communicator.isRoot { try log.append(step: stepper.step, values: [stepper.time, mass, -extremes[0], extremes[1], energy, variance].map { $0.isFinite ? "\($0)" : "" }) }
            }
        }
        // The budget (physics.md §5.3) of the density at each ℓ, f^e in physical components at the owned samples.
        let budget = config.analysis.scales.isEmpty ? nil : DeanBudget(
            scales: config.analysis.scales, kernel: try KernelChoice.kernel(named: config.analysis.kernel, dimension: d, field: "[analysis] kernel"),
            fft: fft, potential: bondPotential, temperature: config.dynamics.temperature, force: try physicalForce(fft), directory: outputDirectory)
        try budget?.begin(restartingAt: resumed?.step)
        let budgetEvery = config.analysis.every > 0 ? config.analysis.every : config.output.thermoEvery
        var largestResidual = 0.0
        func analyse() throws {
            guard let budget else { return }
            let residuals = try budget.measure(step: stepper.step, time: stepper.time, rho: stepper.currentDensities()[0])
            largestResidual = max(largestResidual, residuals.max() ?? 0)
        }
        if resumed == nil {
            try observe()
            try analyse()
        }
        let steps = config.dynamics.steps, every = config.output.thermoEvery, fieldsEvery = config.output.fieldsEvery
        let checkpointEvery = config.output.checkpointEvery
        var progress = ProgressLine(label: "dean", from: stepper.step, total: steps, atoms: decomposition.grid.pointCount, enabled: communicator.isRoot && !quiet)
        let clock = PhaseTimers.now()
        while stepper.step < steps {
            stepper.advance(by: config.dynamics.dt)
            if (every > 0 && stepper.step % every == 0) || stepper.step == steps { try observe() }
            if (budgetEvery > 0 && stepper.step % budgetEvery == 0) || stepper.step == steps { try analyse() }
            if (fieldsEvery > 0 && stepper.step % fieldsEvery == 0) || stepper.step == steps { try writeFields(fft, stepper) }
            if (checkpointEvery > 0 && stepper.step % checkpointEvery == 0) || stepper.step == steps {
                try DeanCheckpoint.write(stepper, fft: fft, to: path(DeanCheckpoint.file))
            }
            progress.update(step: stepper.step)
        }
        let wall = communicator.allreduce(PhaseTimers.now() - clock, .max)
        progress.update(step: stepper.step, force: true)
        let summary = Summary(ranks: communicator.size, steps: stepper.step, time: stepper.time, mass: observed.mass,
                              relativeMassChange: abs(observed.mass - observed.mass0) / observed.mass0, minimumDensity: observed.smallest,
                              firstNegativeStep: observed.negative, freeEnergy: observed.energy.isFinite ? observed.energy : nil,
                              budgetResidual: budget == nil ? nil : largestResidual, wallSeconds: wall,
                              secondsPerStep: wall / Double(max(steps, 1)), config: config)
        try communicator.agree { if communicator.isRoot { try JSONReport.write(summary, to: path("summary.json")) } }
        say("done: step \(stepper.step), time \(String(format: "%.6g", stepper.time)), mass change \(String(format: "%.2g", summary.relativeMassChange)), "
            + "min rho \(String(format: "%.6g", observed.smallest)), \(String(format: "%.3g", 1e3 * summary.secondsPerStep)) ms/step; outputs in \(outputDirectory)")
        return summary
    }

    /// The physical axis (x, y[, z]) of grid axis `g` (y, x[, z]).
    static func physicalAxis(_ g: Int) -> Int { gridAxis(g) }

    /// V of `[potential]` as the Dean equation takes it (one species of diameter σ).
    var bondPotential: BondPotential {
        let p = config.potential
        switch p.kind {
        case .harmonic: return .harmonic(diameters: [p.sigma], epsilon: p.epsilon)
        case .hertzian: return .hertzian(diameters: [p.sigma], epsilon: p.epsilon)
        case .gaussian: return .gaussianCore(sigma: p.sigma, epsilon: p.epsilon)
        case .gem4: return .gem4(sigma: p.sigma, epsilon: p.epsilon)
        case .ideal: return BondPotential(ranges: [[p.sigma]], value: { _, _, _ in 0 }, derivative: { _, _, _ in 0 })
        }
    }

    /// `[forcing]` on the grid's axes, or nil.
    func forcing() throws -> DeanForcing? {
        guard let forcing = try config.forcing.forcing(dimension: config.grid.dimension) else { return nil }
        return DeanForcing(modes: forcing.modes.map { m in
            DeanForcing.Mode(axis: Self.gridAxis(m.component), amplitude: m.amplitude,
                             wavevector: (0..<m.wavevector.count).map { m.wavevector[Self.physicalAxis($0)] }, phase: m.phase, frequency: m.frequency)
        })
    }

    /// f^e of `[forcing]` at time 0 in physical components at the owned samples (the budget's; a steady force), or nil.
    func physicalForce(_ fft: SlabFFT) throws -> [[Double]]? {
        guard let forcing = try config.forcing.forcing(dimension: config.grid.dimension) else { return nil }
        let n = fft.extents, d = n.count, h = fft.decomposition.spacing, box = config.grid.box
        var force = [[Double]](repeating: [], count: d)
        for i0 in 0..<fft.decomposition.count {
            for i1 in 0..<n[1] {
                for i2 in 0..<(d == 3 ? n[2] : 1) {
                    let x = [Double(i1) * h[1], Double(fft.decomposition.start + i0) * h[0]] + (d == 3 ? [Double(i2) * h[2]] : [])
                    for (a, value) in forcing.force(at: x, box: box).enumerated() { force[a].append(value) }
                }
            }
        }
        return force
    }

    /// Collective: ρ at the owned samples from `[initial]`: ρ₀ + A cos(k·x) (mode), or ρ₀ + A·(smooth random)/max|·|
    /// (noise: cosines of random amplitude and phase for every |n_α| ≤ cutoff, weighted exp(−|n|²/(2(cutoff/2)²)), drawn
    /// from the seed alone, so the field is the same on any number of ranks).
    func initialDensity(_ fft: SlabFFT) -> [Double] {
        let i = config.initial, n = fft.extents, d = n.count, start = fft.decomposition.start
        var terms: [(wave: [Int], weight: Double, phase: Double)] = []
        switch i.kind {
        case .white:
            // Box–Muller on two uniforms of the global cell index, re-centred so that the mean is exact.
            let plane = n.dropFirst().reduce(1, *), first = start * plane
            let values = (0..<(fft.decomposition.count * plane)).map { k -> Double in
                let u = 0.5 * (TestPattern.uniform(2 * (first + k), seed: i.seed) + 1) + 0x1.0p-54, v = TestPattern.uniform(2 * (first + k) + 1, seed: i.seed)
                return i.amplitude * (-2 * log(u)).squareRoot() * cos(Double.pi * v)
            }
            let offset = communicator.allreduce(values.reduce(0, +), .sum) / Double(fft.decomposition.grid.pointCount)
            return values.map { i.mean + $0 - offset }
        case .mode:
            terms = [((0..<d).map { i.wavevector[Self.physicalAxis($0)] }, 1, 0)]
        case .noise:
            let c = i.cutoff, width = 0.5 * Double(c)
            for (j, wave) in Self.lattice(dimension: d, cutoff: c).enumerated() where wave.contains(where: { $0 != 0 }) {
                let norm2 = Double(wave.reduce(0) { $0 + $1 * $1 })
                terms.append((wave, TestPattern.uniform(2 * j, seed: i.seed) * exp(-norm2 / (2 * width * width)),
                              Double.pi * (TestPattern.uniform(2 * j + 1, seed: i.seed) + 1)))
            }
        }
        var field = [Double](repeating: 0, count: fft.decomposition.count * n.dropFirst().reduce(1, *))
        var k = 0
        for i0 in 0..<fft.decomposition.count {
            for i1 in 0..<n[1] {
                for i2 in 0..<(d == 3 ? n[2] : 1) {
                    let index = [start + i0, i1, i2]
                    for term in terms {
                        var phase = term.phase
                        for a in 0..<d { phase += 2 * Double.pi * Double(term.wave[a] * index[a]) / Double(n[a]) }
                        field[k] += term.weight * cos(phase)
                    }
                    k += 1
                }
            }
        }
        let largest = communicator.allreduce(field.map(abs).max() ?? 0, .max)
        return field.map { i.mean + (largest > 0 ? i.amplitude * $0 / largest : 0) }
    }

    /// Every integer vector with components in −cutoff…cutoff, in a fixed order.
    static func lattice(dimension d: Int, cutoff c: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        for _ in 0..<d { out = out.flatMap { v in (-c...c).map { v + [$0] } } }
        return out
    }

    /// Collective: `fields-<step>.h5` + `.xmf` with ρ on the grid.
    private func writeFields(_ fft: SlabFFT, _ stepper: DeanStepper) throws {
        let d = fft.extents.count, stem = path("fields-\(stepper.step)")
        let file = try FieldFile(path: stem + ".h5", communicator: communicator, metadata: FileMetadata(
            configuration: FileMetadata.commandLine, ranks: communicator.size, box: config.grid.box, strain: 0,
            numbers: ["step": Double(stepper.step), "time": stepper.time, "temperature": config.dynamics.temperature],
            lists: [:], words: ["equation": config.dynamics.stochastic ? "Dean-Kawasaki (physics.md 7.3), Euler-Maruyama" : "Dean (physics.md 7.2), \(config.dynamics.scheme)", "potential": config.potential.kind.rawValue,
                                "axes": d == 2 ? "y, x" : "y, x, z"]))
        try file.addGrid("dean", decomposition: fft.decomposition, shear: 0)
        try file.write("rho", grid: "dean", quantity: "density", unit: ReducedUnit.density(dimension: d), values: stepper.currentDensities()[0])
        try file.close(sidecars: [(stem + ".xmf", nil)])
    }
}
