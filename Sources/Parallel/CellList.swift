/// Points binned into cells at least `minimumSize` wide, for neighbour searches on plain arrays
/// (shared by the particle engine and the analysis, design.md "Decomposition").
///
/// One axis (`boundedAxis`, the slab axis) spans `[lower, upper)` without wrapping — ghosts supply its
/// periodic images — and every other axis is periodic on `[0, L)`. Points slightly outside a bounded
/// range are clamped into the end cells. Counting sort: build is O(points + cells), no per-point allocation.
public final class CellList {
    public let dimension: Int
    public let boundedAxis: Int
    /// Cells per axis.
    public private(set) var cells: [Int]
    private var origin: [Double]
    private var inverseSize: [Double]
    /// First entry of each cell in ``entries`` (cell count + 1 values).
    public private(set) var cellStart: [Int32] = []
    /// Point indices grouped by cell.
    public private(set) var entries: [Int32] = []
    /// Each point's cell.
    public private(set) var cellOfPoint: [Int32] = []

    /// - Parameters:
    ///   - box: lengths of the periodic axes (the bounded axis's entry is ignored).
    ///   - bounded: `[lower, upper)` along `boundedAxis`.
    public init(dimension: Int, box: [Double], boundedAxis: Int, bounded: (lower: Double, upper: Double),
                minimumSize: Double) {
        precondition(minimumSize > 0 && bounded.upper > bounded.lower)
        self.dimension = dimension
        self.boundedAxis = boundedAxis
        var cells = [Int](repeating: 1, count: dimension), origin = [Double](repeating: 0, count: dimension)
        var inverse = [Double](repeating: 0, count: dimension)
        for a in 0..<dimension {
            let length = a == boundedAxis ? bounded.upper - bounded.lower : box[a]
            cells[a] = max(1, Int((length / minimumSize).rounded(.down)))
            origin[a] = a == boundedAxis ? bounded.lower : 0
            inverse[a] = Double(cells[a]) / length
        }
        self.cells = cells
        self.origin = origin
        self.inverseSize = inverse
    }

    public var cellCount: Int { cells.reduce(1, *) }

    /// The cell of a position (periodic axes wrapped, the bounded axis clamped).
    @inline(__always)
    public func cell(of position: UnsafePointer<Double>) -> Int {
        var index = 0
        for a in 0..<dimension {
            var c = Int(((position[a] - origin[a]) * inverseSize[a]).rounded(.down))
            if a == boundedAxis {
                c = min(max(c, 0), cells[a] - 1)
            } else {
                c %= cells[a]
                if c < 0 { c += cells[a] }
            }
            index = index * cells[a] + c
        }
        return index
    }

    /// Bins `count` points of `positions` (point-major, `dimension` values each).
    public func build(positions: UnsafeBufferPointer<Double>, count: Int) {
        let n = cellCount
        cellStart = [Int32](repeating: 0, count: n + 1)
        cellOfPoint = [Int32](repeating: 0, count: count)
        entries = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let c = cell(of: positions.baseAddress! + i * dimension)
            cellOfPoint[i] = Int32(c)
            cellStart[c + 1] += 1
        }
        for c in 0..<n { cellStart[c + 1] += cellStart[c] }
        var fill = Array(cellStart.dropLast())
        for i in 0..<count {
            let c = Int(cellOfPoint[i])
            entries[Int(fill[c])] = Int32(i)
            fill[c] += 1
        }
    }

    /// The cells adjacent to `cell` (itself included), each once: offsets −1, 0, 1 per axis, wrapped on
    /// periodic axes with three or more cells, all cells of an axis with fewer, none past a bounded end.
    public func neighborCells(of cell: Int) -> [Int] {
        var coordinates = [Int](repeating: 0, count: dimension)
        var rest = cell
        for a in stride(from: dimension - 1, through: 0, by: -1) {
            coordinates[a] = rest % cells[a]
            rest /= cells[a]
        }
        var perAxis: [[Int]] = []
        for a in 0..<dimension {
            let n = cells[a], c = coordinates[a]
            if a == boundedAxis {
                perAxis.append((max(c - 1, 0)...min(c + 1, n - 1)).map { $0 })
            } else if n >= 3 {
                perAxis.append([(c + n - 1) % n, c, (c + 1) % n])
            } else {
                perAxis.append(Array(0..<n))
            }
        }
        var result = [0]
        for a in 0..<dimension { result = result.flatMap { base in perAxis[a].map { base * cells[a] + $0 } } }
        return result
    }
}
