import Budget
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// The field-form stress budget of a Dean density (physics.md §5.3), at each ℓ of `[analysis] scales`, by the same
/// `Budget` code as the particles' (``Budget/ForcedThermalBudget``): the density ρ filtered at ℓ, the filtered products
/// (ρu)_ℓ with u = ∇(V*ρ) and (ρ f^e)_ℓ, and the resolved current j̄_ℓ = (−ρu − T_v∇ρ + ρf^e)_ℓ, the deterministic
/// Dean current (for a Dean–Kawasaki state, its drift: the noise's share is not in the rate). One row per ℓ of
/// `budget.csv` with `run`'s columns (box means of σ̲_ℓ, its rate, W_ℓ and Q^flux_ℓ per component; RMS of ∇·J̄_ℓ and
/// |Q^flux_ℓ|, mean |Q^flux_ℓ|, and the relative residual of the §5.3 closure), then the thermal and forcing terms
/// Q^th_ℓ, N^e_ℓ, N^{flux,e}_ℓ. The residual is that of the split against the same currents: it closes to round-off
/// whatever the quadrature, and a sign or piece missing in the split shows there. Beside it, at the same steps, `fine.csv`:
/// the box means of the fine-grained balance (physics.md §5.5, ``Budget/FineGrainedBalance``: σ with its ideal part,
/// ∂_tσ, W^ni, Q^thermal, F^e) and its residual, the ℓ → 0 limit that the coarse sources W_ℓ + Q^flux_ℓ + Q^th_ℓ + N^e_ℓ
/// + N^{flux,e}_ℓ approach (physics.md §5.6, paper Eq. 47; in box means the fluxes drop out).
final class DeanBudget {
    let scales: [Double]
    let kernel: any Kernel
    let fft: SlabFFT
    let potential: BondPotential
    let temperature: Double
    /// f^e in physical components at the owned samples, nil without forcing.
    let force: [[Double]]?
    private let log: StepLog
    /// `fine.csv`: the fine-grained balance (physics.md §5.5) of the same density at the same steps.
    private let fineLog: StepLog
    private let components: [String]

    init(scales: [Double], kernel: any Kernel, fft: SlabFFT, potential: BondPotential, temperature: Double, force: [[Double]]?,
         directory: String) {
        self.scales = scales
        self.kernel = kernel
        self.fft = fft
        self.potential = potential
        self.temperature = temperature
        self.force = force
        let d = fft.extents.count
        let names = Thermo.componentNames(dimension: d)
        components = names
        let stress = ReducedUnit.stress(dimension: d), rate = ReducedUnit.stressRate(dimension: d)
        log = StepLog(path: (directory as NSString).appendingPathComponent("budget.csv"),
                      columns: InlineAnalysis.columns(names, stress: stress, rate: rate)
                        + ["Qth", "Ne", "Nfluxe"].flatMap { term in names.map { CSVColumn("\(term)_\($0)", unit: rate) } })
        fineLog = StepLog(path: (directory as NSString).appendingPathComponent("fine.csv"),
                          columns: [CSVColumn("time", unit: ReducedUnit.time)] + names.map { CSVColumn("sigma_\($0)", unit: stress) }
                            + ["dsigma_dt", "W", "Qth", "Fe"].flatMap { term in names.map { CSVColumn("\(term)_\($0)", unit: rate) } }
                            + ["residual_rel"])
    }

    /// Collective: rank 0 starts `budget.csv`, or on restart keeps its rows up to `step`.
    func begin(restartingAt step: Int?) throws {
        try fft.decomposition.communicator.agree {
            if fft.decomposition.communicator.isRoot {
                try log.begin(restartingAt: step)
                try fineLog.begin(restartingAt: step)
            }
        }
    }

    /// Collective: the rows of the densities `rho` (one per species, owned samples) at `step` and `time`; returns each
    /// scale's residual.
    @discardableResult
    func measure(step: Int, time: Double, rho: [[Double]]) throws -> [Double] {
        let communicator = fft.decomposition.communicator
        let reduce = GridReductions(components: components, communicator: communicator)
        let mean = { (tensor: [[Double]]) in self.components.map { reduce.means(tensor)[$0]! } }
        var residuals: [Double] = []
        for (ell, (density, budget)) in zip(scales, budgets(of: rho, at: scales)) {
            let residual = budget.residual(communicator: communicator)
            residuals.append(residual)
            let spacing = fft.decomposition.spacing[0], box = fft.decomposition.box
            let xi3 = try InlineAnalysis.xi3(density, decomposition: fft.decomposition, spacing: spacing, ell: ell, box: box)
            let divergence = reduce.norms(budget.fluxDivergence).rms, flux = reduce.norms(budget.interScaleFlux)
            let values = [time, 0, ell] + mean(budget.sigma) + mean(budget.rate) + mean(budget.work) + mean(budget.interScaleFlux)
                + [divergence, flux.rms, flux.mean, xi3 ?? .nan, residual] + mean(budget.thermal) + mean(budget.externalWork) + mean(budget.forcingFlux)
            try communicator.agree {
                if communicator.isRoot { try log.append(step: step, values: values.map { $0.isFinite ? "\($0)" : "" }) }
            }
        }
        let count = rho[0].count
        let fine = FineGrainedBalance(densities: rho, externalForce: force ?? (0..<fft.extents.count).map { _ in [Double](repeating: 0, count: count) },
                                      temperature: temperature, bonds: bondIntegral(), calculus: SpectralCalculus(fft: fft))
        let values = [time] + mean(fine.sigma) + mean(fine.rate) + mean(fine.work) + mean(fine.thermal) + mean(fine.external)
            + [fine.residual(communicator: communicator)]
        try communicator.agree {
            if communicator.isRoot { try fineLog.append(step: step, values: values.map { $0.isFinite ? "\($0)" : "" }) }
        }
        return residuals
    }

    /// The bond integrals of the potential on this grid (physics.md §3.5).
    private func bondIntegral() -> BondIntegral {
        BondIntegral(fft: fft, quadrature: BondQuadrature(dimension: fft.extents.count, breaks: potential.breaks), potential: potential)
    }

    /// Collective: ρ̄_ℓ (all species) and the §5.3 budget of the densities `rho` (one per species, owned samples) at each
    /// of `scales`.
    func budgets(of rho: [[Double]], at scales: [Double]) -> [(density: [Double], terms: ForcedThermalBudget)] {
        let d = fft.extents.count, tv = temperature, species = rho.indices, count = rho[0].count
        let calculus = SpectralCalculus(fft: fft)
        let bonds = bondIntegral()
        let zero = [Double](repeating: 0, count: count)
        let u = PotentialGradient(potential: potential, dimension: d).evaluate(densities: rho, calculus: calculus)
        let gradients = rho.map { calculus.gradient($0) }
        let products = species.map { a in (0..<d).map { c in zip(rho[a], u[a][c]).map { $0 * $1 } } }
        let forced = species.map { a in (0..<d).map { c in force.map { f in zip(rho[a], f[c]).map { $0 * $1 } } ?? zero } }
        return scales.map { ell in
            let covariance = SubfilterCovariance(fft: fft, kernel: kernel, scale: ell)
            let currents = species.map { a in
                (0..<d).map { c in covariance.filter((0..<count).map { -products[a][c][$0] - tv * gradients[a][c][$0] + forced[a][c][$0] }) }
            }
            let densities = rho.map { covariance.filter($0) }
            let state = CoarseGrainedState(densities: densities, forceTerms: products.map { $0.map { covariance.filter($0) } }, currents: currents)
            let filteredForce = (0..<d).map { c in force.map { covariance.filter($0[c]) } ?? zero }
            let total = densities.dropFirst().reduce(densities[0]) { zip($0, $1).map { $0 + $1 } }
            return (total, ForcedThermalBudget(state: state, forcing: forced.map { $0.map { covariance.filter($0) } }, filteredForce: filteredForce,
                                               temperature: tv, bonds: bonds, calculus: calculus))
        }
    }
}
