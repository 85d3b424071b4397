import Fields
import Parallel

/// The fine-grained stress balance of a smooth density field (physics.md §5.5; paper Eqs. 13–19 with physics.md's
/// [paper fix]es), species sums as in §2.3 (the paper's single species is s = 1):
///
///   ∂_t σ_ij + ∂_k J_kij = W^ni_ij + Q^thermal_ij + F^e_ij                                   (paper Eq. 14)
///   σ = −T_v Σ_a ρ_a I + ½ Σ_ab B_ab[ρ_a, ρ_b]                                              (paper Eq. 13)
///   J_kij = Σ_ab B_ab[j_{a,k}, ρ_b]_ij − T_v δ_ij Σ_a j_{a,k}                                (Eqs. 15–16, corrected)
///   W^ni = −Σ_ab Σ_c B_ab[ρ_a u_{a,c}, ∂_c ρ_b],   Q^thermal = −T_v Σ_ab Σ_c B_ab[∂_c ρ_a, ∂_c ρ_b],
///   F^e = +Σ_ab Σ_c B_ab[ρ_a f^e_c, ∂_c ρ_b]                                                 (Eqs. 19, 18, 17 corrected)
///
/// for the Dean current j_a = −ρ_a u_a − T_v ∇ρ_a + ρ_a f^e, u_a = ``PotentialGradient``, ∂_t ρ_a = −∇·j_a. The rate is
/// instantaneous: ∂_t σ = T_v Σ_a (∇·j_a) I + Σ_ab B_ab[∂_t ρ_a, ρ_b] (B's symmetry), from ρ̇ with no time step. The
/// balance is the master identity (§5.1) plus the ideal part, so it closes node by node of the bond quadrature; on the
/// grid it is exact while every product of the bond integrals is resolved (ρ band-limited below M/6 per axis keeps the
/// cubic products ρ u ∂ρ unaliased), leaving rounding (test F5). All terms come from one batch of bond integrals
/// sharing the shifted {ρ_b, ∂_c ρ_b}. Tensors in ``SpectralCalculus`` order, as owned samples.
public struct FineGrainedBalance {
    /// A printed form of the paper that physics.md §5.5 corrects; each on its own does not close (test F6).
    public enum PrintedEquation: Sendable {
        /// Paper Eq. 15's ideal flux T_v(∂_l σ_kl − ρ f^e_k) δ_ij in place of −T_v j_k δ_ij = −T_v(∂_l σ_lk + ρ f^e_k) δ_ij.
        case equation15
        /// Paper Eq. 17, F^e = −½ ∫dλ ∫d^d y y⊗∇V (f^e·∇ρ ρ' + ρ f^e'·∇ρ') = −Σ_ab B_ab[f^e·∇ρ_a, ρ_b]: ∇ρ at the end
        /// of f^e and a minus sign, in place of +Σ_c B[ρ f^e_c, ∂_c ρ].
        case equation17
    }

    /// σ (ideal part included).
    public let sigma: [[Double]]
    /// [k]: J_k··.
    public let flux: [[[Double]]]
    public let fluxDivergence: [[Double]]
    /// W^ni.
    public let work: [[Double]]
    /// Q^thermal.
    public let thermal: [[Double]]
    /// F^e (the printed Eq. 17 with ``PrintedEquation/equation17``).
    public let external: [[Double]]
    /// ∂_t σ from ∂_t ρ_a = −∇·j_a.
    public let rate: [[Double]]

    /// Collective.
    /// - Parameters:
    ///   - densities: ρ_a per species, owned samples.
    ///   - externalForce: f^e per physical component, owned samples (the same force on every species).
    ///   - temperature: T_v.
    ///   - printed: one of the paper's printed forms in place of the corrected one; never for results.
    public init(densities: [[Double]], externalForce: [[Double]], temperature: Double, bonds: BondIntegral,
                calculus: SpectralCalculus, printed: PrintedEquation? = nil) {
        let d = calculus.dimension, s = densities.count, tv = temperature, count = densities[0].count
        precondition(s == bonds.potential.species && externalForce.count == d, "one density per species and d force components")
        let u = PotentialGradient(potential: bonds.potential, dimension: d).evaluate(densities: densities, calculus: calculus)
        let gradients = densities.map { calculus.gradient($0) }
        let interaction = (0..<s).map { a in (0..<d).map { c in zip(densities[a], u[a][c]).map { $0 * $1 } } }
        let forced = (0..<s).map { a in (0..<d).map { c in zip(densities[a], externalForce[c]).map { $0 * $1 } } }
        let currents = (0..<s).map { a in
            (0..<d).map { c in (0..<count).map { -interaction[a][c][$0] - tv * gradients[a][c][$0] + forced[a][c][$0] } }
        }
        let densityRates = currents.map { current in calculus.divergence(vector: current).map { -$0 } }
        let rights = [densities] + (0..<d).map { c in (0..<s).map { gradients[$0][c] } }
        var terms = [BondIntegral.Term(left: densities, right: 0), BondIntegral.Term(left: densityRates, right: 0)]
        terms += (0..<d).map { k in BondIntegral.Term(left: (0..<s).map { currents[$0][k] }, right: 0) }
        terms += (0..<d).map { c in BondIntegral.Term(left: (0..<s).map { interaction[$0][c] }, right: 1 + c) }
        terms += (0..<d).map { c in BondIntegral.Term(left: (0..<s).map { gradients[$0][c] }, right: 1 + c) }
        if printed == .equation17 {
            let advected = (0..<s).map { a in (0..<count).map { k in (0..<d).reduce(0.0) { $0 + externalForce[$1][k] * gradients[a][$1][k] } } }
            terms.append(BondIntegral.Term(left: advected, right: 0))
        } else {
            terms += (0..<d).map { c in BondIntegral.Term(left: (0..<s).map { forced[$0][c] }, right: 1 + c) }
        }
        let results = bonds.evaluate(rights: rights, terms: terms)
        func total(_ fields: [[Double]]) -> [Double] { (0..<count).map { k in fields.reduce(0.0) { $0 + $1[k] } } }
        let density = total(densities), densityRate = total(densityRates)
        let current = (0..<d).map { c in total((0..<s).map { currents[$0][c] }) }
        // the ideal part −T_v ρ I sits on the d diagonal components
        func addingDiagonal(_ tensor: [[Double]], _ diagonal: [Double]) -> [[Double]] {
            tensor.enumerated().map { m, component in m < d ? zip(component, diagonal).map { $0 + $1 } : component }
        }
        sigma = addingDiagonal(results[0].map { $0.map { 0.5 * $0 } }, density.map { -tv * $0 })
        rate = addingDiagonal(results[1], densityRate.map { -tv * $0 })
        let stressDivergence = printed == .equation15 ? calculus.divergence(tensor: sigma) : []
        flux = (0..<d).map { k in
            let ideal = printed == .equation15
                ? (0..<count).map { tv * (stressDivergence[k][$0] - density[$0] * externalForce[k][$0]) }
                : current[k].map { -tv * $0 }
            return addingDiagonal(results[2 + k], ideal)
        }
        work = BudgetAlgebra.combination(results[(2 + d)..<(2 + 2 * d)].map { (-1, $0) })
        thermal = BudgetAlgebra.combination(results[(2 + 2 * d)..<(2 + 3 * d)].map { (-tv, $0) })
        external = BudgetAlgebra.combination(results[(2 + 3 * d)...].map { (printed == .equation17 ? -1 : 1, $0) })
        fluxDivergence = BudgetAlgebra.divergence(flux: flux, calculus: calculus)
    }

    /// −∇·J + W^ni + Q^thermal + F^e, the right side of paper Eq. 14.
    public var source: [[Double]] {
        BudgetAlgebra.combination([(-1, fluxDivergence), (1, work), (1, thermal), (1, external)])
    }

    /// Collective: the relative RMS residual ε of physics.md §5.4 of a rate D (the instantaneous ``rate`` by default)
    /// against ``source``, weights 1 on diagonal and 2 on off-diagonal components.
    public func residual(rate given: [[Double]]? = nil, communicator: Communicator) -> Double {
        BudgetAlgebra.relativeResidual(rate: given ?? rate, source: source, dimension: flux.count, communicator: communicator)
    }
}
