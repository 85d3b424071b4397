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
        let d = deposition.grid.dimension, root = deposition.decomposition.communicator.isRoot
        let single = try deposition.deposit(positions: root ? [Double](repeating: 0, count: d) : [], values: root ? [1] : [], components: 1)[0]
        return average.diagonalAverage(of: single, weights: counts).map { 0.5 * $0 }
    }
}
