import Foundation
import TestSupport
import Testing

/// `stressflux study` under mpirun (issue 19 item 1).
@Suite(.serialized) struct StudyIntegrationTests {
    typealias P = ParticleIntegrationTests

    /// 2 seeds × 2 φ, N = 256, Brownian (3000 steps, a checkpoint every 100): the study killed (SIGKILL to every rank)
    /// in its third run, after that run's first checkpoint, and started again — on another rank count — continues: runs 1
    /// and 2 are skipped, run 3 continues from its checkpoint, run 4 starts; its study.csv is the uninterrupted study's
    /// bit for bit (1 rank uninterrupted; killed on 2, resumed on 4: trajectories and thermo sums do not depend on the
    /// rank count, and a restart continues bit for bit). Each run's folder holds its own config.toml; run again after the
    /// study's config changed, the study stops with one line naming the first run whose folder holds another config.
    @Test func studyResumesAfterAKill() throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = P.config(particles: 256, steps: 3000, minimize: true, extra: "checkpoint_every = 100")
            + "\n[study]\nseeds = [1, 2]\n[study.scan]\nsystem.packing_fraction = [0.85, 0.9]\n"
        let file = dir.appendingPathComponent("study.toml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        func study(_ name: String, ranks: Int, killWhen: (() -> Bool)? = nil) throws -> MPIRun {
            try MPIRun.stressflux(["study", file.path, "--output", dir.appendingPathComponent(name).path, "--quiet"], ranks: ranks,
                                  timeout: 300, directory: dir, killWhen: killWhen)
        }
        let whole = try study("whole", ranks: 1)
        #expect(whole.exitCode == 0, "\(whole.stdout)\n\(whole.stderr)")
        let names = ["packing_fraction-0.85_seed-1", "packing_fraction-0.85_seed-2", "packing_fraction-0.9_seed-1", "packing_fraction-0.9_seed-2"]
        let reference = try AQSIntegrationTests.table(dir.appendingPathComponent("whole/study.csv"))
        #expect(reference.map { $0[0] } == names && reference.allSatisfy { $0[4] == "3000" }, "four runs of 3000 steps: \(reference)")
        let third = dir.appendingPathComponent("resumed/\(names[2])")
        // The whole job killed at once, ranks included, as soon as run 3 has a checkpoint.
        let killed = try study("resumed", ranks: 2) {
            guard FileManager.default.fileExists(atPath: third.appendingPathComponent("checkpoint.h5").path) else { return false }
            Subprocess.killAll(commandLineContaining: dir.appendingPathComponent("resumed").path)
            return true
        }
        #expect(killed.exitCode != 0, "the study was killed")
        #expect(!FileManager.default.fileExists(atPath: third.appendingPathComponent("summary.json").path), "killed inside run 3")
        let resumed = try study("resumed", ranks: 4)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(try AQSIntegrationTests.table(dir.appendingPathComponent("resumed/study.csv")) == reference, "study.csv as uninterrupted")
        let own = try String(contentsOf: third.appendingPathComponent("config.toml"), encoding: .utf8)
        #expect(own.contains("packing_fraction = 0.9") && !own.contains("[study]"), "the run's config: \(own)")
        // The study's config changed (another step count): its first run's folder is not that run's; one line, exit 1.
        try config.replacingOccurrences(of: "steps = 3000", with: "steps = 2000").write(to: file, atomically: true, encoding: .utf8)
        let changed = try study("resumed", ranks: 2)
        #expect(changed.exitCode == 1 && changed.errorLines.count == 1 && changed.errorLines[0].hasPrefix("error: run \(names[0])"),
                "\(changed.stdout)\n\(changed.stderr)")
        // tools/plot.py (issue 19 item 3) on the study: study.png and each run's stress_strain.png.
        try Self.plots(of: dir.appendingPathComponent("resumed"), expect: ["plots/study.png"] + names.map { "\($0)/plots/stress_strain.png" })
    }

    /// tools/plot.py on a run or study folder makes the figures `expected` (paths under `folder`), each printed and a PNG
    /// of 800 × 600 pixels (read from its IHDR chunk).
    static func plots(of folder: URL, expect expected: [String]) throws {
        let python = ProcessInfo.processInfo.environment["STRESSFLUX_PYTHON"] ?? MPIRun.packageRoot.appendingPathComponent(".venv/bin/python").path
        let plot = try Subprocess.run([python, MPIRun.packageRoot.appendingPathComponent("tools/plot.py").path, folder.path],
                                      directory: folder, environment: ProcessInfo.processInfo.environment, timeout: 120)
        #expect(plot.exitCode == 0, "\(plot.stdout)\n\(plot.stderr)")
        for name in expected {
            let path = folder.appendingPathComponent(name).path
            #expect(plot.stdout.contains(path), "plot.py printed \(name)")
            let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
            let size = bytes.count >= 24 ? (bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }, bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }) : (0, 0)
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && size.0 == 800 && size.1 == 600, "\(name): a PNG of 800 × 600, got \(size)")
        }
    }

    /// `stressflux validate` lists every problem at once, one `error:` line each naming its key, and exits 1 (five
    /// problems: an unknown key, a wrong type, two bad values, an unknown section); a good study config is valid with
    /// its run count, exit 0.
    @Test func validateListsEveryProblem() throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.toml"), good = dir.appendingPathComponent("good.toml")
        try "[system]\npartcles = 5\npacking_fraction = 1.3\n[dynamics]\ndt = -0.01\nsteps = \"many\"\n[bogus]\nx = 1\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        try (P.config(particles: 64, steps: 10, minimize: false) + "\n[study]\nseeds = [1, 2, 3]\n").write(to: good, atomically: true, encoding: .utf8)
        let refused = try MPIRun.stressflux(["validate", bad.path], ranks: 1, directory: dir)
        let keys = ["[bogus]", "[system] partcles", "[system] packing_fraction", "[dynamics] dt", "[dynamics] steps"]
        #expect(refused.exitCode == 1 && refused.errorLines.count == 5, "\(refused.stdout)\n\(refused.stderr)")
        for key in keys { #expect(refused.errorLines.contains { $0.hasPrefix("error: \(key)") }, "a line naming \(key)") }
        let accepted = try MPIRun.stressflux(["validate", good.path], ranks: 2, directory: dir)
        #expect(accepted.exitCode == 0 && accepted.stdout.contains("valid study config, 3 runs"), "\(accepted.stdout)\n\(accepted.stderr)")
    }
}
