import Testing
@testable import Parallel

@Suite struct SlabLayoutTests {
    /// Ownership by plane, periodic in both directions, on an uneven layout (FFTW's 3,3,3,1 for 10 planes).
    @Test func ownersArePeriodic() {
        let layout = SlabLayout(counts: [3, 3, 3, 1])
        #expect(layout.starts == [0, 3, 6, 9])
        #expect(layout.planes == 10 && layout.thinnest == 1)
        let owners = (0..<10).map { layout.owner(ofPlane: $0) }
        #expect(owners == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3])
        for p in 0..<10 {
            #expect(layout.owner(ofPlane: p - 10) == owners[p])
            #expect(layout.owner(ofPlane: p + 30) == owners[p])
        }
    }

    /// FFTW's default block ⌈n0/P⌉ leaves a rank empty exactly when (P − 1)·block ≥ n0.
    @Test(arguments: [(10, 4, true), (9, 4, false), (2, 4, false), (7, 7, true), (7, 5, false), (128, 4, true)])
    func fftwBlocks(planes: Int, ranks: Int, allNonEmpty: Bool) {
        #expect(SlabLayout.fftwLeavesNoRankEmpty(planes: planes, ranks: ranks) == allNonEmpty)
        let block = SlabLayout.fftwBlock(planes: planes, ranks: ranks)
        let counts = (0..<ranks).map { max(0, min(block, planes - $0 * block)) }
        #expect(counts.allSatisfy { $0 > 0 } == allNonEmpty)
    }

    /// The empty-slab message proposes a rank count that works.
    @Test func emptySlabMessageSuggestsAWorkingRankCount() {
        let message = ParallelError.emptySlab(grid: "9x4", ranks: 4, emptyRank: 3, planes: 9).description
        #expect(message == "grid 9x4: FFTW's slab layout gives rank 3 of 4 no planes along axis 0 (9 planes in blocks of 3), "
            + "run with 3 ranks or use a multiple of 4 planes along axis 0")
        #expect(SlabLayout.fftwLeavesNoRankEmpty(planes: 9, ranks: 3))
    }
}
