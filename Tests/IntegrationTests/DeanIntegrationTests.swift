import Formats
import Foundation
import TestSupport
import Testing

/// `stressflux dean` (physics.md §7.2, issue 20) under mpirun -np 1, 2, 4.
@Suite(.serialized) struct DeanIntegrationTests {
    /// The D1 geometry (L = 2π·4/5.0937, M = 64) with ρ = 2 + 1e-6 cos(k x), k = 5.0937 (mode 4 along x), GEM-4 at
    /// T_v = 0.1, SBDF2 with 200 steps to t_f = 1/ω.
    static let config = """
        [grid]
        points = 64
        box = \(2 * Double.pi * 4 / 5.0937)
        [potential]
        kind = "gem4"
        [dynamics]
        dt = \(1 / 5.54399016719322 / 200)
        steps = 200
        temperature = 0.1
        [initial]
        kind = "mode"
        mean = 2.0
        amplitude = 1e-6
        wavevector = [4, 0]
        [output]
        thermo_every = 50
        fields_every = 100
        """

    /// - On 1, 2 and 4 ranks the mode grows at ω = 5.54399 (−k²(T_v + ρ₀V̂(k)) with V̂ by a separate Simpson quadrature,
    ///   physics.md's 5.544): the rate ln((max ρ − ρ₀)/ε)/t_f within 1e-4 (SBDF2 at 200 steps: 6.4e-5 measured);
    /// - `dean.csv` has its columns with units, the mass 2L² kept to 1e-12, and its rows agree across rank counts to
    ///   1e-12 relative (the transforms reduce in other orders);
    /// - the fields file holds `rho` with quantity and unit for h5py, and ParaView reads the XDMF with the grid's bounds
    ///   [0, L − h] and the peak of the cosine on the line x = 0.
    @Test func growthRateOnOneTwoFourRanks() throws {
        let dir = try Scratch.url("dean")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("d1.toml")
        try Self.config.write(to: file, atomically: true, encoding: .utf8)
        var tables: [[[Double]]] = []
        let l = 2 * Double.pi * 4 / 5.0937
        for ranks in [1, 2, 4] {
            let out = dir.appendingPathComponent("r\(ranks)")
            let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path, "--quiet"], ranks: ranks, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(ranks) ranks: \(run.stdout)\(run.stderr)")
            let text = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.first == "step,time [l0^2/(mu V0)],mass,min_rho [1/l0^2],max_rho [1/l0^2],free_energy [V0],rho_variance [1/l0^4],dt [l0^2/(mu V0)]",
                    "\(lines.first ?? "")")
            let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
            #expect(rows.map { Int($0[0]) } == [0, 50, 100, 150, 200])
            for row in rows { #expect(abs(row[2] - 2 * l * l) <= 1e-12 * 2 * l * l, "mass \(row[2])") }
            let last = rows.last!, rate = log((last[4] - 2) / 1e-6) / last[1]
            #expect(abs(rate - 5.54399016719322) / 5.54399016719322 < 1e-4, "\(ranks) ranks: growth rate \(rate)")
            tables.append(rows)
        }
        for other in tables.dropFirst() {
            for (a, b) in zip(tables[0].joined(), other.joined()) { #expect(abs(a - b) <= 1e-12 * max(abs(a), 1), "\(a) vs \(b)") }
        }
        let fields = dir.appendingPathComponent("r2/fields-200")
        if let seen = try ReaderIntegrationTests.read("h5py", "h5py_fields.py", [fields.path + ".h5"], in: dir) {
            let datasets = seen["datasets"] as? [String: [String: Any]] ?? [:]
            #expect(datasets.keys.contains { $0.hasSuffix("rho") } && datasets.allSatisfy { $0.value["unit"] is String }, "\(datasets)")
        }
        if let seen = try ReaderIntegrationTests.read("paraview", "paraview_field.py", [fields.path + ".xmf", "rho"], in: dir) {
            let bounds = ReaderIntegrationTests.numbers(seen["bounds"]), peak = ReaderIntegrationTests.numbers(seen["argmax_point"])
            let h = l / 64
            #expect(abs(bounds[0]) < 1e-9 && abs(bounds[1] - (l - h)) < 1e-9 && abs(bounds[3] - (l - h)) < 1e-9, "bounds \(bounds)")
            #expect(abs(peak[0]) < 1e-9, "the cosine's peak at x = 0: \(peak)")
        }
    }

    /// The Dean–Kawasaki ideal gas (physics.md §7.3: M = 32, h = 1, ρ₀ = 100, T_v = 1, Δt = 0.01, 200 steps) on 1, 2 and
    /// 4 ranks: the noise is a function of (seed, cell, axis, step), so min ρ and max ρ of every row are the same bits
    /// (a rank drawing another face's number, or the shared face below a slab drawn twice differently, changes them),
    /// and the mass and free energy agree to 1e-12 (sums in other orders); the mass is kept to 1e-12.
    @Test func deanKawasakiIsRankIndependent() throws {
        let dir = try Scratch.url("dean-dk")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("dk.toml")
        try """
            [grid]
            points = 32
            box = 32.0
            [potential]
            kind = "ideal"
            [dynamics]
            dt = 0.01
            steps = 200
            temperature = 1.0
            stochastic = true
            seed = 9
            [initial]
            kind = "noise"
            mean = 100.0
            amplitude = 10.0
            [output]
            thermo_every = 50
            """.write(to: file, atomically: true, encoding: .utf8)
        var tables: [[[Double]]] = []
        for ranks in [1, 2, 4] {
            let out = dir.appendingPathComponent("r\(ranks)")
            let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path, "--quiet"], ranks: ranks, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(ranks) ranks: \(run.stdout)\(run.stderr)")
            let lines = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            tables.append(lines.map { $0.split(separator: ",").map { Double($0)! } })
        }
        #expect(tables[0].count == 5)
        for row in tables[0] { #expect(abs(row[2] - tables[0][0][2]) <= 1e-12 * row[2], "mass \(row[2])") }
        for other in tables.dropFirst() {
            for (a, b) in zip(tables[0], other) {
                #expect(a[3] == b[3] && a[4] == b[4], "min and max ρ: \(a) vs \(b)")
                #expect(abs(a[2] - b[2]) <= 1e-12 * a[2] && abs(a[5] - b[5]) <= 1e-12 * abs(a[5]), "\(a) vs \(b)")
            }
        }
    }

    /// The field budget (physics.md §5.3) of a forced GEM-4 Dean field (L = 8, M = 64, T_v = 0.1, ρ = 2 + 0.2·noise,
    /// Kolmogorov force 0.5 sin(2πy/L) e_x) at ℓ = 0.5 and 1, every step for 4 steps of Δt = 1e-4, on 1 and 2 ranks:
    /// - the §5.3 closure of every row within 1e-10 (the split against the Dean current; a current missing its force
    ///   or its diffusion, or a piece with the wrong sign, leaves O(1));
    /// - W, Q^flux, Q^th, N^e and N^{flux,e} all present (each xy mean non-zero: the closure tests them);
    /// - the budget's rate is the field's own: the change of ⟨σ̲_ℓ,xy⟩ between rows over Δt agrees with the trapezoid of
    ///   the rows' d⟨σ̲⟩/dt within 5e-3 of its size, and within 2e-4 over the last step (measured at ℓ = 0.5: 1.6e-3 over
    ///   the first step, SBDF1's first-order start, halving with Δt, then 5.3e-4, 1.8e-4, 5.4e-5 as SBDF2's start-up mode
    ///   decays by 3 per step; ℓ = 1: 8e-5 and less); a rate of the wrong sign or time scale would miss by O(1);
    /// - `fine.csv`, the fine-grained balance (physics.md §5.5) of the same states, closes within 1e-10 (4e-15 measured),
    ///   and the coarse sources' box means W_ℓ + Q^flux_ℓ + Q^th_ℓ + N^e_ℓ + N^{flux,e}_ℓ approach its W^ni + Q^thermal + F^e
    ///   as ℓ → 0 (paper Eq. 47; physics.md §5.6): the gap shrinks from ℓ = 1 to 0.5 to 0.25, by more than 2 over the last
    ///   halving (O(ℓ²): measured 2.9–4.4). A source missing or of the wrong sign leaves a gap that does not shrink;
    /// - 2 ranks agree with 1 to 1e-9 relative per column;
    /// - tools/plot.py draws the run's dean.png, dean-fields.png and dean-budget.png.
    @Test func fieldBudgetClosesAndFollowsTheField() throws {
        let dir = try Scratch.url("dean-budget")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("budget.toml")
        try """
            [grid]
            points = 64
            box = 8.0
            [potential]
            kind = "gem4"
            [dynamics]
            dt = 1e-4
            steps = 4
            temperature = 0.1
            [initial]
            kind = "noise"
            mean = 2.0
            amplitude = 0.2
            [forcing]
            amplitude = 0.5
            [analysis]
            scales = [0.25, 0.5, 1.0]
            [output]
            thermo_every = 1
            """.write(to: file, atomically: true, encoding: .utf8)
        var tables: [[[Double]]] = []
        var names: [String] = []
        for ranks in [1, 2] {
            let out = dir.appendingPathComponent("r\(ranks)")
            let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path, "--quiet"], ranks: ranks, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(ranks) ranks: \(run.stdout)\(run.stderr)")
            let lines = try String(contentsOf: out.appendingPathComponent("budget.csv"), encoding: .utf8).split(separator: "\n")
            names = lines[0].split(separator: ",").map { String($0.split(separator: " ")[0]) }
            tables.append(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan } })
        }
        let column = { (name: String) in names.firstIndex(of: name)! }
        let rows = tables[0]
        #expect(rows.count == 15, "5 states × 3 scales: \(rows.count)")
        for row in rows {
            #expect(row[column("residual_rel")] < 1e-10, "ℓ = \(row[column("ell")]): residual \(row[column("residual_rel")])")
            for term in ["W_xy", "Qflux_xy", "Qth_xy", "Ne_xy", "Nfluxe_xy"] { #expect(row[column(term)] != 0, "\(term) is zero") }
        }
        for ell in [0.5, 1.0] {
            let series = rows.filter { $0[column("ell")] == ell }
            for (k, (a, b)) in zip(series, series.dropFirst()).enumerated() {
                let change = (b[column("sigma_xy")] - a[column("sigma_xy")]) / (b[column("time")] - a[column("time")])
                let trapezoid = 0.5 * (a[column("dsigma_dt_xy")] + b[column("dsigma_dt_xy")])
                let tolerance = k == series.count - 2 ? 2e-4 : 5e-3
                #expect(abs(change - trapezoid) <= tolerance * abs(trapezoid), "ℓ = \(ell), step \(k + 1): Δσ̲/Δt = \(change) against the rate \(trapezoid)")
            }
        }
        for (a, b) in zip(tables[0], tables[1]) {
            for (k, (x, y)) in zip(a, b).enumerated() where x.isFinite || y.isFinite {
                #expect(abs(x - y) <= 1e-9 * max(abs(x), 1e-12), "\(names[k]): \(x) vs \(y)")
            }
        }
        let fineLines = try String(contentsOf: dir.appendingPathComponent("r1/fine.csv"), encoding: .utf8).split(separator: "\n")
        let fineNames = fineLines[0].split(separator: ",").map { String($0.split(separator: " ")[0]) }
        let fine = fineLines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        #expect(fine.count == 5, "one fine-grained row per state")
        for (state, row) in fine.enumerated() {
            #expect(row[fineNames.firstIndex(of: "residual_rel")!] < 1e-10, "fine-grained residual \(row)")
            for c in ["xx", "yy", "xy"] {
                let limit = ["W", "Qth", "Fe"].reduce(0.0) { $0 + row[fineNames.firstIndex(of: "\($1)_\(c)")!] }
                let gaps = [0.25, 0.5, 1.0].map { ell in
                    let coarse = rows.filter { $0[column("ell")] == ell }[state]
                    return abs(["W", "Qflux", "Qth", "Ne", "Nfluxe"].reduce(0.0) { $0 + coarse[column("\($1)_\(c)")] } - limit)
                }
                #expect(gaps[0] < gaps[1] && gaps[1] < gaps[2] && gaps[1] > 2 * gaps[0], "state \(state), \(c): |coarse − fine| at ℓ = 0.25, 0.5, 1: \(gaps)")
            }
        }
        try StudyIntegrationTests.plots(of: dir.appendingPathComponent("r1"), expect: ["plots/dean.png", "plots/dean-fields.png", "plots/dean-budget.png"])
    }

    /// `--restart` continues bit for bit on 2 ranks: a run of 40 steps stopped at 20 (its checkpoint) and continued to 40
    /// writes the same `dean.csv` (and `budget.csv`) as the run of 40 in one go — deterministic SBDF2 (its history
    /// ρ̂^{n−1}, N̂^{n−1} and Δt kept: without them the first step after the restart is SBDF1 and the rows differ) and
    /// Dean–Kawasaki with a weak GEM-4 (the noise's step counter kept). A deterministic state offered to another rank
    /// count is refused in one line naming --restart (its spectral layout is the writer's).
    @Test(arguments: [false, true])
    func restartIsBitwise(stochastic: Bool) throws {
        let dir = try Scratch.url("dean-restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = stochastic
            ? "[grid]\npoints = 32\nbox = 32.0\n[potential]\nepsilon = 0.001\n[dynamics]\ndt = 0.01\ntemperature = 1.0\nstochastic = true\n"
                + "[initial]\nmean = 100.0\namplitude = 10.0\n"
            : "[grid]\npoints = 64\nbox = 8.0\n[dynamics]\ndt = 2e-3\n[analysis]\nscales = [1.0]\n[initial]\namplitude = 0.2\n"
        func run(_ steps: Int, _ name: String, ranks: Int, restart: Bool = false) throws -> MPIRun {
            let file = dir.appendingPathComponent("\(name)-\(steps).toml")
            try (base + "[output]\nthermo_every = 5\ncheckpoint_every = 20\n")
                .replacingOccurrences(of: "[dynamics]\n", with: "[dynamics]\nsteps = \(steps)\n").write(to: file, atomically: true, encoding: .utf8)
            return try MPIRun.stressflux(["dean", file.path, "--output", dir.appendingPathComponent(name).path, "--quiet"] + (restart ? ["--restart"] : []),
                                         ranks: ranks, timeout: 120, directory: dir)
        }
        for (run, label) in [(try run(40, "whole", ranks: 2), "whole"), (try run(20, "parts", ranks: 2), "first part"),
                             (try run(40, "parts", ranks: 2, restart: true), "restart")] {
            #expect(run.exitCode == 0 && !run.timedOut, "\(label): \(run.stdout)\(run.stderr)")
        }
        for table in stochastic ? ["dean.csv"] : ["dean.csv", "budget.csv"] {
            let whole = try String(contentsOf: dir.appendingPathComponent("whole/\(table)"), encoding: .utf8)
            let parts = try String(contentsOf: dir.appendingPathComponent("parts/\(table)"), encoding: .utf8)
            #expect(whole == parts && whole.split(separator: "\n").count == 10, "\(table) differs after the restart:\n\(whole)\n\(parts)")
        }
        if !stochastic {
            let other = try run(40, "parts", ranks: 1, restart: true)
            let errors = other.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
            #expect(other.exitCode != 0 && errors.count == 1 && errors[0].contains("--restart"), "\(other.stderr)")
        }
    }

    /// D3 (physics.md §7.3), the Dean–Kawasaki ideal gas through `stressflux dean`: M = 32 (2D, 2 ranks) or 12 (3D, 1
    /// rank), h = 1, ρ₀ = 100, T_v = 1, Δt = 0.01, white initial noise of the stationary variance ρ₀/h^d, 6000 steps, the
    /// spatial variance (`rho_variance`) every 50. Euler–Maruyama's stationary variance is Var = M^{−d} Σ_{k≠0}
    /// (ρ₀/h^d)/(1 − T_vΔtλ_k/2), λ_k = (4/h²) Σ_α sin²(k_α h/2) (physics.md: measured 102.0 against 101.95 in 2D): the
    /// mean over the samples within 4 standard deviations sd = ⟨Var⟩ sqrt(2/M^d)/sqrt(n/2) (the samples are correlated
    /// over about two spacings); the mass within 1e-12. A noise amplitude off by √2 (2T_v → T_v) halves Var, far beyond
    /// 4 sd (2.3 in 2D).
    @Test(arguments: [2, 3])
    func idealGasVarianceD3(dimension d: Int) throws {
        let dir = try Scratch.url("dean-d3")
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = d == 2 ? 32 : 12, rho0 = 100.0, dt = 0.01
        let file = dir.appendingPathComponent("d3.toml")
        try """
            [grid]
            dimension = \(d)
            points = \(m)
            box = \(Double(m))
            [potential]
            kind = "ideal"
            [dynamics]
            dt = \(dt)
            steps = 6000
            temperature = 1.0
            stochastic = true
            seed = 5
            [initial]
            kind = "white"
            mean = \(rho0)
            amplitude = \(rho0.squareRoot())
            [output]
            thermo_every = 50
            checkpoint_every = 0
            """.write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path, "--quiet"], ranks: d == 2 ? 2 : 1, timeout: 300, directory: dir)
        try #require(run.exitCode == 0 && !run.timedOut, "\(run.stdout)\(run.stderr)")
        let rows = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map { Double($0)! } }
        let samples = rows.dropFirst().map { $0[6] }, cells = pow(Double(m), Double(d))
        var predicted = 0.0
        for index in 1..<Int(cells) {
            var lambda = 0.0, rest = index
            for _ in 0..<d {
                lambda += 4 * pow(sin(Double.pi * Double(rest % m) / Double(m)), 2)
                rest /= m
            }
            predicted += rho0 / (1 - dt * lambda / 2)
        }
        predicted /= cells
        let mean = samples.reduce(0, +) / Double(samples.count)
        let sd = mean * (2 / cells).squareRoot() / (Double(samples.count) / 2).squareRoot()
        #expect(samples.count == 120 && abs(mean - predicted) < 4 * sd, "\(d)D: ⟨Var⟩ = \(mean) against \(predicted) ± \(sd) (\(samples.count) samples)")
        #expect(abs(rows.last![2] - rows[0][2]) <= 1e-12 * rows[0][2], "mass \(rows[0][2]) → \(rows.last![2])")
    }

    /// The particles against the NDE (issue 20 item 5), forced: 256 bidisperse harmonic disks (d = 1, 1.4) at φ = 0.5
    /// placed at random (overlapping), a `run` of 40 steps at T_v = 0 under f^e = 0.5 sin(2πy/L) e_x with snapshots every 20,
    /// and `stressflux dean` from ρ̄_ℓ₀,A and ρ̄_ℓ₀,B of the same placement (ℓ₀ = 1, 64², the same forcing, the two species
    /// with V_ab of σ_ab = (d_a + d_b)/2) on 1, 2 and 4 ranks:
    /// - the initial densities hold the 128 + 128 particles (the deposition's mass, to 1e-9);
    /// - at t = 0 the two ρ̄_ℓ agree to 1e-10 at ℓ = 1, 2, 4: the NDE's is filtered by √(ℓ² − ℓ₀²), and filtering by ℓ
    ///   instead leaves ‖G_ℓ*ρ̄_ℓ₀ − ρ̄_ℓ‖ ≈ 10 % of the structure;
    /// - at t = 0.4 the NDE's distance to the particles at ℓ = 4 is below half the particles' own change (0.14 of it at
    ///   N = 1024, t = 2): the forcing carries both alike. The Dean force with the other sign gives 1.8;
    /// - the rows agree across rank counts to 1e-9 (sums in other orders), and `summary.json` counts 3 snapshots, none missed;
    /// - tools/plot.py draws dean-compare.png.
    @Test func particlesAgainstTheNDE() throws {
        let dir = try Scratch.url("dean-compare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let forcing = "[forcing]\namplitude = 0.5\nmode = 1\n"
        let prep = dir.appendingPathComponent("prep.toml"), particles = dir.appendingPathComponent("particles.toml")
        try """
            [system]
            particles = 256
            packing_fraction = 0.5
            mixture = "bidisperse"
            seed = 3
            [minimize]
            enabled = false
            [dynamics]
            dt = 1e-9
            steps = 1
            temperature = 0
            """.write(to: prep, atomically: true, encoding: .utf8)
        let start = dir.appendingPathComponent("prep/final.h5").path, trajectory = dir.appendingPathComponent("particles").path
        try """
            [system]
            input = "\(start)"
            mixture = "bidisperse"
            [minimize]
            enabled = false
            [dynamics]
            dt = 0.01
            steps = 40
            temperature = 0
            [output]
            snapshot_every = 20
            \(forcing)
            """.write(to: particles, atomically: true, encoding: .utf8)
        for (config, out) in [(prep, "prep"), (particles, "particles")] {
            let run = try MPIRun.stressflux(["run", config.path, "--output", dir.appendingPathComponent(out).path, "--quiet"], ranks: 2, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(out): \(run.stdout)\(run.stderr)")
        }
        let dean = dir.appendingPathComponent("dean.toml")
        try """
            [grid]
            points = 64
            [potential]
            kind = "harmonic"
            [dynamics]
            dt = 0.01
            steps = 40
            temperature = 0
            [initial]
            kind = "particles"
            file = "\(start)"
            scale = 1.0
            [compare]
            trajectory = "\(trajectory)"
            [output]
            thermo_every = 20
            \(forcing)
            """.write(to: dean, atomically: true, encoding: .utf8)
        var tables: [[[Double]]] = []
        for ranks in [1, 2, 4] {
            let out = dir.appendingPathComponent("dean-\(ranks)")
            let run = try MPIRun.stressflux(["dean", dean.path, "--output", out.path, "--quiet"], ranks: ranks, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(ranks) ranks: \(run.stdout)\(run.stderr)")
            let first = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8).split(separator: "\n")[1].split(separator: ",")
            #expect(abs(Double(first[2])! - 256) < 1e-9 && abs(Double(first[8])! - 128) < 1e-9 && abs(Double(first[9])! - 128) < 1e-9,
                    "initial masses \(first)")
            let lines = try String(contentsOf: out.appendingPathComponent("compare.csv"), encoding: .utf8).split(separator: "\n")
            let header = lines[0].split(separator: ",").map { String($0.split(separator: " ")[0]) }
            #expect(["rho_distance_rel", "rho_distance_rel_change", "Qflux_xy_dean", "Qflux_xy_particles"].allSatisfy(header.contains), "\(header)")
            let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().map { Double($0) ?? .nan } }
            let column = { (name: String) in header.firstIndex(of: name)! }
            #expect(rows.map { $0[0] } == [0, 0, 0, 20, 20, 20, 40, 40, 40] && rows.map { $0[column("ell")] } == Array(repeating: [1.0, 2, 4], count: 3).flatMap { $0 })
            for row in rows.prefix(3) { #expect(row[column("rho_distance_rel")] < 1e-10, "t = 0, ell = \(row[column("ell")]): \(row)") }
            let last = rows.last![column("rho_distance_rel_change")]
            #expect(last < 0.5, "ell = 4, t = 0.4: distance / change = \(last)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any] ?? [:]
            #expect(summary["comparedSnapshots"] as? Int == 3 && summary["missedSnapshots"] as? Int == 0, "\(summary)")
            tables.append(rows)
        }
        for other in tables.dropFirst() {
            for (a, b) in zip(tables[0].joined(), other.joined()) where a.isFinite || b.isFinite {
                #expect(abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-15, "\(a) vs \(b)")
            }
        }
        try StudyIntegrationTests.plots(of: dir.appendingPathComponent("dean-2"), expect: ["plots/dean-compare.png"])
    }

    /// `[initial] kind = "file"`: a run on 2 ranks started from `fields-20.h5` of a run on 1 rank starts from its density:
    /// the first row's min, max and variance equal the other run's row at step 20 to 1e-12 (the spectral round trip of
    /// the start rounds). The grid is 32 × 16, so swapped axes are refused, and a rank reading another's planes changes
    /// the variance at the field's own scale.
    @Test func initialDensityFromAFieldsFile() throws {
        let dir = try Scratch.url("dean-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("first.toml"), second = dir.appendingPathComponent("second.toml")
        try "[grid]\npoints = [32, 16]\nbox = [8.0, 4.0]\n[dynamics]\ndt = 2e-3\nsteps = 20\n[initial]\namplitude = 0.5\n[output]\nthermo_every = 20\nfields_every = 20\n"
            .write(to: first, atomically: true, encoding: .utf8)
        try "[grid]\npoints = [32, 16]\nbox = [8.0, 4.0]\n[dynamics]\ndt = 2e-3\nsteps = 1\n[initial]\nkind = \"file\"\nfile = \"\(dir.path)/first/fields-20.h5\"\n"
            .write(to: second, atomically: true, encoding: .utf8)
        var rows: [[Substring]] = []
        for (config, ranks) in [(first, 1), (second, 2)] {
            let out = dir.appendingPathComponent((config.lastPathComponent as NSString).deletingPathExtension)
            let run = try MPIRun.stressflux(["dean", config.path, "--output", out.path, "--quiet"], ranks: ranks, timeout: 60, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(run.stdout)\(run.stderr)")
            let lines = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8).split(separator: "\n")
            rows.append(lines[config == first ? 2 : 1].split(separator: ","))
        }
        for column in [3, 4, 6] {
            let a = Double(rows[0][column])!, b = Double(rows[1][column])!
            #expect(abs(a - b) <= 1e-12 * abs(a), "column \(column): \(a) vs \(b)")
        }
    }

    /// `[dynamics] adaptive` on the GEM-4 clustering of the example (128², L = 8, ρ₀ = 4, T_v = 0.5, noise 0.01, to t = 7):
    /// with steps of at most 0.01 the Courant bound (0.5 cells per step of the explicit velocity) shortens them as the
    /// clusters form (measured down to 8.9e-4), the run lands on t = 7, keeps the mass to 1e-12 and min ρ above −0.01, and
    /// its ρ variance at t = 7 is the fixed-step reference's (Δt = 1e-3, 7000 steps) within 1e-3 (measured 3e-4, in 1028
    /// steps); fixed steps of 0.02 ring to min ρ below −0.1 (measured −0.47): the bound is what keeps it sound.
    @Test func adaptiveStepFollowsTheClusters() throws {
        let dir = try Scratch.url("dean-adaptive")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = "[grid]\npoints = 128\nbox = 8.0\n[potential]\nkind = \"gem4\"\n[initial]\nmean = 4.0\namplitude = 0.01\n"
            + "[output]\nthermo_every = 500\ncheckpoint_every = 0\n[dynamics]\ntime = 7.0\ntemperature = 0.5\n"
        var last: [String: [Double]] = [:], summaries: [String: [String: Any]] = [:]
        for (name, dynamics) in [("adaptive", "dt = 0.01\nadaptive = true\n"), ("reference", "dt = 1e-3\n"), ("fixed", "dt = 0.02\n")] {
            let file = dir.appendingPathComponent("\(name).toml"), out = dir.appendingPathComponent(name)
            try (base + dynamics).write(to: file, atomically: true, encoding: .utf8)
            let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path, "--quiet"], ranks: 2, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(name): \(run.stdout)\(run.stderr)")
            let rows = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan } }
            #expect(abs(rows.last![2] - rows[0][2]) <= 1e-12 * rows[0][2], "\(name): mass \(rows[0][2]) → \(rows.last![2])")
            last[name] = rows.last!
            summaries[name] = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any] ?? [:]
        }
        let adaptive = last["adaptive"]!, reference = last["reference"]!
        let smallest = summaries["adaptive"]?["smallestTimeStep"] as? Double ?? .nan, largest = summaries["adaptive"]?["largestTimeStep"] as? Double ?? .nan
        #expect(adaptive[1] == 7.0 && smallest < 0.002 && largest == 0.01, "time \(adaptive[1]), steps \(smallest)…\(largest)")
        #expect(adaptive[3] > -0.01 && abs(adaptive[6] - reference[6]) < 1e-3 * reference[6], "adaptive \(adaptive) against \(reference)")
        #expect(last["fixed"]![3] < -0.1, "fixed steps of 0.02: min rho \(last["fixed"]![3])")
    }

    /// `[species]`: two species of equal diameter, half the density each, are the one species (the equation summed over
    /// species is the one-species equation): every row of `dean.csv` agrees to 1e-12 except the free energy, lower by the
    /// mixing entropy T_v ln 2 ∫ρ (to 1e-9), with mass_A = mass_B = M/2; a coupling V_ab dropped between species changes
    /// the rows at O(1). Two species of diameters 1 and 1.4 (GEM-4 σ_ab) close the §5.3 budget and the §5.5 balance with
    /// their species sums within 1e-10, and the fields file holds rho, rho_A and rho_B.
    @Test func twoSpeciesSumToOne() throws {
        let dir = try Scratch.url("dean-species")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = "[grid]\npoints = 64\nbox = 8.0\n[potential]\nkind = \"gem4\"\n[dynamics]\ndt = 2e-3\nsteps = 100\ntemperature = 0.1\n"
            + "[initial]\nkind = \"mode\"\nmean = 2.0\namplitude = 0.3\nwavevector = [3, 2]\n[forcing]\namplitude = 0.5\n[output]\nthermo_every = 50\n"
        var tables: [String: [[Double]]] = [:]
        for (name, extra) in [("one", ""), ("two", "[species]\nnames = [\"A\", \"B\"]\ndiameters = [1.0, 1.0]\n"),
                              ("mixed", "[species]\nnames = [\"A\", \"B\"]\ndiameters = [1.0, 1.4]\nfractions = [0.6, 0.4]\n[analysis]\nscales = [0.5]\n")] {
            let file = dir.appendingPathComponent("\(name).toml"), out = dir.appendingPathComponent(name)
            try (base + extra).write(to: file, atomically: true, encoding: .utf8)
            let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path, "--quiet"], ranks: 2, timeout: 120, directory: dir)
            try #require(run.exitCode == 0 && !run.timedOut, "\(name): \(run.stdout)\(run.stderr)")
            tables[name] = try String(contentsOf: out.appendingPathComponent("dean.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",").map { Double($0)! } }
        }
        for (a, b) in zip(tables["one"]!, tables["two"]!) {
            for k in [2, 3, 4, 6] { #expect(abs(a[k] - b[k]) <= 1e-12 * abs(a[k]), "column \(k): \(a[k]) vs \(b[k])") }
            let entropy = 0.1 * log(2.0) * a[2]
            #expect(abs(a[5] - b[5] - entropy) <= 1e-9 * abs(a[5]), "F \(a[5]) − \(b[5]) against T_v ln2 M = \(entropy)")
            #expect(abs(b[8] - a[2] / 2) <= 1e-12 * a[2] && abs(b[9] - a[2] / 2) <= 1e-12 * a[2], "mass_A, mass_B \(b[8]), \(b[9])")
        }
        let mixed = dir.appendingPathComponent("mixed")
        for (table, column) in [("budget.csv", "residual_rel"), ("fine.csv", "residual_rel")] {
            let lines = try String(contentsOf: mixed.appendingPathComponent(table), encoding: .utf8).split(separator: "\n")
            let index = lines[0].split(separator: ",").map { String($0.split(separator: " ")[0]) }.firstIndex(of: column)!
            for line in lines.dropFirst() {
                let value = Double(line.split(separator: ",", omittingEmptySubsequences: false)[index])!
                #expect(value < 1e-10, "\(table): \(column) \(value)")
            }
        }
        let fields = try HDF5File.openForReading(path: mixed.appendingPathComponent("fields-100.h5").path)
        #expect(["/rho", "/rho_A", "/rho_B"].allSatisfy(fields.contains), "rho, rho_A and rho_B in the fields file")
    }

    /// Bad input: one line naming the key, a non-zero exit on every rank, nothing written; `stressflux validate` names it too
    /// (all but the missing file, which the run finds).
    @Test(arguments: [
        ("[dynamics]\ndt = 0\n", "[dynamics] dt"),
        ("[grid]\npoints = [16, 2]\n", "[grid] points"),
        ("[initial]\nmean = 1.0\namplitude = 1.5\n", "[initial] amplitude"),
        ("[potential]\nkind = \"lj\"\n", "[potential] kind"),
        ("[dynamics]\ntemperature = -1\n", "[dynamics] temperature"),
        ("[dynamics]\nstochastic = true\n[grid]\npoints = [64, 32]\n", "[grid] points"),
        ("[initial]\nkind = \"particles\"\n", "[initial] file"),
        ("[initial]\nkind = \"file\"\nfile = \"/nonexistent/rho.h5\"\n", "[initial] file"),
        ("[compare]\ntrajectory = \"/tmp\"\n", "[compare] trajectory"),
        ("[dynamics]\nadaptive = true\nstochastic = true\n[grid]\nbox = 64.0\n", "[dynamics] adaptive"),
        ("[species]\nnames = [\"A\", \"B\"]\ndiameters = [1.0]\n", "[species] diameters"),
    ])
    func badInputIsOneLine(config: String, key: String) throws {
        let dir = try Scratch.url("dean-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.toml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let run = try MPIRun.stressflux(["dean", file.path, "--output", out.path], ranks: 4, timeout: 60, directory: dir)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(run.exitCode != 0 && errors.count == 1 && errors[0].contains(key), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("dean.csv").path), "nothing written")
        guard !config.contains("/nonexistent/") else { return }  // a missing input is the run's to find, as for `run`
        let check = try MPIRun.stressflux(["validate", file.path], ranks: 1, timeout: 60, directory: dir)
        #expect(check.exitCode != 0 && check.stderr.contains(key), "validate: \(check.stderr)")
    }
}
