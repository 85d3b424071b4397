import Foundation
import TestSupport
import Testing

/// `[analysis]` in `stressflux run`: the stress budget measured in line on the running system's slabs (physics.md §4–6).
@Suite(.serialized) struct InlineAnalysisIntegrationTests {
    /// A Brownian run from a FIRE-quenched packing with snapshots and analyses every 50 steps (sheared or not).
    static func config(dimension: Int, steps: Int, sheared: Bool, route: String, extra: String = "") -> String {
        ParticleIntegrationTests.config(dimension: dimension, particles: dimension == 2 ? 256 : 300, phi: dimension == 2 ? 0.9 : 0.7,
                                        steps: steps, temperature: 1e-3, minimize: true, extra: """
            snapshot_every = 50
            \(extra)
            \(sheared ? "[shear]\nrate = 0.02" : "")
            [analysis]
            scales = [1.5, 3.0]
            grid = \(Self.grid(dimension))
            route = "\(route)"
            every = 50
            fields_every = 100
            """)
    }

    /// One grid for every scale and rank count (`points_per_ell` picks grids whose slabs divide evenly, so they change
    /// with the ranks): 48² for L = 18.2 in 2D, 20³ for L = 7.5 in 3D, ℓ/h ≈ 4 at ℓ = 1.5.
    static func grid(_ dimension: Int) -> Int { dimension == 2 ? 48 : 20 }

    /// budget.csv's rows: (step, ℓ) → column → value (empty cells left out).
    static func rows(_ out: URL) throws -> [String: [String: Double]] {
        let lines = try String(contentsOf: out.appendingPathComponent("budget.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map { String($0.split(separator: " ")[0]) }
        var rows: [String: [String: Double]] = [:]
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row: [String: Double] = [:]
            for (name, cell) in zip(header, cells) { if let value = Double(cell) { row[name] = value } }
            rows["\(Int(row["step"]!)) \(row["ell"]!)"] = row
        }
        return rows
    }

    /// Two rows agree: each tensor's components to 1e-12 of its largest, the norms and ξ_3 to 1e-12 relative, and the
    /// §5.1 identity's residual (aliasing on these ℓ/h ≈ 4 grids, ~1e-8 by physics.md §3.6; its digits are noise) below
    /// 1e-6 in both.
    static func expectClose(_ a: [String: Double], _ b: [String: Double], components: [String], _ what: String) {
        for tensor in ["sigma", "dsigma_dt", "W", "Qflux"] {
            let largest = components.map { abs(a["\(tensor)_\($0)"]!) }.max()!
            for c in components {
                #expect(abs(a["\(tensor)_\(c)"]! - b["\(tensor)_\(c)"]!) <= 1e-12 * largest, "\(what): \(tensor)_\(c)")
            }
        }
        for key in ["step", "time", "strain", "ell", "divJ_rms", "Qflux_rms", "Qflux_L1", "xi3"] where a[key] != nil || b[key] != nil {
            #expect(abs(a[key]! - b[key]!) <= 1e-12 * abs(a[key]!), "\(what): \(key) \(a[key]!) vs \(b[key]!)")
        }
        #expect(a["residual_rel"].map { $0 < 1e-6 } ?? true && b["residual_rel"].map { $0 < 1e-6 } ?? true, "\(what): residual_rel")
    }

    /// The in-line rows at steps 50 and 100 equal `stressflux analyze` of the H5MD snapshots written at those steps (the
    /// same scales, grids and route; v_i = F_i in both, the run having no body force), 2D and 3D, sheared (γ̇ = 0.02)
    /// and not, quadrature route: ⟨σ̲⟩, ⟨∂_t σ̲⟩, ⟨W⟩, ⟨Q^flux⟩ to 1e-12 of each tensor's largest entry and the norms to
    /// 1e-12 relative (the engine holds positions up to skin/2 outside the box, the snapshot wrapped: the deposition is
    /// image-invariant, so only rounding differs). The rows are the same on 1, 2 and 4 ranks to 1e-12 (the trajectory
    /// is bitwise rank-independent, the reductions are not), 2D sheared. analysis-100.h5 + .xmf exist; analysis-50.h5 does not.
    @Test(arguments: [(2, false), (2, true), (3, true)])
    func inlineEqualsAnalyzeOfTheSnapshots(dimension: Int, sheared: Bool) throws {
        let dir = try Scratch.url("inline")
        defer { try? FileManager.default.removeItem(at: dir) }
        var byRanks: [[String: [String: Double]]] = []
        // The rank counts on the 2D sheared case; the others compare with analyze on 1 rank (the reductions are the same code).
        for ranks in dimension == 2 && sheared ? [1, 2, 4] : [1] {
            let out = try ParticleIntegrationTests.run(Self.config(dimension: dimension, steps: 100, sheared: sheared, route: "quadrature"),
                                                       in: dir, name: "run\(ranks)", ranks: ranks)
            byRanks.append(try Self.rows(out))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("analysis-100.xmf").path))
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("analysis-50.h5").path))
        }
        let rows = byRanks[0], components = dimension == 2 ? ["xx", "yy", "xy"] : ["xx", "yy", "zz", "xy", "xz", "yz"]
        #expect(rows.count == 6, "steps 0, 50, 100 at two scales: \(rows.keys.sorted())")
        for other in byRanks.dropFirst() {
            for (key, row) in rows { Self.expectClose(row, try #require(other[key], "\(key) on another rank count"), components: components, "\(key) on another rank count") }
        }
        let out = dir.appendingPathComponent("run1")
        for step in [50, 100] {
            let analysed = try AnalyzeIntegrationTests.analyze([out.appendingPathComponent("snapshot-\(step).h5").path, "--dimension", "\(dimension)",
                                                                "--scales", "1.5,3", "--grid", "\(Self.grid(dimension))"],
                                                               in: dir, name: "analyze\(step)", ranks: 2)
            for scale in try AnalyzeIntegrationTests.summary(analysed)["scales"] as! [[String: Any]] {
                let row = try #require(rows["\(step) \(scale["ell"] as! Double)"])
                for (tensor, column) in [("sigma_mean", "sigma"), ("dsigma_dt_instantaneous_mean", "dsigma_dt"), ("W_mean", "W"), ("Qflux_mean", "Qflux")] {
                    let values = scale[tensor] as! [String: Double], largest = values.values.map(abs).max()!
                    for c in components {
                        #expect(abs(row["\(column)_\(c)"]! - values[c]!) <= 1e-12 * largest, "step \(step) ℓ = \(scale["ell"]!): \(column)_\(c)")
                    }
                }
                for key in ["Qflux_rms", "Qflux_L1", "divJ_rms"] {
                    let value = scale[key] as! Double
                    #expect(abs(row[key]! - value) <= 1e-12 * value, "step \(step) ℓ = \(scale["ell"]!): \(key) \(row[key]!) vs \(value)")
                }
            }
        }
    }

    /// A run of 200 steps with analyses every 50 and a checkpoint every 100, stopped after 100 and restarted, writes the
    /// same budget.csv as the uninterrupted run: every row once, equal to the last digit printed (FFTW_ESTIMATE plans
    /// make the same transforms in every process; the trajectory continues bit for bit).
    @Test func restartContinuesTheBudget() throws {
        let dir = try Scratch.url("inline-restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try ParticleIntegrationTests.run(Self.config(dimension: 2, steps: 200, sheared: true, route: "averages", extra: "checkpoint_every = 100"),
                                                     in: dir, name: "whole", ranks: 2)
        _ = try ParticleIntegrationTests.run(Self.config(dimension: 2, steps: 100, sheared: true, route: "averages", extra: "checkpoint_every = 100"),
                                             in: dir, name: "part", ranks: 2)
        let part = try ParticleIntegrationTests.run(Self.config(dimension: 2, steps: 200, sheared: true, route: "averages", extra: "checkpoint_every = 100"),
                                                    in: dir, name: "part", ranks: 2, extra: ["--restart"])
        let a = try String(contentsOf: whole.appendingPathComponent("budget.csv"), encoding: .utf8)
        let b = try String(contentsOf: part.appendingPathComponent("budget.csv"), encoding: .utf8)
        #expect(a.split(separator: "\n").count == 1 + 5 * 2, "the header and 5 steps × 2 scales")
        #expect(a == b, "the restarted budget.csv reads as one run")
    }

    /// Bad `[analysis]` keys: one line naming the key and the fix, a non-zero exit.
    static let badKeys: [(String, String)] = [
        ("scales = [-1.0]", "error: [analysis] scales"),
        ("scales = [2.0, 1.0]", "error: [analysis] scales"),
        ("scales = [1.0]\nroute = \"fast\"", "error: [analysis] route"),
        ("scales = [1.0]\nkernel = \"box\"", "error: [analysis] kernel"),
        ("scales = [1.0]\ngrid = [10]", "error: [analysis] grid"),
        ("scales = [1.0]\npoints_per_ell = 0.5", "error: [analysis] points_per_ell"),
        ("scales = [1.0]\npoints_per_ell = 2", "error: [analysis] grid"),
        ("scales = [1.0]\nevery = -1", "error: [analysis] every"),
        ("scales = [1.0]\nevry = 10", "error: [analysis] evry"),
        ("every = 10", "error: [analysis] scales"),
    ]

    @Test func badKeysFailInOneLine() throws {
        let dir = try Scratch.url("inline-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (keys, message) in Self.badKeys {
            let config = ParticleIntegrationTests.config(particles: 64, steps: 10, minimize: false) + "\n[analysis]\n" + keys
            let file = dir.appendingPathComponent("bad.toml")
            try config.write(to: file, atomically: true, encoding: .utf8)
            let run = try MPIRun.stressflux(["run", file.path, "--output", "out", "--quiet"], ranks: 2, timeout: 60, directory: dir)
            #expect(!run.timedOut && run.exitCode != 0 && run.errorLines.count == 1 && run.errorLines[0].hasPrefix(message),
                    "\(keys): \(run.errorLines)")
        }
    }
}
