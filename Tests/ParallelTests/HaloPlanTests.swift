import Testing
@testable import Parallel

/// The halo schedule, executed in memory for many simulated ranks (more than a test can launch with
/// mpirun): every ghost plane receives its periodic image, and the reverse pass adds every ghost into
/// its owner. Values are integers, so both checks are exact.
@Suite struct HaloPlanTests {
    static let layouts: [[Int]] = [[5], [3, 2], [4, 4, 4, 4], [3, 3, 3, 1], [1, 1, 1, 1, 1, 1], [2, 5, 1, 3, 4]]

    /// Local slots of every rank: slots × (plane value).
    static func slots(_ layout: SlabLayout, width: Int) -> [[Int]] {
        layout.counts.map { [Int](repeating: -1, count: 2 * width + $0) }
    }

    static func plans(_ layout: SlabLayout, width: Int) throws -> [HaloPlan] {
        try (0..<layout.ranks).map { try HaloPlan(layout: layout, rank: $0, width: width) }
    }

    @Test(arguments: layouts, [0, 1, 2, 3, 7, 17])
    func fillDeliversPeriodicImages(counts: [Int], width: Int) throws {
        let layout = SlabLayout(counts: counts)
        let plans = try Self.plans(layout, width: width)
        var data = Self.slots(layout, width: width)
        for r in 0..<layout.ranks {
            for k in width..<(width + counts[r]) { data[r][k] = layout.starts[r] - width + k }
        }
        for (r, plan) in plans.enumerated() {
            for send in plan.sends {
                // The receiver expects exactly these runs from this sender.
                #expect(plans[send.peer].receives.first { $0.peer == r }?.runs == send.runs)
                for run in send.runs {
                    for p in 0..<run.length { data[send.peer][run.ghostSlot + p] = data[r][width + run.ownedPlane + p] }
                }
            }
        }
        for r in 0..<layout.ranks {
            for k in data[r].indices {
                #expect(data[r][k] == layout.wrap(layout.starts[r] - width + k), "rank \(r) slot \(k)")
            }
        }
    }

    @Test(arguments: layouts, [1, 2, 7, 17])
    func accumulateAddsEveryGhostIntoItsOwner(counts: [Int], width: Int) throws {
        let layout = SlabLayout(counts: counts)
        let plans = try Self.plans(layout, width: width)
        let value = { (r: Int, k: Int) in 1 + (7 * r + 3 * k) % 11 }
        var data = (0..<layout.ranks).map { r in (0..<(2 * width + counts[r])).map { value(r, $0) } }
        let before = data.joined().reduce(0, +)
        var expected = [Int](repeating: 0, count: layout.planes)
        for r in 0..<layout.ranks {
            for k in data[r].indices { expected[layout.wrap(layout.starts[r] - width + k)] += value(r, k) }
        }
        for (r, plan) in plans.enumerated() {
            for receive in plan.receives {
                for run in receive.runs {
                    for p in 0..<run.length {
                        data[receive.peer][width + run.ownedPlane + p] += data[r][run.ghostSlot + p]
                        data[r][run.ghostSlot + p] = 0
                    }
                }
            }
        }
        #expect(data.joined().reduce(0, +) == before)
        for r in 0..<layout.ranks {
            for local in 0..<counts[r] { #expect(data[r][width + local] == expected[layout.starts[r] + local]) }
        }
    }

    /// Wider than a neighbour's slab: rank 0 of 3,3,3,1 with width 5 hears from three ranks below it.
    @Test func wideHaloReachesPastTheNeighbour() throws {
        let plan = try HaloPlan(layout: SlabLayout(counts: [3, 3, 3, 1]), rank: 0, width: 5)
        #expect(plan.receives.map(\.peer) == [1, 2, 3])
        #expect(plan.receives.reduce(0) { $0 + $1.planes } == 10)
    }

    @Test func negativeWidthIsRejected() {
        #expect(throws: ParallelError.negativeHaloWidth(-1)) {
            try HaloPlan(layout: SlabLayout(counts: [4]), rank: 0, width: -1)
        }
    }
}
