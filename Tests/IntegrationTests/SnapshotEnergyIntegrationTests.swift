import Foundation
@testable import Study
import TestSupport
import Testing

/// Every particle file a run writes holds the configuration its logs describe: `stressflux evaluate` of
/// `minimized.h5`, each `snapshot-<step>.h5`, `final.h5`, `final.gsd` and `final.data` gives the energy per
/// particle that `thermo.csv` records at that step. A sheared Brownian run (Lees–Edwards, γ̇ = 0.05) and an
/// AQS run, 2D and 3D, on 1 and 2 ranks.
///
/// Guards the H5MD writer's wrapping: it once wrapped y without the Lees–Edwards shift of x (physics.md
/// §1.5b), so particles that crossed a y face since the last rebuild were γL_y from where they were (3D,
/// N = 1000, T_v = 1e-3: U/N 3.94e-3 and max overlap 0.78 for 3.32e-3 and 0.15).
@Suite(.serialized) struct SnapshotEnergyIntegrationTests {
    typealias P = ParticleIntegrationTests

    enum Drive: String, CaseIterable, CustomTestStringConvertible {
        case shearRate, aqs
        var testDescription: String { rawValue }
    }

    static func config(dimension: Int, drive: Drive) -> String {
        let system = """
            [system]
            dimension = \(dimension)
            particles = \(dimension == 2 ? 400 : 500)
            packing_fraction = \(dimension == 2 ? 0.9 : 0.7)
            [minimize]
            force_tolerance = 1e-8
            """
        let output = { (thermo: Int, snapshots: Int) in
            "[output]\nthermo_every = \(thermo)\nsnapshot_every = \(snapshots)\nformats = [\"h5md\", \"gsd\", \"lammps\"]"
        }
        switch drive {
        case .shearRate:
            // A wide skin and T_v = 1e-3: lists are rebuilt (and positions wrapped) rarely, so at each write many
            // particles sit beyond a y face with their x not yet shifted.
            return system + "\n[potential]\nskin = 1.0\n[dynamics]\ndt = 0.01\nsteps = 300\ntemperature = 1e-3\n[shear]\nrate = 0.05\n"
                + output(50, 100)
        case .aqs:
            return system + "\n[aqs]\nstep = 1e-3\nmax_strain = 0.006\n" + output(1, 3)
        }
    }

    /// Tolerances: 1e-12 relative for H5MD and LAMMPS data (float64 positions; the sums differ only in order);
    /// 1e-4 for GSD, whose HOOMD schema stores positions as float32: a rounding δx ~ 6e-8 L of a contact of
    /// overlap δ moves its energy by ~2δx/δ (L ≈ 10–20, δ ~ 0.05: ~5e-5 at worst; measured 1.6e-6 in 3D).
    @Test(arguments: [2, 3], Drive.allCases)
    func evaluateOfEveryFileGivesTheLoggedEnergy(dimension: Int, drive: Drive) throws {
        for ranks in [1, 2] { try check(dimension: dimension, drive: drive, ranks: ranks) }
    }

    func check(dimension: Int, drive: Drive, ranks: Int) throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try P.run(Self.config(dimension: dimension, drive: drive), in: dir, name: "run", ranks: ranks)
        let thermo = try AQSIntegrationTests.table(out.appendingPathComponent("thermo.csv"))
        let energies = Dictionary(uniqueKeysWithValues: thermo.map { (Int($0[0])!, Double($0[2])!) })
        let last = energies.keys.max()!
        var files: [(name: String, step: Int, tolerance: Double)] = [
            ("minimized.h5", 0, 1e-12), ("final.h5", last, 1e-12), ("final.data", last, 1e-12), ("final.gsd", last, 1e-4),
        ]
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        for name in names where name.hasPrefix("snapshot-") {
            files.append((name, Int(name.dropFirst(9).dropLast(3))!, 1e-12))
        }
        #expect(files.count >= 6, "periodic snapshots written: \(names.sorted())")
        for file in files {
            let expected = try #require(energies[file.step], "thermo.csv has step \(file.step) for \(file.name)")
            let run = try MPIRun.stressflux(["evaluate", out.appendingPathComponent(file.name).path, "--dimension", "\(dimension)",
                                             "--output", "evaluate-\(file.name)"], ranks: 1, timeout: 60, directory: dir)
            #expect(run.exitCode == 0, "\(file.name): \(run.stdout)\(run.stderr)")
            let report = try JSONSerialization.jsonObject(
                with: Data(contentsOf: dir.appendingPathComponent("evaluate-\(file.name)/thermo.json"))) as! [String: Any]
            let energy = (report["potential_energy"] as! Double) / Double(report["N"] as! Int)
            #expect(abs(energy - expected) <= file.tolerance * expected,
                    "\(ranks) ranks, \(file.name) (step \(file.step)): U/N = \(energy), thermo.csv \(expected)")
        }
    }
}
