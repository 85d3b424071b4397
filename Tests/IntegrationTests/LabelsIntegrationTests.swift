import Foundation
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// Grids too coarse for the budget and labels that once misled (issue "Formats", items 5 and 6).
@Suite(.serialized) struct LabelsIntegrationTests {
    typealias P = ParticleIntegrationTests
    /// LAMMPS's 2D packing, N = 1000, L = 35.938.
    static let input = P.reference.appendingPathComponent("bidisperse-2d.data").path

    /// physics.md §3.6: below ℓ/h = 3 `deposit` and `analyze` refuse the grid with one line naming one with ℓ/h ≥ 5
    /// (`--scale 1 --grid 64`: ℓ/h = 1.78; `--scales 1 --grid 104`: 2.89) and write nothing; `--allow-coarse-grid`
    /// runs and records it; at 3 ≤ ℓ/h < 5 (`--grid 144`: 4.0) one `warning:` line states the residual expected there,
    /// interpolated in the measured table (between 1.4e-8 at 3.52 and 2.4e-10 at 5.28).
    @Test func coarseGridsAreRefusedOrWarned() throws {
        let dir = try Scratch.url("labels")
        defer { try? FileManager.default.removeItem(at: dir) }
        let refused: [([String], String)] = [
            (["deposit", Self.input, "--scale", "1", "--grid", "64", "--output", "deposit"], "ℓ/h = 1.78 < 3.0"),
            (["analyze", Self.input, "--scales", "1", "--grid", "104", "--output", "analysis"], "ℓ/h = 2.89 < 3.0"),
        ]
        for (arguments, message) in refused {
            let run = try MPIRun.stressflux(arguments, ranks: 2, timeout: 60, directory: dir)
            #expect(run.exitCode != 0 && run.errorLines.count == 1, "\(arguments): \(run.stdout)\(run.stderr)")
            let line = run.errorLines.first ?? ""
            #expect(line.contains(message) && line.contains("--grid 180x180") && line.contains("--allow-coarse-grid"), "\(line)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(arguments.last!)/\(arguments[0] == "deposit" ? "deposit" : "summary").json").path))
        }
        let allowed = try MPIRun.stressflux(["deposit", Self.input, "--scale", "1", "--grid", "64", "--allow-coarse-grid", "--fft-effort", "estimate",
                                             "--output", "deposit"], ranks: 2, timeout: 60, directory: dir)
        #expect(allowed.exitCode == 0, "\(allowed.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("deposit/deposit.json"))) as! [String: Any]
        #expect(report["allow_coarse_grid"] as? Bool == true && abs((report["resolution"] as? Double ?? 0) - 1.781) < 1e-3)
        let file = try HDF5File.openForReading(path: dir.appendingPathComponent("deposit/density.h5").path)
        #expect(file.readNumericAttribute("allow_coarse_grid") == [1] && file.readNumericAttribute("scale") == [1])

        let warned = try MPIRun.stressflux(["analyze", Self.input, "--scales", "1", "--grid", "144", "--route", "averages", "--output", "analysis"],
                                           ranks: 2, timeout: 60, directory: dir)
        let warnings = (warned.stdout + warned.stderr).split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warned.exitCode == 0 && warnings.count == 1, "\(warned.stdout)\(warned.stderr)")
        let expected = ResolutionFloor.expectedResidual(resolution: 144 / 35.9380529032361)
        #expect(expected > 2.4e-10 && expected < 1.4e-8)
        #expect(warnings.first?.contains("ℓ/h = 4.01 < 5.0: expect a budget residual near \(String(format: "%.0e", expected))") == true, "\(warnings)")
    }

    /// Labels: thermo.csv's max_overlap says it is 1 − r/σ_ij; an AQS run leaves thermo.csv's time empty (its steps are
    /// strain steps) and writes events.csv's `delta_energy_per_particle` = `delta_energy`/N beside the total; budget.csv
    /// and summary.json state V0 and l0²/(μV0), never ε or τ0, and summary.json records the strain.
    @Test func labelsSayWhatTheyHold() throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prepared = try P.run(P.config(particles: 400, steps: 0, minimize: true), in: dir, name: "prep", ranks: 1)
        let out = try P.run(P.config(input: prepared.appendingPathComponent("minimized.h5").path, particles: 400, steps: 0, minimize: false,
                                     extra: "[aqs]\nstep = 1e-3\nmax_strain = 0.05"), in: dir, name: "aqs", ranks: 2)
        let thermo = try String(contentsOf: out.appendingPathComponent("thermo.csv"), encoding: .utf8).split(separator: "\n")
        let header = thermo[0].split(separator: ",").map(String.init)
        #expect(header.contains("max_overlap [1 - r/sigma_ij]"), "\(header)")
        #expect(thermo.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false)[1].isEmpty }, "AQS time column empty")
        let events = try String(contentsOf: out.appendingPathComponent("events.csv"), encoding: .utf8).split(separator: "\n")
        let columns = events[0].split(separator: ",").map(String.init)
        let total = try #require(columns.firstIndex(of: "delta_energy [V0]")), perParticle = try #require(columns.firstIndex(of: "delta_energy_per_particle [V0]"))
        #expect(events.count > 1, "plastic events up to γ = 0.05")
        for line in events.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(abs(Double(fields[perParticle])! - Double(fields[total])! / 400) <= 1e-15 * abs(Double(fields[total])!))
        }
        let analysis = try MPIRun.stressflux(["analyze", out.appendingPathComponent("final.h5").path, "--scales", "1", "--points-per-ell", "5",
                                              "--route", "averages", "--output", "analysis"], ranks: 2, timeout: 60, directory: dir)
        #expect(analysis.exitCode == 0, "\(analysis.stderr)")
        let budget = try String(contentsOf: dir.appendingPathComponent("analysis/budget.csv"), encoding: .utf8)
        let summary = try String(contentsOf: dir.appendingPathComponent("analysis/summary.json"), encoding: .utf8)
        for text in [budget, summary] { #expect(!text.contains("epsilon") && !text.contains("tau0") && text.contains("V0")) }
        let report = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as! [String: Any]
        let strain = try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path).strain
        #expect(abs((report["strain"] as? Double ?? .nan) - strain) <= 1e-15 && strain > 0.04)
    }
}
