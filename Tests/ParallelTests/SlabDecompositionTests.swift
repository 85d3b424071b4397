import Testing
@testable import Parallel

@Suite(.serialized) struct SlabDecompositionTests {
    let comm = Communicator.world

    @Test func oneRankOwnsTheWholeBox() throws {
        let d = try SlabDecomposition(grid: GridShape([12, 8, 6]), box: [3, 2, 1.5], communicator: comm)
        #expect(d.start == 0 && d.count == 12)
        #expect(d.interval.lower == 0 && d.interval.upper == 3)
        #expect(d.spacing == [0.25, 0.25, 0.25])
        // FFTW's r2c allocation covers at least the complex slab 12 × 8 × (6/2 + 1).
        #expect(d.fftwComplexAllocation >= 12 * 8 * 4)
        for x in [-7.9, -0.0, 0.0, 1.2, 2.999999, 3.0, 1e6] { #expect(d.owner(ofCoordinate: x) == 0) }
    }

    @Test(arguments: [[0.0, 1.0], [1.0, -2.0], [1.0, .infinity], [1.0, 1.0, 1.0]])
    func badBoxesAreRejectedBeforeCommunicating(box: [Double]) throws {
        #expect(throws: ParallelError.self) {
            try SlabDecomposition(grid: GridShape([8, 8]), box: box, communicator: comm)
        }
    }

    /// The real exchange on one rank: every ghost is a periodic image of the rank's own planes, even
    /// when the halo is wider than the box; accumulation conserves the sum exactly.
    @Test(arguments: [1, 5, 11])
    func ghostsWrapOntoTheOnlySlab(width: Int) throws {
        let d = try SlabDecomposition(grid: GridShape([5, 3]), communicator: comm)
        let field = try GhostedField(decomposition: d, width: width, planeLength: 3, components: 2)
        for c in 0..<2 {
            for slot in field.ownedSlots {
                let plane = field.plane(slot: slot, component: c)
                for e in 0..<3 { plane[e] = Double(100 * field.globalPlane(ofSlot: slot) + 10 * c + e) }
            }
        }
        field.fillGhosts()
        for c in 0..<2 {
            for slot in 0..<field.slots {
                let image = d.layout.wrap(field.globalPlane(ofSlot: slot))
                #expect(Array(field.plane(slot: slot, component: c)) == (0..<3).map { Double(100 * image + 10 * c + $0) })
            }
        }
        let total = field.storage.reduce(0, +)
        field.accumulateGhosts()
        #expect(field.storage.reduce(0, +) == total)
        #expect(field.plane(slot: 0, component: 1).allSatisfy { $0 == 0 })
    }
}
