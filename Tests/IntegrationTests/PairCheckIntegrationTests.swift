import Foundation
import TestSupport
import Testing

/// `analyze --check pairs` (physics.md §3.7b): the budget's terms evaluated again by the exact pair sums, with the pairs
/// from the particle engine's own lists (issue "Measurement on the slabs", item 7).
@Suite(.serialized) struct PairCheckIntegrationTests {
    typealias P = ParticleIntegrationTests

    /// A sheared state far from force balance: 100 bidisperse disks (φ = 0.9, L = 11.4) placed at random and sheared at
    /// γ̇ = 1 for 30 overdamped steps at T_v = 0, so F_i ≠ 0 and W_ℓ, Q^flux_ℓ are both non-zero and of either sign.
    static func state(in dir: URL) throws -> String {
        let config = """
            [system]
            dimension = 2
            particles = 100
            packing_fraction = 0.9
            [minimize]
            enabled = false
            [dynamics]
            steps = 30
            temperature = 0
            [shear]
            rate = 1.0
            [output]
            formats = ["h5md"]
            """
        return try P.run(config, in: dir, name: "state", ranks: 1).appendingPathComponent("final.h5").path
    }

    static func check(_ state: String, route: String, in dir: URL, ranks: Int) throws -> [String: Any] {
        let out = try AnalyzeIntegrationTests.analyze([state, "--scales", "0.5", "--grid", "100", "--route", route, "--check", "pairs"],
                                                      in: dir, name: "\(route)\(ranks)", ranks: ranks)
        let scale = try #require((try AnalyzeIntegrationTests.summary(out)["scales"] as? [[String: Any]])?.first)
        return try #require(scale["pairs_check"] as? [String: Any], "no pairs_check in \(scale.keys.sorted())")
    }

    /// ℓ = 0.5 on 100² (ℓ/h = 4.4), the pair reach r_ab + cσ = 5.1 nearly half the box:
    /// - box means (averages route, §3.7a) on 1, 2 and 4 ranks: ⟨σ̲_ℓ⟩ and ⟨W_ℓ⟩ + ⟨Q^flux_ℓ⟩ equal the pair sums' to
    ///   1e-10 of their largest component (measured 2e-12 and 9e-12: the pair quadrature's tolerance is 1e-11 per pair,
    ///   the mean of a deposit is exact), with the same number of ordered pairs on every rank count (each rank sums the
    ///   pairs of its own particles from a wide-skin engine: a pair lost or counted twice at a slab face changes both);
    /// - fields (quadrature route, §3.5) on 2 ranks: σ̲_ℓ and J̄_ℓ to 1e-8 and S_ℓ against W_ℓ + Q^flux_ℓ to 5e-8 of their
    ///   largest value (measured 6e-10, 1e-9 and 4e-9: the narrow deposit G_{ℓ/√2} has ℓ/h = 3.1, where physics.md §3.6
    ///   puts the aliasing near 1e-8).
    /// A sign error in W_ℓ or Q^flux_ℓ, a missing self term or a wrong velocity would move the sums by O(1).
    @Test func pairSumsAgreeWithBothRoutes() throws {
        let dir = try Scratch.url("pair-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = try Self.state(in: dir)
        var counts: [Int] = []
        for ranks in [1, 2, 4] {
            let check = try Self.check(state, route: "averages", in: dir, ranks: ranks)
            #expect(check["compared"] as? String == "box means")
            for key in ["sigma", "source"] {
                #expect((check[key] as? Double ?? 1) <= 1e-10, "\(ranks) ranks: \(key) \(check[key] ?? "missing")")
            }
            counts.append(check["pairs"] as? Int ?? 0)
        }
        #expect(counts[0] > 100 && counts.allSatisfy { $0 == counts[0] }, "ordered pairs on 1, 2, 4 ranks: \(counts)")
        let fields = try Self.check(state, route: "quadrature", in: dir, ranks: 2)
        #expect(fields["compared"] as? String == "fields" && fields["pairs"] as? Int == counts[0])
        for (key, tolerance) in [("sigma", 1e-8), ("flux", 1e-8), ("source", 5e-8)] {
            #expect((fields[key] as? Double ?? 1) <= tolerance, "\(key) \(fields[key] ?? "missing")")
        }
    }

    /// One line naming `--check` for a kernel other than the Gaussian, an unknown check, and a scale whose pair reach
    /// exceeds half the box; nothing written.
    @Test func badChecksFailCleanly() throws {
        let dir = try Scratch.url("pair-check-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let state = try Self.state(in: dir)
        let cases: [([String], String)] = [
            (["--scales", "0.5", "--check", "pairs", "--kernel", "bump4"], "error: --check pairs bump4: the pair sums (physics.md §3.7b) need the Gaussian kernel"),
            (["--scales", "0.5", "--check", "foo"], "error: --check foo: give pairs"),
            (["--check", "pairs", "--scales", "2"], "error: --check pairs ℓ = 2.0: the pair sums reach 16.3 l0 at this scale"),
        ]
        for (arguments, message) in cases {
            let run = try MPIRun.stressflux(["analyze", state, "--grid", "100", "--route", "averages"] + arguments
                                            + ["--output", "bad"], ranks: 2, timeout: 60, directory: dir)
            #expect(run.exitCode != 0 && run.errorLines.count == 1 && run.errorLines[0].hasPrefix(message), "\(arguments): \(run.errorLines)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad/summary.json").path))
        }
    }
}
