import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// `stressflux analyze`: the large-scale stress budget of one configuration at several scales (physics.md §4–5):
/// per scale ℓ the coarse-grained densities, σ̲_ℓ (paper Eq. 30, self-interaction included), its self part, J̄_ℓ,
/// W_ℓ, Q^flux_ℓ and the closure residual with the rate from the instantaneous overdamped velocities v_i = F_i
/// (athermal, unforced: the deterministic drift; a thermal snapshot's noise is not in it), and, given the snapshots
/// Δt later (and earlier), also by forward (central) differences of σ̲_ℓ recomputed there (physics.md §5.4 step 2).
/// Box means and norms are reduced to rank 0 and written as `summary.json` and `budget.csv`; the fields as
/// `analysis.h5` + `analysis.xmf`.
public struct BudgetAnalysis {
    /// How a scale's terms are computed: the §3.5 bond quadrature on the grid (every field, its norms, PDF and residual),
    /// or the §3.7a one pass over the Fourier modes (box averages only, a few FFTs per scale).
    public enum Route: String, Codable, Sendable, CaseIterable {
        case quadrature, averages
    }

    /// One scale's row of `summary.json` (keys are a contract; tensors keyed xx, yy, xy[, zz, xz, yz]).
    public struct ScaleReport: Codable, Sendable {
        public var ell: Double
        public var kernel: String
        /// Grid points along x, y[, z].
        public var grid: [Int]
        /// "quadrature (physics.md §3.5)" or "averages (physics.md §3.7a)".
        public var route: String
        /// ⟨σ̲_ℓ⟩ including the self-interaction part, and ⟨σ^self⟩ alone (physics.md §4.2).
        public var sigma_mean: [String: Double]
        public var sigma_self_mean: [String: Double]
        public var W_mean: [String: Double]
        public var Qflux_mean: [String: Double]
        /// Grid RMS of the Frobenius norm, sqrt(⟨Σ_ij T_ij²⟩), and the grid mean of the Frobenius norm (‖Q‖₁ / |Ω|);
        /// null on the averages route, which makes no fields (so are the residual, the PDF and the quantiles).
        public var Qflux_rms: Double?
        public var Qflux_L1: Double?
        public var divJ_rms: Double?
        /// physics.md §5.4's relative RMS residual with the instantaneous rate, and with the finite-difference rate
        /// when later (and earlier) snapshots are given.
        public var residual_rel: Double?
        public var residual_rel_fd: Double?
        /// ⟨∂_t σ̲_ℓ⟩ by finite differences, when given.
        public var dsigma_dt_mean: [String: Double]?
        /// The grid RMS (Frobenius) of the finite-difference rate minus the instantaneous drift rate: for snapshots of a
        /// thermal (T_v > 0) run the noise-driven change of σ̲_ℓ per unit time (physics.md §5.3), plus the O(Δt) error.
        public var rate_fd_minus_drift_rms: Double?
        /// The instantaneous ⟨∂_t σ̲_ℓ⟩ (= ⟨W⟩ + ⟨Q^flux⟩ up to the closure, X6).
        public var dsigma_dt_instantaneous_mean: [String: Double]
        /// The one-point statistics of the shear component Q^flux_xy: its PDF on fixed edges in units of its own RMS,
        /// and quantiles (keys "0.01" … "0.99").
        public var Qflux_xy_pdf: PDFReport?
        public var Qflux_xy_quantiles: [String: Double]?
        /// ‖Q^flux_ℓ‖₁/|Ω| over S_3(ℓ)/ℓ of the smallest scale's density (physics.md §6.2's bound; `flux_scaling`).
        public var S3_over_ell: Double?
        /// Means conditioned on `--region`.
        public var region: RegionReport?
        /// ℓ/h, bond-quadrature nodes (y; 0 on the averages route) and the wall time of this scale (slowest rank).
        public var resolution: Double
        public var bond_nodes: Int
        public var seconds: Double
        /// Wall times (slowest rank): `deposit` (the coarse-grained state), `terms` (the route's budget terms), `self`
        /// (⟨σ^self⟩), `fft_pair` (one r2c + c2r on this scale's grid, without the 1/N pass, as FFTW-MPI's floor is timed).
        public var timings_seconds: [String: Double] = [:]

        /// As synthesised, but absent statistics are written as null: the keys are always present.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ell, forKey: .ell)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(grid, forKey: .grid)
            try c.encode(route, forKey: .route)
            try c.encode(sigma_mean, forKey: .sigma_mean)
            try c.encode(sigma_self_mean, forKey: .sigma_self_mean)
            try c.encode(W_mean, forKey: .W_mean)
            try c.encode(Qflux_mean, forKey: .Qflux_mean)
            try c.encode(Qflux_rms, forKey: .Qflux_rms)
            try c.encode(Qflux_L1, forKey: .Qflux_L1)
            try c.encode(divJ_rms, forKey: .divJ_rms)
            try c.encode(residual_rel, forKey: .residual_rel)
            try c.encodeIfPresent(residual_rel_fd, forKey: .residual_rel_fd)
            try c.encodeIfPresent(dsigma_dt_mean, forKey: .dsigma_dt_mean)
            try c.encodeIfPresent(rate_fd_minus_drift_rms, forKey: .rate_fd_minus_drift_rms)
            try c.encode(dsigma_dt_instantaneous_mean, forKey: .dsigma_dt_instantaneous_mean)
            try c.encode(Qflux_xy_pdf, forKey: .Qflux_xy_pdf)
            try c.encode(Qflux_xy_quantiles, forKey: .Qflux_xy_quantiles)
            try c.encode(S3_over_ell, forKey: .S3_over_ell)
            try c.encodeIfPresent(region, forKey: .region)
            try c.encode(resolution, forKey: .resolution)
            try c.encode(bond_nodes, forKey: .bond_nodes)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(timings_seconds, forKey: .timings_seconds)
        }
    }

    /// Means over the grid samples inside `--region` (quadrature route).
    public struct RegionReport: Codable, Sendable {
        /// The fraction of the grid's samples inside.
        public var fraction: Double
        public var sigma_mean: [String: Double]
        public var W_mean: [String: Double]
        public var Qflux_mean: [String: Double]
        public var Qflux_rms: Double
    }

    /// `flux_scaling` of `summary.json` (physics.md §6.2, F7): per scale ‖Q^flux_ℓ‖₁/|Ω| and S_3(ℓ)/ℓ, their ratio
    /// (the bound says it stays bounded as ℓ → 0), the fitted power ‖Q^flux_ℓ‖₁ ∝ ℓ^α, and the ℓ → 0 extrapolation of
    /// ⟨Q^flux_ℓ⟩ per component (model a + bℓ, error bar including the change under a + bℓ²; null below three scales).
    public struct FluxScalingReport: Codable, Sendable {
        public var ell: [Double]
        public var Qflux_L1: [Double]
        public var S3_over_ell: [Double]
        public var ratio: [Double?]
        public var exponent: Double?
        public var exponent_error: Double?
        /// 3ξ_3 − 1, the bound's exponent (paper Eq. 55), when ξ_3 was fitted.
        public var bound_exponent: Double?
        public var Qflux_mean_limit: [String: Double]?
        public var Qflux_mean_limit_error: [String: Double]?

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ell, forKey: .ell)
            try c.encode(Qflux_L1, forKey: .Qflux_L1)
            try c.encode(S3_over_ell, forKey: .S3_over_ell)
            try c.encode(ratio, forKey: .ratio)
            try c.encode(exponent, forKey: .exponent)
            try c.encode(exponent_error, forKey: .exponent_error)
            try c.encode(bound_exponent, forKey: .bound_exponent)
            try c.encode(Qflux_mean_limit, forKey: .Qflux_mean_limit)
            try c.encode(Qflux_mean_limit_error, forKey: .Qflux_mean_limit_error)
        }
    }

    /// A PDF on fixed bin edges: `edges` = `unit` × (−5, −4.75, …, 5), `pdf` per bin (Σ pdf·width = the fraction inside),
    /// and the fractions `below` and `above` the edges.
    public struct PDFReport: Codable, Sendable {
        public var unit: Double
        public var edges: [Double]
        public var pdf: [Double]
        public var below: Double
        public var above: Double
    }

    /// `structure` of `summary.json`: increments of ρ̄ at the smallest scale (physics.md §6.1–6.2).
    public struct Structure: Codable, Sendable {
        public var field: String
        /// Lags r = n h in l0, and n.
        public var lags: [Double]
        public var lag_cells: [Int]
        /// S_p(r) keyed by p.
        public var S_p: [String: [Double]]
        /// ζ_p, ξ_p = ζ_p/p and the standard error of ζ_p, keyed by p; null when fewer lags than the fit needs are in range.
        public var zeta_p: [String: Double?]
        public var xi_p: [String: Double?]
        public var zeta_error_p: [String: Double?]
        /// [2ℓ_min, L/8] (l0): the lags the fit uses.
        public var fit_range: [Double]
        /// ξ_3 ≤ 1/3 (paper Eq. 56); null when ξ_3 could not be fitted.
        public var anomaly_flag: Bool?
        /// Local exponents: ξ_3 per window (the field `xi3_local` of analysis.h5).
        public var local: LocalStructure

        /// As synthesised, except that an unknown `anomaly_flag` is written as null rather than left out (a contract key).
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(field, forKey: .field)
            try container.encode(lags, forKey: .lags)
            try container.encode(lag_cells, forKey: .lag_cells)
            try container.encode(S_p, forKey: .S_p)
            try container.encode(zeta_p, forKey: .zeta_p)
            try container.encode(xi_p, forKey: .xi_p)
            try container.encode(zeta_error_p, forKey: .zeta_error_p)
            try container.encode(fit_range, forKey: .fit_range)
            try container.encode(anomaly_flag, forKey: .anomaly_flag)
            try container.encode(local, forKey: .local)
        }
    }

    /// `structure.local`: ξ_3 fitted in square windows of `window_cells` tiling the grid (base points in the window,
    /// increments along every axis, physics.md §6.1's local lags 2, 3, 5, 7, 11, 16 within `fit_range`).
    public struct LocalStructure: Codable, Sendable {
        public var window_cells: Int
        public var windows: Int
        public var lag_cells: [Int]
        public var fit_range: [Double]
        /// The histogram of the windows' ξ_3 over fixed bins of width 0.05 from `bin_edges`[0] = 0 to 1 (values
        /// outside go to the first or last bin); windows whose fit failed are `unfitted`.
        public var bin_edges: [Double]
        public var xi3_histogram: [Int]
        public var unfitted: Int
        /// The fraction of fitted windows with ξ_3 ≤ 1/3 (anomaly candidates, paper Eq. 56).
        public var anomaly_fraction: Double?
    }

    public struct Report: Codable, Sendable {
        public var N: Int
        public var dimension: Int
        /// Box (x, y[, z]).
        public var box: [Double]
        public var potential_energy: Double
        /// σ^vir = Σ_{i<j} r_ij ⊗ ∇V / |Ω| (tension positive).
        public var virial_stress: [String: Double]
        public var scales: [ScaleReport]
        public var structure: Structure
        /// Per-scale flux against the bound and the ℓ → 0 limit of ⟨Q^flux_ℓ⟩.
        public var flux_scaling: FluxScalingReport
        /// The region of the conditioned means, when given.
        public var region: AnalysisRegion?
        /// The window mean of local ξ_3 over the region's samples.
        public var region_xi3_mean: Double?
        public var rate = "instantaneous: v_i = F_i (athermal, unforced overdamped drift)"
        /// "forward" (two snapshots) or "central" (three), with the time between snapshots.
        public var rate_fd: String?
        public var dt: Double?
        public var ranks: Int
        public var seconds: Double
        public var units = "lengths in l0, energies in V0, stresses in V0/l0^d, rates per l0^2/(mu V0)"
        /// Lees–Edwards strain γ of the analysed snapshot (physics.md §1.5b).
        public var strain: Double
        /// Whether grids below ℓ/h = 3 were allowed (``ResolutionFloor``).
        public var allow_coarse_grid: Bool
        public var stressflux = BuildInfo.version
    }

    public let snapshot: ParticleSnapshot
    public let kernel: any Kernel
    public let scales: [Double]
    /// Grid points along x, y[, z] for every scale, or, when nil, per scale from ``pointsPerEll``.
    public let points: [Int]?
    /// ℓ/h of each scale's own grid (``ScaleGrid``).
    public var pointsPerEll: Double?
    public var route: Route = .quadrature
    public var region: AnalysisRegion?
    /// Accept grids below ℓ/h = ``ResolutionFloor/floor`` (recorded in the outputs).
    public var allowCoarseGrid = false
    public let potential: AnyPairPotential
    public let communicator: Communicator
    /// The snapshots Δt = `timeStep` later and earlier, the same particles in the same order (finite-difference rates).
    public var later: ParticleSnapshot?
    public var earlier: ParticleSnapshot?
    public var timeStep: Double?

    public init(snapshot: ParticleSnapshot, kernel: any Kernel, scales: [Double], points: [Int]?, potential: AnyPairPotential,
                communicator: Communicator) {
        self.snapshot = snapshot
        self.kernel = kernel
        self.scales = scales
        self.points = points
        self.potential = potential
        self.communicator = communicator
    }

    /// The budget's view of the potential: species by their diameter (each species' first particle), ranges
    /// cutoffRatio · σ_ab, V and V' from the particle engine's own evaluation.
    static func bondPotential(_ s: ParticleSnapshot, _ potential: AnyPairPotential) -> BondPotential {
        let diameters = s.speciesNames.indices.map { a in s.diameters[s.species.firstIndex(of: Int32(a)) ?? 0] }
        let sigma = diameters.map { a in diameters.map { b in 0.5 * (a + b) } }
        return BondPotential(ranges: sigma.map { $0.map { potential.cutoffRatio * $0 } },
                             value: { r, a, b in potential.evaluate(r2: r * r, sigma: sigma[a][b]).energy },
                             derivative: { r, a, b in -potential.evaluate(r2: r * r, sigma: sigma[a][b]).forceOverR * r })
    }

    /// One scale's grid: its decomposition, the deposition's and the bond integrals' transforms, and ℓ/h.
    struct ScaleWorkspace {
        let decomposition: SlabDecomposition
        let fft: SlabFFT
        let work: SlabFFT
        let spacing: Double
        /// Points along x, y[, z].
        let points: [Int]
    }

    /// Collective: the workspace of a grid of `points` (x, y[, z]), shared by the scales that use it.
    func workspace(_ points: [Int], cache: inout [[Int]: ScaleWorkspace]) throws -> ScaleWorkspace {
        if let known = cache[points] { return known }
        let box = snapshot.box
        try DensityDeposit.checkGrid(points, box: box)
        let extents = [points[1], points[0]] + points.dropFirst(2), gridBox = [box[1], box[0]] + box.dropFirst(2)
        let decomposition = try SlabDecomposition(grid: GridShape(extents), box: gridBox, communicator: communicator)
        // The quadrature's thousands of transforms pay for FFTW_MEASURE plans; the averages route's few dozen do not.
        let effort: PlannerEffort = route == .quadrature ? .measure : .estimate
        let made = ScaleWorkspace(decomposition: decomposition, fft: SlabFFT(decomposition: decomposition, effort: effort),
                                  work: SlabFFT(decomposition: decomposition, effort: effort),
                                  spacing: gridBox[0] / Double(extents[0]), points: points)
        cache[points] = made
        return made
    }

    /// The scales, checked: positive, finite and increasing.
    func checkedScales() throws -> [Double] {
        let text = scales.map { "\($0)" }.joined(separator: ",")
        guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StudyError.invalidOption(name: "--scales", value: text, expected: "give positive scales, like 0.5,1,2")
        }
        guard zip(scales, scales.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StudyError.invalidOption(name: "--scales", value: text, expected: "give increasing scales without repeats, like 0.5,1,2")
        }
        return scales
    }

    /// Collective: analyses every scale and writes `summary.json`, `budget.csv`, `analysis.h5`, `analysis.xmf`.
    @discardableResult
    public func run(directory: String) throws -> Report {
        let s = snapshot, d = s.dimension, clock = Date()
        let ells = try checkedScales()
        guard (points == nil) != (pointsPerEll == nil) else {
            throw StudyError.invalidOption(name: "--grid", value: points.map { $0.map(String.init).joined(separator: "x") } ?? "none",
                                           expected: "give either --grid N or --points-per-ell P")
        }
        if let pointsPerEll, !(pointsPerEll >= 1 && pointsPerEll.isFinite) {
            throw StudyError.invalidOption(name: "--points-per-ell", value: "\(pointsPerEll)", expected: "give ℓ/h ≥ 1 (5 keeps the residual near 1e-10, physics.md §3.6)")
        }
        try checkTrajectory()
        let grids = try ells.map { ell in try points ?? ScaleGrid.points(box: s.box, ell: ell, pointsPerEll: pointsPerEll!, ranks: communicator.size) }
        for (ell, grid) in zip(ells, grids) {  // aspect and resolution on every scale's grid before any output
            try DensityDeposit.checkGrid(grid, box: s.box)
            let checked = try DepositionGrid(extents: [grid[1], grid[0]] + grid.dropFirst(2), box: [s.box[1], s.box[0]] + s.box.dropFirst(2), scale: ell)
            if let warning = try ResolutionFloor.check(ell: ell, points: grid, spacing: checked.spacing, box: s.box, ranks: communicator.size,
                                                       allowCoarse: allowCoarseGrid), communicator.isRoot {
                Console.error("warning: " + warning)
            }
        }
        var cache: [[Int]: ScaleWorkspace] = [:]
        let mine = (0..<s.count).filter { $0 % communicator.size == communicator.rank }
        let bonds = try DensityDeposit.bonds(s, particles: mine, potential: potential)
        let species = mine.map { Int(s.species[$0]) }, speciesCount = s.speciesNames.count
        let bondPotential = Self.bondPotential(s, potential)
        let components = Thermo.componentNames(dimension: d), volume = s.volume
        let virialSums = communicator.allreduce((0..<components.count).map { k in
            stride(from: k, to: bonds.tensors.count, by: components.count).reduce(0) { $0 + bonds.tensors[$1] }
        }, .sum)
        let energy = communicator.allreduce(bonds.energy, .sum)
        let counts = communicator.allreduce((0..<speciesCount).map { a in Double(species.filter { $0 == a }.count) }, .sum)
        let file = try FieldFile(path: (directory as NSString).appendingPathComponent("analysis.h5"), communicator: communicator, metadata: FileMetadata(
            configuration: FileMetadata.commandLine, ranks: communicator.size, box: s.box, strain: s.strain,
            numbers: ["allow_coarse_grid": allowCoarseGrid ? 1 : 0], lists: ["scales": ells],
            words: ["kernel": kernel.name, "route": route.rawValue, "axes": d == 2 ? "y, x" : "y, x, z",
                    "coordinates": "sheared grids: x' = x - g y, g the Lees-Edwards strain reduced by whole Lx/Ly (datasets /geometry/grid<k> hold each node's lab x, y, z)"]))
        var rows: [ScaleReport] = []
        var smallest: (density: [Double], space: ScaleWorkspace, strain: Double)?
        let stressUnit = ReducedUnit.stress(dimension: d), rateUnit = ReducedUnit.stressRate(dimension: d)
        /// Collective: a field on `space`'s grid (in sheared coordinates x' = x − `strain` y), declared on first use.
        func write(_ name: String, _ owned: [Double], on space: ScaleWorkspace, strain: Double, quantity: String, unit: String) throws {
            let grid = "budget on " + space.points.map(String.init).joined(separator: "x")
            if !file.contains(grid: grid) { try file.addGrid(grid, decomposition: space.decomposition, shear: strain) }
            try file.write(name, grid: grid, quantity: quantity, unit: unit, values: owned)
        }
        /// Collective: grid means per component over the samples where `mask` holds (all by default).
        func means(_ tensor: [[Double]], _ mask: [Bool]? = nil) -> [String: Double] {
            let selected = tensor.map { component in component.indices.reduce(0.0) { mask?[$1] == false ? $0 : $0 + component[$1] } }
            let count = Double(mask.map { $0.filter { $0 }.count } ?? tensor[0].count)
            let totals = communicator.allreduce(selected + [count], .sum)
            return Dictionary(uniqueKeysWithValues: zip(components, totals.dropLast().map { $0 / max(totals.last!, 1) }))
        }
        /// Collective: sqrt(⟨Σ_ij T_ij²⟩) and ⟨(Σ_ij T_ij²)^{1/2}⟩, off-diagonal components counted twice.
        func norms(_ tensor: [[Double]], _ mask: [Bool]? = nil) -> (rms: Double, mean: Double) {
            var sums = [0.0, 0.0, 0.0]
            for k in tensor[0].indices where mask?[k] != false {
                var frobenius = 0.0
                for m in tensor.indices { frobenius += (m < d ? 1 : 2) * tensor[m][k] * tensor[m][k] }
                sums[0] += frobenius
                sums[1] += frobenius.squareRoot()
                sums[2] += 1
            }
            let total = communicator.allreduce(sums, .sum), n = max(total[2], 1)
            return ((total[0] / n).squareRoot(), total[1] / n)
        }
        /// Collective: `body`'s wall time on the slowest rank.
        func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
            let begin = Date(), value = try body()
            return (value, communicator.allreduce(Date().timeIntervalSince(begin), .max))
        }
        for (ell, grid) in zip(ells, grids) {
            let start = Date(), space = try workspace(grid, cache: &cache)
            var timings: [String: Double] = [:]
            for i in space.work.real.indices { space.work.real[i] = 0 }
            timings["fft_pair"] = timed { for _ in 0..<3 { space.work.forward(); space.work.inverse(normalised: false) } }.1 / 3
            let deposition = try GriddedDeposition(fft: space.fft, kernel: kernel, scale: ell, strain: s.strain)
            let strain = deposition.strain
            let quadrature = BondQuadrature(dimension: d, breaks: bondPotential.breaks)
            let integral = BondIntegral(fft: space.work, quadrature: quadrature, potential: bondPotential, strain: strain)
            let calculus = SpectralCalculus(fft: space.work, strain: strain)
            let state: CoarseGrainedState
            (state, timings["deposit"]) = try timed {
                try CoarseGrainedState.deposit(positions: bonds.forcePoints, species: species, speciesCount: speciesCount,
                                               forces: bonds.forces, velocities: bonds.forces, with: deposition)
            }
            let modes = BondAverage(fft: space.work, potential: bondPotential, strain: strain)
            let selfStress: [Double]
            (selfStress, timings["self"]) = try timed { try SelfStress.average(counts: counts, deposition: deposition, average: modes) }
            let tag = "ell\(ell)", density = state.densities.dropFirst().reduce(state.densities[0]) { zip($0, $1).map { $0 + $1 } }
            if smallest == nil { smallest = (density, space, strain) }
            try write("rho_\(tag)", density, on: space, strain: strain, quantity: "number density rho_l at l = \(ell)", unit: ReducedUnit.density(dimension: d))
            var row = ScaleReport(ell: ell, kernel: kernel.name, grid: grid, route: "", sigma_mean: [:],
                                  sigma_self_mean: Dictionary(uniqueKeysWithValues: zip(components, selfStress)), W_mean: [:], Qflux_mean: [:],
                                  dsigma_dt_instantaneous_mean: [:], resolution: ell / space.spacing, bond_nodes: 0, seconds: 0)
            switch route {
            case .averages:
                let averages: StressBudgetAverages
                (averages, timings["terms"]) = timed {
                    StressBudgetAverages(state: state, average: modes, potential: bondPotential, calculus: calculus)
                }
                let keyed = { (values: [Double]) in Dictionary(uniqueKeysWithValues: zip(components, values)) }
                row.route = "averages (physics.md §3.7a)"
                (row.sigma_mean, row.W_mean, row.Qflux_mean) = (keyed(averages.sigma), keyed(averages.work), keyed(averages.interScaleFlux))
                row.dsigma_dt_instantaneous_mean = keyed(averages.rate)
            case .quadrature:
                let budget: StressBudget
                (budget, timings["terms"]) = timed { StressBudget(state: state, bonds: integral, calculus: calculus) }
                /// σ̲_ℓ of the same particles in another snapshot, each displaced from here by its minimum image.
                func sigma(at other: ParticleSnapshot) throws -> [[Double]] {
                    var moved = bonds.forcePoints
                    for (k, i) in mine.enumerated() {
                        for a in 0..<d {
                            let delta = other.positions[i * d + a] - s.positions[i * d + a]
                            moved[k * d + a] += delta - (delta / s.box[a]).rounded() * s.box[a]
                        }
                    }
                    let densities = try (0..<speciesCount).map { a in
                        try deposition.deposit(positions: moved, values: species.map { $0 == a ? 1.0 : 0.0 }, components: 1)[0]
                    }
                    return LargeScaleStress.field(densities: densities, bonds: integral)
                }
                if let later, let dt = timeStep {
                    let ahead = try sigma(at: later), behind = try earlier.map { try sigma(at: $0) } ?? budget.sigma
                    let span = earlier == nil ? dt : 2 * dt
                    let differenced = zip(ahead, behind).map { zip($0, $1).map { ($0 - $1) / span } }
                    row.residual_rel_fd = budget.residual(rate: differenced, communicator: communicator)
                    row.dsigma_dt_mean = means(differenced)
                    row.rate_fd_minus_drift_rms = norms(zip(differenced, budget.rate).map { zip($0, $1).map { $0 - $1 } }).rms
                }
                let flux = norms(budget.interScaleFlux)
                let shear = budget.interScaleFlux[components.firstIndex(of: "xy")!]
                let shearRMS = (communicator.allreduce(shear.reduce(0) { $0 + $1 * $1 }, .sum) / Double(space.decomposition.grid.pointCount)).squareRoot()
                let unit = shearRMS > 0 ? shearRMS : 1
                let histogram = FieldHistogram(values: shear, edges: (-20...20).map { Double($0) / 4 * unit }, communicator: communicator)
                let levels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
                let quantiles = FieldHistogram.quantiles(of: shear, at: levels, communicator: communicator)
                for (m, name) in components.enumerated() {
                    try write("sigma_\(name)_\(tag)", budget.sigma[m], on: space, strain: strain,
                              quantity: "large-scale stress sigma_l (physics.md 4.2) at l = \(ell), component \(name)", unit: stressUnit)
                    try write("W_\(name)_\(tag)", budget.work[m], on: space, strain: strain,
                              quantity: "large-scale work W_l (physics.md 5.2) at l = \(ell), component \(name)", unit: rateUnit)
                    try write("Qflux_\(name)_\(tag)", budget.interScaleFlux[m], on: space, strain: strain,
                              quantity: "inter-scale stress flux Q^flux_l (physics.md 5.2) at l = \(ell), component \(name)", unit: rateUnit)
                    try write("divJ_\(name)_\(tag)", budget.fluxDivergence[m], on: space, strain: strain,
                              quantity: "divergence of the stress current div J_l (physics.md 5.1) at l = \(ell), component \(name)", unit: rateUnit)
                }
                row.route = "quadrature (physics.md §3.5)"
                (row.sigma_mean, row.W_mean, row.Qflux_mean) = (means(budget.sigma), means(budget.work), means(budget.interScaleFlux))
                row.dsigma_dt_instantaneous_mean = means(budget.rate)
                (row.Qflux_rms, row.Qflux_L1, row.divJ_rms) = (flux.rms, flux.mean, norms(budget.fluxDivergence).rms)
                let residual = budget.residual(communicator: communicator)
                row.residual_rel = residual.isFinite ? residual : nil  // 0/0 when nothing moves (e.g. one particle)
                row.Qflux_xy_pdf = PDFReport(unit: unit, edges: histogram.edges, pdf: histogram.pdf, below: histogram.below, above: histogram.above)
                row.Qflux_xy_quantiles = Dictionary(uniqueKeysWithValues: zip(levels.map { "\($0)" }, quantiles))
                row.bond_nodes = quadrature.nodes.count
                if let region {
                    let mask = region.mask(decomposition: space.decomposition, spacing: space.spacing, strain: strain, box: s.box)
                    let inside = communicator.allreduce(Double(mask.filter { $0 }.count), .sum) / Double(space.decomposition.grid.pointCount)
                    row.region = RegionReport(fraction: inside, sigma_mean: means(budget.sigma, mask), W_mean: means(budget.work, mask),
                                              Qflux_mean: means(budget.interScaleFlux, mask), Qflux_rms: norms(budget.interScaleFlux, mask).rms)
                }
            }
            row.seconds = communicator.allreduce(Date().timeIntervalSince(start), .max)
            row.timings_seconds = timings
            rows.append(row)
            if communicator.isRoot {
                let residual = row.residual_rel.map { String(format: ", residual %.2g", $0) } ?? ""
                let pressure = -(0..<d).reduce(0.0) { $0 + row.sigma_mean[components[$1]]! } / Double(d)
                print(String(format: "ℓ = %g (%@, ℓ/h = %.2g): ⟨σ̲_xy⟩ = %.6g, −tr⟨σ̲⟩/d = %.6g, ⟨W_xy⟩ = %.6g, ⟨Q^flux_xy⟩ = %.6g%@, %.3g s", ell,
                             grid.map(String.init).joined(separator: "x"), row.resolution, row.sigma_mean["xy"]!, pressure, row.W_mean["xy"]!,
                             row.Qflux_mean["xy"]!, residual, row.seconds))
            }
        }
        guard let smallest else { preconditionFailure("at least one scale") }
        let local = try Self.localStructure(of: smallest.density, decomposition: smallest.space.decomposition, spacing: smallest.space.spacing,
                                            smallestScale: ells[0])
        try write("xi3_local", local.map, on: smallest.space, strain: smallest.strain,
                  quantity: "local Besov exponent xi_3 of rho_l at l = \(ells[0]) (physics.md 6.1)", unit: "1")
        let structure = try Self.structure(of: smallest.density, decomposition: smallest.space.decomposition, spacing: smallest.space.spacing,
                                           smallestScale: ells[0], box: s.box, local: local.summary)
        let scaling = try Self.fluxScaling(rows, density: smallest.density, space: smallest.space, components: components, structure: structure)
        for (k, bound) in scaling.S3_over_ell.enumerated() { rows[k].S3_over_ell = bound }
        var regionXi3: Double?
        if let region {
            let mask = region.mask(decomposition: smallest.space.decomposition, spacing: smallest.space.spacing, strain: smallest.strain, box: s.box)
            let values = zip(local.map, mask).filter { $1 && $0.isFinite }.map(\.0)
            let sums = communicator.allreduce([values.reduce(0, +), Double(values.count)], .sum)
            regionXi3 = sums[1] > 0 ? sums[0] / sums[1] : nil
        }
        try file.close(sidecars: [((directory as NSString).appendingPathComponent("analysis.xmf"), nil)])
        let report = Report(N: s.count, dimension: d, box: s.box, potential_energy: energy,
                            virial_stress: Dictionary(uniqueKeysWithValues: zip(components, virialSums.map { $0 / volume })),
                            scales: rows, structure: structure, flux_scaling: scaling, region: region, region_xi3_mean: regionXi3,
                            rate_fd: later == nil ? nil : earlier == nil ? "forward" : "central",
                            dt: later == nil ? nil : timeStep, ranks: communicator.size, seconds: communicator.allreduce(Date().timeIntervalSince(clock), .max),
                            strain: s.strain, allow_coarse_grid: allowCoarseGrid)
        try communicator.agree {
            guard communicator.isRoot else { return }
            let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
            try Self.table(rows, components: components).write(to: URL(fileURLWithPath: path("budget.csv")), atomically: true, encoding: .utf8)
            try JSONReport.write(report, to: path("summary.json"))
        }
        return report
    }

    /// Collective: `flux_scaling`: S_3 of the smallest scale's density at the lag nearest each ℓ, ‖Q^flux_ℓ‖₁ against
    /// S_3(ℓ)/ℓ, the power law of ‖Q^flux_ℓ‖₁ and the ℓ → 0 extrapolation of ⟨Q^flux_ℓ⟩ (physics.md §6.2).
    static func fluxScaling(_ rows: [ScaleReport], density: [Double], space: ScaleWorkspace, components: [String],
                            structure: Structure) throws -> FluxScalingReport {
        let h = space.spacing, cells = rows.map { max(1, Int(($0.ell / h).rounded())) }
        let increments = try StructureFunctions(field: density, decomposition: space.decomposition, lags: Array(Set(cells)).sorted(), orders: [3])
        let bounds = zip(rows, cells).map { row, n in increments.values[0][increments.lags.firstIndex(of: n)!] / row.ell }
        let withNorms = rows.indices.filter { rows[$0].Qflux_L1 != nil }
        let fit = FluxScaling(scales: withNorms.map { rows[$0].ell }, fluxNorms: withNorms.map { rows[$0].Qflux_L1! },
                              bounds: withNorms.map { bounds[$0] })
        var ratios = [Double?](repeating: nil, count: rows.count)
        for (k, index) in withNorms.enumerated() { ratios[index] = fit.ratios[k].isFinite ? fit.ratios[k] : nil }
        let limits = components.map { name in FluxScaling.extrapolate(scales: rows.map(\.ell), values: rows.map { $0.Qflux_mean[name]! }) }
        let xi3 = structure.xi_p["3"] ?? nil
        return FluxScalingReport(ell: rows.map(\.ell), Qflux_L1: withNorms.map { rows[$0].Qflux_L1! }, S3_over_ell: bounds, ratio: ratios,
                                 exponent: fit.exponent.isFinite ? fit.exponent : nil, exponent_error: fit.exponentError.isFinite ? fit.exponentError : nil,
                                 bound_exponent: xi3.map { 3 * $0 - 1 },
                                 Qflux_mean_limit: limits.allSatisfy { $0 != nil } ? Dictionary(uniqueKeysWithValues: zip(components, limits.map { $0!.value })) : nil,
                                 Qflux_mean_limit_error: limits.allSatisfy { $0 != nil } ? Dictionary(uniqueKeysWithValues: zip(components, limits.map { $0!.error })) : nil)
    }

    /// The later and earlier snapshots match this one: the same particles, box and strain, and a positive Δt.
    func checkTrajectory() throws {
        guard later != nil || earlier != nil else { return }
        guard let timeStep, timeStep > 0, timeStep.isFinite else {
            throw StudyError.invalidOption(name: "--dt", value: timeStep.map { "\($0)" } ?? "missing",
                                           expected: "give the positive time between the snapshots (τ0) with two or three inputs")
        }
        for (name, other) in [("the later snapshot", later), ("the earlier snapshot", earlier)] {
            guard let other else { continue }
            guard other.ids == snapshot.ids, other.box == snapshot.box, other.strain == snapshot.strain else {
                throw StudyError.invalidOption(name: name, value: "\(other.count) particles", expected:
                    "must hold the same particles (ids in the same order) in the same box and strain as the analysed snapshot")
            }
        }
    }

    /// Collective: S_p of ρ̄ at the smallest scale, p = 1…6, physics.md's default lags, fitted over [2ℓ_min, L/8].
    static func structure(of density: [Double], decomposition: SlabDecomposition, spacing h: Double, smallestScale: Double,
                          box: [Double], local: LocalStructure) throws -> Structure {
        let functions = try StructureFunctions(field: density, decomposition: decomposition)
        let range = 2 * smallestScale...max(2 * smallestScale, box.min()! / 8)
        let fit = ScalingExponents(functions, spacing: h, range: range)
        func keyed(_ values: [Double]) -> [String: Double?] {
            Dictionary(uniqueKeysWithValues: zip(fit.orders.map(String.init), values.map { $0.isFinite ? $0 : nil }))
        }
        return Structure(field: "rho at the smallest scale, \(smallestScale)", lags: functions.lags.map { Double($0) * h },
                         lag_cells: functions.lags, S_p: Dictionary(uniqueKeysWithValues: zip(functions.orders.map(String.init), functions.values)),
                         zeta_p: keyed(fit.zeta), xi_p: keyed(fit.xi), zeta_error_p: keyed(fit.standardErrors),
                         fit_range: [range.lowerBound, range.upperBound], anomaly_flag: fit.xi[2].isFinite ? fit.anomalyCandidate : nil,
                         local: local)
    }

    /// Collective: ξ_3 in windows of 32 cells per axis (fewer when the grid is smaller) and its map (each sample
    /// its window's ξ_3, NaN where the fit failed), fitted over [2ℓ_min, half a window].
    static func localStructure(of density: [Double], decomposition: SlabDecomposition, spacing h: Double,
                               smallestScale: Double) throws -> (summary: LocalStructure, map: [Double]) {
        let extents = decomposition.grid.extents, d = extents.count, planeLength = extents.dropFirst().reduce(1, *)
        let side = min(32, extents.min()!), tiles = extents.map { ($0 + side - 1) / side }, lags = [2, 3, 5, 7, 11, 16]
        func window(_ k: Int) -> Int {
            let plane = decomposition.start + k / planeLength, e = k % planeLength
            let index = d == 2 ? [plane, e] : [plane, e / extents[2], e % extents[2]]
            return (0..<d).reduce(0) { $0 * tiles[$1] + index[$1] / side }
        }
        let ids = density.indices.map(window), count = tiles.reduce(1, *)
        let functions = try StructureFunctions.windowed(field: density, windows: ids, windowCount: count, decomposition: decomposition,
                                                        lags: lags, orders: [3], periodic: true)
        let range = 2 * smallestScale...max(2 * smallestScale, Double(side) * h / 2)
        let xi = functions.map { ScalingExponents($0, spacing: h, range: range).xi[0] }
        let edges = (0...20).map { Double($0) / 20 }
        var histogram = [Int](repeating: 0, count: 20)
        for value in xi where value.isFinite { histogram[min(19, max(0, Int(value / 0.05)))] += 1 }
        let fitted = xi.filter(\.isFinite)
        let summary = LocalStructure(window_cells: side, windows: count, lag_cells: lags, fit_range: [range.lowerBound, range.upperBound],
                                     bin_edges: edges, xi3_histogram: histogram, unfitted: count - fitted.count,
                                     anomaly_fraction: fitted.isEmpty ? nil : Double(fitted.filter { $0 <= 1.0 / 3 }.count) / Double(fitted.count))
        return (summary, ids.map { xi[$0] })
    }

    /// `budget.csv`: a header naming each column and its unit, one row per scale (empty cells where a route makes no fields).
    static func table(_ rows: [ScaleReport], components: [String]) -> String {
        let tensors = ["sigma", "sigma_self", "W", "Qflux"]
        var lines = [(["ell", "kernel", "grid"] + tensors.flatMap { t in components.map { "\(t)_\($0)" } }
                      + ["Qflux_rms", "Qflux_L1", "divJ_rms", "residual_rel", "S3_over_ell", "resolution", "route", "seconds"]).joined(separator: ",")]
        for r in rows {
            let values = [r.sigma_mean, r.sigma_self_mean, r.W_mean, r.Qflux_mean].flatMap { t in components.map { String(t[$0]!) } }
            lines.append(([String(r.ell), r.kernel, r.grid.map(String.init).joined(separator: "x")] + values
                          + [r.Qflux_rms, r.Qflux_L1, r.divJ_rms, r.residual_rel, r.S3_over_ell].map { $0.map { String($0) } ?? "" }
                          + [String(r.resolution), r.route.split(separator: " ").first.map(String.init) ?? r.route, String(r.seconds)]).joined(separator: ","))
        }
        return "# stresses in V0/l0^d, W and Qflux in V0/l0^d per l0^2/(mu V0), lengths in l0\n" + lines.joined(separator: "\n") + "\n"
    }
}
