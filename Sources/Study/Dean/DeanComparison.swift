import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// The test of the paper's central hypothesis (Concluding remarks; issue 20 item 5): the coarse-grained density of the
/// particles follows the coarse-grained noiseless Dean equation. The Dean run starts from ρ̄_ℓ₀ of a particle snapshot
/// (`[initial] kind = "particles"`); a `run` started from the same snapshot, at the same T_v and forcing, wrote
/// `snapshot-<step>.h5` (and `final.h5`) into `[compare] trajectory`. At each snapshot's time (matched to the Dean step
/// within half a step) and each ℓ ≥ ℓ₀ of `[compare] scales`, one row of `compare.csv`:
/// - the relative L2 distance between the two ρ̄_ℓ on the Dean grid. The particles' is Σ_i G_ℓ(x − x_i) (the gridded
///   deposition); the NDE's is G_ℓ' * ρ with ℓ'² = ℓ² − ℓ₀², since Gaussians compose by adding second moments
///   (physics.md §3.1: Ĝ(kℓ₀)Ĝ(kℓ') = Ĝ(kℓ)), so the two agree exactly at t = 0 and any later distance is the dynamics';
///   it is given against ‖ρ̄_ℓ‖, against ‖ρ̄_ℓ − ⟨ρ⟩‖ (the structure) and against ‖ρ̄_ℓ(t) − ρ̄_ℓ(0)‖ of the particles
///   (`rho_distance_rel_change`: below 1 the NDE predicts part of the particles' change, at 1 or above no better than
///   a frozen density);
/// - the RMS of each ρ̄_ℓ − ⟨ρ⟩ (how much structure each keeps);
/// - the two systems' box means ⟨Q^flux_ℓ⟩, each of its own density at ℓ: the particles' by `analyze`'s averages route
///   (physics.md §3.7a, the forces F_i), the NDE's by the §5.3 field budget of ρ at ℓ (``DeanBudget``).
final class DeanComparison {
    struct Snapshot {
        let path: String
        let time: Double
    }

    let scales: [Double]
    let ell0: Double
    let fft: SlabFFT
    let kernel: GaussianKernel
    let potential: AnyPairPotential
    let terms: DeanBudget
    let communicator: Communicator
    /// Not yet compared, by time.
    private(set) var pending: [Snapshot]
    /// Compared so far, and passed over (no Dean step within half a step of their time).
    private(set) var compared = 0
    private(set) var missed = 0
    private let plan: MeasurementPlan
    private let workspaces: ScaleWorkspaces
    private let log: StepLog
    private let components: [String]
    private let particleCount: Int
    /// The `[initial]` snapshot, and its ρ̄_ℓ per scale once measured (the reference of `rho_distance_rel_change`).
    private let initial: Snapshot
    private var initialDensities: [[Double]]?

    /// Collective: the snapshots in `trajectory` and a plan on the Dean grid (`points` x, y[, z]; `box` likewise).
    init(trajectory: String, initial: Snapshot, scales: [Double], ell0: Double, points: [Int], box: [Double], fft: SlabFFT,
         potential: AnyPairPotential, terms: DeanBudget, particleCount: Int, directory: String) throws {
        let communicator = fft.decomposition.communicator, d = points.count
        self.scales = scales
        self.ell0 = ell0
        self.fft = fft
        self.potential = potential
        self.terms = terms
        self.communicator = communicator
        self.particleCount = particleCount
        self.initial = initial
        kernel = GaussianKernel(dimension: d)
        pending = [initial] + (try communicator.agree { try Self.snapshots(in: trajectory) })
        plan = try MeasurementPlan(scales: scales, grid: points, pointsPerEll: nil, kernel: kernel, route: .averages, region: nil,
                                   allowCoarseGrid: true, box: box, ranks: communicator.size,
                                   names: .init(scales: "[compare] scales", grid: "[grid] points", pointsPerEll: "[grid] points",
                                                allowCoarseGrid: "[grid] points"))
        workspaces = ScaleWorkspaces(box: box, effort: .estimate, communicator: communicator)
        components = Thermo.componentNames(dimension: d)
        let rate = ReducedUnit.stressRate(dimension: d)
        log = StepLog(path: (directory as NSString).appendingPathComponent("compare.csv"), columns: [
            CSVColumn("time", unit: ReducedUnit.time), CSVColumn("ell", unit: ReducedUnit.length), "rho_distance_rel", "rho_distance_rel_structure", "rho_distance_rel_change",
            CSVColumn("rho_rms_structure_particles", unit: ReducedUnit.density(dimension: d)),
            CSVColumn("rho_rms_structure_dean", unit: ReducedUnit.density(dimension: d)),
        ] + components.flatMap { [CSVColumn("Qflux_\($0)_dean", unit: rate), CSVColumn("Qflux_\($0)_particles", unit: rate)] } + ["snapshot"])
    }

    /// Local: `snapshot-<step>.h5` by step, then `final.h5`, each with the time of its last frame.
    /// - Throws: ``StudyError`` naming `[compare] trajectory` when the folder holds none.
    static func snapshots(in folder: String) throws -> [Snapshot] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw StudyError.invalidOption(name: "[compare] trajectory", value: folder, expected: "is not a readable folder: give the output folder of a run")
        }
        let steps = names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("snapshot-"), name.hasSuffix(".h5"), let step = Int(name.dropFirst(9).dropLast(3)) else { return nil }
            return (step, name)
        }.sorted { $0.0 < $1.0 }.map(\.1) + (names.contains("final.h5") ? ["final.h5"] : [])
        guard !steps.isEmpty else {
            throw StudyError.invalidOption(name: "[compare] trajectory", value: folder,
                                           expected: "holds no snapshot-<step>.h5 or final.h5: run with [output] snapshot_every > 0")
        }
        var found: [Snapshot] = []
        for name in steps {
            let path = (folder as NSString).appendingPathComponent(name)
            let file = try HDF5File.openForReading(path: path)
            defer { try? file.close() }
            guard file.contains("/particles/all/position/time") else {
                throw FormatError.badFile(path: path, format: "H5MD", reason: "no particles/all/position/time: the comparison needs each snapshot's time")
            }
            let time = try file.read(name: "/particles/all/position/time").values.last ?? 0
            if found.last.map({ abs($0.time - time) > 1e-12 * max(1, abs(time)) }) ?? true { found.append(Snapshot(path: path, time: time)) }
        }
        return found
    }

    /// The time of the next snapshot to compare, where an adaptive step should land.
    var nextTime: Double? { pending.first?.time }

    /// Collective: rank 0 starts `compare.csv`, or on restart keeps its rows up to `step`, and drops the snapshots before
    /// `time`.
    func begin(restartingAt step: Int?, time: Double, timeStep: Double) throws {
        try communicator.agree { if communicator.isRoot { try log.begin(restartingAt: step) } }
        if step != nil { pending.removeAll { $0.time < time + 0.5 * timeStep } }
    }

    /// Collective: compares the Dean densities `rho` (one per species, owned samples; their sum against all the particles) at `step` and `time` with every pending snapshot whose
    /// time is within half of `timeStep`; snapshots passed over are counted as missed.
    func observe(step: Int, time: Double, timeStep: Double, rho: [[Double]]) throws {
        while let next = pending.first, next.time <= time + 0.5 * timeStep * (1 + 1e-9) {
            pending.removeFirst()
            guard abs(next.time - time) <= 0.5 * timeStep * (1 + 1e-9) else {
                missed += 1
                continue
            }
            try compare(next, step: step, time: time, rho: rho)
            compared += 1
        }
    }

    /// Collective: the particles' ρ̄_ℓ (owned samples) and ⟨Q^flux_ℓ⟩ (keyed by component) at each scale of a snapshot.
    private func measured(_ snapshot: Snapshot) throws -> [(density: [Double], flux: [String: Double])] {
        let d = fft.extents.count
        let block = try SnapshotFormat.readBlock(snapshot.path, dimension: d, typeDiameters: [1], communicator: communicator)
        let count = communicator.allreduce(block.count, .sum)
        guard count == particleCount, block.box == DeanRun.physical(fft.decomposition.box) else {
            throw StudyError.invalidOption(name: "[compare] trajectory", value: snapshot.path,
                                           expected: "holds \(count) particles in box \(block.box), not the \(particleCount) of [initial] file: compare a run started from it")
        }
        let system = try ParticleSystem(block: block, potential: potential, skin: 0, communicator: communicator)
        let particles = SlabParticles(system: system)
        let bonds = BudgetAnalysis.bondPotential(particles, potential)
        return try plan.scales.map { scale in
            let space = try workspaces.workspace(scale.points)
            precondition(space.decomposition.start == fft.decomposition.start && space.decomposition.count == fft.decomposition.count,
                         "the comparison's grid is the Dean grid's, split alike")
            let result = try ScaleAnalysis(scale: scale, plan: plan, space: space, particles: particles, potential: bonds, communicator: communicator,
                                           reportsProgress: false).run(displaced: nil, fields: nil)
            return (result.density, result.row.Qflux_mean)
        }
    }

    /// Collective: the rows of one snapshot.
    private func compare(_ snapshot: Snapshot, step: Int, time: Double, rho: [[Double]]) throws {
        let particles = try measured(snapshot)
        if initialDensities == nil {  // a restarted run measures the initial snapshot again
            initialDensities = snapshot.path == initial.path ? particles.map(\.density) : try measured(initial).map(\.density)
        }
        let nde = terms.budgets(of: rho, at: scales), points = Double(fft.decomposition.grid.pointCount)
        let reduce = GridReductions(components: components, communicator: communicator)
        for (k, scale) in plan.scales.enumerated() {
            let lifted = scale.ell * scale.ell - ell0 * ell0
            let total = DeanRun.total(rho)
            let filtered = lifted > 1e-12 * ell0 * ell0 ? SubfilterCovariance(fft: fft, kernel: kernel, scale: lifted.squareRoot()).filter(total) : total
            let theirs = particles[k].density, before = initialDensities![k]
            let mean = communicator.allreduce(theirs.reduce(0, +), .sum) / points
            var sums = [Double](repeating: 0, count: 5)
            for (i, (a, b)) in zip(filtered, theirs).enumerated() {
                sums[0] += (a - b) * (a - b)
                sums[1] += b * b
                sums[2] += (b - mean) * (b - mean)
                sums[3] += (a - mean) * (a - mean)
                sums[4] += (b - before[i]) * (b - before[i])
            }
            sums = communicator.allreduce(sums, .sum)
            let ndeFlux = reduce.means(nde[k].terms.interScaleFlux)
            let values = [time, scale.ell, (sums[0] / sums[1]).squareRoot(), (sums[0] / sums[2]).squareRoot(), (sums[0] / sums[4]).squareRoot(),
                          (sums[2] / points).squareRoot(), (sums[3] / points).squareRoot()]
                + components.flatMap { [ndeFlux[$0]!, particles[k].flux[$0]!] }
            try communicator.agree {
                if communicator.isRoot {
                    try log.append(step: step, values: values.map { $0.isFinite ? "\($0)" : "" } + [(snapshot.path as NSString).lastPathComponent])
                }
            }
        }
    }
}
