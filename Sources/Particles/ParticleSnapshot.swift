/// A whole particle configuration in plain arrays: the hand-over format between the engine and files
/// (H5MD, GSD, LAMMPS data, checkpoints). Units: physics.md §1.2 (lengths in ℓ₀).
///
/// Axes are physical: (x, y[, z]). The box is the orthogonal periodic box [0, L_x) × [0, L_y) (× [0, L_z)).
/// Per-particle arrays are all in the same particle order (any order; writers may sort by id).
public struct ParticleSnapshot: Sendable, Equatable {
    /// 2 or 3.
    public var dimension: Int
    /// Box edge lengths (L_x, L_y[, L_z]).
    public var box: [Double]
    /// Time step index of the configuration.
    public var step: Int
    /// Global particle ids, 0-based, unique.
    public var ids: [Int]
    /// N × dimension positions, particle-major: (x₀, y₀[, z₀], x₁, …), wrapped into the box.
    public var positions: [Double]
    /// N × dimension periodic image counters: unwrapped position = position + image · L.
    public var images: [Int32]
    /// Species index per particle (0-based, into ``speciesNames``).
    public var species: [Int32]
    /// Species names, e.g. ["A", "B"] (small, large).
    public var speciesNames: [String]
    /// Particle diameters d_i (contact distance of a pair: (d_i + d_j)/2, physics.md §1.4).
    public var diameters: [Double]
    /// Lees–Edwards shear strain γ (physics.md §1.5b): the periodic image above the box (y + L_y) is
    /// shifted by +γ L_y along x, and the unwrapped position is x + n_x L_x + n_y γ L_y, y + n_y L_y.
    /// 0 for an unsheared box.
    public var strain = 0.0
    /// Optional N × dimension forces F_i (in V₀/ℓ₀).
    public var forces: [Double]? = nil
    /// Optional per-particle virials s_i (physics.md §2.2), N × 3 in 2D (xx, yy, xy) or N × 6 in 3D
    /// (xx, yy, zz, xy, xz, yz).
    public var virials: [Double]? = nil

    public init(dimension: Int, box: [Double], step: Int = 0, ids: [Int], positions: [Double], images: [Int32],
                species: [Int32], speciesNames: [String], diameters: [Double]) {
        self.dimension = dimension
        self.box = box
        self.step = step
        self.ids = ids
        self.positions = positions
        self.images = images
        self.species = species
        self.speciesNames = speciesNames
        self.diameters = diameters
    }

    /// Number of particles.
    public var count: Int { ids.count }

    /// Box volume (area in 2D).
    public var volume: Double { box.reduce(1, *) }

    /// The same configuration with every position moved into [0, L) per axis and its image counters changed so
    /// that the unwrapped position (``strain``) is unchanged (``wrapLeesEdwards``, as the engine wraps).
    public func wrapped() -> ParticleSnapshot {
        var s = self
        for i in 0..<count {
            wrapLeesEdwards(positions: &s.positions, images: &s.images, particle: i, dimension: dimension, box: box, shift: strain * box[1])
        }
        return s
    }
}
