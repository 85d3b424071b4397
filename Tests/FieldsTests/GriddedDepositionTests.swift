import Foundation
import Parallel
import Testing
import TestSupport
@testable import Fields

/// The gridded (spread + FFT) deposition against the exact spectral sums (physics.md §3.3) on the MPI
/// singleton; its rank-count independence is tested through `stressflux deposit` (DepositIntegrationTests).
@Suite(.serialized) struct GriddedDepositionTests {
    /// Every kernel of ``DepositionTests/cases`` (2D and 3D, ℓ/h = 4 and 8, footprints wrapping every face):
    /// mass exact to 1e-12, and max |Δρ| / max ρ within 10 × the spreading's own error bound, floored at 1e-11
    /// (the sums of the reference and the FFTs round at ~1e-14 relative, times the spectrum's dynamic range).
    @Test(arguments: DepositionTests.cases.indices)
    func matchesSpectralSums(index: Int) throws {
        let c = DepositionTests.cases[index], d = c.box.count
        let kernel = try KernelChoice.kernel(named: c.kernel, dimension: d)
        let (positions, weights) = DepositionTests.particles(d == 2 ? 40 : 12, box: c.box, seed: 9)
        let gridded = try DepositionTests.fft(c.extents, box: c.box), spectral = try DepositionTests.fft(c.extents, box: c.box)
        let deposition = try GriddedDeposition(fft: gridded, kernel: kernel, scale: c.ell)
        try deposition.deposit(positions: positions, weights: weights, into: gridded)
        try SpectralDeposition.deposit(positions: positions, weights: weights, kernel: kernel, scale: c.ell, into: spectral)
        let a = gridded.ownedSamples(), b = spectral.ownedSamples()
        let h = c.box[0] / Double(c.extents[1])
        #expect(abs(a.reduce(0, +) * pow(h, Double(d)) / weights.reduce(0, +) - 1) < 1e-12)
        let worst = zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
        let tolerance = max(1e-11, 10 * deposition.spreading.aliasingBound)
        #expect(worst < tolerance, "\(c.kernel) \(d)D ℓ = \(c.ell): max |Δρ|/max ρ = \(worst), bound \(deposition.spreading.aliasingBound)")
    }

    /// Sheared boxes (γ = 0.3 and −1.7, beyond one box length): the same agreement with the spectral sums in
    /// lab wavenumbers, mass exact.
    @Test(arguments: [0.3, -1.7])
    func shearedBox(strain: Double) throws {
        let box = [16.0, 12.0], extents = [48, 64], kernel = GaussianKernel(dimension: 2)
        let (positions, weights) = DepositionTests.particles(40, box: box, seed: 31)
        let gridded = try DepositionTests.fft(extents, box: box), spectral = try DepositionTests.fft(extents, box: box)
        let deposition = try GriddedDeposition(fft: gridded, kernel: kernel, scale: 1, strain: strain)
        try deposition.deposit(positions: positions, weights: weights, into: gridded)
        try SpectralDeposition.deposit(positions: positions, weights: weights, kernel: kernel, scale: 1, strain: strain, into: spectral)
        let a = gridded.ownedSamples(), b = spectral.ownedSamples(), h = 0.25
        #expect(abs(a.reduce(0, +) * h * h / weights.reduce(0, +) - 1) < 1e-12)
        let worst = zip(a, b).map { abs($0 - $1) }.max()! / b.map(abs).max()!
        #expect(worst < max(1e-11, 10 * deposition.spreading.aliasingBound), "γ = \(strain): max |Δρ|/max ρ = \(worst)")
    }

    /// The spreading width: for the Gaussian kernel the bound is 2d·exp(−2π²a(1 − a/η)), a = τ/h², η = ℓ²/(d h²)
    /// (``SpreadingGaussian``), so the chosen a is the smallest meeting 1e-12 (to the scan's 2% step), and
    /// the footprint stays near 20 nodes per axis however large ℓ/h is.
    @Test func widthForTheGaussian() {
        for (d, ratio) in [(2, 4.0), (2, 16.0), (3, 6.0)] {
            let spreading = SpreadingGaussian(kernel: GaussianKernel(dimension: d), scale: ratio, spacing: 1)
            let eta = ratio * ratio / Double(d)
            func bound(_ a: Double) -> Double { Double(2 * d) * exp(-2 * .pi * .pi * a * (1 - a / eta)) }
            #expect(bound(spreading.variance) <= 1e-12 && bound(spreading.variance / 1.02) > 1e-12, "\(d)D ℓ/h = \(ratio): a = \(spreading.variance)")
            #expect(spreading.span <= 22, "\(d)D ℓ/h = \(ratio): \(spreading.span) nodes per axis")
        }
    }
}
