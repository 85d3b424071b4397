import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// One scale ℓ of the stress budget (physics.md §4–5) for the particles one rank measures: the coarse-grained state,
/// σ̲_ℓ and its self part, and by the plan's route either every field (§3.5: J̄_ℓ, W_ℓ, Q^flux_ℓ, ∇·J̄_ℓ, their norms,
/// the PDF of Q^flux_xy, region means, the residuals) or the box means alone (§3.7a). Box statistics are reduced
/// over all ranks; fields go to `fields` when given (the owned samples of each rank).
struct ScaleAnalysis {
    /// Collective: writes one field of this scale's grid: (name, owned samples, quantity, unit).
    typealias FieldSink = (_ name: String, _ values: [Double], _ quantity: String, _ unit: String) throws -> Void

    /// Positions of the same owned particles Δt later (and earlier), for rates by differences (physics.md §5.4).
    struct Displaced {
        var ahead: [Double]
        var behind: [Double]?
        var dt: Double
    }

    let scale: MeasurementPlan.Scale
    let plan: MeasurementPlan
    let space: ScaleWorkspaces.Workspace
    let particles: SlabParticles
    let potential: BondPotential
    let communicator: Communicator
    /// Print a progress line on rank 0 while a quadrature scale runs longer than a few seconds.
    var reportsProgress = true
    /// `--check pairs`: the pairs whose sums this scale's terms are compared with.
    var pairCheck: PairSumCheck?
    /// A plastic event's window (quadrature route): its means go to the row's `window`.
    var window: EventWindow?

    var components: [String] { Thermo.componentNames(dimension: particles.dimension) }

    /// Collective: this scale's row of the report and ρ̄_ℓ (owned samples, for the structure functions).
    func run(displaced: Displaced?, fields: FieldSink?) throws -> (row: BudgetAnalysis.ScaleReport, density: [Double], strain: Double) {
        let start = Date(), d = particles.dimension, ell = scale.ell, reduce = GridReductions(components: components, communicator: communicator)
        var timings: [String: Double] = [:]
        for i in space.work.real.indices { space.work.real[i] = 0 }
        timings["fft_pair"] = reduce.timed { for _ in 0..<3 { space.work.forward(); space.work.inverse(normalised: false) } }.1 / 3
        let deposition = try GriddedDeposition(fft: space.fft, kernel: plan.kernel, scale: ell, strain: particles.strain)
        let strain = deposition.strain
        let integral = BondIntegral(fft: space.work, quadrature: BondQuadrature(dimension: d, breaks: potential.breaks), potential: potential, strain: strain)
        let calculus = SpectralCalculus(fft: space.work, strain: strain)
        let speciesCount = particles.speciesCounts.count
        let state: CoarseGrainedState
        (state, timings["deposit"]) = try reduce.timed {
            try CoarseGrainedState.deposit(positions: particles.positions, species: particles.species, speciesCount: speciesCount,
                                           forces: particles.forces, velocities: particles.velocities, with: deposition)
        }
        let modes = BondAverage(fft: space.work, potential: potential, strain: strain)
        let density = state.densities.dropFirst().reduce(state.densities[0]) { zip($0, $1).map { $0 + $1 } }
        let tag = "ell\(ell)", stressUnit = ReducedUnit.stress(dimension: d), rateUnit = ReducedUnit.stressRate(dimension: d)
        try fields?("rho_\(tag)", density, "number density rho_l at l = \(ell)", ReducedUnit.density(dimension: d))
        var row = BudgetAnalysis.ScaleReport(ell: ell, kernel: plan.kernel.name, grid: scale.points, route: "", sigma_mean: [:],
                                             sigma_self_mean: [:], W_mean: [:], Qflux_mean: [:],
                                             dsigma_dt_instantaneous_mean: [:], resolution: scale.resolution, bond_nodes: 0, seconds: 0)
        switch plan.route {
        case .averages:
            let averages: StressBudgetAverages
            (averages, timings["terms"]) = reduce.timed { StressBudgetAverages(state: state, average: modes, potential: potential, calculus: calculus) }
            row.route = "averages (physics.md §3.7a)"
            (row.sigma_mean, row.W_mean, row.Qflux_mean) = (reduce.keyed(averages.sigma), reduce.keyed(averages.work), reduce.keyed(averages.interScaleFlux))
            row.dsigma_dt_instantaneous_mean = reduce.keyed(averages.rate)
            if let pairCheck {
                let (sums, seconds) = try reduce.timed { try pairSums(pairCheck, calculus: calculus) }
                let mean = { (tensor: [[Double]]) in components.map { reduce.means(tensor)[$0]! } }
                let source = zip(averages.work, averages.interScaleFlux).map { $0 + $1 }
                row.pairs_check = BudgetAnalysis.PairCheckReport(
                    compared: "box means", sigma: PairSumCheck.difference([mean(sums.sigma)], [averages.sigma], communicator: communicator),
                    source: PairSumCheck.difference([mean(sums.source)], [source], communicator: communicator), flux: nil,
                    pairs: communicator.allreduce(pairCheck.pairs.count, .sum), seconds: seconds)
            }
        case .quadrature:
            let budget: StressBudget
            var progress = CountProgress(label: String(format: "ℓ = %g: bond node", ell), enabled: communicator.isRoot && reportsProgress)
            (budget, timings["terms"]) = reduce.timed {
                StressBudget(state: state, bonds: integral, calculus: calculus) { done, total in progress.update(done: done, total: total) }
            }
            /// σ̲_ℓ of the same particles at other positions.
            func sigma(at moved: [Double]) throws -> [[Double]] {
                let densities = try (0..<speciesCount).map { a in
                    try deposition.deposit(positions: moved, values: particles.species.map { $0 == a ? 1.0 : 0.0 }, components: 1)[0]
                }
                return LargeScaleStress.field(densities: densities, bonds: integral)
            }
            if let displaced {
                let ahead = try sigma(at: displaced.ahead), behind = try displaced.behind.map { try sigma(at: $0) } ?? budget.sigma
                let span = displaced.behind == nil ? displaced.dt : 2 * displaced.dt
                let differenced = zip(ahead, behind).map { zip($0, $1).map { ($0 - $1) / span } }
                row.residual_rel_fd = budget.residual(rate: differenced, communicator: communicator)
                row.residual_fd = row.residual_rel_fd
                row.dsigma_dt_mean = reduce.means(differenced)
                row.rate_fd_minus_drift_rms = reduce.norms(zip(differenced, budget.rate).map { zip($0, $1).map { $0 - $1 } }).rms
            }
            let flux = reduce.norms(budget.interScaleFlux)
            let shear = budget.interScaleFlux[components.firstIndex(of: "xy")!]
            let shearRMS = (communicator.allreduce(shear.reduce(0) { $0 + $1 * $1 }, .sum) / Double(space.decomposition.grid.pointCount)).squareRoot()
            let unit = shearRMS > 0 ? shearRMS : 1
            let histogram = FieldHistogram(values: shear, edges: (-20...20).map { Double($0) / 4 * unit }, communicator: communicator)
            let levels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
            let quantiles = FieldHistogram.quantiles(of: shear, at: levels, communicator: communicator)
            if let fields {
                for (m, name) in components.enumerated() {
                    try fields("sigma_\(name)_\(tag)", budget.sigma[m], "large-scale stress sigma_l (physics.md 4.2) at l = \(ell), component \(name)", stressUnit)
                    try fields("W_\(name)_\(tag)", budget.work[m], "large-scale work W_l (physics.md 5.2) at l = \(ell), component \(name)", rateUnit)
                    try fields("Qflux_\(name)_\(tag)", budget.interScaleFlux[m], "inter-scale stress flux Q^flux_l (physics.md 5.2) at l = \(ell), component \(name)", rateUnit)
                    try fields("divJ_\(name)_\(tag)", budget.fluxDivergence[m], "divergence of the stress current div J_l (physics.md 5.1) at l = \(ell), component \(name)", rateUnit)
                }
            }
            if let pairCheck {
                let (sums, seconds) = try reduce.timed { try pairSums(pairCheck, calculus: calculus) }
                let source = zip(budget.work, budget.interScaleFlux).map { zip($0, $1).map { $0 + $1 } }
                row.pairs_check = BudgetAnalysis.PairCheckReport(
                    compared: "fields", sigma: PairSumCheck.difference(sums.sigma, budget.sigma, communicator: communicator),
                    source: PairSumCheck.difference(sums.source, source, communicator: communicator),
                    flux: PairSumCheck.difference(sums.flux.flatMap { $0 }, budget.flux.flatMap { $0 }, communicator: communicator),
                    pairs: communicator.allreduce(pairCheck.pairs.count, .sum), seconds: seconds)
            }
            row.route = "quadrature (physics.md §3.5)"
            (row.sigma_mean, row.W_mean, row.Qflux_mean) = (reduce.means(budget.sigma), reduce.means(budget.work), reduce.means(budget.interScaleFlux))
            row.dsigma_dt_instantaneous_mean = reduce.means(budget.rate)
            (row.Qflux_rms, row.Qflux_L1, row.divJ_rms) = (flux.rms, flux.mean, reduce.norms(budget.fluxDivergence).rms)
            let residual = budget.residual(communicator: communicator)
            row.residual_rel = residual.isFinite ? residual : nil  // 0/0 when nothing moves (e.g. one particle)
            row.Qflux_xy_pdf = BudgetAnalysis.PDFReport(unit: unit, edges: histogram.edges, pdf: histogram.pdf, below: histogram.below, above: histogram.above)
            row.Qflux_xy_quantiles = Dictionary(uniqueKeysWithValues: zip(levels.map { "\($0)" }, quantiles))
            row.bond_nodes = integral.quadrature.nodes.count
            if let window {
                let w = window.weights(decomposition: space.decomposition, spacing: space.spacing, strain: strain, box: particles.box,
                                       communicator: communicator)
                row.window = BudgetAnalysis.WindowReport(sigma_mean: reduce.weighted(budget.sigma, w), dsigma_dt_mean: reduce.weighted(budget.rate, w),
                                                         W_mean: reduce.weighted(budget.work, w), Qflux_mean: reduce.weighted(budget.interScaleFlux, w),
                                                         edge_mean: reduce.weighted(budget.fluxDivergence.map { $0.map { -$0 } }, w))
            }
            if let region = plan.region {
                let mask = region.mask(decomposition: space.decomposition, spacing: space.spacing, strain: strain, box: particles.box)
                let inside = communicator.allreduce(Double(mask.filter { $0 }.count), .sum) / Double(space.decomposition.grid.pointCount)
                row.region = BudgetAnalysis.RegionReport(fraction: inside, sigma_mean: reduce.means(budget.sigma, mask), W_mean: reduce.means(budget.work, mask),
                                                         Qflux_mean: reduce.means(budget.interScaleFlux, mask), Qflux_rms: reduce.norms(budget.interScaleFlux, mask).rms)
            }
        }
        // After the route's terms: the averages route's pass has tabulated Φ_ab(K), which ⟨σ^self⟩ then reads.
        let selfStress: [Double]
        (selfStress, timings["self"]) = try reduce.timed { try SelfStress.average(counts: particles.speciesCounts, deposition: deposition, average: modes) }
        row.sigma_self_mean = reduce.keyed(selfStress)
        row.seconds = communicator.allreduce(Date().timeIntervalSince(start), .max)
        row.timings_seconds = timings
        return (row, density, strain)
    }

    /// Collective: the pair-sum fields at this scale (physics.md §3.7b), deposited with G_{ℓ/√2} on this scale's grid.
    private func pairSums(_ check: PairSumCheck, calculus: SpectralCalculus) throws -> PairSumFields {
        let narrow = try GriddedDeposition(fft: space.fft, kernel: GaussianKernel(dimension: particles.dimension), scale: scale.ell / 2.squareRoot(),
                                           strain: particles.strain)
        let sums = PairSums(potential: potential, quadrature: PairQuadrature(dimension: particles.dimension, scale: scale.ell))
        return try PairSumFields(pairs: check.pairs, velocities: check.velocities, sums: sums, deposition: narrow, calculus: calculus)
    }
}

/// Collective reductions of grid fields over all ranks, per tensor component (``Thermo/componentNames(dimension:)``).
struct GridReductions {
    let components: [String]
    let communicator: Communicator

    func keyed(_ values: [Double]) -> [String: Double] { Dictionary(uniqueKeysWithValues: zip(components, values)) }

    /// Grid means per component over the samples where `mask` holds (all by default).
    func means(_ tensor: [[Double]], _ mask: [Bool]? = nil) -> [String: Double] {
        let selected = tensor.map { component in component.indices.reduce(0.0) { mask?[$1] == false ? $0 : $0 + component[$1] } }
        let count = Double(mask.map { $0.filter { $0 }.count } ?? tensor[0].count)
        let totals = communicator.allreduce(selected + [count], .sum)
        return keyed(totals.dropLast().map { $0 / max(totals.last!, 1) })
    }

    /// Σ_samples w T per component over all ranks (weights summing to 1: a weighted mean).
    func weighted(_ tensor: [[Double]], _ weights: [Double]) -> [String: Double] {
        keyed(communicator.allreduce(tensor.map { component in zip(component, weights).reduce(0) { $0 + $1.0 * $1.1 } }, .sum))
    }

    /// Σ_ij T_ij² at each sample, off-diagonal components counted twice (the squared Frobenius norm of the
    /// symmetric tensor stored by its ``Thermo/componentNames(dimension:)``).
    func squaredNorms(_ tensor: [[Double]]) -> [Double] {
        let d = components.count == 3 ? 2 : 3
        var squares = [Double](repeating: 0, count: tensor[0].count)
        for m in tensor.indices {
            let weight: Double = m < d ? 1 : 2
            for k in squares.indices { squares[k] += weight * tensor[m][k] * tensor[m][k] }
        }
        return squares
    }

    /// sqrt(⟨Σ_ij T_ij²⟩) and ⟨(Σ_ij T_ij²)^{1/2}⟩, off-diagonal components counted twice.
    func norms(_ tensor: [[Double]], _ mask: [Bool]? = nil) -> (rms: Double, mean: Double) {
        var sums = [0.0, 0.0, 0.0]
        for (k, frobenius) in squaredNorms(tensor).enumerated() where mask?[k] != false {
            sums[0] += frobenius
            sums[1] += frobenius.squareRoot()
            sums[2] += 1
        }
        let total = communicator.allreduce(sums, .sum), n = max(total[2], 1)
        return ((total[0] / n).squareRoot(), total[1] / n)
    }

    /// `body`'s wall time on the slowest rank.
    func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let begin = Date(), value = try body()
        return (value, communicator.allreduce(Date().timeIntervalSince(begin), .max))
    }
}
