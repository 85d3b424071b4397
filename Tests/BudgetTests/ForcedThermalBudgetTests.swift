import Foundation
import Parallel
import Testing
import TestSupport
import Fields
@testable import Budget

/// The scale-ℓ budget with temperature and forcing (physics.md §5.3) on the MPI singleton.
@Suite(.serialized) struct ForcedThermalBudgetTests {
    /// A Dean-like field filtered at ℓ closes the §5.3 budget to ε < 1e-12 (§5.4's relative RMS; measured 8.2e-15).
    ///
    /// Setting: two species (bidisperse harmonic, diameters 1.0 and 1.4), L = 8, M = 64, T_v = 0.1, ρ_a = ρ₀_a(1 + 0.3
    /// z_a/max|z_a|) with z_a band-limited to |n_a| < M/6 (physics.md §5.5's recipe), the F5 forcing f^e; the fine current
    /// j_a = −ρ_a u_a − T_v ∇ρ_a + ρ_a f^e (u_a = Σ_b ∇(V_ab * ρ_b)) and the products ρ_a u_a, ρ_a f^e are filtered
    /// spectrally with the Gaussian at ℓ = 0.5 (``SubfilterCovariance/filter(_:)``), so τ_ℓ(ρ, f^ni) and τ_ℓ(ρ, f^e) come
    /// from the finer field. 4 × 16 bond nodes per panel suffice: the identity holds node by node of the quadrature.
    ///
    /// Why rounding is the right tolerance: the budget is the master identity (§5.1) applied to the split current, which
    /// sums to the filtered fine current up to rounding (filtering commutes with ∇ and with V*), and every product the
    /// bond integrals form (at most cubic in ρ, plus the low modes of f^e) stays below the Nyquist index, so the discrete
    /// operators obey the product rule exactly. Every §5.3 term is at least 1e-6 of the right side in RMS (measured: W
    /// 1.2e-2, Q^flux 1.2e-4, Q^th 4.8e-3, N^e 0.13, N^{flux,e} 7.5e-4; the sub-filter terms are small because the field
    /// and f^e are smooth at ℓ; for the forcing that is paper Eq. 57), so a dropped term or a wrong sign would leave ε ≥ 1e-6, six orders
    /// above the tolerance.
    @Test func filteredDeanFieldCloses() throws {
        let box = 8.0, points = 64, ell = 0.5, temperature = 0.1, world = Communicator.world
        let decomposition = try SlabDecomposition(grid: GridShape([points, points]), box: [box, box], communicator: world)
        let fft = SlabFFT(decomposition: decomposition, effort: .estimate)
        let calculus = SpectralCalculus(fft: fft)
        let densities = [SmoothFields.density(fft: fft, mean: 0.6, seed: 7), SmoothFields.density(fft: fft, mean: 0.4, seed: 8)]
        let force = SmoothFields.externalForce(decomposition: decomposition)
        let potential = BondPotential.harmonic(diameters: [1.0, 1.4])
        let bonds = BondIntegral(fft: fft, quadrature: BondQuadrature(dimension: 2, breaks: potential.breaks, radialNodes: 4, angularNodes: 16),
                                 potential: potential)
        let u = PotentialGradient(potential: potential, dimension: 2).evaluate(densities: densities, calculus: calculus)
        let covariance = SubfilterCovariance(fft: fft, kernel: GaussianKernel(dimension: 2), scale: ell)
        var filtered: [[Double]] = [], forceTerms: [[[Double]]] = [], currents: [[[Double]]] = [], forcing: [[[Double]]] = []
        for (a, rho) in densities.enumerated() {
            let gradient = calculus.gradient(rho)
            let products = (0..<2).map { c in zip(rho, u[a][c]).map { $0 * $1 } }
            let forced = (0..<2).map { c in zip(rho, force[c]).map { $0 * $1 } }
            filtered.append(covariance.filter(rho))
            forceTerms.append(products.map { covariance.filter($0) })
            forcing.append(forced.map { covariance.filter($0) })
            currents.append((0..<2).map { c in
                covariance.filter(rho.indices.map { -products[c][$0] - temperature * gradient[c][$0] + forced[c][$0] })
            })
        }
        let state = CoarseGrainedState(densities: filtered, forceTerms: forceTerms, currents: currents)
        let budget = ForcedThermalBudget(state: state, forcing: forcing, filteredForce: force.map { covariance.filter($0) },
                                         temperature: temperature, bonds: bonds, calculus: calculus)
        let residual = budget.residual(communicator: world)
        #expect(residual < 1e-12, "§5.3 residual \(residual)")
        let source = SmoothFields.rms(budget.source, communicator: world)
        let terms = [("W", budget.work), ("Q^flux", budget.interScaleFlux), ("Q^th", budget.thermal), ("N^e", budget.externalWork),
                     ("N^flux,e", budget.forcingFlux)]
        for (name, term) in terms {
            let size = SmoothFields.rms(term, communicator: world) / source
            #expect(size > 1e-6, "\(name) is only \(size) of the right side: the closure would not test it")
        }
    }
}
