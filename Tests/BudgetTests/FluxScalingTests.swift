#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Budget

/// The fits behind `flux_scaling` (physics.md §6.2): least-squares lines, the power law of ‖Q^flux_ℓ‖₁ and the ℓ → 0
/// extrapolation of ⟨Q^flux_ℓ⟩.
struct FluxScalingTests {
    /// A line through exact points is recovered to rounding (1e-12) with zero standard errors (< 1e-12); noise of known
    /// size gives a slope error of the textbook size σ/sqrt(Σ(x − x̄)²) within 50% (one draw of 5 points).
    @Test func lineFit() {
        let x = [0.5, 1, 1.5, 2, 3.0]
        let exact = LineFit(x: x, y: x.map { 0.3 - 1.7 * $0 })
        #expect(abs(exact.intercept - 0.3) < 1e-12 && abs(exact.slope + 1.7) < 1e-12 && exact.slopeError < 1e-12 && exact.interceptError < 1e-12)
        let noise = [0.01, -0.01, 0.01, -0.01, 0.0]
        let noisy = LineFit(x: x, y: zip(x, noise).map { 0.3 - 1.7 * $0 + $1 })
        let sxx = x.reduce(0) { $0 + ($1 - 1.6) * ($1 - 1.6) }, expected = 0.01 / sxx.squareRoot()
        #expect(abs(noisy.slopeError / expected - 1) < 0.5, "slope error \(noisy.slopeError), textbook \(expected)")
        #expect(LineFit(x: [1, 2], y: [1, 2]).slopeError.isNaN, "two points leave no residual degree of freedom")
    }

    /// ‖Q‖₁ = 2ℓ^{0.4}: exponent 0.4 to 1e-12; S_3/ℓ = ℓ^{-0.2}: ratios 2ℓ^{0.6}. The extrapolation of m = a + bℓ returns a
    /// with an error bar that is only the model term (the linear fit is exact; the ℓ² model's intercept differs), and of
    /// m = a + bℓ² an error bar that covers a.
    @Test func powerLawAndExtrapolation() throws {
        let scales = [0.25, 0.5, 1, 2.0]
        let scaling = FluxScaling(scales: scales, fluxNorms: scales.map { 2 * pow($0, 0.4) }, bounds: scales.map { pow($0, -0.2) })
        #expect(abs(scaling.exponent - 0.4) < 1e-12 && scaling.exponentError < 1e-12)
        #expect(zip(scaling.ratios, scales).allSatisfy { abs($0 - 2 * pow($1, 0.6)) < 1e-12 })
        let linear = try #require(FluxScaling.extrapolate(scales: scales, values: scales.map { 1e-4 + 3e-4 * $0 }))
        #expect(abs(linear.value - 1e-4) < 1e-16 && linear.error > 0)
        let quadratic = try #require(FluxScaling.extrapolate(scales: scales, values: scales.map { 1e-4 + 3e-4 * $0 * $0 }))
        #expect(abs(quadratic.value - 1e-4) <= quadratic.error, "\(quadratic)")
        #expect(FluxScaling.extrapolate(scales: [1, 2], values: [1, 2]) == nil)
    }
}
