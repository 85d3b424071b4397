import ArgumentParser
import Parallel
import Study

/// Parsing of `NxN[xN]` grids and `LxL[xL]` boxes from options, with one-line errors naming the option.
enum OptionParsing {
    static func grid(_ text: String, option: String, dimension: Int? = nil) throws -> GridShape {
        let grid: GridShape
        do {
            grid = try GridShape(parsing: text)
        } catch let error as ParallelError {
            throw StudyError.invalidOption(name: option, value: text, expected: shortReason(error))
        }
        if let dimension, grid.dimension != dimension {
            throw StudyError.invalidOption(name: option, value: text,
                                           expected: "expected a \(dimension)D grid, give \(dimension) extents joined by 'x'")
        }
        return grid
    }

    static func box(_ text: String, option: String, grid: GridShape) throws -> [Double] {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == grid.dimension, parts.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
            throw StudyError.invalidOption(
                name: option, value: text,
                expected: "expected \(grid.dimension) positive lengths joined by 'x' (one per grid axis), like "
                    + Array(repeating: "10.0", count: grid.dimension).joined(separator: "x"))
        }
        return parts.map { $0! }
    }

    /// The part of a grid error after its `grid '…':` prefix, for messages that name the option instead.
    private static func shortReason(_ error: ParallelError) -> String {
        let text = error.description
        guard let colon = text.range(of: ": ") else { return text }
        return String(text[colon.upperBound...])
    }
}
