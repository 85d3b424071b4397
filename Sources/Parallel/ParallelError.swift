/// Bad input met by the `Parallel` module. Each message reads `<where>: <what is wrong>, <what to do>`
/// so that the command line prints it as one line after `error: `.
public enum ParallelError: Error, Equatable, Sendable {
    /// A grid string that is not 2 or 3 integers joined by `x`.
    case malformedGrid(String)
    /// A grid extent that is zero or negative.
    case nonPositiveGridExtent(grid: String, axis: Int, extent: Int)
    /// Box lengths that are not positive and finite, or whose count differs from the grid's dimension.
    case invalidBox(grid: String, box: [Double])
    /// FFTW's slab layout leaves some rank without planes along axis 0.
    case emptySlab(grid: String, ranks: Int, emptyRank: Int, planes: Int)
    /// A halo width that is negative.
    case negativeHaloWidth(Int)
    /// A particle halo (pair cutoff + skin) wider than half the box along the slab axis.
    case haloWiderThanHalfBox(halo: Double, length: Double)
}

extension ParallelError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .malformedGrid(let text):
            return "grid '\(text)': expected 2 or 3 positive integers joined by 'x', write it like 256x256 or 64x64x64"
        case .nonPositiveGridExtent(let grid, let axis, let extent):
            return "grid \(grid): extent along axis \(axis) is \(extent), every extent must be a positive integer"
        case .invalidBox(let grid, let box):
            let lengths = box.map { "\($0)" }.joined(separator: "x")
            return "box \(lengths) for grid \(grid): lengths must be positive and finite, one per grid axis"
        case .emptySlab(let grid, let ranks, let emptyRank, let planes):
            let block = SlabLayout.fftwBlock(planes: planes, ranks: ranks)
            let fitting = (1...ranks).last { SlabLayout.fftwLeavesNoRankEmpty(planes: planes, ranks: $0) } ?? 1
            return "grid \(grid): FFTW's slab layout gives rank \(emptyRank) of \(ranks) no planes along axis 0 "
                + "(\(planes) planes in blocks of \(block)), run with \(fitting) ranks "
                + "or use a multiple of \(ranks) planes along axis 0"
        case .haloWiderThanHalfBox(let halo, let length):
            return "halo \(halo) (pair cutoff + skin): more than half the box length \(length) along the slab axis, "
                + "use a larger box (more particles) or a smaller skin"
        case .negativeHaloWidth(let width):
            return "halo width \(width): must be zero or positive, ask for the number of ghost planes needed"
        }
    }
}
