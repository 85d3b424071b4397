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
    /// The run's config; a box left to the particle snapshot (`[initial] kind = "particles"`) is filled in by ``run()``.
    public private(set) var config: DeanConfig
    public let outputDirectory: String
    let quiet: Bool
    /// Continue from `checkpoint.h5` (``DeanCheckpoint``).
    let restart: Bool
    let communicator: Communicator
    /// The species solved for (``DeanConfig/Species``, or the particle snapshot's): names, d_a and x_a.
    public private(set) var species = (names: ["A"], diameters: [1.0], fractions: [1.0])

    /// `summary.json`.
    public struct Summary: Codable, Sendable {
        public var stressflux = BuildInfo.version
        public var ranks: Int
        public var units = FileMetadata.units
        /// The species' names (one: whatever its name, its field is `rho`).
        public var species: [String]
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
        /// With `[compare]`: the particle snapshots compared (the initial one included) and those whose time no Dean step
        /// met within half a step (a `dt` that does not divide the snapshots' interval).
        /// The shortest and longest step taken (equal to `dt` without `[dynamics] adaptive`).
        public var smallestTimeStep: Double
        public var largestTimeStep: Double
        public var comparedSnapshots: Int?
        public var missedSnapshots: Int?
        /// The step loop with its outputs (slowest rank).
        public var wallSeconds: Double
        /// The steps alone (`advance`), per step: the slowest rank's sum over the run divided by the steps taken.
        public var secondsPerStep: Double
        /// One r2c + c2r pair on the grid without the 1/N pass (slowest rank, median of 5, timed before the first step as
        /// `deposit`'s `fft_pair`), and the step in such pairs (`secondsPerStep / fftPairSeconds`; bench/dean).
        public var fftPairSeconds: Double
        public var stepInFFTPairs: Double
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
        let particles = config.initial.kind == .particles
            ? try DeanInitialDensity.particles(config.initial, dimension: d, communicator: communicator) : nil
        if let particles {
            try adopt(particles)
        } else if !config.species.names.isEmpty {
            species = (config.species.names, config.species.diameters, config.species.fractions)
        }
        let extents = (0..<d).map { config.grid.points[Self.physicalAxis($0)] }, box = (0..<d).map { config.grid.box[Self.physicalAxis($0)] }
        guard extents[0] >= communicator.size else {
            throw StudyError.invalidOption(name: "[grid] points", value: "= \(config.grid.points)",
                                           expected: "the slabs split y over the ranks: give at least \(communicator.size) points along y, or run on fewer ranks")
        }
        let decomposition = try SlabDecomposition(grid: GridShape(extents), box: box, communicator: communicator)
        // FFTW_ESTIMATE: the same transforms in every process, so a run's numbers do not depend on the planner's timing.
        let fft = SlabFFT(decomposition: decomposition, effort: .estimate)
        let pair = Self.timedPair(fft)
        let equation = DeanEquation(fft: fft, potential: bondPotential, temperature: config.dynamics.temperature, forcing: try forcing())
        let kernel = try KernelChoice.kernel(named: config.analysis.kernel, dimension: d, field: "[analysis] kernel")
        func initialDensities(_ fft: SlabFFT) throws -> [[Double]] {
            try DeanInitialDensity(initial: config.initial, species: species.names, fractions: species.fractions,
                                   bitwise: config.dynamics.stochastic, communicator: communicator)
                .densities(on: fft, particles: particles, kernel: kernel)
        }
        let resumed = restart ? try communicator.agree {
            try DeanCheckpoint.read(path: path(DeanCheckpoint.file), fft: fft, species: species.names.count, stochastic: config.dynamics.stochastic)
        } : nil
        let start = resumed == nil ? try initialDensities(fft) : nil
        let stepper: DeanStepper = config.dynamics.stochastic
            ? try DeanKawasakiStepper(fft: fft, potential: config.potential.kind == .ideal ? nil : bondPotential, temperature: config.dynamics.temperature,
                                      forcing: try forcing(), seed: config.dynamics.seed, density: resumed?.density ?? start![0],
                                      time: resumed?.time ?? 0, step: resumed?.step ?? 0)
            : IMEXStepper(equation: equation, scheme: IMEXStepper.Scheme(rawValue: config.dynamics.scheme)!,
                          spectra: resumed?.spectra ?? equation.spectra(start!), time: resumed?.time ?? 0, step: resumed?.step ?? 0,
                          history: resumed?.history)
        say("StressFlux \(BuildInfo.version): Dean equation, \(d)D grid " + config.grid.points.map(String.init).joined(separator: "x")
            + " on box " + config.grid.box.map { String(format: "%.6g", $0) }.joined(separator: " x ") + ", \(config.potential.kind.rawValue), "
            + "T_v = \(config.dynamics.temperature), \(config.dynamics.stochastic ? "Dean-Kawasaki, Euler-Maruyama" : config.dynamics.scheme), dt = \(config.dynamics.dt), \(communicator.size) rank(s)"
            + (species.names.count > 1 ? ", species " + zip(species.names, species.diameters).map { "\($0) (d = \($1))" }.joined(separator: ", ") : "")
            + (resumed.map { ", restarting at step \($0.step)" } ?? ""))
        typealias U = ReducedUnit
        var lastStep = config.dynamics.dt, stepRange = (smallest: Double.infinity, largest: 0.0)
        let log = StepLog(path: path("dean.csv"), columns: [
            CSVColumn("time", unit: U.time), "mass", CSVColumn("min_rho", unit: U.density(dimension: d)),
            CSVColumn("max_rho", unit: U.density(dimension: d)), CSVColumn("free_energy", unit: U.energy),
            CSVColumn("rho_variance", unit: "1/l0^\(2 * d)"), CSVColumn("dt", unit: U.time),
        ] + (species.names.count > 1 ? species.names.map { CSVColumn("mass_\($0)") } : []))
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: resumed?.step) } }
        let cell = decomposition.spacing.reduce(1, *)
        var observed = (mass0: Double.nan, mass: Double.nan, smallest: Double.infinity, negative: Int?.none, energy: Double.nan)
        func observe() throws {
            let rho = stepper.currentDensities(), total = Self.total(rho)
            let extremes = communicator.allreduce([-(total.min() ?? .infinity), total.max() ?? -.infinity], .max)
            let sums = communicator.allreduce([total.reduce(0, +), total.reduce(0) { $0 + $1 * $1 }] + (rho.count > 1 ? rho.map { $0.reduce(0, +) } : []), .sum)
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
                if communicator.isRoot { try log.append(step: stepper.step, values: ([stepper.time, mass, -extremes[0], extremes[1], energy, variance, lastStep] + sums.dropFirst(2).map { cell * $0 }).map { $0.isFinite ? "\($0)" : "" }) }
            }
        }
        // The budget (physics.md §5.3) of the density at each ℓ, f^e in physical components at the owned samples.
        let terms = config.analysis.scales.isEmpty && config.compare.trajectory == nil ? nil : DeanBudget(
            scales: config.analysis.scales, kernel: kernel,
            fft: fft, potential: bondPotential, temperature: config.dynamics.temperature, force: try physicalForce(fft), directory: outputDirectory)
        let budget = config.analysis.scales.isEmpty ? nil : terms
        try budget?.begin(restartingAt: resumed?.step)
        let comparison = try config.compare.trajectory.map { trajectory in
            try DeanComparison(trajectory: trajectory, initial: .init(path: config.initial.file ?? "", time: 0), scales: config.compareScales,
                               ell0: config.initial.scale, points: config.grid.points, box: config.grid.box, fft: fft,
                               potential: PotentialKind(rawValue: config.potential.kind.rawValue)!.potential(epsilon: config.potential.epsilon),
                               terms: terms!, particleCount: communicator.allreduce(particles?.count ?? 0, .sum), directory: outputDirectory)
        }
        try comparison?.begin(restartingAt: resumed?.step, time: resumed?.time ?? 0, timeStep: config.dynamics.dt)
        func compare() throws {
            try comparison?.observe(step: stepper.step, time: stepper.time, timeStep: lastStep, rho: stepper.currentDensities())
        }
        let budgetEvery = config.analysis.every > 0 ? config.analysis.every : config.output.thermoEvery
        var largestResidual = 0.0
        func analyse() throws {
            guard let budget else { return }
            let residuals = try budget.measure(step: stepper.step, time: stepper.time, rho: stepper.currentDensities())
            largestResidual = max(largestResidual, residuals.max() ?? 0)
        }
        if resumed == nil {
            try observe()
            try analyse()
            try compare()
        }
        // Adaptive steps run to the time the fixed ones would reach, landing on it and on the compared snapshots' times.
        let steps = config.dynamics.steps, every = config.output.thermoEvery, fieldsEvery = config.output.fieldsEvery
        let adaptive = config.dynamics.adaptive, endTime = Double(steps) * config.dynamics.dt
        var finished: Bool { adaptive ? stepper.time >= endTime * (1 - 1e-12) : stepper.step >= steps }
        let checkpointEvery = config.output.checkpointEvery
        var progress = ProgressLine(label: "dean", from: stepper.step, total: steps, atoms: decomposition.grid.pointCount, enabled: communicator.isRoot && !quiet)
        let clock = PhaseTimers.now(), firstStep = stepper.step
        var stepping = 0.0
        while !finished {
            let before = PhaseTimers.now()
            if adaptive {
                let stop = min(endTime, comparison?.nextTime ?? .infinity)
                lastStep = stepper.advance(upTo: min(config.dynamics.dt, stop - stepper.time), courant: config.dynamics.courant)
                guard lastStep.isFinite, lastStep > 1e-9 * config.dynamics.dt else {
                    throw StudyError.invalidOption(name: "[dynamics] dt", value: "= \(config.dynamics.dt)", expected:
                        "the adaptive step fell to \(lastStep) at step \(stepper.step), time \(stepper.time): the explicit velocity grew without "
                        + "bound (the density is collapsing), refine [grid] points or raise [dynamics] temperature")
                }
            } else {
                stepper.advance(by: config.dynamics.dt)
            }
            stepRange = (min(stepRange.smallest, lastStep), max(stepRange.largest, lastStep))
            stepping += PhaseTimers.now() - before
            if (every > 0 && stepper.step % every == 0) || finished { try observe() }
            if (budgetEvery > 0 && stepper.step % budgetEvery == 0) || finished { try analyse() }
            try compare()
            if (fieldsEvery > 0 && stepper.step % fieldsEvery == 0) || finished { try writeFields(fft, stepper) }
            if (checkpointEvery > 0 && stepper.step % checkpointEvery == 0) || finished {
                try DeanCheckpoint.write(stepper, fft: fft, to: path(DeanCheckpoint.file))
            }
            progress.update(step: adaptive ? Int(stepper.time / config.dynamics.dt) : stepper.step)
        }
        let wall = communicator.allreduce(PhaseTimers.now() - clock, .max)
        progress.update(step: adaptive ? steps : stepper.step, force: true)
        var summary = Summary(ranks: communicator.size, species: species.names, steps: stepper.step, time: stepper.time, mass: observed.mass,
                              relativeMassChange: abs(observed.mass - observed.mass0) / observed.mass0, minimumDensity: observed.smallest,
                              firstNegativeStep: observed.negative, freeEnergy: observed.energy.isFinite ? observed.energy : nil,
                              budgetResidual: budget == nil ? nil : largestResidual,
                              smallestTimeStep: min(stepRange.smallest, lastStep), largestTimeStep: max(stepRange.largest, lastStep),
                              comparedSnapshots: comparison?.compared, missedSnapshots: comparison.map { $0.pending.count + $0.missed }, wallSeconds: wall,
                              secondsPerStep: communicator.allreduce(stepping, .max) / Double(max(stepper.step - firstStep, 1)),
                              fftPairSeconds: pair, stepInFFTPairs: 0, config: config)
        summary.stepInFFTPairs = summary.secondsPerStep / pair
        try communicator.agree { if communicator.isRoot { try JSONReport.write(summary, to: path("summary.json")) } }
        if let comparison, let missed = summary.missedSnapshots, missed > 0 {
            say("warning: [compare] \(missed) snapshot(s) of \(config.compare.trajectory ?? "") met no Dean step within dt/2 (or lie beyond the run's end): "
                + "make [dynamics] dt divide the run's snapshot interval and time cover it (\(comparison.compared) compared)")
        }
        say("done: step \(stepper.step), time \(String(format: "%.6g", stepper.time)), mass change \(String(format: "%.2g", summary.relativeMassChange)), "
            + "min rho \(String(format: "%.6g", observed.smallest)), \(String(format: "%.3g", 1e3 * summary.secondsPerStep)) ms/step; outputs in \(outputDirectory)")
        return summary
    }

    /// Collective: the median of five r2c + c2r pairs on `fft` (slowest rank), its real array zeroed first.
    static func timedPair(_ fft: SlabFFT) -> Double {
        for i in fft.real.indices { fft.real[i] = 0 }
        let times = (0..<5).map { _ -> Double in
            fft.decomposition.communicator.barrier()
            let start = PhaseTimers.now()
            fft.forward()
            fft.inverse(normalised: false)
            return fft.decomposition.communicator.allreduce(PhaseTimers.now() - start, .max)
        }
        return times.sorted()[2]
    }

    /// The physical axis (x, y[, z]) of grid axis `g` (y, x[, z]).
    static func physicalAxis(_ g: Int) -> Int { gridAxis(g) }

    /// Values per grid axis (y, x[, z]) in physical order (x, y[, z]).
    static func physical<T>(_ values: [T]) -> [T] { values.indices.map { values[gridAxis($0)] } }

    /// Collective: takes the box of the `[initial]` particle snapshot (a `[grid] box` must agree with it) and its species
    /// (names, the largest diameter of each relative to σ, number fractions), checks the config again with the box, and
    /// warns when a species' particles are not all of one size (the Dean equation has one size per species).
    private func adopt(_ particles: ParticleSnapshot) throws {
        if !config.grid.box.isEmpty && config.grid.box != particles.box {
            throw StudyError.invalidOption(name: "[grid] box", value: "= \(config.grid.box)",
                                           expected: "differs from the box \(particles.box) of [initial] file: leave [grid] box out to take the snapshot's")
        }
        config.grid.box = particles.box
        try config.validate()
        let s = particles.speciesNames.count
        var sizes = [Double](repeating: -.infinity, count: 2 * s), counts = [Double](repeating: 0, count: s)
        for (i, a) in particles.species.enumerated() {
            sizes[Int(a)] = max(sizes[Int(a)], particles.diameters[i])
            sizes[s + Int(a)] = max(sizes[s + Int(a)], -particles.diameters[i])
            counts[Int(a)] += 1
        }
        sizes = communicator.allreduce(sizes, .max)
        counts = communicator.allreduce(counts, .sum)
        let total = counts.reduce(0, +)
        // A species the file names without particles keeps d = 1 and a zero density.
        species = (particles.speciesNames, (0..<s).map { counts[$0] > 0 ? sizes[$0] / config.potential.sigma : 1 }, counts.map { $0 / total })
        if communicator.isRoot, let mixed = (0..<s).first(where: { counts[$0] > 0 && sizes[$0] != -sizes[s + $0] }) {
            Console.error("warning: [initial] file: species \(particles.speciesNames[mixed]) has diameters \(-sizes[s + mixed])...\(sizes[mixed]): "
                          + "the Dean equation takes the largest for all of them")
        }
    }

    /// The densities' sum over species.
    static func total(_ rho: [[Double]]) -> [Double] { rho.count == 1 ? rho[0] : rho.dropFirst().reduce(rho[0]) { zip($0, $1).map { $0 + $1 } } }

    /// V_ab of `[potential]` as the Dean equation takes it: σ_ab = σ (d_a + d_b)/2 over the species.
    var bondPotential: BondPotential {
        let p = config.potential, d = species.diameters
        switch p.kind {
        case .harmonic: return .harmonic(diameters: d.map { p.sigma * $0 }, epsilon: p.epsilon)
        case .hertzian: return .hertzian(diameters: d.map { p.sigma * $0 }, epsilon: p.epsilon)
        case .gaussian: return .gaussianCore(diameters: d, sigma: p.sigma, epsilon: p.epsilon)
        case .gem4: return .gem4(diameters: d, sigma: p.sigma, epsilon: p.epsilon)
        case .ideal: return BondPotential(ranges: d.map { _ in d.map { _ in p.sigma } }, value: { _, _, _ in 0 }, derivative: { _, _, _ in 0 })
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

    /// Collective: `fields-<step>.h5` + `.xmf` with ρ on the grid.
    private func writeFields(_ fft: SlabFFT, _ stepper: DeanStepper) throws {
        let d = fft.extents.count, stem = path("fields-\(stepper.step)")
        let file = try FieldFile(path: stem + ".h5", communicator: communicator, metadata: FileMetadata(
            configuration: FileMetadata.commandLine, ranks: communicator.size, box: config.grid.box, strain: 0,
            numbers: ["step": Double(stepper.step), "time": stepper.time, "temperature": config.dynamics.temperature],
            lists: [:], words: ["equation": config.dynamics.stochastic ? "Dean-Kawasaki (physics.md 7.3), Euler-Maruyama" : "Dean (physics.md 7.2), \(config.dynamics.scheme)", "potential": config.potential.kind.rawValue,
                                "axes": d == 2 ? "y, x" : "y, x, z"]))
        try file.addGrid("dean", decomposition: fft.decomposition, shear: 0)
        let rho = stepper.currentDensities(), unit = ReducedUnit.density(dimension: d)
        try file.write("rho", grid: "dean", quantity: "density", unit: unit, values: Self.total(rho))
        if rho.count > 1 {
            for (name, values) in zip(species.names, rho) { try file.write("rho_\(name)", grid: "dean", quantity: "density of species \(name)", unit: unit, values: values) }
        }
        try file.close(sidecars: [(stem + ".xmf", nil)])
    }
}
