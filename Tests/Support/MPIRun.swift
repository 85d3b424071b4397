import Foundation

/// Launches the built `stressflux` under `mpirun` with a hard timeout (swift-mpi.md §5: multi-rank
/// tests run the real binary, never the test bundle, so a failing rank cannot hang the test runner).
public struct MPIRun {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    public let timedOut: Bool
    public let seconds: Double
    /// Each rank's own exit status, by rank, when asked for with `rankStatus`.
    public let rankExitCodes: [Int: Int32]

    /// Lines the program printed as errors (its own `error: ` lines, not mpirun's banners).
    public var errorLines: [String] {
        (stdout + stderr).split(separator: "\n").map(String.init).filter { $0.hasPrefix("error: ") }
    }

    /// The package root, from this file's path (Tests/Support/MPIRun.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `STRESSFLUX_BIN` (set by `make test` to the release build), else the release or debug build here.
    public static var binary: String? {
        if let path = ProcessInfo.processInfo.environment["STRESSFLUX_BIN"] { return path }
        return ["release", "debug"].map { packageRoot.appendingPathComponent(".build/\($0)/stressflux").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `mpirun -np ranks stressflux arguments` in `directory`, killing it after `timeout` seconds.
    ///
    /// With `rankStatus`, every rank runs under a shell that prints its exit status and exits 0 itself,
    /// so mpirun kills no rank early and ``rankExitCodes`` holds them all (mpirun's own status is then 0).
    public static func stressflux(_ arguments: [String], ranks: Int, timeout: Double = 120,
                                  directory: URL? = nil, rankStatus: Bool = false, killWhen: (() -> Bool)? = nil) throws -> MPIRun {
        guard let binary = binary, FileManager.default.isExecutableFile(atPath: binary) else {
            throw Missing(description: "no stressflux binary: run `make test`, or `swift build -c release` first")
        }
        var mpiArguments = ["mpirun", "-q", "--oversubscribe", "-np", "\(ranks)"]
        if geteuid() == 0 { mpiArguments.append("--allow-run-as-root") }
        let reportStatus = #""$0" "$@"; echo "rank-exit ${OMPI_COMM_WORLD_RANK:-0} $?""#
        let arguments = mpiArguments + (rankStatus ? ["/bin/sh", "-c", reportStatus] : []) + [binary] + arguments
        let scratch = try Scratch.url("mpirun")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try Subprocess.run(arguments, directory: directory ?? scratch, environment: cleanEnvironment, timeout: timeout,
                                     killWhen: killWhen)
        let output = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        var codes: [Int: Int32] = [:]
        for line in output where line.hasPrefix("rank-exit ") {
            let fields = line.split(separator: " ")
            if fields.count == 3, let rank = Int(fields[1]), let code = Int32(fields[2]) { codes[rank] = code }
        }
        return MPIRun(exitCode: run.exitCode, stdout: output.filter { !$0.hasPrefix("rank-exit ") }.joined(separator: "\n"),
                      stderr: run.stderr, timedOut: run.timedOut, seconds: run.seconds, rankExitCodes: codes)
    }

    /// This process's environment without the variables an MPI singleton (the unit tests' `MPI_Init`)
    /// sets for itself: a child `mpirun` that inherits them tries to join the test process's job.
    public static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            key.hasPrefix("OMPI_ALLOW_RUN_AS_ROOT")
                || !["OMPI_", "PMIX_", "OPAL_", "ORTE_", "HWLOC_"].contains { key.hasPrefix($0) }
        }
    }

    public struct Missing: Error, CustomStringConvertible { public let description: String }
}
