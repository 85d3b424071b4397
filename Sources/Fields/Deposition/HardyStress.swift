import Parallel

/// The filtered Hardy (Irving–Kirkwood) bond stress of point particles (physics.md §2.3, paper Eq. 13):
/// σ^H_ℓ(x) = Σ_{i<j} r_ij ⊗ ∇V(r_ij) ∫₀¹ dλ G_ℓ(x − x_i − λ r_ij), r_ij = x_j − x_i, the λ-integral by
/// Gauss–Legendre with each node x_i + λ_q r_ij deposited as a point (``RealSpaceDeposition``, renormalised).
/// Each bond is given once (by whichever rank), so nothing is counted twice; nodes of bonds that cross a
/// slab face or the periodic boundary go to the ranks owning them. Exact identities (tested):
/// ⟨σ^H_ℓ⟩ = σ^vir, and ∇·σ^H_ℓ = Σ_i F_i G_ℓ(x − x_i).
public enum HardyStress {
    /// λ nodes for bonds up to `longestBond` at scale ℓ: physics.md's 24 while the bond is at most 2ℓ (the
    /// integrand, a kernel of width ℓ/r in λ, is then resolved to rounding), else 12 per r/ℓ, at most 96.
    public static func lambdaNodes(longestBond: Double, scale ell: Double) -> Int {
        let ratio = longestBond / ell
        return ratio <= 2 ? 24 : min(96, Int((12 * ratio).rounded(.up)))
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
    /// samples as ``RealSpaceDeposition/deposit(positions:values:components:)`` returns them. Per bond:
    /// `origins` x_i and `vectors` r_ij (d values each, physical order) and `tensors` r_ij ⊗ ∇V(r_ij) in the
    /// component order.
    public static func deposit(origins: [Double], vectors: [Double], tensors: [Double],
                               with deposition: RealSpaceDeposition) throws -> [[Double]] {
        let d = deposition.grid.dimension, c = d == 2 ? 3 : 6, bonds = origins.count / d
        precondition(vectors.count == origins.count && tensors.count == bonds * c, "bond arrays disagree")
        let longest = longestBond(vectors: vectors, dimension: d, communicator: deposition.decomposition.communicator)
        let rule = GaussLegendre(count: lambdaNodes(longestBond: longest, scale: deposition.scale), on: 0...1)
        var points: [Double] = [], values: [Double] = []
        points.reserveCapacity(bonds * rule.nodes.count * d)
        values.reserveCapacity(bonds * rule.nodes.count * c)
        for b in 0..<bonds {
            for (lambda, weight) in zip(rule.nodes, rule.weights) {
                for a in 0..<d { points.append(origins[b * d + a] + lambda * vectors[b * d + a]) }
                for k in 0..<c { values.append(weight * tensors[b * c + k]) }
            }
        }
        return try deposition.deposit(positions: points, values: values, components: c)
    }
}
