#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// Density increments and their moments (physics.md §6.1, paper Eqs. 27, 49–56): S_p(r) = ⟨|f(x + r e_α) − f(x)|^p⟩
/// over every base point x and the d grid axes α, for lags r = n h (whole cells), increments wrapped periodically.
/// Along the slab axis the increments reach into ghost planes (``GhostedField``, filled from their owners however
/// many slabs away), so the result does not depend on the rank count beyond rounding. On a sheared grid the axes
/// are the grid's (x' = x − γ y, y). The "open" version (`periodic: false`, for non-periodic inputs such as exact
/// fBm surfaces) uses only the pairs inside the array and averages over them.
public struct StructureFunctions: Sendable {
    /// Lags in cells.
    public let lags: [Int]
    public let orders: [Int]
    /// S_p(r): `values[p index][lag index]`.
    public let values: [[Double]]

    /// Given values (e.g. read back from a summary).
    public init(lags: [Int], orders: [Int], values: [[Double]]) {
        precondition(values.count == orders.count && values.allSatisfy { $0.count == lags.count }, "one value per order and lag")
        self.lags = lags
        self.orders = orders
        self.values = values
    }

    /// physics.md's default lags: unique(round(geomspace(2, 32, 8))) cells.
    public static let defaultLags = [2, 3, 4, 7, 10, 14, 22, 32]

    /// Collective: the structure functions of the field whose owned samples (plane-major, ``SlabFFT`` owned layout)
    /// are `field` on `decomposition`'s grid.
    public init(field: [Double], decomposition: SlabDecomposition, lags: [Int] = defaultLags, orders: [Int] = [1, 2, 3, 4, 5, 6],
                periodic: Bool = true) throws {
        self = try Self.windowed(field: field, windows: [Int](repeating: 0, count: field.count), windowCount: 1,
                                 decomposition: decomposition, lags: lags, orders: orders, periodic: periodic)[0]
    }

    /// Collective: local structure functions (physics.md §6.1, "restrict the base point x to a mask"): one per window,
    /// `windows[k]` naming the window of owned sample k (0..<`windowCount`, or −1 for none). The increment's other end
    /// may lie anywhere (inside the array when not periodic). A window without pairs gets NaN.
    public static func windowed(field: [Double], windows: [Int], windowCount: Int, decomposition: SlabDecomposition,
                                lags: [Int], orders: [Int], periodic: Bool) throws -> [StructureFunctions] {
        let extents = decomposition.grid.extents, d = extents.count, planeLength = extents.dropFirst().reduce(1, *)
        precondition(field.count == decomposition.count * planeLength && windows.count == field.count, "owned samples of this grid")
        precondition(lags.allSatisfy { $0 >= 1 } && orders.allSatisfy { $0 >= 1 } && orders == orders.sorted(), "positive lags, ascending orders")
        let ghosted = try GhostedField(decomposition: decomposition, width: lags.max() ?? 1, planeLength: planeLength)
        for (k, slot) in ghosted.ownedSlots.enumerated() {
            let plane = ghosted.plane(slot: slot)
            for e in 0..<planeLength { plane[e] = field[k * planeLength + e] }
        }
        ghosted.fillGhosts()
        // per window: orders × lags sums, then lags pair counts
        let stride = (orders.count + 1) * lags.count
        var sums = [Double](repeating: 0, count: windowCount * stride)
        let n0 = extents[0], n1 = extents[1], n2 = d == 3 ? extents[2] : 1
        for (l, lag) in lags.enumerated() {
            for (k, slot) in ghosted.ownedSlots.enumerated() {
                let here = ghosted.plane(slot: slot), ahead = ghosted.plane(slot: slot + lag)
                let insideAlongSlabs = ghosted.globalPlane(ofSlot: slot) + lag < n0
                for e in 0..<planeLength {
                    let window = windows[k * planeLength + e]
                    guard window >= 0 else { continue }
                    let base = window * stride, (i1, i2) = (e / n2, e % n2)
                    for axis in 0..<d {
                        guard periodic || (axis == 0 ? insideAlongSlabs : axis == 1 ? i1 + lag < n1 : i2 + lag < n2) else { continue }
                        sums[base + orders.count * lags.count + l] += 1
                        let neighbour = axis == 0 ? ahead[e] : axis == 1 ? here[((i1 + lag) % n1) * n2 + i2] : here[i1 * n2 + (i2 + lag) % n2]
                        let magnitude = abs(neighbour - here[e])
                        var power = 1.0, next = 1
                        for (q, p) in orders.enumerated() {
                            while next <= p { power *= magnitude; next += 1 }
                            sums[base + q * lags.count + l] += power
                        }
                    }
                }
            }
        }
        let total = decomposition.communicator.allreduce(sums, .sum)
        return (0..<windowCount).map { w in
            let base = w * stride
            return StructureFunctions(lags: lags, orders: orders, values: orders.indices.map { q in
                lags.indices.map { total[base + q * lags.count + $0] / total[base + orders.count * lags.count + $0] }
            })
        }
    }
}
