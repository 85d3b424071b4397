import Fields

/// The pair-sum terms of the budget of point particles as grid fields (physics.md §3.7b, Gaussian kernel): σ̲_ℓ (§4.2,
/// self terms included), σ^self (its i = j terms), the stress flux J̄_ℓ (§5.2) and S_ℓ = Σ_c Σ_ab B_ab[j_{a,c}, ∂_c ρ̄_b]
/// (= W_ℓ + Q^flux_ℓ for athermal unforced dynamics, §5.1), each exact up to the ``PairQuadrature`` tolerance and the
/// deposition's accuracy, with no bond quadrature on the grid: local pair sums with a particle halo of r_max + cσ.
/// W_ℓ alone has the product field A on the left and is not a pair sum (§3.7c). Tensors in ``SpectralCalculus`` order,
/// as owned samples.
public struct PairSumFields {
    public let sigma: [[Double]]
    public let selfStress: [[Double]]
    /// [k]: J̄_{ℓ,k··}.
    public let flux: [[[Double]]]
    /// S_ℓ = ½ Σ_c ∂_c J̄_{ℓ,c} + D (``PairSums``).
    public let source: [[Double]]

    /// Collective: from `pairs` and each pair's left velocity v_i (d values per pair, ``PairList/firstValues(_:components:)``),
    /// deposited by `deposition`, a Gaussian deposition at ℓ/√2; `calculus` (the same grid and strain) takes ½ Σ_c ∂_c J̄_c.
    /// Two depositions: every pair with 2 + d terms (σ̲, J̄, D), then the self pairs with one.
    public init(pairs: PairList, velocities: [Double], sums: PairSums, deposition: any PointDeposition, calculus: SpectralCalculus) throws {
        let d = pairs.dimension
        let half = PairSums.Term.bond(weights: [Double](repeating: 0.5, count: pairs.count))
        let fields = try sums.deposit(pairs: pairs, terms: [half] + PairSums.sourceTerms(pairs: pairs, velocities: velocities), with: deposition)
        sigma = fields[0]
        flux = Array(fields[1...d])
        source = fields[d + 1].indices.map { component in
            var total = fields[d + 1][component]
            for c in 0..<d {
                let derivative = calculus.derivative(fields[1 + c][component], axis: c)
                for k in total.indices { total[k] += 0.5 * derivative[k] }
            }
            return total
        }
        let own = pairs.selfPairs
        selfStress = try sums.deposit(pairs: own, terms: [.bond(weights: [Double](repeating: 0.5, count: own.count))], with: deposition)[0]
    }
}
