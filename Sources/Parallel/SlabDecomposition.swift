/// How a periodic box and its grid are split into slabs along axis 0 over the ranks of a communicator.
///
/// The layout is FFTW-MPI's (`fftw_mpi_local_size_many`, non-transposed, default block ⌈n0/ranks⌉),
/// so fields and particles share one decomposition (design.md, "Decomposition"): rank r owns grid
/// planes `[start, start + count)` and the physical interval `[start·h0, (start + count)·h0)` of
/// axis 0, with h0 = L0/n0. Keep callers on this API so a pencil decomposition can replace it.
public struct SlabDecomposition: Sendable {
    public let grid: GridShape
    /// Box lengths L per axis.
    public let box: [Double]
    /// Every rank's slab.
    public let layout: SlabLayout
    public let communicator: Communicator
    /// Complex elements FFTW asks this rank to allocate for an r2c transform of ``grid``.
    public let fftwComplexAllocation: Int

    /// Collective: every rank of `communicator` calls this with the same arguments.
    ///
    /// - Parameters:
    ///   - grid: the global grid, axis 0 first.
    ///   - box: box lengths per axis; nil means unit spacing (L = n).
    /// - Throws: ``ParallelError/invalidBox(grid:box:)`` before any communication, and
    ///   ``ParallelError/emptySlab(grid:ranks:emptyRank:planes:)`` on every rank when some rank would
    ///   own no planes (a rank with nothing to own would otherwise wait forever in later collectives).
    public init(grid: GridShape, box: [Double]? = nil, communicator: Communicator) throws {
        let lengths = box ?? grid.extents.map(Double.init)
        guard lengths.count == grid.dimension, lengths.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ParallelError.invalidBox(grid: grid.description, box: lengths)
        }
        let local = FFTWLayout.localSlab(grid: grid, communicator: communicator)
        let counts = communicator.allgather(local.count)
        let starts = communicator.allgather(local.start)
        if let empty = counts.firstIndex(of: 0) {
            throw ParallelError.emptySlab(grid: grid.description, ranks: communicator.size,
                                          emptyRank: empty, planes: grid.extents[0])
        }
        let layout = SlabLayout(counts: counts)
        precondition(layout.starts == starts && layout.planes == grid.extents[0],
                     "FFTW's slabs are not contiguous in rank order")
        self.grid = grid
        self.box = lengths
        self.layout = layout
        self.communicator = communicator
        self.fftwComplexAllocation = local.allocation
    }

    /// This process's rank.
    public var rank: Int { communicator.rank }
    /// First plane this rank owns.
    public var start: Int { layout.starts[rank] }
    /// Planes this rank owns.
    public var count: Int { layout.counts[rank] }
    /// Grid spacing h = L/n per axis.
    public var spacing: [Double] { zip(box, grid.extents).map { $0 / Double($1) } }

    /// This rank's interval `[lower, upper)` along axis 0, in box units.
    public var interval: (lower: Double, upper: Double) { interval(ofRank: rank) }

    /// Rank `r`'s interval `[lower, upper)` along axis 0.
    public func interval(ofRank r: Int) -> (lower: Double, upper: Double) {
        (lowerBound(ofPlane: layout.starts[r]), lowerBound(ofPlane: layout.starts[r] + layout.counts[r]))
    }

    /// The coordinate where plane `p` begins along axis 0, p·L0/n0: the one formula behind every
    /// interval and ownership decision, so they agree to the last bit.
    public func lowerBound(ofPlane p: Int) -> Double { Double(p) * box[0] / Double(grid.extents[0]) }

    /// The rank owning plane `p` (periodic: any integer).
    public func owner(ofPlane p: Int) -> Int { layout.owner(ofPlane: p) }

    /// The rank owning coordinate `x0` along axis 0, wrapped periodically into `[0, L0)`: the rank r
    /// with `interval(ofRank: r).lower ≤ x < interval(ofRank: r).upper`.
    public func owner(ofCoordinate x0: Double) -> Int {
        let l0 = box[0]
        var x = x0 - l0 * (x0 / l0).rounded(.down)
        if x >= l0 { x = 0 }  // x0 just below a multiple of L0 can round up to L0
        var plane = min(Int(x / spacing[0]), grid.extents[0] - 1)
        while plane > 0 && lowerBound(ofPlane: plane) > x { plane -= 1 }  // the division may round up
        while plane + 1 < grid.extents[0] && lowerBound(ofPlane: plane + 1) <= x { plane += 1 }
        return layout.owner(ofPlane: plane)
    }
}
