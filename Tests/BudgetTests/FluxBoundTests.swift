import Foundation
import Fields
import Parallel
import Testing
import TestSupport
@testable import Budget

/// The scalar flux density Π_ℓ = |∇ρ̄_ℓ · τ_ℓ(ρ, u)| against the paper's bound δρ³/ℓ (physics.md §6.2, §6.3 test F7) on the
/// MPI singleton.
@Suite(.serialized) struct FluxBoundTests {
    /// Products on the 2×-refined grid: for f = cos(p·x) and g_c = cos(q_c·x) on 32² (L = 2π, so k = mode index), ℓ = 0.2
    /// (ℓ/h = 1.02), ``ScalarFluxDensity`` returns τ_ℓ(f, g_c) = ½ Σ_± Ĝ(|p ± q_c|ℓ) cos((p ± q_c)·x) − Ĝ(|p|ℓ)Ĝ(|q_c|ℓ)
    /// cos(p·x) cos(q_c·x), the sum over the modes the grid holds (p + q_x = (21, −4) is beyond Nyquist 16 and dropped), and Π_ℓ
    /// from ∂_c f̄ = −p_c Ĝ(|p|ℓ) sin(p·x): to 1e-13 of max|τ| and of max Π (rounding; measured 3.8e-15 and 2.2e-15). The
    /// contrast: the product formed on the grid (``SubfilterCovariance/evaluate(_:_:)``) puts p + q_x on its alias (−11, −4),
    /// where Ĝ ≈ 0.25 keeps it: off by more than 0.05 of max|τ| (measured 1.8).
    @Test func productsOnTheRefinedGridAreAliasFree() throws {
        let points = 32, ell = 0.2, world = Communicator.world
        let decomposition = try SlabDecomposition(grid: GridShape([points, points]), box: [2 * .pi, 2 * .pi], communicator: world)
        let fft = SlabFFT(decomposition: decomposition, effort: .estimate), kernel = GaussianKernel(dimension: 2)
        // phases 2π((m_x i_x + m_y i_y) mod M)/M from integers: a reference free of the rounding of large arguments
        let nodes = (0..<(decomposition.count * points)).map { k in (x: k % points, y: decomposition.start + k / points) }
        typealias Mode = (x: Int, y: Int)
        func wave(_ m: Mode, _ trig: (Double) -> Double) -> [Double] {
            nodes.map { trig(2 * .pi * Double(((m.x * $0.x + m.y * $0.y) % points + points) % points) / Double(points)) }
        }
        func transfer(_ m: Mode) -> Double { kernel.transform(Double(m.x * m.x + m.y * m.y).squareRoot() * ell) }
        let p: Mode = (11, 5), q: [Mode] = [(10, -9), (-3, 4)]
        let f = wave(p, cos), g = q.map { wave($0, cos) }
        let expected: [[Double]] = q.map { q in
            let sum: Mode = (p.x + q.x, p.y + q.y), difference: Mode = (p.x - q.x, p.y - q.y)
            let resolved = [sum, difference].filter { max(abs($0.x), abs($0.y)) < points / 2 }
            var tau = [Double](repeating: 0, count: nodes.count)
            for m in resolved { for (k, c) in wave(m, cos).enumerated() { tau[k] += 0.5 * transfer(m) * c } }
            let filteredPair = transfer(p) * transfer(q)
            for (k, (a, b)) in zip(wave(p, cos), wave(q, cos)).enumerated() { tau[k] -= filteredPair * a * b }
            return tau
        }
        let slope = [p.x, p.y].map { pc in wave(p, sin).map { -Double(pc) * transfer(p) * $0 } }
        let expectedFlux = expected[0].indices.map { k in abs(slope[0][k] * expected[0][k] + slope[1][k] * expected[1][k]) }

        let flux = ScalarFluxDensity(density: f, potentialGradient: g, fft: fft, kernel: kernel)
        let largest = world.allreduce(expected.flatMap { $0.map(abs) }.max() ?? 0, .max)
        func deviation(_ a: [Double], _ b: [Double]) -> Double { world.allreduce(zip(a, b).map { abs($0 - $1) }.max() ?? 0, .max) }
        let tau = flux.covariance(scale: ell)
        let covarianceError = zip(tau, expected).map { deviation($0, $1) }.max()! / largest
        let fluxError = deviation(flux.field(scale: ell), expectedFlux) / world.allreduce(expectedFlux.max() ?? 0, .max)
        #expect(covarianceError < 1e-13, "τ_ℓ(f, g_c) off by \(covarianceError) of max|τ| = \(largest)")
        #expect(fluxError < 1e-13, "Π_ℓ off by \(fluxError) of its maximum")

        let onTheGrid = SubfilterCovariance(fft: fft, kernel: kernel, scale: ell).evaluate(f, g[0])
        let aliased = deviation(onTheGrid, expected[0]) / largest
        #expect(aliased > 0.05, "the product formed on the grid should alias: off by only \(aliased)")
    }
}

extension FluxBoundTests {
    /// F7 (physics.md §6.3, §8): the flux density does not outgrow the bound δρ³/ℓ as ℓ → 0. M = 512, L = 4, ρ = 1 + 0.15 f with f
    /// the periodic fBm-like field of §6.3(b) at H = 0.25, harmonic V (σ = 1), Gaussian kernel, products on the 2×-refined grid
    /// (``ScalarFluxDensity``); for ℓ = h·{4, 5.66, 8, 11.3, 16, 22.6, 32}, Π(ℓ) = ⟨|∇ρ̄_ℓ · τ_ℓ(ρ, u)|⟩, u = ∇(V * ρ), and S₃ of ρ
    /// at the lag round(ℓ/h) = {4, 6, 8, 11, 16, 23, 32}. Pass: Π/(S₃/ℓ) at the smallest ℓ ≤ 1.05 × its value at the largest. The
    /// bound is an upper bound (§6.2 note ii): u = ∇V * ρ is smoother than ρ, τ_ℓ(ρ, u) ≈ (ℓ²/d) ∇ρ̄_ℓ · ∇u, so Π ~ ℓ^{2ξ} decays
    /// faster than δρ³/ℓ ~ ℓ^{3ξ−1} and the ratio falls as ℓ → 0. Measured: Π = 7.53e-5 … 1.45e-4, S₃ = 7.33e-4 … 4.86e-3, ratio
    /// 3.21e-3 → 7.47e-3 (physics.md 3.4e-3 → 8.5e-3). This needs u exact at every grid mode (|k|σ up to 570 here):
    /// ``PotentialGradient``'s V̂ must resolve J₀(kr) there. The refined grid hardly matters for this field: products formed on
    /// the grid change ⟨Π⟩ by 1e-7 and τ by 5e-6 of max|τ| at ℓ = 4h, since u is smooth and little of ρu lies beyond Nyquist.
    ///
    /// Also: f is fBm-like, so ξ₃ (least squares over the same lags) is within 0.1 of H; the missing modes beyond Nyquist smooth
    /// the smallest lags and lift the slope (local ξ₃ 0.37 at 2–4 cells, 0.285 at 16–23; fit 0.302, physics.md 0.315). The
    /// fitted exponent of Π(ℓ) is printed, not asserted: the bound fixes no exponent, and the local slope falls from 0.44 to
    /// 0.13 across the range as ℓ nears the scale of ∇u (fit 0.32; physics.md 0.42).
    @Test func fluxDensityStaysWithinTheBound() throws {
        let points = 512, box = 4.0, hurst = 0.25, world = Communicator.world
        let decomposition = try SlabDecomposition(grid: GridShape([points, points]), box: [box, box], communicator: world)
        let fft = SlabFFT(decomposition: decomposition, effort: .estimate), h = box / Double(points)
        let rho = PeriodicFractionalField.sample(fft: fft, hurst: hurst, seed: 2025).map { 1 + 0.15 * $0 }
        let u = PotentialGradient(potential: .harmonic(diameters: [1.0]), dimension: 2).evaluate(densities: [rho], calculus: SpectralCalculus(fft: fft))[0]
        let flux = ScalarFluxDensity(density: rho, potentialGradient: u, fft: fft, kernel: GaussianKernel(dimension: 2))

        let multiples = (0..<7).map { 4 * pow(2, Double($0) / 2) }, scales = multiples.map { $0 * h }
        let pi = scales.map { flux.mean(scale: $0) }
        let structure = try StructureFunctions(field: rho, decomposition: decomposition, lags: multiples.map { Int($0.rounded()) }, orders: [3])
        let ratios = scales.indices.map { pi[$0] / (structure.values[0][$0] / scales[$0]) }
        let xi3 = ScalingExponents(structure, spacing: h, range: 0...box).xi[0]
        let fluxExponent = Self.slope(x: scales.map(log), y: pi.map(log))
        print("F7: Π/(S₃/ℓ) =", ratios.map { String(format: "%.3e", $0) }, String(format: "ξ₃ = %.3f, Π ~ ℓ^%.2f", xi3, fluxExponent))

        #expect(ratios[0] <= 1.05 * ratios[ratios.count - 1], "Π/(S₃/ℓ) = \(ratios) grows as ℓ → 0 (Π ~ ℓ^\(fluxExponent), ξ₃ = \(xi3))")
        #expect(abs(xi3 - hurst) < 0.1, "ξ₃ = \(xi3) of an fBm-like field with H = \(hurst)")
    }

    /// The least-squares slope of y against x.
    private static func slope(x: [Double], y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        return zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
    }
}

/// The periodic fBm-like field of physics.md §6.3(b), as owned samples: random phases, |f̂(k)| ∝ |k|^{−(H+1)} (d = 2, so
/// S₂(r) ∝ r^{2H} between the grid scale and the box), the k = 0 and Nyquist modes removed, normalised to unit standard
/// deviation. The phases are those of Gaussian white noise keyed by (seed, global node), uniform and independent, so any rank
/// count gives the same field.
enum PeriodicFractionalField {
    static func sample(fft: SlabFFT, hurst: Double, seed: UInt64) -> [Double] {
        let n = fft.extents, d = n.count, planeLength = n.dropFirst().reduce(1, *), first = fft.decomposition.start * planeLength
        let noise = (0..<(fft.decomposition.count * planeLength)).map { k in
            var rng = SplitMix64(state: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(first + k))
            let a = Double.random(in: Double.ulpOfOne..<1, using: &rng), b = Double.random(in: 0..<1, using: &rng)
            return (-2 * log(a)).squareRoot() * cos(2 * .pi * b)
        }
        fft.loadSamples(noise)
        fft.forward()
        let spectral = fft.spectral
        fft.forEachModeRun { start, axis, fixed in
            var modes = fixed
            for j in 0..<(axis == d - 1 ? fft.spectralLastExtent : n[axis]) {
                modes[axis] = j
                let k2 = modes.indices.reduce(0.0) { $0 + pow(fft.wavenumber(axis: $1, index: modes[$1]), 2) }
                let (re, im) = (spectral[start + 2 * j], spectral[start + 2 * j + 1]), magnitude = (re * re + im * im).squareRoot()
                let nyquist = modes.indices.contains { fft.isNyquist(axis: $0, index: modes[$0]) }
                let factor = k2 == 0 || nyquist || magnitude == 0 ? 0 : pow(k2, -(hurst + 1) / 2) / magnitude
                spectral[start + 2 * j] = factor * re
                spectral[start + 2 * j + 1] = factor * im
            }
        }
        fft.inverse()
        let f = fft.ownedSamples(), communicator = fft.decomposition.communicator
        let deviation = (communicator.allreduce(f.reduce(0) { $0 + $1 * $1 }, .sum) / Double(fft.decomposition.grid.pointCount)).squareRoot()
        return f.map { $0 / deviation }
    }
}
