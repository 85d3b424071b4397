import Foundation
@testable import Formats
import Particles
import TestSupport
import Testing

/// LAMMPS data files read in blocks (issue "Measurement on the slabs", item 2): every rank keeps and parses only its
/// share of the atom lines, the atoms go to the rank that owns their range of ids, and the result and the errors are
/// those of the whole file.
@Suite(.serialized) struct InputBlocksIntegrationTests {
    typealias P = ParticleIntegrationTests
    static let input = P.reference.appendingPathComponent("bidisperse-2d.data").path

    /// `evaluate` writes every particle (state.h5: id, position, force) and the sums (thermo.json).
    static func evaluate(_ path: String, in dir: URL, name: String, ranks: Int) throws -> (ParticleSnapshot, [String: Any]) {
        let run = try MPIRun.stressflux(["evaluate", path, "--output", name], ranks: ranks, timeout: 60, directory: dir)
        #expect(run.exitCode == 0, "\(name) on \(ranks) ranks: \(run.stderr)")
        let state = try H5MDSnapshot.read(path: dir.appendingPathComponent("\(name)/state.h5").path)
        let thermo = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(name)/thermo.json"))) as! [String: Any]
        return (state, thermo)
    }

    /// LAMMPS's 2D packing (N = 1000, ids shuffled in the file, a Velocities section) and a copy with gapped ids
    /// (LAMMPS id k → 3k + 7, same order) on 1, 2 and 4 ranks: the same particles under the same ids, positions and
    /// images bit for bit, forces and the energy to 1e-12 relative (the same pair forces summed on other ranks);
    /// particle k is the atom with the k-th smallest LAMMPS id, as the whole-file reader numbers them.
    @Test func blocksGiveTheWholeFilesParticles() throws {
        let dir = try Scratch.url("blocks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: Self.input, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let atoms = lines.firstIndex { $0.hasPrefix("Atoms") }! + 2
        for k in atoms..<(atoms + 1000) {
            var fields = lines[k].split(separator: " ").map(String.init)
            fields[0] = "\(3 * Int(fields[0])! + 7)"
            lines[k] = fields.joined(separator: " ")
        }
        let velocities = lines.firstIndex { $0.hasPrefix("Velocities") }!
        lines.removeSubrange(velocities...)
        let gapped = dir.appendingPathComponent("gapped.data").path
        try lines.joined(separator: "\n").write(toFile: gapped, atomically: true, encoding: .utf8)

        let whole = try LAMMPSDataFile.read(path: Self.input, dimension: 2, diameters: [1: 1.0, 2: 1.4])
        var reference: (ParticleSnapshot, [String: Any])? = nil
        for (name, path) in [("dense", Self.input), ("gapped", gapped)] {
            for ranks in [1, 2, 4] {
                let (state, thermo) = try Self.evaluate(path, in: dir, name: "\(name)\(ranks)", ranks: ranks)
                #expect(state.ids == whole.ids && state.positions == whole.positions && state.images == whole.images
                        && state.species == whole.species, "\(name) on \(ranks) ranks: the whole file's particles")
                guard let (first, firstThermo) = reference else { reference = (state, thermo); continue }
                let scale = first.forces!.map(abs).max()!
                let error = zip(state.forces!, first.forces!).map { abs($0 - $1) }.max()!
                #expect(error <= 1e-12 * scale, "\(name) on \(ranks) ranks: forces differ by \(error)")
                let energy = thermo["potential_energy"] as! Double, expected = firstThermo["potential_energy"] as! Double
                #expect(abs(energy - expected) <= 1e-12 * abs(expected), "\(name) on \(ranks) ranks: U = \(energy), \(expected)")
            }
        }
    }

    /// Malformed copies of the packing whose faults lie in the last rank's block or across blocks give, on 4 ranks,
    /// the one line the whole file gives on 1 rank, with the file's line numbers: a repeated id (the first and the
    /// last atom line), a bad number on the last atom line, image flags missing from a late line (checked against
    /// the first atom line, which no other block holds), one atom line too many.
    @Test func blocksReportTheWholeFilesErrors() throws {
        let dir = try Scratch.url("blocks-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try String(contentsOfFile: Self.input, encoding: .utf8).components(separatedBy: "\n")
        let first = lines.firstIndex { $0.hasPrefix("Atoms") }! + 2, last = first + 999
        func edited(_ name: String, _ edit: (inout [String]) -> Void) throws -> String {
            var copy = lines
            edit(&copy)
            let path = dir.appendingPathComponent("\(name).data").path
            try copy.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let firstID = lines[first].split(separator: " ")[0]
        let cases: [(String, String)] = [
            (try edited("repeat") { $0[last] = firstID + " " + $0[last].split(separator: " ").dropFirst().joined(separator: " ") },
             ":\(last + 1): atom id \(firstID) was already used at line \(first + 1)"),
            (try edited("number") { $0[last] = $0[last].split(separator: " ").enumerated().map { $0.offset == 4 ? "zero" : String($0.element) }.joined(separator: " ") },
             ":\(last + 1): z 'zero' is not a finite number"),
            (try edited("columns") { $0[last - 1] = $0[last - 1].split(separator: " ").prefix(5).joined(separator: " ") },
             ":\(last): atom line has 5 fields but the first atom line (line \(first + 1)) has 8"),
            (try edited("count") { $0.insert($0[last], at: last + 1) }, ":\(first - 1): the Atoms section has 1001 atom lines"),
        ]
        for (path, expected) in cases {
            let runs = try [1, 4].map { try MPIRun.stressflux(["evaluate", path, "--output", "out"], ranks: $0, timeout: 60, directory: dir) }
            for run in runs {
                #expect(run.exitCode != 0 && run.errorLines.count == 1, "\(path): \(run.stdout)\(run.stderr)")
            }
            #expect(runs[0].errorLines == runs[1].errorLines, "\(path): 1 rank \(runs[0].errorLines), 4 ranks \(runs[1].errorLines)")
            #expect(runs[1].errorLines.first?.contains(path + expected) == true, "\(runs[1].errorLines)")
        }
    }
}
