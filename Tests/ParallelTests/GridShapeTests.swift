import Testing
@testable import Parallel

@Suite struct GridShapeTests {
    @Test(arguments: [("256x256", [256, 256]), ("64x32x16", [64, 32, 16]), ("7X5", [7, 5])])
    func parsesExtents(text: String, extents: [Int]) throws {
        let grid = try GridShape(parsing: text)
        #expect(grid.extents == extents)
        #expect(grid.pointCount == extents.reduce(1, *))
        #expect(grid.planeSize == extents.dropFirst().reduce(1, *))
    }

    /// Bad grids give the exact one-line message, naming the input and what to write instead.
    @Test(arguments: [
        ("0x10", "grid 0x10: extent along axis 0 is 0, every extent must be a positive integer"),
        ("16x-2", "grid 16x-2: extent along axis 1 is -2, every extent must be a positive integer"),
        ("12xx", "grid '12xx': expected 2 or 3 positive integers joined by 'x', write it like 256x256 or 64x64x64"),
        ("256", "grid '256': expected 2 or 3 positive integers joined by 'x', write it like 256x256 or 64x64x64"),
        ("4x4x4x4", "grid '4x4x4x4': expected 2 or 3 positive integers joined by 'x', write it like 256x256 or 64x64x64"),
        ("a x b", "grid 'a x b': expected 2 or 3 positive integers joined by 'x', write it like 256x256 or 64x64x64"),
    ])
    func rejectsBadGrids(text: String, message: String) {
        #expect(throws: ParallelError.self) { try GridShape(parsing: text) }
        do { _ = try GridShape(parsing: text) } catch { #expect(String(describing: error) == message) }
    }
}
