import Foundation
import Parallel
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// `stressflux selfcheck` under mpirun -np 1, 2, 4: halo exchange (widths 1, thinnest slab, wider:
/// multi-hop, wider than the box), collectives, FFTW-MPI, parallel HDF5 and the Gaussian noise (moments, KS and
/// exact tails of the vector Box–Muller as built for this machine), all from the real binary.
@Suite(.serialized) struct SelfCheckIntegrationTests {
    static func scratch() throws -> URL { try Scratch.url("selfcheck") }

    static func report(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    @Test(arguments: [1, 2, 4])
    func everyCheckPasses(ranks: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try MPIRun.stressflux(["selfcheck", "--output", "out", "--json", "report.json"],
                                        ranks: ranks, directory: dir)
        #expect(run.exitCode == 0 && !run.timedOut, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("selfcheck: "), "the summary line is printed")
        let report = try Self.report(dir.appendingPathComponent("report.json"))
        #expect(report["ranks"] as? Int == ranks)
        #expect(report["failed"] as? Int == 0)
        let names = (report["checks"] as! [[String: Any]]).map { $0["name"] as! String }
        for prefix in ["halo fill 2D", "halo fill 3D", "halo accumulate 2D", "halo accumulate sum 3D",
                       "collectives gather", "fft round trip 2D 128x96", "fft round trip 3D 32x32x32",
                       "fft derivative", "hdf5 collective write", "noise variance", "noise Kolmogorov-Smirnov",
                       "noise tail P(|xi| > 6)"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "\(prefix) checked")
        }
        // Halos wider than a slab (2·thinnest + 1) and than the box (n0 + 1) are among the widths.
        let thinnest2D = 128 / ranks
        #expect(names.contains("halo fill 2D 128x96 w=\(2 * thinnest2D + 1) components=3"))
        #expect(names.contains("halo fill 2D 128x96 w=129 components=1"))

        // The collectively written file, read here serially, is the global field the ranks meant.
        let file = try HDF5File.openForReading(path: dir.appendingPathComponent("out/selfcheck.h5").path)
        let field = try file.read(name: "/field3d")
        #expect(field.extents == [32, 32, 32])
        #expect(field.values == (0..<(32 * 32 * 32)).map { TestPattern.uniform($0, seed: 77) })
        let sidecar = try XDMFSummary(path: dir.appendingPathComponent("out/selfcheck-2d.xdmf").path)
        #expect(sidecar.topology == "3DCoRectMesh" && sidecar.topologyDimensions == "1 128 96")
        #expect(sidecar.attributeDimensions == ["1 128 96"] && sidecar.hdfPaths == ["selfcheck.h5:/field2d"])
        let solid = try XDMFSummary(path: dir.appendingPathComponent("out/selfcheck-3d.xdmf").path)
        #expect(solid.topology == "3DSMesh" && solid.hdfPaths == ["selfcheck.h5:/field3d"])
    }

    /// Uneven slabs (FFTW gives 3,3,3,1 for 10 planes on 4 ranks; 3,3,1 for 7 on 3), where halos of
    /// width 2 and more reach past the one-plane slab.
    @Test(arguments: [(4, "10x6", "10x4x3"), (3, "7x5", "5x4x3")])
    func unevenSlabs(ranks: Int, grid: String, grid3D: String) throws {
        let run = try MPIRun.stressflux(["selfcheck", "--grid", grid, "--grid3d", grid3D], ranks: ranks)
        #expect(run.exitCode == 0 && !run.timedOut, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("halo fill 2D \(grid) w=3 components=3"))
        #expect(!run.stdout.contains("FAIL"))
    }

    /// Reductions and the gather of a distributed field agree across rank counts (to rounding: the
    /// summation order changes with the slabs, so 1e-12 relative); the noise draws split over the ranks are the
    /// same draws (their count beyond 4σ exactly).
    @Test func reductionsDoNotDependOnRankCount() throws {
        var values: [[String: Double]] = []
        for ranks in [1, 2, 4] {
            let dir = try Self.scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            let run = try MPIRun.stressflux(["selfcheck", "--checks", "collectives,noise", "--json", "r.json", "--quiet"],
                                            ranks: ranks, directory: dir)
            #expect(run.exitCode == 0, "\(run.stdout)\n\(run.stderr)")
            values.append(try Self.report(dir.appendingPathComponent("r.json"))["values"] as! [String: Double])
        }
        let beyond = values.map { $0["noise_draws_beyond_4"] }
        #expect(beyond[0] != nil && beyond.allSatisfy { $0 == beyond[0] }, "\(beyond)")
        for key in ["field_sum", "field_max", "field_checksum"] {
            let reference = try #require(values[0][key])
            for v in values.dropFirst() {
                let x = try #require(v[key])
                #expect(abs(x - reference) <= 1e-12 * max(1, abs(reference)), "\(key): \(x) vs \(reference)")
            }
        }
    }

    /// One rank aborting ends every rank promptly, with its one-line message.
    @Test(arguments: [2, 4])
    func abortOnOneRankEndsTheJob(ranks: Int) throws {
        let run = try MPIRun.stressflux(["selfcheck", "--planted-abort-rank", "\(ranks - 1)"], ranks: ranks, timeout: 20)
        #expect(!run.timedOut && run.exitCode != 0)
        #expect(run.errorLines == ["error: selfcheck: planted abort on rank \(ranks - 1), the other ranks must end too"])
    }
}
