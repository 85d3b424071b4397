#if canImport(Glibc)
import Glibc
#endif
@testable import Dean
import Fields
import Parallel
import TestSupport
import Testing

/// The stochastic Dean–Kawasaki step (physics.md §7.3) on the MPI singleton; the D3 variance test and other rank
/// counts: `stressflux dean` integration tests (the release binary: 6000 steps of the debug build take minutes).
@Suite(.serialized) struct DeanKawasakiTests {
    /// A white density ρ₀ + 10·N(0, 1) per cell of a 16 × 16 grid (h = 1), re-centred.
    static func start(_ fft: SlabFFT, mean: Double, seed: UInt64) -> [Double] {
        var rng = SplitMix64(state: seed)
        let all = (0..<fft.decomposition.grid.pointCount).map { _ -> Double in
            let u = (Double(rng.next() >> 11) + 0.5) * 0x1.0p-53, v = Double(rng.next() >> 11) * 0x1.0p-53
            return 10 * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        let offset = all.reduce(0, +) / Double(all.count)
        return all.map { mean + $0 - offset }
    }

    /// Mass kept to round-off (1e-12 relative over 200 steps: a face's flux enters one cell and leaves the other, the
    /// periodic face included, whose noise both of its cells must draw alike), with a weak GEM-4 (its V*ρ spectral) and
    /// a steady Kolmogorov force; the noise moves the field (the variance changes) and a second run with the same seed
    /// is the same bits.
    @Test func massIsKeptAndTheNoiseIsAFunction() throws {
        let fft = SlabFFT(decomposition: try SlabDecomposition(grid: GridShape([16, 16]), box: [16, 16], communicator: .world), effort: .estimate)
        let forcing = DeanForcing(modes: [.init(axis: 1, amplitude: 0.3, wavevector: [1, 0], phase: -Double.pi / 2)])
        var finals: [[Double]] = []
        for _ in 0..<2 {
            let stepper = try DeanKawasakiStepper(fft: fft, potential: .gem4(epsilon: 1e-3), temperature: 1, forcing: forcing, seed: 5,
                                                  density: Self.start(fft, mean: 100, seed: 3))
            let mass0 = stepper.density.reduce(0, +)
            for _ in 0..<200 { stepper.advance(by: 0.01) }
            let mass = stepper.density.reduce(0, +)
            #expect(abs(mass - mass0) / mass0 < 1e-12, "mass drift \(abs(mass - mass0) / mass0)")
            finals.append(stepper.density)
        }
        #expect(finals[0] == finals[1], "the same seed gives the same bits")
        let start = Self.start(fft, mean: 100, seed: 3)
        #expect(zip(start, finals[0]).map { abs($0 - $1) }.max()! > 1, "the noise moves the field")
    }
}
