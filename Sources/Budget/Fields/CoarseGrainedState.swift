import Fields

/// The coarse-grained fields of one particle state per species a (physics.md §4.1, paper Eqs. 23, 32), as owned
/// samples: ρ̄_{ℓ,a} = Σ_{i∈a} G_ℓ(x − x_i), the filtered force term (ρ_a f^ni)_ℓ = −Σ_{i∈a} F_i G_ℓ(x − x_i) (the
/// paper's f^ni is minus the interaction force per particle) and the resolved current j_{ℓ,a} = Σ_{i∈a} v_i G_ℓ(x − x_i),
/// for which ∂_t ρ̄_{ℓ,a} = −∇·j_{ℓ,a} exactly. Vectors in physical components.
public struct CoarseGrainedState {
    public let densities: [[Double]]
    /// [a][c]: (ρ_a f^ni)_ℓ.
    public let forceTerms: [[[Double]]]
    /// [a][c]: j_{ℓ,a}.
    public let currents: [[[Double]]]

    public init(densities: [[Double]], forceTerms: [[[Double]]], currents: [[[Double]]]) {
        self.densities = densities
        self.forceTerms = forceTerms
        self.currents = currents
    }

    /// Collective: deposits this rank's particles (positions, forces F_i and velocities v_i in physical order,
    /// species in 0..<`species`), one deposition of 1 + 2d components per species.
    public static func deposit(positions: [Double], species: [Int], speciesCount s: Int, forces: [Double], velocities: [Double],
                               with deposition: any PointDeposition) throws -> CoarseGrainedState {
        let d = deposition.grid.dimension, m = 1 + 2 * d
        precondition(positions.count == species.count * d && forces.count == positions.count && velocities.count == positions.count,
                     "one position, force and velocity per particle")
        var densities: [[Double]] = [], forceTerms: [[[Double]]] = [], currents: [[[Double]]] = []
        for a in 0..<s {
            // This species' particles only, in their order (the sums are those of all particles with zero weights).
            let members = species.indices.filter { species[$0] == a }
            var points = [Double](repeating: 0, count: members.count * d), values = [Double](repeating: 0, count: members.count * m)
            for (k, i) in members.enumerated() {
                values[k * m] = 1
                for c in 0..<d {
                    points[k * d + c] = positions[i * d + c]
                    values[k * m + 1 + c] = -forces[i * d + c]
                    values[k * m + 1 + d + c] = velocities[i * d + c]
                }
            }
            let fields = try deposition.deposit(positions: points, values: values, components: m)
            densities.append(fields[0])
            forceTerms.append(Array(fields[1...d]))
            currents.append(Array(fields[(1 + d)...(2 * d)]))
        }
        return CoarseGrainedState(densities: densities, forceTerms: forceTerms, currents: currents)
    }
}
