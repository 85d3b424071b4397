import Fields
import Parallel

/// The self-interaction part of σ̲_ℓ for point particles (physics.md §4.2): the i = j terms,
/// σ^self(x) = Σ_a Σ_{i∈a} K_a(x − x_i), K_a(z) = ½ ∫ d^d y y ⊗ ∇V_aa(y) ∫₀¹ dλ G_ℓ(z − λy) G_ℓ(z + (1 − λ)y), a rigid
/// per-particle self-stress. Its box average is ⟨σ^self⟩ = ½ Σ_a N_a ⟨B_aa[g, g]⟩ for the grid field g of one particle
/// (the λ-shift leaves a box integral unchanged), one pass over the Fourier modes with the exact transform of the bond
/// weight (§3.7a, ``BondAverage``): the same deposition and Nyquist rule as σ̲_ℓ itself.
public enum SelfStress {
    /// Collective: ⟨σ^self⟩ per tensor component (``SpectralCalculus`` order), for `counts[a]` = N_a particles of
    /// species a in the box.
    public static func average(counts: [Double], deposition: any PointDeposition, average: BondAverage) throws -> [Double] {
        let d = deposition.grid.dimension, root = deposition.decomposition.communicator.isRoot, s = counts.count
        let single = try deposition.deposit(positions: root ? [Double](repeating: 0, count: d) : [], values: root ? [1] : [], components: 1)[0]
        let zero = [Double](repeating: 0, count: single.count)
        // one term per species a: left N_a g and right g in slot a, zero elsewhere, so that only B_aa remains
        let rights = (0..<s).map { a in (0..<s).map { $0 == a ? single : zero } }
        let terms = (0..<s).map { a in BondIntegral.Term(left: (0..<s).map { $0 == a ? single.map { counts[a] * $0 } : zero }, right: a) }
        let results = average.averages(rights: rights, terms: terms)
        return results[0].indices.map { c in 0.5 * results.reduce(0) { $0 + $1[c] } }
    }
}
