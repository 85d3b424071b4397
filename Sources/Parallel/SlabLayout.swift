/// Which contiguous planes `[start, start + count)` of axis 0 each rank owns, in rank order.
/// A pure value: the layout every rank agrees on, used for ownership and halo schedules.
public struct SlabLayout: Hashable, Sendable {
    /// Planes along axis 0 (n0).
    public let planes: Int
    /// First owned plane of each rank.
    public let starts: [Int]
    /// Owned planes of each rank.
    public let counts: [Int]

    /// Consecutive slabs of the given sizes, rank 0 first.
    public init(counts: [Int]) {
        precondition(!counts.isEmpty && counts.allSatisfy { $0 >= 0 }, "slab counts must be non-negative")
        self.counts = counts
        self.starts = Communicator.offsets(counts)
        self.planes = counts.reduce(0, +)
    }

    /// The number of ranks.
    public var ranks: Int { counts.count }
    /// The fewest planes any rank owns.
    public var thinnest: Int { counts.min()! }

    /// The rank owning plane `p`, taken periodically (any integer is allowed).
    public func owner(ofPlane p: Int) -> Int {
        let q = wrap(p)
        var lo = 0, hi = ranks - 1
        while lo < hi {  // last rank whose start <= q, skipping empty slabs
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= q { lo = mid } else { hi = mid - 1 }
        }
        while counts[lo] == 0 { lo -= 1 }
        return lo
    }

    /// `p` mapped periodically into `0..<planes`.
    public func wrap(_ p: Int) -> Int {
        let r = p % planes
        return r < 0 ? r + planes : r
    }

    /// FFTW-MPI's default block size along axis 0: ⌈n0 / ranks⌉.
    public static func fftwBlock(planes: Int, ranks: Int) -> Int { (planes + ranks - 1) / ranks }

    /// Whether FFTW's default blocks give every one of `ranks` ranks at least one plane.
    public static func fftwLeavesNoRankEmpty(planes: Int, ranks: Int) -> Bool {
        (ranks - 1) * fftwBlock(planes: planes, ranks: ranks) < planes
    }
}
