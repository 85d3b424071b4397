import Fields

/// The box averages of the budget's terms (physics.md §5.2, §3.7a): ⟨σ̲_ℓ⟩, ⟨W_ℓ⟩, ⟨Q^flux_ℓ⟩ and the instantaneous
/// ⟨∂_t σ̲_ℓ⟩ from the same batch as ``StressBudget``, each by one pass over the Fourier modes (``BondAverage``)
/// instead of the bond quadrature, so every scale's means cost a few FFTs. ⟨∇·J̄_ℓ⟩ = 0, so the averaged budget is
/// d⟨σ̲_ℓ⟩/dt = ⟨W_ℓ⟩ + ⟨Q^flux_ℓ⟩ (X6). Tensors in ``SpectralCalculus`` order.
public struct StressBudgetAverages {
    public let sigma: [Double]
    public let work: [Double]
    public let interScaleFlux: [Double]
    public let rate: [Double]

    /// Collective.
    public init(state: CoarseGrainedState, average: BondAverage, potential: BondPotential, calculus: SpectralCalculus) {
        self.init(state: state, average: average, gradient: PotentialGradient(potential: potential, dimension: calculus.dimension),
                  calculus: calculus)
    }

    /// Collective: as above with u_a from `gradient` (``PotentialGradient/tabulated(on:)`` for many states on one grid).
    public init(state: CoarseGrainedState, average: BondAverage, gradient: PotentialGradient, calculus: SpectralCalculus) {
        let batch = StressBudget.Batch(state: state, gradient: gradient, calculus: calculus)
        // J̄'s own mean is not a budget term: leave its terms out of the pass.
        let kept = [batch.sigma, batch.rate] + Array(batch.resolved) + Array(batch.subfilter)
        let computed = average.averages(rights: batch.rights, terms: kept.map { batch.terms[$0] })
        var results = [[Double]](repeating: [], count: batch.terms.count)
        for (i, t) in kept.enumerated() { results[t] = computed[i] }
        sigma = results[batch.sigma].map { 0.5 * $0 }
        rate = results[batch.rate]
        work = batch.resolved.reduce([Double](repeating: 0, count: sigma.count)) { zip($0, results[$1]).map { $0 - $1 } }
        interScaleFlux = batch.subfilter.reduce([Double](repeating: 0, count: sigma.count)) { zip($0, results[$1]).map { $0 - $1 } }
    }
}
