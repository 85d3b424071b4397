#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// The filtered Hardy (Irving–Kirkwood) bond stress of point particles (physics.md §2.3, paper Eq. 13):
/// σ^H_ℓ(x) = Σ_{i<j} r_ij ⊗ ∇V(r_ij) ∫₀¹ dλ G_ℓ(x − x_i − λ r_ij), r_ij = x_j − x_i, the λ-integral by
/// Gauss–Legendre with each node x_i + λ_q r_ij deposited as a point by any ``PointDeposition``.
/// Each bond is given once (by whichever rank), so nothing is counted twice; nodes of bonds that cross a
/// slab face or the periodic boundary go to the ranks owning them. Exact identities (tested):
/// ⟨σ^H_ℓ⟩ = σ^vir, and ∇·σ^H_ℓ = Σ_i F_i G_ℓ(x − x_i).
public enum HardyStress {
    /// λ nodes for bonds up to `longestBond` deposited by `deposition` (the same for every bond), the fewest
    /// meeting `tolerance`. In Fourier space the λ-integral is E(u) = ∫₀¹ e^{−iuλ} dλ at u = k·r, and n-node
    /// Gauss–Legendre misses it by at most u^{2n} (n!)⁴ / ((2n+1) ((2n)!)³) (the rule's remainder, |f^{(2n)}| = u^{2n});
    /// mode k of the field carries it times Ĝ(|k|ℓ). So n is the least with max_k Ĝ(|k|ℓ) min(2, that) ≤ tolerance
    /// over the grid's band (|k| ≤ π/h √(d − 1 + (1 + |γ|)²)): about 12 nodes for bonds of ℓ, 20 for 2ℓ with the
    /// Gaussian; compact kernels, whose Ĝ decays slowly, need more (at most 128).
    public static func lambdaNodes(longestBond: Double, deposition: any PointDeposition, tolerance: Double = 1e-12) -> Int {
        let grid = deposition.grid, d = Double(grid.dimension), gamma = abs(deposition.strain)
        let band = Double.pi / grid.spacing * (d - 1 + (1 + gamma) * (1 + gamma)).squareRoot()
        let wavenumbers = (1...400).map { band * Double($0) / 400 }
        let logTransfer = wavenumbers.map { log(abs(deposition.kernel.transform($0 * deposition.scale))) }
        func bound(_ n: Int) -> Double {
            let m = Double(n)
            let constant: Double = 4 * lgamma(m + 1) - log(2 * m + 1) - 3 * lgamma(2 * m + 1)
            var largest = 0.0
            for (k, g) in zip(wavenumbers, logTransfer) {
                let remainder: Double = 2 * m * log(max(k * longestBond, 1e-300)) + constant
                largest = max(largest, exp(g + min(log(2), remainder)))
            }
            return largest
        }
        return (1...128).first { bound($0) <= tolerance } ?? 128
    }

    /// Collective: the longest bond |r_ij| of all ranks (which sets the λ nodes of every bond alike).
    public static func longestBond(vectors: [Double], dimension d: Int, communicator: Communicator) -> Double {
        var longest = 0.0
        for b in 0..<(vectors.count / d) {
            var r2 = 0.0
            for a in 0..<d { r2 += vectors[b * d + a] * vectors[b * d + a] }
            longest = max(longest, r2.squareRoot())
        }
        return communicator.allreduce(longest, .max)
    }

    /// Collective: the components of σ^H_ℓ (2D: xx, yy, xy; 3D: xx, yy, zz, xy, xz, yz), this rank's owned
    /// samples as ``PointDeposition/deposit(positions:values:components:)`` returns them. Per bond:
    /// `origins` x_i and `vectors` r_ij (d values each, physical order) and `tensors` r_ij ⊗ ∇V(r_ij) in the
    /// component order.
    public static func deposit(origins: [Double], vectors: [Double], tensors: [Double],
                               with deposition: any PointDeposition) throws -> [[Double]] {
        let d = deposition.grid.dimension, c = d == 2 ? 3 : 6, bonds = origins.count / d
        precondition(vectors.count == origins.count && tensors.count == bonds * c, "bond arrays disagree")
        let longest = longestBond(vectors: vectors, dimension: d, communicator: deposition.decomposition.communicator)
        let rule = GaussLegendre(count: lambdaNodes(longestBond: longest, deposition: deposition), on: 0...1)
        return try deposition.deposit(segments: SegmentBatch(origins: origins, vectors: vectors, values: tensors, components: c, dimension: d), rule: rule)
    }
}
