import Budget
import Fields
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
    /// One scale's row of `summary.json` (keys are a contract; tensors keyed xx, yy, xy[, zz, xz, yz]).
    public struct ScaleReport: Codable, Sendable {
        public var ell: Double
        public var kernel: String
        /// Grid points along x, y[, z].
        public var grid: [Int]
        /// ⟨σ̲_ℓ⟩ including the self-interaction part, and ⟨σ^self⟩ alone (physics.md §4.2).
        public var sigma_mean: [String: Double]
        public var sigma_self_mean: [String: Double]
        public var W_mean: [String: Double]
        public var Qflux_mean: [String: Double]
        /// Grid RMS of the Frobenius norm, sqrt(⟨Σ_ij T_ij²⟩), and the grid mean of the Frobenius norm (‖Q‖₁ / |Ω|).
        public var Qflux_rms: Double
        public var Qflux_L1: Double
        public var divJ_rms: Double
        /// physics.md §5.4's relative RMS residual with the instantaneous rate, and with the finite-difference rate
        /// when later (and earlier) snapshots are given.
        public var residual_rel: Double
        public var residual_rel_fd: Double?
        /// ⟨∂_t σ̲_ℓ⟩ by finite differences, when given.
        public var dsigma_dt_mean: [String: Double]?
        /// The one-point statistics of the shear component Q^flux_xy: its PDF on fixed edges in units of its own RMS,
        /// and quantiles (keys "0.01" … "0.99").
        public var Qflux_xy_pdf: PDFReport
        public var Qflux_xy_quantiles: [String: Double]
        /// ℓ/h, bond-quadrature nodes (y) and the wall time of this scale (slowest rank).
        public var resolution: Double
        public var bond_nodes: Int
        public var seconds: Double
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
        public var rate = "instantaneous: v_i = F_i (athermal, unforced overdamped drift)"
        /// "forward" (two snapshots) or "central" (three), with the time between snapshots.
        public var rate_fd: String?
        public var dt: Double?
        public var ranks: Int
        public var seconds: Double
        public var units = "lengths in l0, energies in epsilon, stresses in epsilon/l0^d, rates per tau0"
        public var stressflux = BuildInfo.version
    }

    public let snapshot: ParticleSnapshot
    public let kernel: any Kernel
    public let scales: [Double]
    /// Grid points along x, y[, z].
    public let points: [Int]
    public let potential: AnyPairPotential
    public let communicator: Communicator
    /// The snapshots Δt = `timeStep` later and earlier, the same particles in the same order (finite-difference rates).
    public var later: ParticleSnapshot?
    public var earlier: ParticleSnapshot?
    public var timeStep: Double?

    public init(snapshot: ParticleSnapshot, kernel: any Kernel, scales: [Double], points: [Int], potential: AnyPairPotential,
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

    /// Collective: analyses every scale and writes `summary.json`, `budget.csv`, `analysis.h5`, `analysis.xmf`.
    @discardableResult
    public func run(directory: String) throws -> Report {
        let s = snapshot, d = s.dimension, clock = Date()
        try DensityDeposit.checkGrid(points, box: s.box)
        guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StudyError.invalidOption(name: "--scales", value: scales.map { "\($0)" }.joined(separator: ","), expected: "give positive scales, like 0.5,1,2")
        }
        try checkTrajectory()
        let extents = [points[1], points[0]] + points.dropFirst(2), gridBox = [s.box[1], s.box[0]] + s.box.dropFirst(2)
        _ = try DepositionGrid(extents: extents, box: gridBox, scale: scales.min()!)  // aspect and ℓ/h ≥ 1, one-line errors
        let decomposition = try SlabDecomposition(grid: GridShape(extents), box: gridBox, communicator: communicator)
        let fft = SlabFFT(decomposition: decomposition), work = SlabFFT(decomposition: decomposition)
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
        let file = try HDF5File.create(path: (directory as NSString).appendingPathComponent("analysis.h5"), communicator: communicator)
        var names: [String] = [], rows: [ScaleReport] = [], smallest: [Double] = []
        func write(_ name: String, _ owned: [Double]) throws {
            try owned.withUnsafeBufferPointer {
                try file.writeSlabs(name: "/\(name)", grid: decomposition.grid, start: decomposition.start, planes: decomposition.count, values: $0)
            }
            names.append(name)
        }
        let total = Double(decomposition.grid.pointCount)
        func means(_ tensor: [[Double]]) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: zip(components, communicator.allreduce(tensor.map { $0.reduce(0, +) / total }, .sum)))
        }
        /// Collective: sqrt(⟨Σ_ij T_ij²⟩) and ⟨(Σ_ij T_ij²)^{1/2}⟩, off-diagonal components counted twice.
        func norms(_ tensor: [[Double]]) -> (rms: Double, mean: Double) {
            var squares = 0.0, norm = 0.0
            for k in tensor[0].indices {
                var frobenius = 0.0
                for m in tensor.indices { frobenius += (m < d ? 1 : 2) * tensor[m][k] * tensor[m][k] }
                squares += frobenius
                norm += frobenius.squareRoot()
            }
            let sums = communicator.allreduce([squares, norm], .sum)
            return ((sums[0] / total).squareRoot(), sums[1] / total)
        }
        for ell in scales.sorted() {
            let start = Date()
            let deposition = try GriddedDeposition(fft: fft, kernel: kernel, scale: ell, strain: s.strain)
            let strain = deposition.strain
            let quadrature = BondQuadrature(dimension: d, breaks: bondPotential.breaks)
            let integral = BondIntegral(fft: work, quadrature: quadrature, potential: bondPotential, strain: strain)
            let calculus = SpectralCalculus(fft: work, strain: strain)
            let state = try CoarseGrainedState.deposit(positions: bonds.forcePoints, species: species, speciesCount: speciesCount,
                                                       forces: bonds.forces, velocities: bonds.forces, with: deposition)
            let budget = StressBudget(state: state, bonds: integral, calculus: calculus)
            let selfStress = try SelfStress.average(counts: counts, deposition: deposition, bonds: integral)
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
            var differenced: [[Double]]?
            if let later, let dt = timeStep {
                let ahead = try sigma(at: later), behind = try earlier.map { try sigma(at: $0) } ?? budget.sigma
                let span = earlier == nil ? dt : 2 * dt
                differenced = zip(ahead, behind).map { zip($0, $1).map { ($0 - $1) / span } }
            }
            let flux = norms(budget.interScaleFlux)
            let shear = budget.interScaleFlux[components.firstIndex(of: "xy")!]
            let shearRMS = (communicator.allreduce(shear.reduce(0) { $0 + $1 * $1 }, .sum) / total).squareRoot()
            let unit = shearRMS > 0 ? shearRMS : 1
            let histogram = FieldHistogram(values: shear, edges: (-20...20).map { Double($0) / 4 * unit }, communicator: communicator)
            let levels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
            let quantiles = FieldHistogram.quantiles(of: shear, at: levels, communicator: communicator)
            let tag = "ell\(ell)", density = state.densities.dropFirst().reduce(state.densities[0]) { zip($0, $1).map { $0 + $1 } }
            if smallest.isEmpty { smallest = density }
            try write("rho_\(tag)", density)
            for (m, name) in components.enumerated() {
                try write("sigma_\(name)_\(tag)", budget.sigma[m])
                try write("W_\(name)_\(tag)", budget.work[m])
                try write("Qflux_\(name)_\(tag)", budget.interScaleFlux[m])
                try write("divJ_\(name)_\(tag)", budget.fluxDivergence[m])
            }
            rows.append(ScaleReport(ell: ell, kernel: kernel.name, grid: points, sigma_mean: means(budget.sigma),
                                    sigma_self_mean: Dictionary(uniqueKeysWithValues: zip(components, selfStress)),
                                    W_mean: means(budget.work), Qflux_mean: means(budget.interScaleFlux), Qflux_rms: flux.rms,
                                    Qflux_L1: flux.mean, divJ_rms: norms(budget.fluxDivergence).rms,
                                    residual_rel: budget.residual(communicator: communicator),
                                    residual_rel_fd: differenced.map { budget.residual(rate: $0, communicator: communicator) },
                                    dsigma_dt_mean: differenced.map(means),
                                    Qflux_xy_pdf: PDFReport(unit: unit, edges: histogram.edges, pdf: histogram.pdf, below: histogram.below, above: histogram.above),
                                    Qflux_xy_quantiles: Dictionary(uniqueKeysWithValues: zip(levels.map { "\($0)" }, quantiles)), resolution: ell / deposition.grid.spacing,
                                    bond_nodes: quadrature.nodes.count,
                                    seconds: communicator.allreduce(Date().timeIntervalSince(start), .max)))
            if communicator.isRoot {
                print(String(format: "ℓ = %g: ⟨Q^flux_xy⟩ = %.6g, ‖Q^flux‖_rms = %.4g, residual %.2g, %.3g s", ell,
                             rows.last!.Qflux_mean["xy"]!, flux.rms, rows.last!.residual_rel, rows.last!.seconds))
            }
        }
        let h = gridBox[0] / Double(extents[0])
        let local = try Self.localStructure(of: smallest, decomposition: decomposition, spacing: h, smallestScale: scales.min()!)
        try write("xi3_local", local.map)
        let structure = try Self.structure(of: smallest, decomposition: decomposition, spacing: h, smallestScale: scales.min()!,
                                           box: s.box, local: local.summary)
        try file.writeAttribute("kernel", kernel.name)
        try file.writeAttribute("axes", d == 2 ? "y, x" : "y, x, z")
        try file.close()
        let report = Report(N: s.count, dimension: d, box: s.box, potential_energy: energy,
                            virial_stress: Dictionary(uniqueKeysWithValues: zip(components, virialSums.map { $0 / volume })),
                            scales: rows, structure: structure, rate_fd: later == nil ? nil : earlier == nil ? "forward" : "central",
                            dt: later == nil ? nil : timeStep, ranks: communicator.size, seconds: communicator.allreduce(Date().timeIntervalSince(clock), .max))
        try communicator.agree {
            guard communicator.isRoot else { return }
            let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
            let h = gridBox[0] / Double(extents[0])
            try XDMFSidecar(gridName: "budget", extents: extents, spacing: Array(repeating: h, count: d),
                            fields: names.map { .init(name: $0, file: "analysis.h5", dataset: "/\($0)") }).write(to: path("analysis.xmf"))
            try Self.table(rows, components: components).write(to: URL(fileURLWithPath: path("budget.csv")), atomically: true, encoding: .utf8)
            try JSONReport.write(report, to: path("summary.json"))
        }
        return report
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

    /// `budget.csv`: a header naming each column and its unit, one row per scale.
    static func table(_ rows: [ScaleReport], components: [String]) -> String {
        let tensors = ["sigma", "sigma_self", "W", "Qflux"]
        var lines = [(["ell", "kernel", "grid"] + tensors.flatMap { t in components.map { "\(t)_\($0)" } }
                      + ["Qflux_rms", "Qflux_L1", "divJ_rms", "residual_rel", "resolution", "seconds"]).joined(separator: ",")]
        for r in rows {
            let values = [r.sigma_mean, r.sigma_self_mean, r.W_mean, r.Qflux_mean].flatMap { t in components.map { String(t[$0]!) } }
            lines.append(([String(r.ell), r.kernel, r.grid.map(String.init).joined(separator: "x")] + values
                          + [r.Qflux_rms, r.Qflux_L1, r.divJ_rms, r.residual_rel, r.resolution, r.seconds].map { String($0) }).joined(separator: ","))
        }
        return "# stresses in epsilon/l0^d, W and Qflux in epsilon/(l0^d tau0), lengths in l0\n" + lines.joined(separator: "\n") + "\n"
    }
}
