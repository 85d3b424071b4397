import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// `stressflux analyze`, and the analysis in line with `run`: the large-scale stress budget of one configuration at
/// several scales (physics.md §4–6), measured where the particles live (design.md): each rank takes the particles of
/// its slab (``SlabParticles``) and the grid planes of its slab, and box statistics are reduced to rank 0.
/// Per scale ℓ (``ScaleAnalysis``) the coarse-grained densities, σ̲_ℓ (paper Eq. 30, self-interaction included), its
/// self part, J̄_ℓ, W_ℓ, Q^flux_ℓ and the closure residual with the rate from the overdamped drift velocities, and,
/// given the configurations Δt later (and earlier), also by forward (central) differences of σ̲_ℓ recomputed there
/// (physics.md §5.4 step 2); then the structure functions of ρ̄ at the smallest scale and the flux's scaling.
/// Written as `summary.json` and `budget.csv` (``BudgetAnalysis/table(_:components:)``) and the fields as
/// `analysis.h5` + `analysis.xmf`.
public struct BudgetAnalysis {
    public let plan: MeasurementPlan
    public let potential: AnyPairPotential
    public let communicator: Communicator

    public init(plan: MeasurementPlan, potential: AnyPairPotential, communicator: Communicator) {
        self.plan = plan
        self.potential = potential
        self.communicator = communicator
    }

    /// The budget's view of the potential: species by their diameter (the largest of each species over all ranks;
    /// one absent everywhere takes the largest of all), ranges cutoffRatio · σ_ab, V and V' from the particle
    /// engine's own evaluation.
    static func bondPotential(_ particles: SlabParticles, _ potential: AnyPairPotential) -> BondPotential {
        let largest = particles.speciesDiameters.max() ?? 1
        let diameters = particles.speciesDiameters.map { $0 > 0 ? $0 : largest }
        let sigma = diameters.map { a in diameters.map { b in 0.5 * (a + b) } }
        return BondPotential(ranges: sigma.map { $0.map { potential.cutoffRatio * $0 } },
                             value: { r, a, b in potential.evaluate(r2: r * r, sigma: sigma[a][b]).energy },
                             derivative: { r, a, b in -potential.evaluate(r2: r * r, sigma: sigma[a][b]).forceOverR * r })
    }

    /// Collective: analyses blocks of one configuration, or of two (t, t + Δt: forward differences at t) or three
    /// (t − Δt, t, t + Δt: central differences at t), `timeStep` = Δt apart: each rank holds its block of each (a
    /// file read in blocks), never a whole one. Writes `summary.json`, `budget.csv`, `analysis.h5`, `analysis.xmf`.
    ///
    /// - Throws: ``StudyError`` when the configurations do not match or Δt is missing; ``ParticlesError`` for a
    ///   configuration the engine refuses.
    @discardableResult
    public func run(blocks: consuming [ParticleSnapshot], timeStep: Double?, directory: String) throws -> Report {
        precondition((1...3).contains(blocks.count), "one, two or three configurations")
        let analysed = blocks.count == 3 ? 1 : 0
        if blocks.count > 1 {
            guard let timeStep, timeStep > 0, timeStep.isFinite else {
                throw StudyError.invalidOption(name: "--dt", value: timeStep.map { "\($0)" } ?? "missing",
                                               expected: "give the positive time between the snapshots (τ0) with two or three inputs")
            }
        }
        // The engine and the blocks are let go before the grids are made: the analysis keeps the slab's particles only.
        let (particles, displaced) = try measured(blocks, analysed: analysed, timeStep: timeStep)
        let check = try plan.checkPairs ? PairSumCheck(block: blocks[analysed], potential: potential, bonds: Self.bondPotential(particles, potential),
                                                       scales: plan.scales.map(\.ell), name: plan.checkName, communicator: communicator) : nil
        blocks = []
        return try run(particles: particles, displaced: displaced, check: check, directory: directory)
    }

    /// Collective: the analysed block's slab particles (skin 0: the engine's lists hold exactly the pairs in range)
    /// and, with more blocks, their positions in the other configurations.
    private func measured(_ blocks: [ParticleSnapshot], analysed: Int, timeStep: Double?) throws -> (SlabParticles, ScaleAnalysis.Displaced?) {
        let s = blocks[analysed]
        let system = try ParticleSystem(block: s, potential: potential, skin: 0, communicator: communicator)
        let particles = SlabParticles(system: system)
        var displaced: ScaleAnalysis.Displaced?
        if blocks.count > 1, let timeStep {
            let box = ShearedBox(dimension: s.dimension, box: s.box, strain: s.strain), d = s.dimension
            /// The owned particles moved by their nearest-image displacement to another configuration (Lees–Edwards
            /// images included: a particle that crossed a y face moved by its shift along x too).
            func moved(_ other: ParticleSnapshot, _ name: String) throws -> [Double] {
                guard other.box == s.box, other.strain == s.strain, other.dimension == d,
                      communicator.allreduce(other.count, .sum) == system.totalCount else {
                    throw StudyError.invalidOption(name: name, value: "\(communicator.allreduce(other.count, .sum)) particles", expected:
                        "must hold the same particles in the same box and strain as the analysed snapshot")
                }
                let there = try system.ownedPositions(in: other)
                var result = particles.positions
                for i in 0..<system.localCount {
                    var delta = SIMD3<Double>.zero
                    for a in 0..<d { delta[a] = there[i * d + a] - particles.positions[i * d + a] }
                    delta = box.minimumImage(delta)
                    for a in 0..<d { result[i * d + a] += delta[a] }
                }
                return result
            }
            displaced = .init(ahead: try moved(blocks[analysed + 1], "the later snapshot"),
                              behind: blocks.count == 3 ? try moved(blocks[0], "the earlier snapshot") : nil, dt: timeStep)
        }
        return (particles, displaced)
    }

    /// Collective: analyses `particles` at every scale of the plan (with rates by differences when `displaced`)
    /// and writes the report and fields into `directory`.
    func run(particles: SlabParticles, displaced: ScaleAnalysis.Displaced?, check: PairSumCheck? = nil, directory: String) throws -> Report {
        let d = particles.dimension, clock = Date(), components = Thermo.componentNames(dimension: d)
        if communicator.isRoot { plan.warnings.forEach(Console.error) }
        let fields = try AnalysisFieldFile(path: (directory as NSString).appendingPathComponent("analysis.h5"), plan: plan, particles: particles,
                                           communicator: communicator)
        // The quadrature's thousands of transforms pay for FFTW_MEASURE plans; the averages route's few dozen do not.
        let workspaces = ScaleWorkspaces(box: particles.box, effort: plan.route == .quadrature ? .measure : .estimate, communicator: communicator)
        let potential = Self.bondPotential(particles, self.potential)
        var rows: [ScaleReport] = []
        var smallest: (density: [Double], space: ScaleWorkspaces.Workspace, strain: Double)?
        for scale in plan.scales {
            let space = try workspaces.workspace(scale.points)
            var analysis = ScaleAnalysis(scale: scale, plan: plan, space: space, particles: particles, potential: potential, communicator: communicator)
            analysis.pairCheck = check
            let result = try analysis.run(displaced: displaced, fields: fields.sink(space))
            if smallest == nil { smallest = (result.density, space, result.strain) }
            rows.append(result.row)
            if communicator.isRoot { print(Self.line(result.row, dimension: d)) }
        }
        guard let smallest else { preconditionFailure("a plan has at least one scale") }
        let ell0 = plan.scales[0].ell
        let local = try Self.localStructure(of: smallest.density, decomposition: smallest.space.decomposition, spacing: smallest.space.spacing,
                                            smallestScale: ell0)
        try fields.sink(smallest.space)("xi3_local", local.map, "local Besov exponent xi_3 of rho_l at l = \(ell0) (physics.md 6.1)", "1")
        let structure = try Self.structure(of: smallest.density, decomposition: smallest.space.decomposition, spacing: smallest.space.spacing,
                                           smallestScale: ell0, box: particles.box, local: local.summary)
        let scaling = try Self.fluxScaling(rows, density: smallest.density, space: smallest.space, components: components, structure: structure)
        for (k, bound) in scaling.S3_over_ell.enumerated() { rows[k].S3_over_ell = bound }
        var regionXi3: Double?
        if let region = plan.region {
            let mask = region.mask(decomposition: smallest.space.decomposition, spacing: smallest.space.spacing, strain: smallest.strain, box: particles.box)
            let values = zip(local.map, mask).filter { $1 && $0.isFinite }.map(\.0)
            let sums = communicator.allreduce([values.reduce(0, +), Double(values.count)], .sum)
            regionXi3 = sums[1] > 0 ? sums[0] / sums[1] : nil
        }
        try fields.close(sidecar: (directory as NSString).appendingPathComponent("analysis.xmf"))
        let report = Report(N: particles.totalCount, dimension: d, box: particles.box, potential_energy: particles.potentialEnergy,
                            virial_stress: Dictionary(uniqueKeysWithValues: zip(components, particles.virialStress)),
                            scales: rows, structure: structure, flux_scaling: scaling, region: plan.region, region_xi3_mean: regionXi3,
                            rate_fd: displaced == nil ? nil : displaced?.behind == nil ? "forward" : "central",
                            dt: displaced?.dt, ranks: communicator.size, seconds: communicator.allreduce(Date().timeIntervalSince(clock), .max),
                            strain: particles.strain, allow_coarse_grid: plan.allowCoarseGrid)
        try communicator.agree {
            guard communicator.isRoot else { return }
            let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
            try Self.table(rows, components: components).write(to: URL(fileURLWithPath: path("budget.csv")), atomically: true, encoding: .utf8)
            try JSONReport.write(report, to: path("summary.json"))
        }
        return report
    }

    /// Rank 0's line for a finished scale.
    static func line(_ row: ScaleReport, dimension d: Int) -> String {
        let components = Thermo.componentNames(dimension: d)
        // The finite-difference residual first (§5.4: it can fail), then the §5.1 identity (it holds for any currents).
        let residual = (row.residual_fd.map { String(format: ", residual_fd %.2g", $0) } ?? "")
            + (row.residual_rel.map { String(format: ", identity %.2g", $0) } ?? "")
        let pressure = -(0..<d).reduce(0.0) { $0 + row.sigma_mean[components[$1]]! } / Double(d)
        return String(format: "ℓ = %g (%@, ℓ/h = %.2g): ⟨σ̲_xy⟩ = %.6g, −tr⟨σ̲⟩/d = %.6g, ⟨W_xy⟩ = %.6g, ⟨Q^flux_xy⟩ = %.6g%@, %.3g s", row.ell,
                      row.grid.map(String.init).joined(separator: "x"), row.resolution, row.sigma_mean["xy"]!, pressure, row.W_mean["xy"]!,
                      row.Qflux_mean["xy"]!, residual, row.seconds)
            + (row.pairs_check.map { String(format: "; pair sums: σ̲ %.2g, W + Q %.2g", $0.sigma, $0.source) + ($0.flux.map { String(format: ", J̄ %.2g", $0) } ?? "") } ?? "")
    }


    /// Collective: `flux_scaling`: S_3 of the smallest scale's density at the lag nearest each ℓ, ‖Q^flux_ℓ‖₁ against
    /// S_3(ℓ)/ℓ, the power law of ‖Q^flux_ℓ‖₁ and the ℓ → 0 extrapolation of ⟨Q^flux_ℓ⟩ (physics.md §6.2).
    static func fluxScaling(_ rows: [ScaleReport], density: [Double], space: ScaleWorkspaces.Workspace, components: [String],
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

}
