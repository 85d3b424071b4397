import Foundation
import Parallel
import Testing
import TestSupport
import Fields
@testable import Budget

/// The fine-grained stress balance (physics.md §5.5, paper Eqs. 13–19 corrected) on the MPI singleton.
@Suite(.serialized) struct FineGrainedBalanceTests {
    static let box = 8.0, points = 96, temperature = 0.1

    /// physics.md's F5 setting: L = 8, M = 96, single-species harmonic σ = 1, ρ = 1.1 (1 + 0.3 z/max|z|) with z band-limited
    /// to |n_a| < M/6 and tapered by exp(−k²/30), f^e = (0.3 sin(2πy/L) + 0.1 cos(4πx/L), 0.2 cos(2πx/L)), 10 r-nodes and
    /// 48 θ-nodes.
    struct Setting {
        let density: [Double]
        let externalForce: [[Double]]
        let bonds: BondIntegral
        let calculus: SpectralCalculus

        init() throws {
            let decomposition = try SlabDecomposition(grid: GridShape([points, points]), box: [box, box], communicator: .world)
            let fft = SlabFFT(decomposition: decomposition, effort: .estimate)
            density = SmoothFields.density(fft: fft, mean: 1.1, seed: 41)
            externalForce = SmoothFields.externalForce(decomposition: decomposition)
            let potential = BondPotential.harmonic(diameters: [1.0])
            bonds = BondIntegral(fft: fft, quadrature: BondQuadrature(dimension: 2, breaks: potential.breaks, radialNodes: 10, angularNodes: 48),
                                 potential: potential)
            calculus = SpectralCalculus(fft: fft)
        }

        func balance(printed: FineGrainedBalance.PrintedEquation? = nil) -> FineGrainedBalance {
            FineGrainedBalance(densities: [density], externalForce: externalForce, temperature: temperature, bonds: bonds,
                               calculus: calculus, printed: printed)
        }

        /// ∂_t ρ = −∇·j of the Dean current j = −ρ∇(V*ρ) − T_v ∇ρ + ρ f^e (physics.md §7.1), written out here apart from
        /// the balance.
        func densityRate() -> [Double] {
            let u = PotentialGradient(potential: bonds.potential, dimension: 2).evaluate(densities: [density], calculus: calculus)[0]
            let gradient = calculus.gradient(density)
            let current = (0..<2).map { c in
                density.indices.map { k in -density[k] * u[c][k] - temperature * gradient[c][k] + density[k] * externalForce[c][k] }
            }
            return calculus.divergence(vector: current).map { -$0 }
        }

        /// σ = −T_v ρ I + ½ B[ρ, ρ] (paper Eq. 13).
        func sigma(_ rho: [Double]) -> [[Double]] {
            LargeScaleStress.field(densities: [rho], bonds: bonds).enumerated().map { m, component in
                m < 2 ? zip(component, rho).map { $0 - temperature * $1 } : component
            }
        }
    }

    /// F5 (physics.md §5.5, §8): the corrected balance closes to ε < 1e-8 (§5.4's relative RMS; measured 5.1e-15, physics.md
    /// 9e-16): it is the master identity node by node of the bond quadrature, and with ρ band-limited to |n_a| < M/6 every
    /// product the bond integrals form (up to the cubic ρ u ∂ρ) stays below the Nyquist index, so the spectral shifts,
    /// λ-integrals and derivatives are exact and only rounding is left.
    ///
    /// That the rate is ∂_t σ and not just the left side of an identity: σ is quadratic in ρ, so the central difference
    /// [σ(ρ + ρ̇) − σ(ρ − ρ̇)]/2 with ρ̇ = −∇·j from the Dean current written out apart is exactly ∂_t σ; it equals the
    /// balance's rate −T_v ρ̇ I + B[ρ̇, ρ] to 1e-12 relative RMS (measured 1.3e-15), which also checks B[ρ̇, ρ] = B[ρ, ρ̇] on
    /// the symmetric node set. W^ni, Q^thermal and F^e are each more than 1e-3 of the right side in RMS (measured 1.9e-2,
    /// 1.4e-2, 0.12), so the closure tests every one of them.
    @Test func correctedBalanceCloses() throws {
        let setting = try Setting(), world = Communicator.world
        let balance = setting.balance()
        let residual = balance.residual(communicator: world)
        #expect(residual < 1e-8, "fine-grained residual \(residual)")
        let rhoDot = setting.densityRate()
        let ahead = setting.sigma(zip(setting.density, rhoDot).map { $0 + $1 })
        let behind = setting.sigma(zip(setting.density, rhoDot).map { $0 - $1 })
        let difference = zip(ahead, behind).map { zip($0, $1).map { 0.5 * ($0 - $1) } }
        let rateError = SmoothFields.relativeRMS(balance.rate.flatMap { $0 }, difference.flatMap { $0 }, communicator: world)
        #expect(rateError < 1e-12, "rate vs central difference of σ: \(rateError)")
        for (name, term) in [("W^ni", balance.work), ("Q^thermal", balance.thermal), ("F^e", balance.external)] {
            let size = SmoothFields.rms(term, communicator: world) / SmoothFields.rms(balance.source, communicator: world)
            #expect(size > 1e-3, "\(name) is only \(size) of the right side: the closure would not test it")
        }
    }

    /// F6 (physics.md §5.5, §8): each printed form on its own fails, ε > 1e-3 against a closure at rounding. The printed
    /// Eq. 15's ideal flux T_v(∂_l σ_kl − ρ f^e_k) δ_ij differs from −T_v j_k δ_ij by 2 T_v (∇·σ)_k δ_ij (measured ε = 1.09;
    /// physics.md 1.21); the printed Eq. 17, −B[f^e·∇ρ, ρ] in place of Σ_c B[ρ f^e_c, ∂_c ρ] (measured 0.224; physics.md
    /// 0.24). Both are O(1) and O(0.1) failures whatever the random field, so 1e-3 separates them from a closing budget.
    @Test(arguments: [FineGrainedBalance.PrintedEquation.equation15, .equation17])
    func printedEquationDoesNotClose(printed: FineGrainedBalance.PrintedEquation) throws {
        let residual = try Setting().balance(printed: printed).residual(communicator: .world)
        #expect(residual > 1e-3, "printed \(printed) closes to \(residual)")
    }
}
