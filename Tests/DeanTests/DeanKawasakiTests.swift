#if canImport(Glibc)
import Glibc
#endif
@testable import Dean
import Fields
import Parallel
import TestSupport
import Testing

/// The stochastic Dean–Kawasaki step (physics.md §7.3) on the MPI singleton; other rank counts: `stressflux dean`
/// integration tests.
@Suite(.serialized) struct DeanKawasakiTests {
    /// ρ₀ + N(0, ρ₀/h^d) per cell from a seeded stream, re-centred to mean ρ₀ (the global mean: same on every rank count).
    static func start(_ fft: SlabFFT, mean: Double, seed: UInt64) -> [Double] {
        var rng = SplitMix64(state: seed)
        let n = fft.extents, plane = n.dropFirst().reduce(1, *), h = fft.decomposition.spacing.reduce(1, *)
        var all: [Double] = []
        for _ in 0..<(n.reduce(1, *) / 2) {
            let u = (Double(rng.next() >> 11) + 0.5) * 0x1.0p-53, v = Double(rng.next() >> 11) * 0x1.0p-53
            let r = (-2 * log(u)).squareRoot() * (mean / h).squareRoot()
            all += [r * cos(2 * Double.pi * v), r * sin(2 * Double.pi * v)]
        }
        let offset = all.reduce(0, +) / Double(all.count)
        let owned = all[(fft.decomposition.start * plane)..<((fft.decomposition.start + fft.decomposition.count) * plane)]
        return owned.map { mean + $0 - offset }
    }

    /// D3 (physics.md §7.3), ideal gas (V = 0): M = 32 (2D) or 12 (3D), h = 1, ρ₀ = 100, T_v = 1, Δt = 0.01 h²/T_v, 6000
    /// steps, the spatial variance of the cells every 50. Euler–Maruyama's stationary variance is
    /// Var = M^{−d} Σ_{k≠0} (ρ₀/h^d)/(1 − T_vΔtλ_k/2), λ_k = (4/h²) Σ_α sin²(k_α h/2) (physics.md: measured 102.0 against
    /// 101.95 in 2D); the mean over the samples is within 4 standard deviations sd = ⟨Var⟩ sqrt(2/M^d)/sqrt(n/2) (the
    /// samples are correlated over about two spacings); the mass drifts by < 1e-12 relative. A noise amplitude off by
    /// √2 (2T_v → T_v) moves Var by half, far beyond 4 sd (2.3 in 2D).
    @Test(arguments: [2, 3])
    func idealGasVarianceD3(dimension d: Int) throws {
        let m = d == 2 ? 32 : 12, rho0 = 100.0, dt = 0.01
        let fft = SlabFFT(decomposition: try SlabDecomposition(grid: GridShape(Array(repeating: m, count: d)), box: Array(repeating: Double(m), count: d),
                                                               communicator: .world), effort: .estimate)
        let stepper = try DeanKawasakiStepper(fft: fft, potential: nil, temperature: 1, forcing: nil, seed: 5, density: Self.start(fft, mean: rho0, seed: 3))
        let world = Communicator.world, cells = Double(fft.decomposition.grid.pointCount)
        let mass0 = world.allreduce(stepper.density.reduce(0, +), .sum)
        var variances: [Double] = []
        for step in 1...6000 {
            stepper.advance(by: dt)
            if step % 50 == 0 {
                let rho = stepper.density
                let sums = world.allreduce([rho.reduce(0, +), rho.reduce(0) { $0 + $1 * $1 }], .sum)
                variances.append(sums[1] / cells - (sums[0] / cells) * (sums[0] / cells))
            }
        }
        var predicted = 0.0
        for index in 0..<Int(cells) where index != 0 {
            var lambda = 0.0, rest = index
            for _ in 0..<d {
                let k = 2 * Double.pi * Double(rest % m) / Double(m)
                lambda += 4 * pow(sin(k / 2), 2)
                rest /= m
            }
            predicted += rho0 / (1 - dt * lambda / 2)
        }
        predicted /= cells
        let mean = variances.reduce(0, +) / Double(variances.count)
        let sd = mean * (2 / cells).squareRoot() / (Double(variances.count) / 2).squareRoot()
        #expect(abs(mean - predicted) < 4 * sd, "\(d)D: ⟨Var⟩ = \(mean) against \(predicted) ± \(sd)")
        let mass = world.allreduce(stepper.density.reduce(0, +), .sum)
        #expect(abs(mass - mass0) / mass0 < 1e-12, "mass drift \(abs(mass - mass0) / mass0)")
    }
}
