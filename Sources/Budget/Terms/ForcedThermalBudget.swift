import Fields
import Parallel

/// The scale-ℓ stress budget with temperature and external forcing (physics.md §5.3; paper Eqs. 24, 32, 41), for field
/// data such as Dean solutions filtered at ℓ. The resolved current is split as
///
///   j_a = −A_a − τ_ℓ(ρ_a, f^ni) − T_v ∇ρ̄_a + ρ̄_a f̄^e_ℓ + τ_ℓ(ρ_a, f^e),   A_a = ρ̄_a u_a,
///
/// and the master identity (§5.1) turns each piece c into a source Σ_ab Σ_c B_ab[c_{a,c}, ∂_c ρ̄_b]:
///
///   ∂_t σ̲_ℓ + ∇·J̄_ℓ = W_ℓ + Q^flux_ℓ + Q^th_ℓ + N^e_ℓ + N^{flux,e}_ℓ,
///   W_ℓ = −Σ B[A_c, ∂_c ρ̄],   Q^flux_ℓ = −Σ B[τ_c(ρ, f^ni), ∂_c ρ̄],   Q^th_ℓ = −T_v Σ B[∂_c ρ̄, ∂_c ρ̄],
///   N^e_ℓ = +Σ B[ρ̄ f̄^e_c, ∂_c ρ̄],   N^{flux,e}_ℓ = +Σ B[τ_c(ρ, f^e), ∂_c ρ̄],
///
/// with the flux J̄_{ℓ,kij} = Σ_ab B_ab[j_{a,k}, ρ̄_b]_ij of the split current, so it carries the §5.2 flux and the pieces
/// B[−T_v ∂_k ρ̄_a + ρ̄_a f̄^e_k + τ_k(ρ_a, f^e), ρ̄_b]. The rate ∂_t σ̲_ℓ = Σ_ab B_ab[∂_t ρ̄_a, ρ̄_b] uses the state's own
/// currents (∂_t ρ̄_a = −∇·j_{ℓ,a}), so the residual checks the split against them. With T_v = 0 and f^e = 0 its terms
/// are those of ``StressBudget``. σ̲_ℓ is the non-ideal stress of §4.2 (no −T_v ρ̄ I). All terms come from one batch of bond
/// integrals sharing the shifted {ρ̄_b, ∂_c ρ̄_b}. Tensors in ``SpectralCalculus`` order, as owned samples.
public struct ForcedThermalBudget {
    public let sigma: [[Double]]
    /// [k]: J̄_{ℓ,k··}.
    public let flux: [[[Double]]]
    public let fluxDivergence: [[Double]]
    /// W_ℓ.
    public let work: [[Double]]
    /// Q^flux_ℓ.
    public let interScaleFlux: [[Double]]
    /// Q^th_ℓ.
    public let thermal: [[Double]]
    /// N^e_ℓ.
    public let externalWork: [[Double]]
    /// N^{flux,e}_ℓ.
    public let forcingFlux: [[Double]]
    /// ∂_t σ̲_ℓ from the state's currents.
    public let rate: [[Double]]

    /// Collective.
    /// - Parameters:
    ///   - state: ρ̄_{ℓ,a}, (ρ_a f^ni)_ℓ and the resolved currents j_{ℓ,a} (for a Dean field, the filtered
    ///     −ρ_a u_a − T_v ∇ρ_a + ρ_a f^e).
    ///   - forcing: [a][c]: (ρ_a f^e)_ℓ.
    ///   - filteredForce: [c]: f̄^e_ℓ.
    ///   - temperature: T_v.
    public init(state: CoarseGrainedState, forcing: [[[Double]]], filteredForce: [[Double]], temperature: Double,
                bonds: BondIntegral, calculus: SpectralCalculus) {
        let d = calculus.dimension, s = state.densities.count, tv = temperature, densities = state.densities
        precondition(forcing.count == s && forcing.allSatisfy { $0.count == d } && filteredForce.count == d,
                     "one forcing term per species and component, and d force components")
        let u = PotentialGradient(potential: bonds.potential, dimension: d).evaluate(densities: densities, calculus: calculus)
        let gradients = densities.map { calculus.gradient($0) }
        // [piece][a][c], each entering the current with the sign the sources carry below
        let resolved = (0..<s).map { a in (0..<d).map { c in zip(densities[a], u[a][c]).map { $0 * $1 } } }
        let subfilter = (0..<s).map { a in
            (0..<d).map { c in SubfilterCovariance.covariance(filteredProduct: state.forceTerms[a][c], filteredLeft: densities[a], filteredRight: u[a][c]) }
        }
        let resolvedForcing = (0..<s).map { a in (0..<d).map { c in zip(densities[a], filteredForce[c]).map { $0 * $1 } } }
        let subfilterForcing = (0..<s).map { a in
            (0..<d).map { c in SubfilterCovariance.covariance(filteredProduct: forcing[a][c], filteredLeft: densities[a], filteredRight: filteredForce[c]) }
        }
        let pieces = [resolved, subfilter, gradients, resolvedForcing, subfilterForcing]
        let signs = [-1, -1, -tv, 1, 1]
        let currents = (0..<s).map { a in
            (0..<d).map { c in
                (0..<densities[a].count).map { k in zip(signs, pieces).reduce(0.0) { $0 + $1.0 * $1.1[a][c][k] } }
            }
        }
        let densityRates = state.currents.map { current in calculus.divergence(vector: current).map { -$0 } }
        let rights = [densities] + (0..<d).map { c in (0..<s).map { gradients[$0][c] } }
        var terms = [BondIntegral.Term(left: densities, right: 0), BondIntegral.Term(left: densityRates, right: 0)]
        terms += (0..<d).map { k in BondIntegral.Term(left: (0..<s).map { currents[$0][k] }, right: 0) }
        for piece in pieces {
            terms += (0..<d).map { c in BondIntegral.Term(left: (0..<s).map { piece[$0][c] }, right: 1 + c) }
        }
        let results = bonds.evaluate(rights: rights, terms: terms)
        let sources = signs.indices.map { p in
            BudgetAlgebra.combination(results[(2 + d + p * d)..<(2 + d + (p + 1) * d)].map { (signs[p], $0) })
        }
        sigma = results[0].map { $0.map { 0.5 * $0 } }
        rate = results[1]
        flux = Array(results[2..<(2 + d)])
        fluxDivergence = BudgetAlgebra.divergence(flux: flux, calculus: calculus)
        (work, interScaleFlux, thermal, externalWork, forcingFlux) = (sources[0], sources[1], sources[2], sources[3], sources[4])
    }

    /// −∇·J̄_ℓ + W_ℓ + Q^flux_ℓ + Q^th_ℓ + N^e_ℓ + N^{flux,e}_ℓ, the budget's right side.
    public var source: [[Double]] {
        BudgetAlgebra.combination([(-1, fluxDivergence), (1, work), (1, interScaleFlux), (1, thermal), (1, externalWork), (1, forcingFlux)])
    }

    /// Collective: the relative RMS residual ε of physics.md §5.4 of a rate D (the instantaneous ``rate`` by default)
    /// against ``source``, weights 1 on diagonal and 2 on off-diagonal components.
    public func residual(rate given: [[Double]]? = nil, communicator: Communicator) -> Double {
        BudgetAlgebra.relativeResidual(rate: given ?? rate, source: source, dimension: flux.count, communicator: communicator)
    }
}
