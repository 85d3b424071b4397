/// Thermodynamic quantities of a configuration, reduced over all ranks (physics.md §2.2).
/// Stress components in V₀/ℓ₀^d, tension positive.
public struct Thermo: Sendable, Codable, Equatable {
    public var step: Int
    public var particles: Int
    /// Total potential energy U = Σ_{i<j} V_ij.
    public var potentialEnergy: Double
    /// Interaction (virial) stress σ^vir = (1/|Ω|) Σ_{i<j} r_ij ⊗ ∇V(r_ij), components
    /// (xx, yy, xy) in 2D and (xx, yy, zz, xy, xz, yz) in 3D; negative diagonal under compression.
    public var virialStress: [Double]
    /// Interaction pressure −tr σ^vir / d (the ideal part −ρT_v is added in ``pressure(temperature:)``).
    public var virialPressure: Double
    /// Mean number of contacts per particle (pairs with r < σ_ij, counted for both partners).
    public var contactsPerParticle: Double
    /// Largest overlap 1 − r/σ_ij of any pair in contact (0 if none).
    public var maxOverlap: Double
    /// Largest force component max_{i,α} |F_iα|.
    public var maxForce: Double
    /// Box volume (area in 2D).
    public var volume: Double

    /// Potential energy per particle.
    public var energyPerParticle: Double { potentialEnergy / Double(max(particles, 1)) }

    /// Total pressure with the ideal (osmotic) part at temperature T_v: −tr σ^vir/d + N T_v/|Ω|.
    public func pressure(temperature: Double) -> Double {
        virialPressure + Double(particles) * temperature / volume
    }

    /// The names of the stress components, in ``virialStress`` order.
    public static func componentNames(dimension: Int) -> [String] {
        dimension == 2 ? ["xx", "yy", "xy"] : ["xx", "yy", "zz", "xy", "xz", "yz"]
    }
}

extension Thermo {
    /// σ_xy of the virial stress (component 2 in 2D, 3 in 3D).
    public var shearStress: Double { virialStress[virialStress.count == 3 ? 2 : 3] }
}
