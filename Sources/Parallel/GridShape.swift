/// The extents `(n0, n1[, n2])` of a periodic 2D or 3D grid, axis 0 first (the slab axis).
public struct GridShape: Hashable, Sendable, CustomStringConvertible {
    /// Points per axis, 2 or 3 of them, all positive.
    public let extents: [Int]

    /// Throws ``ParallelError`` unless there are 2 or 3 positive extents.
    public init(_ extents: [Int]) throws {
        let text = extents.map(String.init).joined(separator: "x")
        guard extents.count == 2 || extents.count == 3 else { throw ParallelError.malformedGrid(text) }
        if let axis = extents.firstIndex(where: { $0 <= 0 }) {
            throw ParallelError.nonPositiveGridExtent(grid: text, axis: axis, extent: extents[axis])
        }
        self.extents = extents
    }

    /// Parses `256x256` or `64x64x64` (case-insensitive `x`, no spaces).
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let values = parts.map { Int($0) }
        guard parts.count == 2 || parts.count == 3, values.allSatisfy({ $0 != nil }) else {
            throw ParallelError.malformedGrid(text)
        }
        try self.init(values.map { $0! })
    }

    /// 2 or 3.
    public var dimension: Int { extents.count }
    /// Total number of grid points.
    public var pointCount: Int { extents.reduce(1, *) }
    /// Points in one plane of constant axis-0 index.
    public var planeSize: Int { extents.dropFirst().reduce(1, *) }
    public var description: String { extents.map(String.init).joined(separator: "x") }
}
