/// Moves particles between the slabs of a ``SlabDecomposition`` along axis 0 of the grid, which is a
/// particle coordinate axis chosen by the caller: migration to owners and ghost copies to every rank
/// whose halo of width ``halo`` covers a particle, with the periodic shift to add. A halo wider than a
/// neighbour's slab reaches straight to the ranks beyond (one all-to-all; no forwarding).
///
/// Particles travel as rows of doubles of a fixed stride chosen by the caller (ids and integers are
/// exact in a double up to 2⁵³).
public final class SlabRouter {
    public let decomposition: SlabDecomposition
    /// Halo width, in box units along axis 0.
    public let halo: Double
    /// Box length along axis 0.
    public let length: Double
    private let lowers: [Double]
    private let uppers: [Double]

    /// - Throws: ``ParallelError/haloWiderThanHalfBox(halo:length:)`` unless `0 ≤ halo ≤ L0/2`
    ///   (minimum images must be unique).
    public init(decomposition: SlabDecomposition, halo: Double) throws {
        let length = decomposition.box[0]
        guard halo >= 0, 2 * halo <= length else { throw ParallelError.haloWiderThanHalfBox(halo: halo, length: length) }
        self.decomposition = decomposition
        self.halo = halo
        self.length = length
        let layout = decomposition.layout
        lowers = (0..<layout.ranks).map { decomposition.interval(ofRank: $0).lower }
        uppers = (0..<layout.ranks).map { decomposition.interval(ofRank: $0).upper }
    }

    /// The rank owning coordinate `y` (periodic).
    public func owner(of y: Double) -> Int { decomposition.owner(ofCoordinate: y) }

    /// Calls `body(rank, shift)` for every rank whose halo holds the image `y + shift` (shift ∈ {−L, 0, L})
    /// of a particle at `y` inside this rank's slab: ranks with `lower − halo ≤ y + shift < lower` or
    /// `upper ≤ y + shift < upper + halo`. This rank itself appears when its halo wraps onto its own slab.
    @inline(__always)
    public func forEachGhostDestination(of y: Double, _ body: (Int, Double) -> Void) {
        let me = decomposition.rank
        for k in -1...1 {
            let shift = Double(k) * length, image = y + shift
            // lower ∈ (image, image + halo]
            var q = firstIndex(lowers, greaterThan: image)
            while q < lowers.count && lowers[q] <= image + halo {
                if !(q == me && k == 0) { body(q, shift) }
                q += 1
            }
            // upper ∈ (image − halo, image]
            q = firstIndex(uppers, greaterThan: image - halo)
            while q < uppers.count && uppers[q] <= image {
                if !(q == me && k == 0) { body(q, shift) }
                q += 1
            }
        }
    }

    private func firstIndex(_ sorted: [Double], greaterThan value: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] > value { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Collective: sends row r of `rows` (stride `stride`) to rank `destinations[r]`, returns the rows
    /// every rank sent here, concatenated by source rank and, within a source, in the sender's order,
    /// with the number of rows from each source.
    public func route(rows: [Double], destinations: [Int], stride: Int) -> (rows: [Double], rowsBySource: [Int]) {
        decomposition.communicator.route(rows: rows, destinations: destinations, stride: stride)
    }

    /// Collective: every point with its `components` values, sent to the rank owning its y (positions in
    /// physical order x, y[, z]); returns the points this rank received as rows (x, y[, z], values…), by
    /// source rank and in each sender's order. Packs straight into the send buffer: the deposition routes
    /// millions of points per call.
    public func route(points positions: [Double], values: [Double], components m: Int) -> [Double] {
        let d = decomposition.grid.dimension, stride = d + m, count = values.count / m, comm = decomposition.communicator
        precondition(positions.count * m == values.count * d, "\(m) values per point")
        var destinations = [Int](repeating: 0, count: count), counts = [Int](repeating: 0, count: comm.size)
        for i in 0..<count {
            destinations[i] = owner(of: positions[i * d + 1])
            counts[destinations[i]] += stride
        }
        var offsets = Communicator.offsets(counts)
        var packed = [Double](repeating: 0, count: count * stride)
        positions.withUnsafeBufferPointer { p in
            values.withUnsafeBufferPointer { v in
                packed.withUnsafeMutableBufferPointer { out in
                    for i in 0..<count {
                        let at = offsets[destinations[i]]
                        for a in 0..<d { out[at + a] = p[i * d + a] }
                        for c in 0..<m { out[at + d + c] = v[i * m + c] }
                        offsets[destinations[i]] += stride
                    }
                }
            }
        }
        return comm.size == 1 ? packed : comm.alltoallv(packed, counts: counts).values
    }
}
