import Foundation
import TestSupport
import Testing

/// `stressflux info` and the command line's error contract under mpirun: one `error:` line on rank 0,
/// every rank exits non-zero, nobody hangs (each run must end within 20 s).
@Suite(.serialized) struct CommandLineIntegrationTests {
    @Test(arguments: [1, 2, 4])
    func infoReportsVersionsAndSlabs(ranks: Int) throws {
        let run = try MPIRun.stressflux(["info", "--grid", "128x96", "--box", "64x48", "--json"], ranks: ranks, timeout: 60)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let info = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(info["ranks"] as? Int == ranks)
        for key in ["stressflux", "swift", "mpi", "fftw", "hdf5"] { #expect(!((info[key] as? String) ?? "").isEmpty, "\(key)") }
        #expect((info["mpi"] as? String)?.contains("MPI") == true)
        let slabs = info["slabs"] as! [[String: Any]]
        #expect(slabs.count == ranks)
        // Contiguous, covering [0, 128) and [0, 64) of axis 0, in FFTW's blocks of ⌈128/ranks⌉.
        var next = 0
        for (r, slab) in slabs.enumerated() {
            #expect(slab["rank"] as? Int == r && slab["start"] as? Int == next && slab["count"] as? Int == 128 / ranks)
            #expect(slab["lower"] as? Double == Double(next) / 2)
            next += slab["count"] as! Int
            #expect(slab["upper"] as? Double == Double(next) / 2)
        }
        #expect(next == 128)
    }

    @Test func infoTextNamesEveryLibrary() throws {
        let run = try MPIRun.stressflux(["info"], ranks: 2, timeout: 60)
        #expect(run.exitCode == 0)
        for word in ["StressFlux", "Swift", "MPI", "FFTW", "HDF5", "ranks   2", "grid 256x256"] {
            #expect(run.stdout.contains(word), "\(word)")
        }
        #expect(run.stdout.components(separatedBy: "StressFlux ").count == 2, "printed by rank 0 only")
    }

    static let badInputs: [([String], Int, String)] = [
        (["info", "--grid", "0x10"], 1, "error: --grid 0x10: extent along axis 0 is 0"),
        (["info", "--grid", "0x10"], 2, "error: --grid 0x10: extent along axis 0 is 0"),
        (["info", "--grid", "0x10"], 4, "error: --grid 0x10: extent along axis 0 is 0"),
        (["info", "--grid", "2x16"], 4, "error: grid 2x16: FFTW's slab layout gives rank 2 of 4 no planes"),
        (["selfcheck", "--grid", "3x8", "--checks", "fft"], 4, "error: grid 3x8: FFTW's slab layout gives rank 3 of 4 no planes"),
        (["info", "--grid", "12xx"], 1, "error: --grid 12xx: expected 2 or 3 positive integers"),
        (["info", "--grid", "12xx"], 4, "error: --grid 12xx: expected 2 or 3 positive integers"),
        (["info", "--box", "1x-2"], 2, "error: --box 1x-2: expected 2 positive lengths"),
        (["selfcheck", "--checks", "halo,bogus"], 2, "error: --checks halo,bogus: unknown check 'bogus'"),
        (["info", "--frobnicate"], 2, "error: Unknown option '--frobnicate'"),
    ]

    @Test(arguments: badInputs)
    func badInputFailsCleanlyOnEveryRank(arguments: [String], ranks: Int, message: String) throws {
        let run = try MPIRun.stressflux(arguments, ranks: ranks, timeout: 20)
        #expect(!run.timedOut && run.seconds < 20)
        #expect(run.exitCode != 0)
        #expect(run.errorLines.count == 1, "exactly one error line: \(run.errorLines)")
        #expect(run.errorLines.first?.hasPrefix(message) == true, "\(run.errorLines)")
        let perRank = try MPIRun.stressflux(arguments, ranks: ranks, timeout: 20, rankStatus: true)
        #expect(!perRank.timedOut)
        #expect(perRank.rankExitCodes.count == ranks && perRank.rankExitCodes.values.allSatisfy { $0 != 0 },
                "every rank exits non-zero: \(perRank.rankExitCodes)")
    }

    @Test func helpPrintsOnceAndSucceeds() throws {
        let run = try MPIRun.stressflux(["--help"], ranks: 2, timeout: 20)
        #expect(run.exitCode == 0)
        #expect(run.stdout.components(separatedBy: "USAGE:").count == 2)
        #expect(!run.stdout.contains("planted-abort-rank"), "testing options stay hidden")
    }
}
