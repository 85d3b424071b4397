import Foundation
@testable import Formats
@testable import Study
import TestSupport
import Testing

/// `stressflux deposit` under mpirun -np 1, 2, 4: coarse-grained densities of the LAMMPS reference
/// packings (Tests/Reference/lammps, N = 1000) (physics.md §3.3, §3.4).
@Suite(.serialized) struct DepositIntegrationTests {
    static let reference = MPIRun.packageRoot.appendingPathComponent("Tests/Reference/lammps")

    /// Runs `stressflux deposit` and returns the output folder; fails the test on error.
    static func deposit(_ arguments: [String], in dir: URL, name: String, ranks: Int) throws -> URL {
        let out = dir.appendingPathComponent(name)
        let run = try MPIRun.stressflux(["deposit"] + arguments + ["--output", out.path], ranks: ranks, timeout: 120, directory: dir)
        #expect(run.exitCode == 0 && !run.timedOut, "\(name) on \(ranks) ranks: \(run.stderr)")
        return out
    }

    static func field(_ out: URL, _ name: String) throws -> [Double] {
        try HDF5File.openForReading(path: out.appendingPathComponent("density.h5").path).read(name: "/\(name)").values
    }

    static func report(_ out: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("deposit.json"))) as! [String: Any]
    }

    /// Relative max difference of two fields.
    static func difference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
    }

    /// The 2D packing with the Gaussian at ℓ = 1 on 128² (ℓ/h = 3.6), with `--stress`, by the default gridded route:
    /// - ρ̄, each species' ρ̄, the Hardy stress σ^H_ℓ and the force density the same on 1, 2 and 4 ranks to
    ///   1e-12 relative (sums of the same spread values in another order: the ghost planes are added into
    ///   owners in peer order, then distributed FFTs); its bonds cross every slab face and the periodic boundary;
    /// - the box averages of σ^H_ℓ and of the deposited per-particle virials Σ_i s_i G_ℓ(x − x_i) equal the
    ///   virial stress to 1e-12 of its largest component, and the virial
    ///   equals LAMMPS's (−virial pressure of reference-2d.json) to 1e-10 relative;
    /// - ∫ρ̄ = N and ∫ρ̄_a = N_a = 500 to 1e-12 relative (per-particle renormalisation);
    /// - the spectral reference on 1 and 4 ranks equals the gridded field to 1e-10 (its bound: 2e-12), and the
    ///   real-space field (`--method real`, 1 and 4 ranks, equal to 1e-12) to 5e-8 (the Gaussian's 6s truncation);
    /// - the multi-scale pass (`--scales 2,4`, refiltered from ℓ = 1) equals direct deposits at ℓ = 2 and 4 to
    ///   1e-10 (Gaussians compose exactly in Fourier space, and both are band-limited the same way);
    /// - a footprint much wider than a slab and than half the box (ℓ = 5 on 32²: Rℓ/h = 19 planes, slabs of 8 on
    ///   4 ranks): the 4-rank field equals the 1-rank one to 1e-12, by the direct multi-peer exchange.
    @Test func densityIsRankIndependentAndConservesMass() throws {
        let dir = try Scratch.url("deposit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.reference.appendingPathComponent("bidisperse-2d.data").path
        var outs: [URL] = []
        for ranks in [1, 2, 4] {
            outs.append(try Self.deposit([data, "--scale", "1", "--grid", "128", "--stress"], in: dir, name: "d\(ranks)", ranks: ranks))
        }
        for name in ["rho", "rho_1", "rho_2", "sigma_xx", "sigma_yy", "sigma_xy", "force_x", "force_y", "virial_xy"] {
            let one = try Self.field(outs[0], name)
            #expect(one.count == 128 * 128)
            for other in outs.dropFirst() { #expect(Self.difference(try Self.field(other, name), one) < 1e-12, "\(name)") }
        }
        let lammps = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.reference.appendingPathComponent("reference-2d.json"))) as! [String: Any]
        let pressure = lammps["virial_pressure"] as! [String: Double]
        for out in outs {
            let report = try Self.report(out)
            let virial = report["virial_stress"] as! [String: Double], hardy = report["hardy_stress_average"] as! [String: Double]
            let perParticle = report["virial_density_average"] as! [String: Double]
            let largest = virial.values.map(abs).max()!
            for (key, value) in virial {
                #expect(abs(hardy[key]! - value) <= 1e-12 * largest, "⟨σ^H_\(key)⟩ = \(hardy[key]!) vs σ^vir = \(value)")
                #expect(abs(perParticle[key]! - value) <= 1e-12 * largest, "⟨Σ s_i G_ℓ⟩_\(key) vs σ^vir")
                #expect(abs(value + pressure[key]!) <= 1e-10 * largest, "σ^vir_\(key) vs LAMMPS")
            }
            let mass = report["mass"] as! [String: Double]
            #expect(abs(mass["rho"]! / 1000 - 1) < 1e-12 && abs(mass["rho_1"]! / 500 - 1) < 1e-12 && abs(mass["rho_2"]! / 500 - 1) < 1e-12,
                    "\(mass)")
        }
        for ranks in [1, 4] {
            let spectral = try Self.deposit([data, "--scale", "1", "--grid", "128", "--method", "spectral"], in: dir, name: "s\(ranks)", ranks: ranks)
            #expect(Self.difference(try Self.field(spectral, "rho"), try Self.field(outs[0], "rho")) < 1e-10, "spectral on \(ranks) ranks")
        }
        let real1 = try Self.field(try Self.deposit([data, "--scale", "1", "--grid", "128", "--method", "real"], in: dir, name: "r1", ranks: 1), "rho")
        let real4 = try Self.field(try Self.deposit([data, "--scale", "1", "--grid", "128", "--method", "real"], in: dir, name: "r4", ranks: 4), "rho")
        #expect(Self.difference(real4, real1) < 1e-12)
        #expect(Self.difference(real1, try Self.field(outs[0], "rho")) < 5e-8)
        let scales = try Self.deposit([data, "--scale", "1", "--grid", "128", "--scales", "2,4"], in: dir, name: "m2", ranks: 2)
        for ell in ["2", "4"] {
            let direct = try Self.deposit([data, "--scale", ell, "--grid", "128"], in: dir, name: "l\(ell)", ranks: 2)
            #expect(Self.difference(try Self.field(scales, "rho_ell\(ell).0"), try Self.field(direct, "rho")) < 1e-10, "multi-scale ℓ = \(ell)")
        }
        let wide1 = try Self.deposit([data, "--scale", "5", "--grid", "32"], in: dir, name: "w1", ranks: 1)
        let wide4 = try Self.deposit([data, "--scale", "5", "--grid", "32"], in: dir, name: "w4", ranks: 4)
        #expect(Self.difference(try Self.field(wide4, "rho"), try Self.field(wide1, "rho")) < 1e-12)
        #expect(FileManager.default.fileExists(atPath: wide4.appendingPathComponent("density.xmf").path))
    }

    /// The 3D packing, Gaussian at ℓ = 1.4 on 32³ (ℓ/h = 4): real-space deposition on 2 ranks agrees with the
    /// spectral reference on 1 and on 4 ranks to 5e-8 of max ρ̄ (the Gaussian's truncation at 6s; see
    /// DepositionTests), the gridded one on 4 ranks to 1e-10 (its bound, the Nyquist tail: 2e-11), and the
    /// spectral field is the same on 1 and 4 ranks to 1e-12.
    @Test func realSpaceMatchesSpectralIn3D() throws {
        let dir = try Scratch.url("deposit3d")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.reference.appendingPathComponent("bidisperse-3d.data").path
        let common = [data, "--dimension", "3", "--scale", "1.4", "--grid", "32"]
        let real = try Self.field(try Self.deposit(common + ["--method", "real"], in: dir, name: "real", ranks: 2), "rho")
        let gridded = try Self.field(try Self.deposit(common, in: dir, name: "gridded", ranks: 4), "rho")
        let spectral1 = try Self.field(try Self.deposit(common + ["--method", "spectral"], in: dir, name: "s1", ranks: 1), "rho")
        let spectral4 = try Self.field(try Self.deposit(common + ["--method", "spectral"], in: dir, name: "s4", ranks: 4), "rho")
        #expect(Self.difference(real, spectral1) < 5e-8, "real vs spectral: \(Self.difference(real, spectral1))")
        #expect(Self.difference(spectral4, spectral1) < 1e-12)
        #expect(Self.difference(gridded, spectral1) < 1e-10, "gridded vs spectral: \(Self.difference(gridded, spectral1))")
    }

    static let badInputs: [([String], String)] = [
        (["--scale", "0", "--grid", "128"], "error: scale ℓ 0.0: must be positive"),
        (["--scale", "0.1", "--grid", "128"], "error: scale ℓ 0.1: ℓ/h = 0.356 < 1 on this grid (h = 0.2808): use a grid of at least 360x360"),
        (["--scale", "1", "--grid", "128x64"], "error: --grid 128x64: spacings 0.2808, 0.5615 differ: the grid must match the box 35.9381 x 35.9381, e.g. 128x128"),
        (["--scale", "1", "--grid", "128", "--kernel", "tophat"], "error: --kernel \"tophat\": unknown kernel"),
        (["--scale", "1", "--grid", "128", "--method", "fast"], "error: --method fast: must be gridded, real or spectral"),
        (["--scale", "1", "--grid", "128", "--kernel", "bump4", "--scales", "2"], "error: --scales 2.0: the multi-scale pass needs --kernel gauss"),
    ]

    /// Bad options: one line on stderr that names the option and the fix, a non-zero exit, no density.h5.
    @Test(arguments: badInputs)
    func badInputFailsCleanly(arguments: [String], message: String) throws {
        let dir = try Scratch.url("deposit-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = Self.reference.appendingPathComponent("bidisperse-2d.data").path
        let run = try MPIRun.stressflux(["deposit", data] + arguments + ["--output", "out"], ranks: 2, timeout: 60, directory: dir)
        #expect(!run.timedOut && run.exitCode != 0)
        #expect(run.errorLines.count == 1 && run.errorLines[0].hasPrefix(message), "\(run.errorLines)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/density.h5").path))
    }
}

extension DepositIntegrationTests {
    /// A sheared box: the 2D reference packing with a LAMMPS tilt xy = 3 (Lees–Edwards strain 3/L_y ≈ 0.083),
    /// deposited with `--stress` in sheared grid coordinates: the same fields on 1 and 4 ranks to 1e-12, ∫ρ̄ = N,
    /// ⟨σ^H_ℓ⟩ = σ^vir to 1e-12 of its largest component, and that virial equals `stressflux evaluate`'s for the
    /// same file (pairs across the sheared faces included) to 1e-10 relative.
    @Test func shearedBox() throws {
        let dir = try Scratch.url("deposit-sheared")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: Self.reference.appendingPathComponent("bidisperse-2d.data"), encoding: .utf8)
        let tilted = text.replacingOccurrences(of: "ylo yhi\n", with: "ylo yhi\n3.0 0.0 0.0 xy xz yz\n")
        #expect(tilted != text)
        let data = dir.appendingPathComponent("sheared.data")
        try tilted.write(to: data, atomically: true, encoding: .utf8)
        let one = try Self.deposit([data.path, "--scale", "1", "--grid", "128", "--stress"], in: dir, name: "one", ranks: 1)
        let four = try Self.deposit([data.path, "--scale", "1", "--grid", "128", "--stress"], in: dir, name: "four", ranks: 4)
        for name in ["rho", "sigma_xx", "sigma_yy", "sigma_xy", "force_x"] {
            #expect(Self.difference(try Self.field(four, name), try Self.field(one, name)) < 1e-12, "\(name)")
        }
        let report = try Self.report(one)
        #expect(abs((report["strain"] as! Double) - 3 / 35.9380529032361) < 1e-12)
        #expect(abs((report["mass"] as! [String: Double])["rho"]! / 1000 - 1) < 1e-12)
        let run = try MPIRun.stressflux(["evaluate", data.path, "--output", "evaluated"], ranks: 2, timeout: 60, directory: dir)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let thermo = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("evaluated/thermo.json"))) as! [String: Any]
        let evaluated = thermo["virial_stress"] as! [String: Double]
        let virial = report["virial_stress"] as! [String: Double], hardy = report["hardy_stress_average"] as! [String: Double]
        let largest = virial.values.map(abs).max()!
        for (key, value) in virial {
            #expect(abs(hardy[key]! - value) <= 1e-12 * largest, "⟨σ^H_\(key)⟩")
            #expect(abs(evaluated[key]! - value) <= 1e-10 * largest, "σ^vir_\(key) vs evaluate: \(value) vs \(evaluated[key]!)")
        }
    }
}
