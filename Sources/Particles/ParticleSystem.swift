import Parallel

/// The particles of one rank, as structure of arrays: the particles it owns (their coordinate along
/// the slab axis y lies in its slab of the shared ``SlabDecomposition``), followed by ghost copies of
/// other ranks' particles (and periodic images) within the pair cutoff + skin of its slab.
///
/// Arrays are particle-major with `dimension` values per particle for vectors. Indices
/// `0..<localCount` are owned; `localCount..<localCount + ghostCount` are ghosts (``ids``, ``species``,
/// ``diameters``, ``positions`` only). Positions are wrapped into the box, and particles migrate to
/// their owners, only at neighbour-list rebuilds; between rebuilds they may lie up to skin/2 outside.
/// Units: physics.md §1.2.
public final class ParticleSystem {
    /// The particle axis that the slabs split: y, the shear-gradient direction (design.md).
    public static let slabAxis = 1

    public let dimension: Int
    /// Box edge lengths (L_x, L_y[, L_z]).
    public let box: [Double]
    public let potential: AnyPairPotential
    /// Verlet skin: lists hold pairs within cutoff + skin and are rebuilt when a particle has moved skin/2.
    public let skin: Double
    /// Largest diameter in the system (sets the largest pair cutoff).
    public let maxDiameter: Double
    public let router: SlabRouter
    public var decomposition: SlabDecomposition { router.decomposition }
    public var communicator: Communicator { router.decomposition.communicator }
    /// Total number of particles (all ranks).
    public let totalCount: Int
    /// Species names, indexed by species.
    public let speciesNames: [String]
    /// Time step index.
    public var step: Int
    /// Lees–Edwards shear strain γ (``ParticleSnapshot/strain``): images across the y faces are shifted
    /// along x by ±γ L_y. Changed by ``shear(by:)``.
    public internal(set) var strain: Double

    public internal(set) var localCount = 0
    public internal(set) var ghostCount = 0
    public internal(set) var ids: [Int] = []
    public internal(set) var species: [Int32] = []
    public internal(set) var diameters: [Double] = []
    public internal(set) var positions: [Double] = []
    /// Periodic image counters of owned particles (unwrapped = position + image · L).
    public internal(set) var images: [Int32] = []
    /// Forces on owned particles from the last ``computeForces(thermo:)``.
    public internal(set) var forces: [Double] = []
    /// ``carriedWidth`` values per owned particle that travel with it through migrations and reorderings: FIRE's
    /// velocities, the overdamped flow's stage vectors (``OverdampedRelaxation``).
    public var carried: [Double] = []
    /// Values per particle in ``carried``: 0 except while a minimiser or integrator needs them.
    public private(set) var carriedWidth = 0
    /// Per-particle virial s_i = ½ Σ_j r_ij ⊗ ∇V(r_ij) (physics.md §2.2), components
    /// (xx, yy, xy) in 2D and (xx, yy, zz, xy, xz, yz) in 3D, from the last
    /// ``computeForces(thermo:perParticleVirials:)`` that asked for them; empty otherwise and after a rebuild.
    public internal(set) var virials: [Double] = []
    /// Per-particle contact numbers z_i = #{j : r_ij < σ_ij} (overlapping neighbours), with ``virials``.
    public internal(set) var contactCounts: [Int32] = []
    /// Per-particle energies ½ Σ_j V_ij during a thermo evaluation (empty otherwise).
    var energies: [Double] = []
    /// Whether ``virials`` hold the current per-particle virials (the same on every rank).
    public internal(set) var hasVirials = false
    /// Number of neighbour-list rebuilds so far.
    public internal(set) var rebuilds = 0
    /// Where this rank's time goes (pair loop, lists, ghosts, migration, reductions; callers add I/O).
    public let timers = PhaseTimers()

    var reference: [Double] = []
    /// Owned particles and ghosts as (x, y, z, d) rows, z = 0 in 2D: a copy of ``positions`` and
    /// ``diameters`` that the pair loop reads one 32-byte load per neighbour (HOOMD-blue's postype).
    /// Kept current by ``rebuild()`` and ``positionsChanged(largestSquaredMove:)``.
    /// One more row, at index localCount + ghostCount, is ``farAway``: the padding of the neighbour lists.
    var packed: [Double] = []
    /// Coordinates of the padding row: r² ≈ 10²⁰⁰ is outside every cutoff and still finite.
    static let farAway = 1e100
    /// Full Verlet lists in global-id order, each padded to whole ``PairLanes`` groups (see ``packed``).
    var neighborStart: [Int32] = []
    var neighbors: [Int32] = []
    var ghostSends: [(peer: Int, indices: [Int32], shifts: [Double])] = []
    var ghostReceives: [(peer: Int, first: Int, count: Int)] = []
    var sendBuffers: [UnsafeMutableBufferPointer<Double>] = []
    var receiveBuffers: [UnsafeMutableBufferPointer<Double>] = []
    /// The ghost refresh's messages (peers and the buffers above), made at each rebuild so that a step allocates nothing.
    var ghostSendMessages: [(peer: Int, buffer: UnsafeBufferPointer<Double>)] = []
    var ghostReceiveMessages: [(peer: Int, buffer: UnsafeMutableBufferPointer<Double>)] = []

    /// Components of a symmetric tensor: 3 in 2D, 6 in 3D.
    public var tensorComponents: Int { dimension == 2 ? 3 : 6 }
    /// Pair cutoff + skin: the ghost halo and the neighbour-list reach.
    public var halo: Double { potential.cutoffRatio * maxDiameter + skin }

    /// Collective: the particles of `block`, this rank's share of a configuration (any particles: a file read in
    /// blocks, design.md "read by slab"; on one rank the whole), routed to the owners of their slabs, with ghosts
    /// and neighbour lists. Every rank's block has the same header (dimension, box, step, strain, species names);
    /// together they hold every particle once. No rank ever holds more than its block and then its slab.
    ///
    /// - Throws: ``ParticlesError`` for bad parameters, ids that are not unique or a box smaller than twice the halo.
    public init(block snapshot: ParticleSnapshot, potential: AnyPairPotential, skin: Double, communicator: Communicator) throws {
        try Self.validate(snapshot)
        guard skin >= 0, skin.isFinite else {
            throw ParticlesError.invalidParameter(name: "[potential] skin", value: "\(skin)", expected: "must be zero or positive, 0.3 is typical")
        }
        let d = snapshot.dimension
        dimension = d
        box = snapshot.box
        self.potential = potential
        self.skin = skin
        let largest = communicator.allreduce(snapshot.diameters.max() ?? 0, .max)
        maxDiameter = largest > 0 ? largest : 1
        totalCount = communicator.allreduce(snapshot.count, .sum)
        if Self.idsRepeat(snapshot.ids, communicator) { throw ParticlesError.inconsistentSnapshot("particle ids are not unique") }
        speciesNames = snapshot.speciesNames
        step = snapshot.step
        strain = snapshot.strain
        let halo = potential.cutoffRatio * maxDiameter + skin
        for a in 0..<d where a != Self.slabAxis && 2 * halo > box[a] {
            throw ParticlesError.boxTooSmall(axis: ["x", "y", "z"][a], length: box[a], halo: halo)
        }
        // The grid axis order is (y, x[, z]): axis 0 is the slab axis. 8 planes per rank give equal slabs.
        let gridBox = [box[1], box[0]] + (d == 3 ? [box[2]] : [])
        let grid = try GridShape([8 * communicator.size] + Array(repeating: 8, count: d - 1))
        let decomposition = try SlabDecomposition(grid: grid, box: gridBox, communicator: communicator)
        router = try SlabRouter(decomposition: decomposition, halo: halo)
        for i in 0..<snapshot.count {
            append(id: snapshot.ids[i], species: snapshot.species[i], diameter: snapshot.diameters[i],
                   position: snapshot.positions[(i * d)..<((i + 1) * d)], image: snapshot.images[(i * d)..<((i + 1) * d)])
        }
        rebuild()  // the block's particles migrate to their slabs' owners here
    }

    /// Collective: whether an id occurs twice among all ranks' `ids` (each id checked on rank id mod size).
    static func idsRepeat(_ ids: [Int], _ communicator: Communicator) -> Bool {
        let size = communicator.size
        let arrived = communicator.route(rows: ids.map(Double.init), destinations: ids.map { (($0 % size) + size) % size }, stride: 1).rows
        return communicator.allreduce(Set(arrived).count < arrived.count ? 1 : 0, .max) > 0
    }

    static func validate(_ s: ParticleSnapshot) throws {
        let d = s.dimension, n = s.count
        guard d == 2 || d == 3 else { throw ParticlesError.inconsistentSnapshot("dimension \(d), must be 2 or 3") }
        guard s.box.count == d, s.box.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ParticlesError.inconsistentSnapshot("box \(s.box) must have \(d) positive lengths")
        }
        guard s.positions.count == n * d, s.images.count == n * d, s.species.count == n, s.diameters.count == n else {
            throw ParticlesError.inconsistentSnapshot("per-particle arrays disagree with \(n) particles")
        }
        guard s.positions.allSatisfy(\.isFinite) else { throw ParticlesError.inconsistentSnapshot("a position is not finite") }
        if let bad = s.diameters.first(where: { !($0 > 0 && $0.isFinite) }) {
            throw ParticlesError.invalidParameter(name: "diameter", value: "\(bad)", expected: "diameters must be positive")
        }
        guard Set(s.ids).count == n else { throw ParticlesError.inconsistentSnapshot("particle ids are not unique") }
        if let bad = s.species.first(where: { $0 < 0 || Int($0) >= max(s.speciesNames.count, 1) }) {
            throw ParticlesError.inconsistentSnapshot("species \(bad) has no name")
        }
    }

    deinit { releaseGhostBuffers() }

    func releaseGhostBuffers() {
        (sendBuffers + receiveBuffers).forEach { $0.deallocate() }
        sendBuffers = []
        receiveBuffers = []
        ghostSendMessages = []
        ghostReceiveMessages = []
    }

    /// Appends an owned particle (before the ghosts, which are rebuilt afterwards).
    func append(id: Int, species s: Int32, diameter: Double, position: ArraySlice<Double>, image: ArraySlice<Int32>,
                carrying values: ArraySlice<Double>? = nil) {
        precondition(ghostCount == 0)
        ids.append(id)
        species.append(s)
        diameters.append(diameter)
        positions.append(contentsOf: position)
        images.append(contentsOf: image)
        if carriedWidth > 0 { carried.append(contentsOf: values ?? ArraySlice(repeating: 0, count: carriedWidth)) }
        localCount += 1
    }

    /// Gives every owned particle `width` zeros in ``carried``, carried along from now on (0: drops them all).
    public func carry(width: Int) {
        carriedWidth = width
        carried = [Double](repeating: 0, count: localCount * width)
    }
}
