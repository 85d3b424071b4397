import Parallel
import Particles

/// The particles one rank measures (design.md: "the measurement takes particles where they live"): the owned
/// particles of a ``ParticleSystem`` — the running engine's, or one built from a file read in blocks — with their
/// species, forces F_i and the velocities the budget's currents use, and the global totals the budget needs.
/// No rank holds more than its slab; the pairs come from the engine's own neighbour lists.
public struct SlabParticles {
    public let dimension: Int
    /// Box (x, y[, z]) and Lees–Edwards strain γ (physics.md §1.5b).
    public let box: [Double]
    public private(set) var strain: Double
    /// All ranks' particles, and per species (by ``ParticleSystem/speciesNames``).
    public let totalCount: Int
    public let speciesCounts: [Double]
    public let speciesNames: [String]
    /// Each species' diameter as the budget's bond potential takes it: that of its particle of smallest id
    /// (0 for a species with no particle).
    public let speciesDiameters: [Double]
    /// Owned particles: global ids, positions (d each, as the engine holds them: up to skin/2 outside the box
    /// between rebuilds, which every deposition accepts), species, and forces F_i = Σ_j ∇V(r_ij) (physics.md §2.1).
    public let ids: [Int]
    public private(set) var positions: [Double]
    public let species: [Int]
    public let forces: [Double]
    /// The velocities of the currents j_a = Σ_i v_i G_ℓ(x − x_i) (physics.md §4.1, §5.3–5.4): the overdamped drift.
    public var velocities: [Double]
    /// U and σ^vir = Σ_{i<j} r_ij ⊗ ∇V / |Ω| (``Thermo/componentNames(dimension:)`` order), from the engine's thermo.
    public let potentialEnergy: Double
    public let virialStress: [Double]

    /// Collective: the owned particles of `system` after a force evaluation, with v_i = F_i (athermal, unforced).
    public init(system: ParticleSystem) {
        let thermo = system.computeForces(thermo: true)!
        let d = system.dimension, n = system.localCount
        dimension = d
        box = system.box
        strain = system.strain
        totalCount = system.totalCount
        speciesNames = system.speciesNames
        ids = Array(system.ids[0..<n])
        positions = Array(system.positions[0..<(n * d)])
        species = system.species[0..<n].map { Int($0) }
        forces = system.forces
        velocities = system.forces
        potentialEnergy = thermo.potentialEnergy
        virialStress = thermo.virialStress
        let kinds = max(speciesNames.count, 1), communicator = system.communicator
        var counts = [Double](repeating: 0, count: kinds), first = [Int](repeating: .max, count: kinds)
        for (i, a) in species.enumerated() {
            counts[a] += 1
            first[a] = min(first[a], ids[i])
        }
        speciesCounts = communicator.allreduce(counts, .sum)
        first = communicator.allreduce(first, .min)
        var diameters = [Double](repeating: 0, count: kinds)
        for (i, a) in species.enumerated() where ids[i] == first[a] { diameters[a] = system.diameters[i] }
        speciesDiameters = communicator.allreduce(diameters, .max)
    }

    public var volume: Double { box.reduce(1, *) }

    /// These particles carried by the affine simple shear of δγ: x ← x + δγ (y − L_y/2), the strain advanced by δγ
    /// (physics.md §1.5b), as a Brownian step's affine drift moves them; forces and velocities kept.
    public func affinelySheared(by delta: Double) -> SlabParticles {
        var moved = self
        let d = dimension, half = 0.5 * box[ParticleSystem.slabAxis]
        for i in 0..<ids.count { moved.positions[i * d] += delta * (positions[i * d + 1] - half) }
        moved.strain += delta
        return moved
    }
}
