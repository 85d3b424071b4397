import ArgumentParser
import Parallel
import Study

/// Parsing of `NxN[xN]` grids and `LxL[xL]` boxes from options, with one-line errors naming the option.
enum OptionParsing {
    /// Points along x, y[, z] of `--grid`: `NxN[xN]` or one number for every axis.
    static func points(_ text: String, dimension: Int) throws -> [Int] {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 2 }) else {
            throw StudyError.invalidOption(name: "--grid", value: text, expected: "give points per axis joined by 'x', like 128x128, or one number")
        }
        return parts.count == 1 ? Array(repeating: parts[0]!, count: dimension) : parts.map { $0! }
    }

    /// A comma-separated list of scales, like `0.5,1,2`.
    static func scales(_ text: String, option: String) throws -> [Double] {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw StudyError.invalidOption(name: option, value: text, expected: "give scales separated by commas, like 2,4,8")
        }
        return values.map { $0! }
    }

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
