import Formats
import Foundation
import Parallel

/// The built-in parallel self-check (`stressflux selfcheck`): identities of the foundation layers that
/// must hold on any number of ranks — halo exchange, collectives, FFTW-MPI, parallel HDF5 — and the Gaussian noise
/// of this build against the normal distribution.
///
/// Every check compares a measured error with a stated tolerance; errors are reduced (max) over ranks,
/// so every rank holds the same verdicts. `values` are rank-count-independent quantities that runs
/// on different rank counts can compare.
public enum SelfCheck {
    public enum Kind: String, CaseIterable, Sendable, Codable {
        case halo, collectives, fft, hdf5, noise
    }

    /// One identity checked.
    public struct Result: Codable, Sendable, Equatable {
        public let name: String
        /// Measured error (max over ranks) in the check's own measure.
        public let error: Double
        public let tolerance: Double
        public let passed: Bool

        public init(name: String, error: Double, tolerance: Double) {
            self.name = name
            self.error = error
            self.tolerance = tolerance
            self.passed = error <= tolerance  // false for NaN
        }
    }

    /// Everything one self-check run found; written as JSON by `--json`.
    public struct Report: Codable, Sendable {
        public var version = BuildInfo.version
        public let ranks: Int
        public let grid2D: String
        public let grid3D: String
        public private(set) var checks: [Result] = []
        /// Rank-count-independent quantities (sums, maxima, checksums of distributed data).
        public var values: [String: Double] = [:]
        public private(set) var passed = 0
        public private(set) var failed = 0

        enum CodingKeys: String, CodingKey {
            case version, ranks, grid2D = "grid_2d", grid3D = "grid_3d", checks, values, passed, failed
        }

        init(ranks: Int, grid2D: String, grid3D: String) {
            self.ranks = ranks
            self.grid2D = grid2D
            self.grid3D = grid3D
        }

        mutating func append(_ result: Result) {
            checks.append(result)
            if result.passed { passed += 1 } else { failed += 1 }
        }
    }

    /// Collective: runs the chosen checks on a 2D and a 3D grid.
    ///
    /// - Parameters:
    ///   - output: folder for the HDF5 check's files (must exist on rank 0's file system, shared by all ranks).
    ///   - progress: called on rank 0 with each result as it is found.
    public static func run(grid2D: GridShape, grid3D: GridShape, kinds: [Kind], output: String,
                           communicator: Communicator, progress: (Result) -> Void = { _ in }) throws -> Report {
        let d2 = try SlabDecomposition(grid: grid2D, box: [1.5, 2.0], communicator: communicator)
        let d3 = try SlabDecomposition(grid: grid3D, box: [1.5, 2.0, 2.5], communicator: communicator)
        var report = Report(ranks: communicator.size, grid2D: grid2D.description, grid3D: grid3D.description)
        let record = { (result: Result) in
            report.append(result)
            if communicator.isRoot { progress(result) }
        }
        for kind in kinds {
            switch kind {
            case .halo:
                for d in [d2, d3] { try HaloSelfCheck.run(d).forEach(record) }
            case .collectives:
                let (results, values) = CollectiveSelfCheck.run(d2)
                results.forEach(record)
                report.values.merge(values) { $1 }
            case .fft:
                for d in [d2, d3] { FFTSelfCheck.run(d).forEach(record) }
            case .hdf5:
                try HDF5SelfCheck.run([d2, d3], folder: output).forEach(record)
            case .noise:
                let (results, values) = NoiseSelfCheck.run(communicator)
                results.forEach(record)
                report.values.merge(values) { $1 }
            }
        }
        return report
    }
}
