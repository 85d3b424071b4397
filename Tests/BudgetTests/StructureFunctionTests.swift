import Foundation
import Parallel
import Testing
import TestSupport
@testable import Budget

/// Structure functions and scaling exponents (physics.md §6.1) on the MPI singleton.
@Suite(.serialized) struct StructureFunctionTests {
    /// A single mode f = A sin(2π m x/L) on a 96 × 64 grid (y × x): along y the increments vanish, along x
    /// δ = 2A sin(kr/2) cos(k(x + r/2)), so S_p(r) = ½ |2A sin(kr/2)|^p ⟨|cos|^p⟩ with ⟨cos²⟩ = 1/2, ⟨cos⁴⟩ = 3/8, ⟨cos⁶⟩ = 5/16
    /// (exact on the grid's equally spaced points for p < 2·64/m): to 1e-12 relative at every lag, lags wrapping the box included.
    @Test func singleModeIsExact() throws {
        let (ny, nx, m, amplitude, length) = (96, 64, 3, 0.7, 16.0)
        let decomposition = try SlabDecomposition(grid: GridShape([ny, nx]), box: [length * 1.5, length], communicator: .world)
        let k = 2 * Double.pi * Double(m) / length, h = length / Double(nx)
        let field = (0..<(decomposition.count * nx)).map { amplitude * sin(k * Double($0 % nx) * h) }
        let lags = [1, 2, 5, 17, 40, 63]
        let s = try StructureFunctions(field: field, decomposition: decomposition, lags: lags, orders: [2, 4, 6])
        for (q, (p, mean)) in [(2, 0.5), (4, 0.375), (6, 0.3125)].enumerated() {
            for (l, lag) in lags.enumerated() {
                let expected = 0.5 * pow(2 * amplitude * abs(sin(k * Double(lag) * h / 2)), Double(p)) * mean
                #expect(abs(s.values[q][l] - expected) <= 1e-12 * max(expected, 1e-300), "S_\(p)(\(lag)) = \(s.values[q][l]) vs \(expected)")
            }
        }
    }

    /// ζ_p by least squares: for S_p(r) = c r^{p/3.5} exactly (ξ_p = 1/3.5, below the paper's 1/3) the fit returns ζ_p = p/3.5 to
    /// 1e-12 with zero standard error, and the anomaly flag (ξ_3 ≤ 1/3) is set; only lags inside the fit range are used.
    @Test func exponentFit() {
        let lags = StructureFunctions.defaultLags, h = 0.25
        let s = StructureFunctions(lags: lags, orders: [1, 2, 3], values: [1.0, 2.0, 3.0].map { p in lags.map { 1.7 * pow(Double($0) * h, p / 3.5) } })
        let fit = ScalingExponents(s, spacing: h, range: 0.9...6)
        #expect(fit.fitLags == [4, 7, 10, 14, 22])
        for (q, p) in [1.0, 2.0, 3.0].enumerated() {
            #expect(abs(fit.zeta[q] - p / 3.5) < 1e-12 && fit.standardErrors[q] < 1e-12)
        }
        #expect(fit.anomalyCandidate == true)
    }
}

extension StructureFunctionTests {
    /// S1 (physics.md §6.3): exact fractional Brownian surfaces, m = 256, H ∈ {0.2, 0.5, 0.7}, open structure functions
    /// averaged over 4 realisations at the default lags, p = 2, 3, 4: |ξ_p − H| < 0.05 (the estimator's bias at 256²;
    /// physics.md measured 0.198, 0.489, 0.68; here ξ_2 = 0.2006, 0.4954, 0.6893 and ξ_4 = 0.2021, 0.5021, 0.6933) and
    /// the anomaly flag (ξ_3 ≤ 1/3) equals H < 1/3.
    @Test(arguments: [0.2, 0.5, 0.7])
    func besovExponentsOfFractionalBrownianSurfaces(hurst: Double) throws {
        let m = 256, surface = FractionalBrownianSurface(m: m, hurst: hurst)
        let decomposition = try SlabDecomposition(grid: GridShape([m, m]), box: [1, 1], communicator: .world)
        var rng = SplitMix64(state: 2026), sums = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 3)
        for _ in 0..<4 {
            let s = try StructureFunctions(field: surface.sample(&rng), decomposition: decomposition, orders: [2, 3, 4], periodic: false)
            for q in 0..<3 { for l in 0..<8 { sums[q][l] += s.values[q][l] / 4 } }
        }
        let averaged = StructureFunctions(lags: StructureFunctions.defaultLags, orders: [2, 3, 4], values: sums)
        let fit = ScalingExponents(averaged, spacing: 1 / Double(m), range: 0...1)
        for (q, p) in [2, 3, 4].enumerated() {
            #expect(abs(fit.xi[q] - hurst) < 0.05, "H = \(hurst): ξ_\(p) = \(fit.xi[q])")
        }
        #expect(fit.anomalyCandidate == (hurst < 1.0 / 3), "H = \(hurst): ξ_3 = \(fit.xi[1])")
    }
}

extension StructureFunctionTests {
    /// S2 (physics.md §6.3, local estimator): f = w B_0.25 + (1 − w) B_0.7 with w = ½[1 − tanh((x₁ − 0.5)/0.03)], m = 256,
    /// open increments from base points in the windows x₁ < 0.35 and x₁ > 0.65 (lags 2, 3, 5, 7, 11, 16 cells), averaged
    /// over 4 realisations: |ξ_p − H| < 0.08 in each window for p = 2, 3, 4 (physics.md measured 0.255 and 0.625; here
    /// 0.259 and 0.701–0.708: increments from near the blend reach across it).
    @Test func localExponentsOfABlend() throws {
        let m = 256, rough = FractionalBrownianSurface(m: m, hurst: 0.25), smooth = FractionalBrownianSurface(m: m, hurst: 0.7)
        let decomposition = try SlabDecomposition(grid: GridShape([m, m]), box: [1, 1], communicator: .world)
        let lags = [2, 3, 5, 7, 11, 16], x1 = (0..<(m * m)).map { Double($0 / m) / Double(m) }
        let weight = x1.map { 0.5 * (1 - tanh(($0 - 0.5) / 0.03)) }, windows = x1.map { $0 < 0.35 ? 0 : $0 > 0.65 ? 1 : -1 }
        var rng = SplitMix64(state: 7), sums = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: lags.count), count: 3), count: 2)
        for _ in 0..<4 {
            let a = rough.sample(&rng), b = smooth.sample(&rng)
            let field = weight.indices.map { weight[$0] * a[$0] + (1 - weight[$0]) * b[$0] }
            let local = try StructureFunctions.windowed(field: field, windows: windows, windowCount: 2, decomposition: decomposition,
                                                        lags: lags, orders: [2, 3, 4], periodic: false)
            for w in 0..<2 { for q in 0..<3 { for l in lags.indices { sums[w][q][l] += local[w].values[q][l] / 4 } } }
        }
        for (w, hurst) in [0.25, 0.7].enumerated() {
            let fit = ScalingExponents(StructureFunctions(lags: lags, orders: [2, 3, 4], values: sums[w]), spacing: 1 / Double(m), range: 0...1)
            for (q, p) in [2, 3, 4].enumerated() {
                #expect(abs(fit.xi[q] - hurst) < 0.08, "window \(w), H = \(hurst): ξ_\(p) = \(fit.xi[q])")
            }
        }
    }
}

