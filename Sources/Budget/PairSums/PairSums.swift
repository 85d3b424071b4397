/// The exact pair-sum route of the Gaussian kernel (physics.md §3.7b). With η = s²ℓ² and, for an ordered pair (i, j)
/// (i = j and periodic images included), r_ij = x_j − x_i and m_ij = x_i + r_ij/2, the product of two Gaussians G_ℓ = g_η
/// in a bond integral is a Gaussian g_{2η} in the bond vector times g_{η/2} in the midpoint, so every bond integral whose
/// left factor is a particle sum f = Σ_i w_i G_ℓ(x − x_i) and whose right factor is ρ̄_ℓ or ∂_c ρ̄_ℓ is a sum over pairs of
///
///   T(x) = Σ_p ∫ d^d y  y ⊗ ∇V_{s_i s_j}(y) h_p(y) g_{2η}(y − r_p) ∫₀¹ dλ g_{η/2}(x − m_p − (λ − ½) y),
///
/// one ``Term`` per choice of h_p:
/// - σ̲_ℓ = ½ Σ_ab B_ab[ρ̄_a, ρ̄_b] (§4.2): h = ½ on every pair; σ^self the same on the pairs with i = j;
/// - J̄_{ℓ,c} = Σ_ab B_ab[j_{a,c}, ρ̄_b] (§5.2): h = v_{i,c};
/// - S_ℓ = Σ_c Σ_ab B_ab[j_{a,c}, ∂_c ρ̄_b] = ½ Σ_c ∂_c J̄_{ℓ,c} + D, D with h = −v_i·(y − r_ij)/(2η): ∂_c G_ℓ on the right
///   splits into ½ ∂_c on the midpoint kernel and −(y − r)_c/(2η) on the bond Gaussian. For athermal unforced dynamics
///   S_ℓ = W_ℓ + Q^flux_ℓ (§5.1).
/// The y-integral is a ``PairQuadrature`` per pair; ``coefficients(pairs:terms:wavevectors:communicator:)`` gives T̂(K) by
/// direct sums and ``deposit(pairs:terms:with:segmentsPerCall:)`` the grid fields by segment deposits with g_{η/2}.
/// Tensor components in ``SpectralCalculus`` order: xx, yy, xy (2D); xx, yy, zz, xy, xz, yz (3D).
public struct PairSums: Sendable {
    public let potential: BondPotential
    public let quadrature: PairQuadrature

    public init(potential: BondPotential, quadrature: PairQuadrature) {
        self.potential = potential
        self.quadrature = quadrature
    }

    /// The weight h_p(y) of one term, per pair.
    public enum Term: Sendable {
        /// h_p = w_p: one weight per pair (½ for σ̲_ℓ; v_{i,c} for J̄_{ℓ,c}).
        case bond(weights: [Double])
        /// h_p = −u_p·(y − r_p)/(2η): one vector u_p per pair (d values; v_i for S_ℓ), the derivative of the right kernel
        /// that falls on the bond Gaussian, −u·∇_r g_{2η}(y − r).
        case gradient(vectors: [Double])
    }

    /// r_ab + cσ: the farthest pair of species a and b that contributes (``PairList`` must hold every pair closer).
    public func pairReach(_ a: Int, _ b: Int) -> Double { quadrature.pairReach(range: potential.ranges[a][b]) }

    /// The (i, j) index pairs of the symmetric tensor components, in ``SpectralCalculus`` order.
    static func tensorIndices(dimension d: Int) -> [(Int, Int)] {
        d == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
    }

    /// Each term's h_p as an affine function a + b·y, written per pair into `forms` (4 values per term: a, b), so the
    /// node loops treat both kinds alike without a switch per node.
    static func affineForms(_ terms: [Term], pairs: PairList, variance eta: Double) -> [Double] {
        let d = pairs.dimension, n = pairs.count, t = terms.count
        var forms = [Double](repeating: 0, count: n * t * 4)
        for (k, term) in terms.enumerated() {
            switch term {
            case .bond(let weights):
                precondition(weights.count == n, "one weight per pair")
                for p in 0..<n { forms[(p * t + k) * 4] = weights[p] }
            case .gradient(let vectors):
                precondition(vectors.count == n * d, "d values per pair")
                for p in 0..<n {
                    // −u·(y − r)/(2η) = u·r/(2η) − (u/(2η))·y
                    var ur = 0.0
                    for a in 0..<d {
                        ur += vectors[p * d + a] * pairs.separations[p * d + a]
                        forms[(p * t + k) * 4 + 1 + a] = -vectors[p * d + a] / (2 * eta)
                    }
                    forms[(p * t + k) * 4] = ur / (2 * eta)
                }
            }
        }
        return forms
    }

    /// Local: `body(p, r_p, m_p, nodes)` for every pair of `range` (all by default) with nodes, their weights times V'(ρ)/ρ, so that weight × y_i y_j
    /// is the node's share of ∫ y ⊗ ∇V(y) g_{2η}(y − r_p) d^d y (y ⊗ ∇V = V'(ρ)/ρ y ⊗ y for radial V).
    func forEachPair(_ pairs: PairList, range: Range<Int>? = nil, _ body: (Int, SIMD3<Double>, SIMD3<Double>, PairQuadrature.Nodes) -> Void) {
        let d = pairs.dimension, nodes = PairQuadrature.Nodes(), potential = potential
        for p in range ?? 0..<pairs.count {
            var r = SIMD3<Double>(), m = SIMD3<Double>()
            for a in 0..<d {
                r[a] = pairs.separations[p * d + a]
                m[a] = pairs.origins[p * d + a] + 0.5 * r[a]
            }
            let (a, b) = (Int(pairs.firstSpecies[p]), Int(pairs.secondSpecies[p]))
            let count = quadrature.nodes(separation: r, range: potential.ranges[a][b], into: nodes) { potential.derivative($0, a, b) / $0 }
            if count > 0 { body(p, r, m, nodes) }
        }
    }
}
