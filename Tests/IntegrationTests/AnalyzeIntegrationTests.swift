import Foundation
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// `stressflux analyze` under mpirun -np 1, 2, 4: the stress budget of a particle configuration at several scales
/// (physics.md §4–5).
@Suite(.serialized) struct AnalyzeIntegrationTests {
    /// A random (not quenched, so the budget's terms are not cancelling to rounding) 2D bidisperse configuration,
    /// 400 harmonic disks at φ = 0.9 (box ≈ 22.7), made by `stressflux run` without FIRE or steps.
    static func configuration(in dir: URL) throws -> String {
        let config = ParticleIntegrationTests.config(particles: 400, steps: 0, minimize: false)
        return try ParticleIntegrationTests.run(config, in: dir, name: "random", ranks: 1).appendingPathComponent("final.h5").path
    }

    static func analyze(_ arguments: [String], in dir: URL, name: String, ranks: Int) throws -> URL {
        let out = dir.appendingPathComponent(name)
        let run = try MPIRun.stressflux(["analyze"] + arguments + ["--output", out.path], ranks: ranks, timeout: 300, directory: dir)
        #expect(run.exitCode == 0 && !run.timedOut, "\(name) on \(ranks) ranks: \(run.stderr)")
        return out
    }

    static func summary(_ out: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
    }

    /// Every number of a JSON value with the scale it is compared at, in a fixed order (keys sorted): a tensor's
    /// entries (an object of numbers) at its largest entry, other numbers at themselves.
    static func numbers(_ value: Any) -> [(value: Double, scale: Double)] {
        switch value {
        case let n as NSNumber: return [(n.doubleValue, abs(n.doubleValue))]
        case let a as [Any]: return a.flatMap(numbers)
        case let d as [String: Any]:
            if let tensor = d as? [String: Double] {
                let largest = tensor.values.map(abs).max() ?? 0
                return tensor.keys.sorted().map { (tensor[$0]!, largest) }
            }
            return d.keys.sorted().flatMap { numbers(d[$0]!) }
        default: return []
        }
    }

    /// Gaussian ℓ = 1 and 2 on 96² (ℓ/h = 4.2 and 8.4):
    /// - summary.json has the contract's keys (`structure`: `lags`, `S_p` for p = 1…6 at the 8 default lags, `zeta_p`,
    ///   `xi_p`, `fit_range`, `anomaly_flag`, and `local` with the histogram of ξ_3 over 3 × 3 windows), per scale `ell`,
    ///   `Qflux_xy_pdf` (fractions summing to 1 with its tails) and `Qflux_xy_quantiles`, `kernel`, `grid`, `sigma_mean`, `sigma_self_mean`,
    ///   `W_mean`, `Qflux_mean`, `Qflux_rms`, `Qflux_L1`, `divJ_rms`, `residual_rel`, and budget.csv a row per scale;
    /// - the budget closes with the instantaneous rate: residual_rel < 1e-9 (the master identity is exact for the
    ///   discrete operators up to the products' aliasing, e^{−π²(ℓ/h)²/2} ≈ 1e-38 here; measured ~1e-15);
    /// - ⟨∇·J̄⟩ = 0, so d⟨σ̲⟩/dt = ⟨W⟩ + ⟨Q^flux⟩ (X6): the box mean of the written ∇·J̄_xy is below 1e-12 of its RMS;
    /// - the means over `--region` (a disk of radius 4 holding π4²/L² ≈ 0.098 of the box) cover that fraction of the
    ///   grid to within the disk's pixelation (0.005);
    /// - every number of summary.json (except timings; with the region's means and `flux_scaling`) and every field of
    ///   analysis.h5 is the same on 1, 2 and 4 ranks
    ///   to 1e-12 relative (X4), but the PDF, whose bins may take a sample more or less where rounding moves a value
    ///   across an edge: within 4 samples per bin.
    @Test func budgetIsRankIndependentAndCloses() throws {
        let dir = try Scratch.url("analyze")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.configuration(in: dir)
        let outs = try [1, 2, 4].map { ranks in
            try Self.analyze([input, "--scales", "1,2", "--grid", "96", "--region", "5,6,4"], in: dir, name: "a\(ranks)", ranks: ranks)
        }
        var reference: [(value: Double, scale: Double)] = [], pdfReference: [Double] = []
        for (index, out) in outs.enumerated() {
            var summary = try Self.summary(out)
            for key in ["N", "dimension", "box", "potential_energy", "virial_stress", "scales", "structure"] { #expect(summary[key] != nil, "summary.json lacks \(key)") }
            let structure = summary["structure"] as! [String: Any]
            for key in ["lags", "S_p", "zeta_p", "xi_p", "fit_range", "anomaly_flag"] { #expect(structure.keys.contains(key), "structure lacks \(key)") }
            #expect((structure["S_p"] as! [String: [Double]])["3"]?.count == 8)
            let local = structure["local"] as! [String: Any]
            #expect(local["windows"] as? Int == 9 && (local["xi3_histogram"] as! [Int]).reduce(0, +) + (local["unfitted"] as! Int) == 9,
                    "3 × 3 windows of 32 cells on 96²: \(local)")
            let scales = summary["scales"] as! [[String: Any]]
            #expect(scales.count == 2)
            for scale in scales {
                for key in ["ell", "kernel", "grid", "sigma_mean", "sigma_self_mean", "W_mean", "Qflux_mean", "Qflux_rms", "Qflux_L1", "divJ_rms",
                            "residual_rel", "Qflux_xy_pdf", "Qflux_xy_quantiles"] {
                    #expect(scale[key] != nil, "a scale lacks \(key)")
                }
                #expect((scale["residual_rel"] as! Double) < 1e-9, "residual \(scale["residual_rel"]!) at ℓ = \(scale["ell"]!)")
                let region = scale["region"] as! [String: Any], box = (summary["box"] as! [Double])[0]
                #expect(abs((region["fraction"] as! Double) - Double.pi * 16 / (box * box)) < 0.005, "region fraction \(region["fraction"]!)")
            }
            let csv = try String(contentsOf: out.appendingPathComponent("budget.csv"), encoding: .utf8)
            #expect(csv.split(separator: "\n").count == 4, "comment, header and a row per scale")
            // Timings and residuals (rounding-level, asserted above) aside; each tensor within 1e-12 of its largest entry.
            summary["seconds"] = nil
            // The PDF and quantiles bin values that differ by rounding between rank counts: compared below, loosely.
            summary["scales"] = scales.map { row in row.filter { !["seconds", "timings_seconds", "residual_rel", "Qflux_xy_pdf", "Qflux_xy_quantiles"].contains($0.key) } }
            let fractions = scales.flatMap { row -> [Double] in
                let pdf = row["Qflux_xy_pdf"] as! [String: Any], edges = pdf["edges"] as! [Double], density = pdf["pdf"] as! [Double]
                return [pdf["below"] as! Double, pdf["above"] as! Double] + density.indices.map { density[$0] * (edges[$0 + 1] - edges[$0]) }
            }
            #expect(abs(fractions.reduce(0, +) - 2) < 1e-12, "each PDF with its tails holds every sample")
            if index == 0 { pdfReference = fractions } else {
                #expect(zip(fractions, pdfReference).allSatisfy { abs($0 - $1) <= 4.0 / (96 * 96) }, "PDFs differ by more than 4 samples in a bin")
            }
            let values = Self.numbers(summary.filter { $0.key != "ranks" })
            if index == 0 {
                reference = values
            } else {
                let differences = zip(values, reference).map { abs($0.value - $1.value) / max($1.scale, 1e-300) }
                #expect(values.count == reference.count && differences.allSatisfy { $0 <= 1e-12 },
                        "\(index == 1 ? 2 : 4) ranks: largest relative difference \(differences.max() ?? 0)")
            }
        }
        let file = { (out: URL) in try HDF5File.openForReading(path: out.appendingPathComponent("analysis.h5").path) }
        let map = try file(outs[0]).read(name: "/xi3_local").values
        for out in outs.dropFirst() {
            let other = try file(out).read(name: "/xi3_local").values
            #expect(zip(map, other).allSatisfy { $0.isNaN ? $1.isNaN : abs($0 - $1) <= 1e-12 * max(abs($0), 1) }, "xi3_local")
        }
        for name in ["rho_ell1.0", "sigma_xy_ell1.0", "Qflux_xx_ell1.0", "W_xy_ell2.0", "divJ_xy_ell1.0"] {
            let one = try file(outs[0]).read(name: "/\(name)").values
            #expect(one.count == 96 * 96)
            for out in outs.dropFirst() {
                let other = try file(out).read(name: "/\(name)").values
                #expect(zip(one, other).map { abs($0 - $1) }.max()! <= 1e-12 * one.map(abs).max()!, "\(name)")
            }
            if name.hasPrefix("divJ") {
                let mean = one.reduce(0, +) / Double(one.count), rms = (one.reduce(0) { $0 + $1 * $1 } / Double(one.count)).squareRoot()
                #expect(abs(mean) <= 1e-12 * rms, "⟨∇·J̄_xy⟩ = \(mean), RMS \(rms)")
            }
        }
    }

    static let badInputs: [([String], String)] = [
        (["--scales", "0", "--grid", "96"], "error: --scales 0.0: give positive scales"),
        (["--scales", "1,x", "--grid", "96"], "error: --scales 1,x: give scales separated by commas"),
        (["--scales", "0.1", "--grid", "96"], "error: scale ℓ 0.1: ℓ/h = 0."),
        (["--scales", "1", "--grid", "96x48"], "error: --grid 96x48: spacings 0.2368, 0.4735 differ"),
        (["--scales", "1", "--grid", "96", "--kernel", "tophat"], "error: --kernel \"tophat\": unknown kernel"),
        (["--scales", "2,1", "--grid", "96"], "error: --scales 2.0,1.0: give increasing scales"),
        (["--scales", "1", "--grid", "96", "--points-per-ell", "5"], "error: --grid 96: give either --grid N or --points-per-ell P"),
        (["--scales", "1"], "error: --grid missing: give either --grid N or --points-per-ell P"),
        (["--scales", "1", "--points-per-ell", "0.5"], "error: --points-per-ell 0.5: give ℓ/h ≥ 1"),
        (["--scales", "1", "--grid", "96", "--route", "fast"], "error: --route fast: give quadrature or averages"),
        (["--scales", "1", "--grid", "96", "--region", "1,2"], "error: --region 1,2: give the centre and radius"),
        (["--scales", "1", "--grid", "96", "--region", "nowhere.csv:3"], "error: --region nowhere.csv:3: cannot read nowhere.csv"),
    ]

    /// Bad options: one line on stderr naming the option and the fix, a non-zero exit, no summary.json. Also a snapshot
    /// without image counters whose particle lies outside the box (made from a good one with h5py).
    @Test func badInputFailsCleanly() throws {
        let dir = try Scratch.url("analyze-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.configuration(in: dir)
        let python = try #require(ProcessInfo.processInfo.environment["STRESSFLUX_PYTHON"]
            ?? Optional(MPIRun.packageRoot.appendingPathComponent(".venv/bin/python").path))
        let stripped = dir.appendingPathComponent("no-images.h5").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [MPIRun.packageRoot.appendingPathComponent("Tests/Scripts/strip_images.py").path, input, stripped]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "h5py could not edit the snapshot (run `make test` to create .venv)")
        let outside = try MPIRun.stressflux(["analyze", stripped, "--scales", "1", "--grid", "96", "--output", "out"], ranks: 2, timeout: 60, directory: dir)
        #expect(!outside.timedOut && outside.exitCode != 0 && outside.errorLines.count == 1
                && outside.errorLines[0].contains("lies outside the box along axis 0") && outside.errorLines[0].contains("no particles/all/image"),
                "\(outside.errorLines)")
        for (arguments, message) in Self.badInputs {
            let run = try MPIRun.stressflux(["analyze", input] + arguments + ["--output", "out"], ranks: 2, timeout: 60, directory: dir)
            #expect(!run.timedOut && run.exitCode != 0)
            #expect(run.errorLines.count == 1 && run.errorLines[0].hasPrefix(message), "\(arguments): \(run.errorLines)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/summary.json").path))
        }
    }

    /// `--points-per-ell 5` and the two routes, at ℓ = 1, 1.5, 2:
    /// - each scale gets its own grid: even and FFT-friendly, ℓ/h ≥ 5, and coarser for larger ℓ; analysis.xmf has one
    ///   grid block per distinct grid;
    /// - `--route averages` (physics.md §3.7a, one pass over the modes) gives the same ⟨σ̲_ℓ⟩, ⟨W_ℓ⟩, ⟨Q^flux_ℓ⟩ and
    ///   instantaneous ⟨∂_t σ̲_ℓ⟩ as the quadrature's fields (§3.5) to 1e-9 of each tensor's largest entry (BA1's identity;
    ///   the §3.5 y-quadrature with 8 × 32 nodes is converged to ~1e-13 at ℓ ≥ 1, measured ≤ 2e-13 here), writes null
    ///   for the field statistics, and is the same on 1, 2 and 4 ranks to 1e-12;
    /// - `flux_scaling` has three scales, a ratio per scale and the ℓ → 0 extrapolation of ⟨Q^flux_ℓ⟩ with an error bar.
    @Test func routesAndPerScaleGrids() throws {
        let dir = try Scratch.url("analyze-routes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.configuration(in: dir)
        let options = [input, "--scales", "1,1.5,2", "--points-per-ell", "5"]
        let quadrature = try Self.summary(try Self.analyze(options, in: dir, name: "quadrature", ranks: 2))
        let averages = try [1, 2, 4].map { try Self.summary(try Self.analyze(options + ["--route", "averages"], in: dir, name: "averages\($0)", ranks: $0)) }
        let rows = quadrature["scales"] as! [[String: Any]]
        var previous = Int.max
        for row in rows {
            let grid = row["grid"] as! [Int], resolution = row["resolution"] as! Double
            var rest = grid[0]
            for p in [2, 3, 5, 7] { while rest % p == 0 { rest /= p } }
            #expect(rest == 1 && grid[0] % 2 == 0 && resolution >= 5 && grid[0] < previous, "ℓ = \(row["ell"]!): grid \(grid), ℓ/h = \(resolution)")
            previous = grid[0]
        }
        let sidecar = try String(contentsOf: dir.appendingPathComponent("quadrature/analysis.xmf"), encoding: .utf8)
        #expect(sidecar.components(separatedBy: "<Grid ").count - 1 == Set(rows.map { $0["grid"] as! [Int] }).count)
        for (index, summary) in averages.enumerated() {
            for (q, a) in zip(rows, summary["scales"] as! [[String: Any]]) {
                #expect(a["Qflux_rms"] is NSNull && a["residual_rel"] is NSNull && (a["route"] as! String).hasPrefix("averages"))
                for key in ["sigma_mean", "W_mean", "Qflux_mean", "dsigma_dt_instantaneous_mean"] {
                    let x = q[key] as! [String: Double], y = a[key] as! [String: Double], largest = x.values.map(abs).max()!
                    let error = x.keys.map { abs(x[$0]! - y[$0]!) }.max()! / largest
                    #expect(error <= 1e-9, "\(key) at ℓ = \(q["ell"]!) on \([1, 2, 4][index]) ranks: \(error)")
                }
            }
        }
        let reference = Self.numbers((averages[1]["scales"] as! [[String: Any]]).map { $0.filter { !["seconds", "timings_seconds"].contains($0.key) } })
        for summary in [averages[0], averages[2]] {
            let values = Self.numbers((summary["scales"] as! [[String: Any]]).map { $0.filter { !["seconds", "timings_seconds"].contains($0.key) } })
            #expect(values.count == reference.count && zip(values, reference).allSatisfy { abs($0.value - $1.value) <= 1e-12 * max($1.scale, 1e-300) },
                    "averages route differs between rank counts")
        }
        let scaling = quadrature["flux_scaling"] as! [String: Any]
        #expect((scaling["ratio"] as! [Any]).count == 3 && (scaling["Qflux_mean_limit"] as? [String: Double])?["xy"] != nil
                && (scaling["Qflux_mean_limit_error"] as? [String: Double])?["xy"] != nil, "\(scaling)")
    }

    /// Overdamped Euler steps x ← x + Δt F(x) at T_v = 0 from `input` (`stressflux run`), their final states.
    static func steps(from input: String, dt: Double, count: Int, in dir: URL, name: String) throws -> String {
        let config = """
            [system]
            dimension = 2
            input = "\(input)"
            [minimize]
            enabled = false
            [dynamics]
            steps = \(count)
            temperature = 0
            dt = \(dt)
            [output]
            thermo_every = 0
            """
        return try ParticleIntegrationTests.run(config, in: dir, name: name, ranks: 1).appendingPathComponent("final.h5").path
    }

    /// Rates by finite differences (physics.md §5.4 step 2): one athermal Euler step of Δt is exactly x + Δt v with
    /// v = F, so analysing (x, x + Δt v) with `--dt` gives D⁺, whose residual is O(Δt): the order between Δt = 1e-3
    /// and 1e-4 is in [0.9, 1.1] (B1), at ℓ = 1 on 96² and on 2 ranks; so is that of `rate_fd_minus_drift_rms` (at
    /// T_v = 0 there is no noise-driven change, only the truncation error). Three snapshots (two steps, analysed at the
    /// middle one) give the central difference; on an Euler trajectory x_{n±1} are not symmetric about x_n, so it is
    /// first order too: checked to be reported ("central") and below 1e-2. Two inputs without `--dt` fail in one line.
    @Test func finiteDifferenceRates() throws {
        let dir = try Scratch.url("analyze-fd")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try Self.configuration(in: dir)
        var residuals: [Double] = [], differences: [Double] = []
        for dt in [1e-3, 1e-4] {
            let next = try Self.steps(from: input, dt: dt, count: 1, in: dir, name: "step\(dt)")
            let out = try Self.analyze([input, next, "--dt", "\(dt)", "--scales", "1", "--grid", "96"], in: dir, name: "fd\(dt)", ranks: 2)
            let summary = try Self.summary(out), scale = (summary["scales"] as! [[String: Any]])[0]
            #expect(summary["rate_fd"] as? String == "forward")
            residuals.append(scale["residual_fd"] as! Double)
            #expect(scale["residual_rel_fd"] as? Double == scale["residual_fd"] as? Double, "residual_fd is residual_rel_fd's new name")
            differences.append(scale["rate_fd_minus_drift_rms"] as! Double)
        }
        let order = log10(residuals[0] / residuals[1]), drift = log10(differences[0] / differences[1])
        #expect(order >= 0.9 && order <= 1.1, "forward residuals \(residuals): order \(order)")
        #expect(drift >= 0.9 && drift <= 1.1, "athermal steps: D⁺ − drift rate is the O(Δt) error alone, \(differences): order \(drift)")
        let middle = try Self.steps(from: input, dt: 1e-4, count: 1, in: dir, name: "middle")
        let last = try Self.steps(from: middle, dt: 1e-4, count: 1, in: dir, name: "last")
        let central = try Self.summary(try Self.analyze([input, middle, last, "--dt", "1e-4", "--scales", "1", "--grid", "96"], in: dir, name: "central", ranks: 2))
        #expect(central["rate_fd"] as? String == "central")
        let residual = (central["scales"] as! [[String: Any]])[0]["residual_fd"] as! Double
        #expect(residual < 1e-2, "central residual \(residual)")
        let run = try MPIRun.stressflux(["analyze", input, middle, "--scales", "1", "--grid", "96", "--output", "bad"], ranks: 2, timeout: 60, directory: dir)
        #expect(!run.timedOut && run.exitCode != 0 && run.errorLines.count == 1 && run.errorLines[0].hasPrefix("error: --dt missing: give the positive time"),
                "\(run.errorLines)")
    }
}

/// Rates by differences in a Lees–Edwards box (physics.md §1.5b, §5.4): a particle that crossed a y face between two
/// snapshots is written as its image, shifted by γL_y along x; its displacement is the nearest image taken y first.
@Suite(.serialized) struct ShearedDifferencesIntegrationTests {
    /// A sheared 2D state (strain 0.05, γL_y not a multiple of L_x) and one athermal Euler step of Δt = 1e-3 from it at
    /// the same strain. Re-written with the particles of a strip 2 l0 wide across a y face (the later snapshot's top
    /// strip, the earlier's bottom one, both physically unchanged: Tests/Scripts/cross_y_faces.py), the pair gives the
    /// same ⟨∂_t σ̲_ℓ⟩ as the plain pair, on 1, 2 and 4 ranks, to 1e-8 of its largest component (differences of σ̲_ℓ over
    /// Δt lose ~|σ̲|/(Δt |∂_t σ̲|) ≈ 1e6 of the 1e-16 rounding: measured ≤ 1e-9), and the same residual_fd to 1e-6
    /// relative (the residual, ~4e-5 of the rate, magnifies that rounding ~2e4 times: measured 2e-8). Taking the
    /// minimum image one axis at a time moves those particles by γL_y mod L_x ≈ 1.1 l0 instead, which changes the
    /// rate by orders of magnitude. The plain pair's forward residual is O(Δt) (B1 gives 8.7e-4 at 1e-3): below 1e-2.
    @Test func crossingParticlesDoNotChangeTheRate() throws {
        let dir = try Scratch.url("analyze-le")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sheared = ParticleIntegrationTests.config(particles: 400, steps: 100, temperature: 1e-3, minimize: true, extra: "[shear]\nrate = 0.05")
        let start = try ParticleIntegrationTests.run(sheared, in: dir, name: "sheared", ranks: 1).appendingPathComponent("final.h5").path
        let next = try AnalyzeIntegrationTests.steps(from: start, dt: 1e-3, count: 1, in: dir, name: "step")
        let python = ProcessInfo.processInfo.environment["STRESSFLUX_PYTHON"] ?? MPIRun.packageRoot.appendingPathComponent(".venv/bin/python").path
        func cross(_ input: String, _ side: String) throws -> String {
            let output = dir.appendingPathComponent("crossed-\(side).h5").path
            let edit = try Subprocess.run([python, MPIRun.packageRoot.appendingPathComponent("Tests/Scripts/cross_y_faces.py").path, input, output, side, "2"],
                                          directory: dir, environment: ProcessInfo.processInfo.environment, timeout: 60)
            #expect(edit.exitCode == 0 && (Int(edit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 5,
                    "h5py moved too few particles across the face: \(edit.stdout) \(edit.stderr)")
            return output
        }
        let crossedLater = try cross(next, "top"), crossedStart = try cross(start, "bottom")
        var reference: (rate: [String: Double], residual: Double)?
        for ranks in [1, 2, 4] {
            for (name, pair) in [("plain", [start, next]), ("crossed", [crossedStart, crossedLater])] {
                let out = try AnalyzeIntegrationTests.analyze(pair + ["--dt", "1e-3", "--scales", "1", "--points-per-ell", "4"], in: dir,
                                                              name: "\(name)\(ranks)", ranks: ranks)
                let scale = (try AnalyzeIntegrationTests.summary(out)["scales"] as! [[String: Any]])[0]
                let rate = scale["dsigma_dt_mean"] as! [String: Double], residual = scale["residual_fd"] as! Double
                #expect(residual < 1e-2, "\(name) on \(ranks) ranks: forward residual \(residual)")
                guard let reference else { reference = (rate, residual); continue }
                let largest = reference.rate.values.map(abs).max()!
                for (key, value) in rate {
                    #expect(abs(value - reference.rate[key]!) <= 1e-8 * largest, "\(name) on \(ranks) ranks: ⟨∂_t σ̲_\(key)⟩ \(value) vs \(reference.rate[key]!)")
                }
                #expect(abs(residual - reference.residual) <= 1e-6 * reference.residual, "\(name) on \(ranks) ranks: residual \(residual) vs \(reference.residual)")
            }
        }
    }
}
