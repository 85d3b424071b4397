/// The large-scale non-ideal stress of the paper's Eq. 30 (physics.md §4.2): σ̲_ℓ = ½ Σ_ab B_ab[ρ̄_{ℓ,a}, ρ̄_{ℓ,b}],
/// the bond functional of the coarse-grained densities (self-interaction i = j included for point particles).
/// Exact identity (test F2): ∇·σ̲_ℓ = −Σ_a ρ̄_a u_a, u_a = ``PotentialGradient``.
public enum LargeScaleStress {
    /// Collective: the components (``SpectralCalculus`` order) as owned samples, from the per-species densities.
    public static func field(densities: [[Double]], bonds: BondIntegral) -> [[Double]] {
        bonds.evaluate(left: densities, right: densities).map { $0.map { 0.5 * $0 } }
    }
}
