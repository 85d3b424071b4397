import Fields
import Parallel

/// The scale-by-scale budget of the large-scale stress (physics.md §5.1–5.2, §5.4; paper Eqs. 30–40, with the
/// signs of Eqs. 38–39 corrected as physics.md's [paper fix] says):
///
///   ∂_t σ̲_ℓ + ∇·J̄_ℓ = W_ℓ + Q^flux_ℓ,
///   J̄_{ℓ,kij} = Σ_ab B_ab[j_{a,k}, ρ̄_b]_ij,   W_ℓ = −Σ_ab Σ_c B_ab[A_{a,c}, ∂_c ρ̄_b],   Q^flux_ℓ = −Σ_ab Σ_c B_ab[τ_{a,c}, ∂_c ρ̄_b],
///
/// with A_a = ρ̄_a u_a (u_a = ``PotentialGradient``) and τ_a = (ρ_a f^ni)_ℓ − A_a. The instantaneous rate is
/// ∂_t σ̲_ℓ = Σ_ab B_ab[∂_t ρ̄_a, ρ̄_b] with ∂_t ρ̄_a = −∇·j_a (B's symmetry); the master identity (§5.1) makes the
/// budget close pointwise for any currents, so with the instantaneous rate the residual is at the quadrature and
/// aliasing floor. All terms come from one batch of bond integrals sharing the shifted {ρ̄_b, ∂_c ρ̄_b}.
/// Tensors in ``SpectralCalculus`` order, as owned samples.
public struct StressBudget {
    public let sigma: [[Double]]
    /// [k]: J̄_{ℓ,k··}.
    public let flux: [[[Double]]]
    public let fluxDivergence: [[Double]]
    public let work: [[Double]]
    public let interScaleFlux: [[Double]]
    /// ∂_t σ̲_ℓ from the instantaneous currents.
    public let rate: [[Double]]

    /// The budget's bond integrals as one batch (physics.md §5.4 step 1): the right fields {ρ̄_b} (index 0) and
    /// {∂_c ρ̄_b} (index 1 + c), and the terms σ̲ (×2), the rate, J̄_k, the resolved and the sub-filter sources, in the
    /// ranges below. Shared by the fields (``BondIntegral``) and the box averages (``BondAverage``).
    public struct Batch {
        public let rights: [[[Double]]]
        public let terms: [BondIntegral.Term]
        public let dimension: Int
        public var sigma: Int { 0 }
        public var rate: Int { 1 }
        public var flux: Range<Int> { 2..<(2 + dimension) }
        public var resolved: Range<Int> { (2 + dimension)..<(2 + 2 * dimension) }
        public var subfilter: Range<Int> { (2 + 2 * dimension)..<(2 + 3 * dimension) }

        /// Collective. With `printedSigns`, "∇·σ̲_ℓ" of the paper's Eqs. 38–39 is read literally in place of A
        /// (= −∇·σ̲_ℓ), the form physics.md shows does not close (test B6); never use it for results.
        public init(state: CoarseGrainedState, potential: BondPotential, calculus: SpectralCalculus, printedSigns: Bool = false) {
            self.init(state: state, gradient: PotentialGradient(potential: potential, dimension: calculus.dimension), calculus: calculus,
                      printedSigns: printedSigns)
        }

        /// Collective: as above with u_a from `gradient` (e.g. ``PotentialGradient/tabulated(on:)`` for many states on one grid).
        public init(state: CoarseGrainedState, gradient: PotentialGradient, calculus: SpectralCalculus, printedSigns: Bool = false) {
            let d = calculus.dimension, s = state.densities.count
            let u = gradient.evaluate(densities: state.densities, calculus: calculus)
            let resolved = (0..<s).map { a in (0..<d).map { c in zip(state.densities[a], u[a][c]).map { $0 * $1 } } }
            let subfilter = (0..<s).map { a in (0..<d).map { c in zip(state.forceTerms[a][c], resolved[a][c]).map { $0 - $1 } } }
            // The printed Eqs. 38–39: −A in W and in the flux's current j = −A − τ.
            let printed = printedSigns ? (0..<s).map { a in (0..<d).map { c in resolved[a][c].map { -$0 } } } : []
            let currents = printedSigns ? (0..<s).map { a in (0..<d).map { c in zip(printed[a][c], subfilter[a][c]).map { -$0 - $1 } } } : state.currents
            let gradients = state.densities.map { calculus.gradient($0) }
            rights = [state.densities] + (0..<d).map { c in (0..<s).map { gradients[$0][c] } }
            let densityRates = state.currents.map { current in calculus.divergence(vector: current).map { -$0 } }
            var terms = [BondIntegral.Term(left: state.densities, right: 0), BondIntegral.Term(left: densityRates, right: 0)]
            terms += (0..<d).map { k in BondIntegral.Term(left: (0..<s).map { currents[$0][k] }, right: 0) }
            terms += (0..<d).map { c in BondIntegral.Term(left: (0..<s).map { (printedSigns ? printed : resolved)[$0][c] }, right: 1 + c) }
            terms += (0..<d).map { c in BondIntegral.Term(left: (0..<s).map { subfilter[$0][c] }, right: 1 + c) }
            self.terms = terms
            dimension = d
        }
    }

    /// Collective. With `printedSigns`, "∇·σ̲_ℓ" of the paper's Eqs. 38–39 is read literally in place of A
    /// (= −∇·σ̲_ℓ), the form physics.md shows does not close (test B6); never use it for results. `progress` as
    /// ``BondIntegral/evaluate(rights:terms:progress:)`` takes it.
    public init(state: CoarseGrainedState, bonds: BondIntegral, calculus: SpectralCalculus, printedSigns: Bool = false,
                progress: ((Int, Int) -> Void)? = nil) {
        let batch = Batch(state: state, potential: bonds.potential, calculus: calculus, printedSigns: printedSigns)
        let results = bonds.evaluate(rights: batch.rights, terms: batch.terms, progress: progress)
        sigma = results[batch.sigma].map { $0.map { 0.5 * $0 } }
        rate = results[batch.rate]
        flux = Array(results[batch.flux])
        work = BudgetAlgebra.combination(results[batch.resolved].map { (-1, $0) })
        interScaleFlux = BudgetAlgebra.combination(results[batch.subfilter].map { (-1, $0) })
        fluxDivergence = BudgetAlgebra.divergence(flux: Array(results[batch.flux]), calculus: calculus)
    }

    /// Collective: the relative RMS closure residual of physics.md §5.4 for a rate D (instantaneous by default):
    /// R = D − (−∇·J̄ + W + Q), ε = sqrt(Σ_c w_c ⟨R_c²⟩ / Σ_c w_c ⟨S_c²⟩), S = −∇·J̄ + W + Q, weights 1 on diagonal and
    /// 2 on off-diagonal components.
    public func residual(rate given: [[Double]]? = nil, communicator: Communicator) -> Double {
        BudgetAlgebra.relativeResidual(rate: given ?? rate, source: BudgetAlgebra.combination([(-1, fluxDivergence), (1, work), (1, interScaleFlux)]),
                                       dimension: flux.count, communicator: communicator)
    }
}
