import Foundation
@testable import Formats
import Particles
import TestSupport
import Testing

/// Our files opened in the tools their users use (scripts/readers, in .venv and Debian's pvpython, installed by
/// `make test`'s scripts/python-env.sh): every reader must find the configuration the run wrote. A reader that could
/// not be installed is skipped with the reason python-env.sh recorded.
@Suite(.serialized) struct ReaderIntegrationTests {
    typealias P = ParticleIntegrationTests
    static let scripts = MPIRun.packageRoot.appendingPathComponent("scripts/readers")

    static var python: String {
        ProcessInfo.processInfo.environment["STRESSFLUX_PYTHON"] ?? MPIRun.packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// Readers scripts/python-env.sh could not install, with why.
    static var skipped: [String: String] {
        let path = MPIRun.packageRoot.appendingPathComponent(".venv/readers-skipped.tsv").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return Dictionary(text.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { a, _ in a })
    }

    /// The JSON a reader script prints, or nil (with the reason printed) when the reader is not installed.
    static func read(_ reader: String, _ script: String, _ arguments: [String], in dir: URL) throws -> [String: Any]? {
        if let why = skipped[reader] {
            print("skipped \(reader): \(why)")
            return nil
        }
        let command = reader == "paraview"
            ? ["pvpython", "--no-mpi", "--force-offscreen-rendering", scripts.appendingPathComponent(script).path] + arguments
            : [python, scripts.appendingPathComponent(script).path] + arguments
        let run = try Subprocess.run(command, directory: dir, environment: MPIRun.cleanEnvironment, timeout: 180)
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                "\(reader) \(arguments): \(run.stdout)\(run.stderr)")
        #expect(json["error"] == nil, "\(reader) \(script) \(arguments): \(json["error"] ?? "")")
        return json["error"] == nil ? json : nil
    }

    static func numbers(_ value: Any?) -> [Double] {
        ((value as? [Any]) ?? []).flatMap { item -> [Double] in
            if let row = item as? [Any] { return numbers(row) }
            return [(item as? NSNumber)?.doubleValue ?? .nan]
        }
    }

    /// The largest distance between another reader's positions (N × 3, in its cell) shifted by `origin` and ours, each
    /// difference taken to its nearest image in the Lees–Edwards lattice of `ours` (a₂ = (γ L_y, L_y, 0)): readers
    /// may put a particle in another periodic cell, never elsewhere.
    static func largestOffset(_ theirs: [Double], origin: [Double], ours: ParticleSnapshot) -> Double {
        let d = ours.dimension, box = ours.box, tilt = ours.strain * box[1]
        var largest = 0.0
        for i in 0..<ours.count {
            var delta = [Double](repeating: 0, count: 3)
            for a in 0..<3 { delta[a] = theirs[i * 3 + a] - origin[a] - (a < d ? ours.positions[i * d + a] : 0) }
            let ny = (delta[1] / box[1]).rounded()
            delta[1] -= ny * box[1]
            delta[0] -= ny * tilt
            delta[0] -= (delta[0] / box[0]).rounded() * box[0]
            if d == 3 { delta[2] -= (delta[2] / box[2]).rounded() * box[2] }
            largest = max(largest, delta.prefix(d).map(abs).max()!)
        }
        return largest
    }

    /// Sheared Brownian and AQS runs, 2D and 3D, on 1 and 2 ranks, each written as H5MD, GSD and LAMMPS data:
    /// - h5py: N, box lengths, Lees–Edwards strain, positions (to 1e-12 of the box), ids 0..N−1 in row order,
    ///   species and diameters equal our own reader's; `unit` attributes on the box, diameters and virials;
    /// - gsd: N, L_x, L_y and the tilt xy equal to the reduced strain (float32: 1e-6), diameters;
    /// - freud: the contact count equals `stressflux evaluate`'s `contacts` (float64 distances);
    /// - OVITO (.gsd and .data): N, the cell's edge vectors (a₂ tilted by γ' L_y) to 1e-6 of the box, positions
    ///   (``largestOffset``, HOOMD's centred box shifted by −L/2) to 1e-6 of the box (float32 in GSD);
    /// - MDAnalysis (3D .h5, .gsd, .data): N, box lengths, positions as OVITO's (it keeps float32); for H5MD also the
    ///   tilt angle γ of the box matrix;
    /// - LAMMPS (`read_data` + `run 0`): potential energy and virial stress equal evaluate's to 1e-12 relative
    ///   (the same pair sums in another order).
    @Test(arguments: [2, 3], SnapshotEnergyIntegrationTests.Drive.allCases)
    func particleFilesReadRight(dimension: Int, drive: SnapshotEnergyIntegrationTests.Drive) throws {
        for ranks in [1, 2] { try checkParticleFiles(dimension: dimension, drive: drive, ranks: ranks) }
    }

    func checkParticleFiles(dimension: Int, drive: SnapshotEnergyIntegrationTests.Drive, ranks: Int) throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try P.run(SnapshotEnergyIntegrationTests.config(dimension: dimension, drive: drive), in: dir, name: "run", ranks: ranks)
        let ours = try H5MDSnapshot.read(path: out.appendingPathComponent("final.h5").path)
        let evaluated = try MPIRun.stressflux(["evaluate", out.appendingPathComponent("final.data").path, "--dimension", "\(dimension)",
                                               "--output", "evaluate"], ranks: 1, timeout: 60, directory: dir)
        #expect(evaluated.exitCode == 0, "\(evaluated.stderr)")
        let thermo = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("evaluate/thermo.json"))) as! [String: Any]
        let n = ours.count, box = ours.box, reduced = TriclinicShear(box: box, strain: ours.strain).strain
        let file = { (name: String) in out.appendingPathComponent(name).path }

        if let h5 = try Self.read("h5py", "h5py_particles.py", [file("final.h5")], in: dir) {
            // Foundation's JSON parser rounds some decimals to a neighbouring double: compare to 1e-15.
            #expect(h5["N"] as? Int == n && zip(Self.numbers(h5["box_lengths"]), box).allSatisfy { abs($0 - $1) <= 1e-15 * $1 })
            #expect(abs((h5["strain"] as? Double ?? 0) - ours.strain) <= 1e-15)
            let positions = Self.numbers(h5["positions"])
            #expect(positions.count == n * dimension && zip(positions, ours.positions).allSatisfy { abs($0 - $1) <= 1e-12 * box[0] })
            #expect(Self.numbers(h5["ids"]) == (0..<n).map(Double.init), "rows in id order")
            #expect(zip(Self.numbers(h5["diameters"]), ours.diameters).allSatisfy { abs($0 - $1) <= 1e-15 * $1 })
            #expect(Self.numbers(h5["species"]) == ours.species.map(Double.init))
            let units = h5["units"] as? [String: String] ?? [:]
            #expect(units["particles/all/box/edges/value"] == "l0" && units["particles/all/diameter"] == "l0"
                    && units["particles/all/virial/value"] == "V0", "\(units)")
        }
        if let gsd = try Self.read("gsd", "gsd_particles.py", [file("final.gsd")], in: dir) {
            let b = Self.numbers(gsd["box"])
            #expect(gsd["N"] as? Int == n && abs(b[0] - box[0]) <= 1e-6 * box[0] && abs(b[1] - box[1]) <= 1e-6 * box[1])
            #expect(abs(b[3] - reduced) <= 1e-6, "tilt xy \(b[3]) for γ' = \(reduced)")
            #expect(zip(Self.numbers(gsd["diameters"]), ours.diameters).allSatisfy { abs($0 - $1) <= 1e-6 })
        }
        if let freud = try Self.read("freud", "freud_contacts.py", [file("final.gsd")], in: dir) {
            #expect(freud["contacts"] as? Int == thermo["contacts"] as? Int, "freud \(freud["contacts"] ?? "") vs \(thermo["contacts"] ?? "")")
        }
        for name in ["final.gsd", "final.data"] {
            guard let ovito = try Self.read("ovito", "ovito_particles.py", [file(name)], in: dir) else { continue }
            let cell = Self.numbers(ovito["cell"])  // rows x, y, z of the columns a1, a2, a3, origin
            #expect(ovito["N"] as? Int == n, "\(name)")
            #expect(abs(cell[0] - box[0]) <= 1e-6 * box[0] && abs(cell[5] - box[1]) <= 1e-6 * box[1], "\(name): cell \(cell)")
            #expect(abs(cell[1] - reduced * box[1]) <= 1e-6 * box[0], "\(name): tilt \(cell[1]) for γ' L_y = \(reduced * box[1])")
            let shift = name.hasSuffix(".gsd") ? box.map { -$0 / 2 } + (dimension == 2 ? [0] : []) : [0, 0, 0]
            let offset = Self.largestOffset(Self.numbers(ovito["positions"]), origin: shift, ours: ours)
            #expect(offset <= 1e-6 * box[0], "\(name): OVITO's positions differ from ours by up to \(offset)")
        }
        if dimension == 3 {
            for name in ["final.h5", "final.gsd", "final.data"] {
                guard let md = try Self.read("mdanalysis", "mdanalysis_particles.py", [file(name)], in: dir) else { continue }
                let dims = Self.numbers(md["dimensions"])
                #expect(md["N"] as? Int == n && abs(dims[0] - box[0]) <= 1e-5 * box[0] && abs(dims[2] - box[2]) <= 1e-5 * box[2], "\(name): \(dims)")
                let shift = name.hasSuffix(".gsd") ? box.map { -$0 / 2 } : [0, 0, 0]
                let offset = Self.largestOffset(Self.numbers(md["positions"]), origin: shift, ours: ours)
                #expect(offset <= 1e-5 * box[0], "\(name): MDAnalysis's positions differ from ours by up to \(offset)")
                if name != "final.gsd" {  // MDAnalysis's GSD reader takes HOOMD's tilt factors for cosines (its bug)
                    let tilt = name == "final.h5" ? ours.strain : reduced
                    let gamma = atan2(1, tilt) * 180 / .pi
                    #expect(abs(dims[5] - gamma) <= 1e-3, "\(name): γ angle \(dims[5]) for \(gamma)")
                }
            }
        }
        if let lammps = try Self.read("lammps", "lammps_energy.py", [file("final.data"), "--dimension", "\(dimension)"], in: dir) {
            let energy = thermo["potential_energy"] as! Double
            #expect(abs(lammps["potential_energy"] as! Double - energy) <= 1e-12 * energy)
            let theirs = lammps["virial_stress"] as? [String: Double] ?? [:], mine = thermo["virial_stress"] as! [String: Double]
            let scale = mine.values.map(abs).max()!
            for (key, value) in mine { #expect(abs((theirs[key] ?? .nan) - value) <= 1e-12 * scale, "σ_\(key)") }
        }
    }

    /// One particle planted at a known lab position in a box of unequal sides (20 × 10 [× 5]), orthogonal or sheared
    /// (tilt γ = 0.3), deposited (`deposit`, ℓ = 1, h = 0.2) and analysed (`analyze --route averages`, ℓ = 1, ℓ/h = 5)
    /// on 2 ranks:
    /// ParaView (pvpython) finds the maximum of ρ̄ at the particle's lab position within one grid cell (h(1 + γ) along
    /// x, h across), and the grid's bounds are the box's nodes: [0, L − h] per axis, x widened by γ (L_y − h) when sheared.
    /// h5py finds the metadata on both files' roots (units, version, configuration, ranks, box, strain, kernel, ℓ as
    /// numbers) and a quantity and a unit on every dataset.
    @Test(arguments: [2, 3], [0.0, 0.3])
    func fieldFilesShowValuesAtTheirLabPositions(dimension: Int, strain: Double) throws {
        let dir = try P.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let box = [20.0, 10.0, 5.0].prefix(dimension), planted = [15.0, 3.125, 2.0].prefix(dimension), h = 0.2
        var data = "LAMMPS data file: one planted particle\n\n1 atoms\n1 atom types\n\n"
        for (a, name) in ["x", "y", "z"].enumerated() { data += a < dimension ? "0 \(box[a]) \(name)lo \(name)hi\n" : "-0.5 0.5 zlo zhi\n" }
        if strain != 0 { data += "\(strain * box[1]) 0 0 xy xz yz\n" }
        data += "\nMasses\n\n1 1.0\n\nAtoms # atomic\n\n1 1 \(planted.map { "\($0)" }.joined(separator: " "))\(dimension == 2 ? " 0" : "")\n"
        let input = dir.appendingPathComponent("planted.data")
        try data.write(to: input, atomically: true, encoding: .utf8)
        let grid = box.map { String(Int(($0 / h).rounded())) }.joined(separator: "x")
        let deposit = try MPIRun.stressflux(["deposit", input.path, "--dimension", "\(dimension)", "--scale", "1", "--grid", grid,
                                             "--fft-effort", "estimate", "--output", "deposit"], ranks: 2, timeout: 120, directory: dir)
        #expect(deposit.exitCode == 0, "\(deposit.stdout)\(deposit.stderr)")
        let analyze = try MPIRun.stressflux(["analyze", input.path, "--dimension", "\(dimension)", "--scales", "1", "--points-per-ell", "5",
                                             "--route", "averages", "--output", "analysis"], ranks: 2, timeout: 120, directory: dir)
        #expect(analyze.exitCode == 0, "\(analyze.stdout)\(analyze.stderr)")
        for (file, array) in [("deposit/density.xmf", "rho"), ("analysis/analysis.xmf", "rho_ell1.0")] {
            guard let seen = try Self.read("paraview", "paraview_field.py", [dir.appendingPathComponent(file).path, array], in: dir) else { return }
            let peak = Self.numbers(seen["argmax_point"]), bounds = Self.numbers(seen["bounds"])
            // The lab x of the peak, taken back to the planted particle's periodic image (the grid covers x' ∈ [0, L_x)).
            var dx = peak[0] - planted[0] - strain * (peak[1] - planted[1])
            dx -= (dx / box[0]).rounded() * box[0]
            #expect(abs(dx) <= h * (1 + strain) && abs(peak[1] - planted[1]) <= h, "\(file): peak at \(peak), planted at \(planted)")
            if dimension == 3 { #expect(abs(peak[2] - planted[2]) <= h, "\(file): peak at \(peak)") }
            let xUpper = box[0] - h + strain * (box[1] - h)
            #expect(abs(bounds[0]) <= 1e-9 && abs(bounds[1] - xUpper) <= 1e-9 * box[0], "\(file): x bounds \(bounds)")
            #expect(abs(bounds[2]) <= 1e-9 && abs(bounds[3] - (box[1] - h)) <= 1e-9 * box[1], "\(file): y bounds \(bounds)")
            #expect(abs(bounds[5] - (dimension == 3 ? box[2] - h : 0)) <= 1e-9, "\(file): z bounds \(bounds)")
        }
        for (file, scale) in [("deposit/density.h5", "scale"), ("analysis/analysis.h5", "scales")] {
            guard let seen = try Self.read("h5py", "h5py_fields.py", [dir.appendingPathComponent(file).path], in: dir) else { continue }
            let root = seen["root"] as? [String: Any] ?? [:], datasets = seen["datasets"] as? [String: [String: Any]] ?? [:]
            for key in ["units", "stressflux_version", "configuration", "ranks", "dimension", "box", "strain", "kernel"] {
                #expect(root[key] != nil, "\(file): no root attribute \(key)")
            }
            let scales = (root[scale] as? NSNumber).map { [$0.doubleValue] } ?? Self.numbers(root[scale])  // ℓ a number, scales a list
            #expect(scales == [1] && Self.numbers(root["box"]) == Array(box), "\(file): \(root)")
            #expect(abs(((root["strain"] as? NSNumber)?.doubleValue ?? .nan) - strain) <= 1e-15 && root["ranks"] as? Int == 2, "\(file): \(root)")
            #expect(!datasets.isEmpty && datasets.allSatisfy { $0.value["quantity"] is String && $0.value["unit"] is String },
                    "\(file): datasets without quantity or unit: \(datasets.filter { !($0.value["unit"] is String) }.keys.sorted())")
        }
    }
}
