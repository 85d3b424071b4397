import Fields
import Parallel

/// The self-interaction part of σ̲_ℓ for point particles (physics.md §4.2): the i = j terms,
/// σ^self(x) = Σ_a Σ_{i∈a} K_a(x − x_i), K_a(z) = ½ ∫ d^d y y ⊗ ∇V_aa(y) ∫₀¹ dλ G_ℓ(z − λy) G_ℓ(z + (1 − λ)y), a rigid
/// per-particle self-stress. Its box average is Σ_a N_a ∫K_a / |Ω|, with K_a computed on the grid as σ̲_ℓ of one
/// particle of species a at the origin (the same deposition and bond quadrature as σ̲_ℓ itself, so the two are
/// consistent to rounding).
public enum SelfStress {
    /// Collective: ⟨σ^self⟩ per tensor component (``SpectralCalculus`` order), for `counts[a]` = N_a particles of
    /// species a in the box.
    public static func average(counts: [Double], deposition: any PointDeposition, bonds: BondIntegral) throws -> [Double] {
        let d = deposition.grid.dimension, s = counts.count, communicator = deposition.decomposition.communicator
        let root = communicator.isRoot
        var sums = [Double](repeating: 0, count: d == 2 ? 3 : 6)
        for a in 0..<s where counts[a] > 0 {
            let single = try deposition.deposit(positions: root ? [Double](repeating: 0, count: d) : [], values: root ? [1] : [], components: 1)[0]
            let zero = [Double](repeating: 0, count: single.count)
            let kernel = LargeScaleStress.field(densities: (0..<s).map { $0 == a ? single : zero }, bonds: bonds)
            for m in sums.indices { sums[m] += counts[a] * kernel[m].reduce(0, +) }
        }
        let points = Double(deposition.decomposition.grid.pointCount)
        return communicator.allreduce(sums, .sum).map { $0 / points }
    }
}
