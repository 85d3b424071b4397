import Foundation
import TestSupport
import Testing

/// jobs/ under a real Slurm: `cluster/up.sh` brings up a one-host cluster in a scratch folder (its own
/// ports, so a cluster a user has up is left alone), the jobs run through `sbatch`, `scontrol show job`
/// gives their state and exit code, and `cluster/down.sh` stops the daemons whatever happened.
/// If Slurm cannot run on the machine (up.sh exits 77: not root, no packages and no apt-get), the test
/// is cancelled with up.sh's reason, which the runner reports as skipped.
@Suite(.serialized) struct ClusterIntegrationTests {
    static let root = MPIRun.packageRoot

    /// A one-host Slurm for the duration of `body`.
    struct Cluster {
        let state: URL
        let environment: [String: String]

        /// Runs a command with the cluster's environment (SLURM_CONF, the binary) in `directory`.
        func run(_ arguments: [String], in directory: URL, timeout: Double = 60) throws -> Subprocess {
            try Subprocess.run(arguments, directory: directory, environment: environment, timeout: timeout)
        }

        /// `sbatch --parsable`, returning the job id.
        func submit(_ arguments: [String], from directory: URL) throws -> String? {
            let r = try run(["sbatch", "--parsable"] + arguments, in: directory)
            #expect(r.exitCode == 0, "sbatch \(arguments): \(r.stderr)")
            return r.exitCode == 0 ? r.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } : nil
        }

        /// Polls `scontrol show job` until the job has ended or `timeout` passed; returns its fields.
        func wait(for job: String, timeout: Double = 240) throws -> [String: String] {
            let deadline = Date().addingTimeInterval(timeout)
            var fields: [String: String] = [:]
            repeat {
                let r = try run(["scontrol", "show", "job", job], in: state)
                fields = Dictionary(r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { word in
                    let pair = word.split(separator: "=", maxSplits: 1)
                    return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
                }, uniquingKeysWith: { a, _ in a })
                if let s = fields["JobState"], !["PENDING", "CONFIGURING", "RUNNING", "COMPLETING"].contains(s) { return fields }
                Thread.sleep(forTimeInterval: 0.5)
            } while Date() < deadline
            Issue.record("job \(job) still \(fields["JobState"] ?? "unknown") after \(timeout) s")
            return fields
        }
    }

    /// Brings the cluster up, runs `body`, and brings it down even when `body` throws.
    func withCluster(_ body: (Cluster) throws -> Void) throws {
        let state = try Scratch.url("cluster")
        var environment = MPIRun.cleanEnvironment
        environment["CLUSTER_STATE"] = state.path
        environment["CLUSTER_PORT"] = "17817"
        let up = try Subprocess.run([Self.root.appendingPathComponent("cluster/up.sh").path], directory: Self.root,
                                    environment: environment, timeout: 600)
        defer {
            let down = try? Subprocess.run([Self.root.appendingPathComponent("cluster/down.sh").path], directory: Self.root,
                                           environment: environment, timeout: 60)
            #expect(down?.exitCode == 0, "cluster/down.sh: \(down?.stdout ?? "") \(down?.stderr ?? "")")
            for daemon in ["slurmd.pid", "slurmctld.pid", "munge/munged.pid"] {
                #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent(daemon).path), "\(daemon) left behind")
            }
        }
        if up.exitCode == 77 {
            try Test.cancel(Comment(rawValue: up.stderr.split(separator: "\n").last.map(String.init) ?? "cluster/up.sh: exit 77"))
        }
        try #require(up.exitCode == 0 && !up.timedOut, "cluster/up.sh failed: \(up.stdout)\n\(up.stderr)")
        environment["SLURM_CONF"] = state.appendingPathComponent("slurm.conf").path
        if let binary = MPIRun.binary { environment["STRESSFLUX_BIN"] = binary }
        try body(Cluster(state: state, environment: environment))
    }

    /// run.sbatch on 2 ranks completes with exit 0 and leaves its outputs and config in runs/<job>/;
    /// with a bad config the job FAILED with stressflux's exit code and one `error:` line in its log.
    @Test func runJobCompletesAndBadConfigFails() throws {
        try withCluster { cluster in
            let submit = try Scratch.url("submit")
            let script = Self.root.appendingPathComponent("jobs/run.sbatch").path
            let tiny = Self.root.appendingPathComponent("examples/tiny.toml").path
            guard let good = try cluster.submit(["--ntasks=2", script, tiny], from: submit) else { return }
            let done = try cluster.wait(for: good)
            let log = (try? String(contentsOf: submit.appendingPathComponent("stressflux-\(good).log"), encoding: .utf8)) ?? ""
            #expect(done["JobState"] == "COMPLETED" && done["ExitCode"] == "0:0", "\(done["JobState"] ?? "?") \(done["ExitCode"] ?? "?"): \(log)")
            #expect(log.contains("launcher: "), "the log names its launcher")
            let out = submit.appendingPathComponent("runs/\(good)")
            for file in ["tiny.toml", "final.h5", "minimized.h5", "thermo.csv", "summary.json", "timers.csv"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "runs/\(good)/\(file)")
            }
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any]
            #expect(summary?["ranks"] as? Int == 2)

            let bad = submit.appendingPathComponent("bad.toml")
            try "[system]\ndimension = 4\n".write(to: bad, atomically: true, encoding: .utf8)
            guard let failing = try cluster.submit(["--ntasks=2", script, "bad.toml"], from: submit) else { return }
            let failed = try cluster.wait(for: failing)
            let badLog = (try? String(contentsOf: submit.appendingPathComponent("stressflux-\(failing).log"), encoding: .utf8)) ?? ""
            #expect(failed["JobState"] == "FAILED", "\(failed["JobState"] ?? "?"): \(badLog)")
            #expect(failed["ExitCode"].map { $0 != "0:0" && !$0.hasPrefix("0:") } == true, "exit code \(failed["ExitCode"] ?? "?")")
            let errors = badLog.split(separator: "\n").filter { $0.hasPrefix("error: ") }
            #expect(errors == ["error: [system] dimension = 4: must be 2 or 3"], "\(badLog)")
            #expect(!FileManager.default.fileExists(atPath: submit.appendingPathComponent("runs/\(failing)/summary.json").path))
        }
    }

    static let scalingColumns = ["ranks", "particles", "steps", "wall_seconds", "atom_steps_per_second", "parallel_efficiency",
                                 "communication_fraction", "pair_forces_imbalance", "pair_forces_seconds", "neighbor_lists_seconds",
                                 "ghost_exchange_seconds", "migration_seconds", "reductions_seconds", "io_seconds", "other_seconds",
                                 "analysis_seconds", "analysis_efficiency"]

    /// A scaling study's table: the columns, one row per rank count (1 and 2), N fixed (strong) or
    /// ∝ ranks (weak), efficiency 1 at one rank; not the timings themselves.
    func checkScalingTable(in folder: URL, mode: String, log: String) throws {
        let csv = try String(contentsOf: folder.appendingPathComponent("scaling.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        try #require(lines.count == 3, "\(csv)\n\(log)")
        #expect(lines[0] == Self.scalingColumns)
        let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
        #expect(rows.map { $0["ranks"] } == ["1", "2"])
        let n = rows.compactMap { $0["particles"].flatMap(Int.init) }
        #expect(n.count == 2 && (mode == "strong" ? n[1] == n[0] : n[1] == 2 * n[0]), "\(mode): N = \(n)")
        #expect(rows[0]["parallel_efficiency"].flatMap(Double.init) == 1 && rows[0]["analysis_efficiency"].flatMap(Double.init) == 1)
        for row in rows {
            for key in ["atom_steps_per_second", "parallel_efficiency", "analysis_seconds"] {
                #expect((row[key].flatMap(Double.init) ?? 0) > 0, "\(key) = \(row[key] ?? "nil")")
            }
            #expect((0...1).contains(row["communication_fraction"].flatMap(Double.init) ?? -1))
        }
        let table = try String(contentsOf: folder.appendingPathComponent("scaling.md"), encoding: .utf8)
        #expect(table.hasPrefix("| ranks | N | atom-steps/s | parallel efficiency | communication |"), "\(table)")
        #expect(table.split(separator: "\n").count == 4)
    }

    /// strong-scaling.sbatch inside the cluster (srun or mpirun, whichever the job picks).
    @Test func strongScalingInsideTheCluster() throws {
        try withCluster { cluster in
            let submit = try Scratch.url("submit")
            let script = Self.root.appendingPathComponent("jobs/strong-scaling.sbatch").path
            guard let job = try cluster.submit(["--ntasks=2", "--export=ALL,PARTICLES=2000,STEPS=100,PREP_ITERATIONS=50", script],
                                               from: submit) else { return }
            let done = try cluster.wait(for: job)
            let log = (try? String(contentsOf: submit.appendingPathComponent("strong-scaling-\(job).log"), encoding: .utf8)) ?? ""
            #expect(done["JobState"] == "COMPLETED" && done["ExitCode"] == "0:0", "\(log)")
            try checkScalingTable(in: submit.appendingPathComponent("runs/strong-scaling-\(job)"), mode: "strong", log: log)
        }
    }

    /// weak-scaling.sbatch run directly with bash (mpirun, no Slurm).
    @Test func weakScalingDirectly() throws {
        let submit = try Scratch.url("submit")
        var environment = MPIRun.cleanEnvironment
        if let binary = MPIRun.binary { environment["STRESSFLUX_BIN"] = binary }
        environment.merge(["PER_RANK": "1000", "STEPS": "100", "PREP_ITERATIONS": "50", "OUT": "weak"]) { $1 }
        let run = try Subprocess.run(["bash", Self.root.appendingPathComponent("jobs/weak-scaling.sbatch").path],
                                     directory: submit, environment: environment, timeout: 300)
        #expect(run.exitCode == 0 && !run.timedOut, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("launcher: mpirun"))
        try checkScalingTable(in: submit.appendingPathComponent("weak"), mode: "weak", log: run.stdout + run.stderr)
    }
}
