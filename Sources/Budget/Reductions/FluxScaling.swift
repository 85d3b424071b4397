#if canImport(Glibc)
import Glibc
#endif
/// How the inter-scale flux scales with ℓ against the paper's bound (physics.md §6.2, test F7; paper Eqs. 49, 55):
/// ‖Q^flux_ℓ‖₁/|Ω| (the grid mean of its Frobenius norm) against S_3(ℓ)/ℓ = ⟨|δ_ℓ ρ̄|³⟩/ℓ, the bound's
/// δρ(ℓ)³/ℓ measured on the density at the smallest scale. The bound holds with an O(1) constant, so the ratio must
/// not grow as ℓ → 0; a flux that survives ℓ → 0 needs ξ_3 ≤ 1/3 (Eq. 56). Also the power law ‖Q^flux_ℓ‖₁ ∝ ℓ^α
/// (least squares in log–log) and the ℓ → 0 extrapolation of the signed mean ⟨Q^flux_ℓ⟩ (the inter-scale flux Π(ℓ)).
public struct FluxScaling: Sendable {
    public let scales: [Double]
    public let fluxNorms: [Double]
    public let bounds: [Double]
    /// ‖Q^flux_ℓ‖₁ / (S_3(ℓ)/ℓ) per scale.
    public var ratios: [Double] { zip(fluxNorms, bounds).map { $1 > 0 ? $0 / $1 : .nan } }
    /// α and its standard error (NaN with fewer than two or three scales).
    public let exponent: Double
    public let exponentError: Double

    public init(scales: [Double], fluxNorms: [Double], bounds: [Double]) {
        precondition(scales.count == fluxNorms.count && scales.count == bounds.count, "one norm and bound per scale")
        self.scales = scales
        self.fluxNorms = fluxNorms
        self.bounds = bounds
        let kept = scales.indices.filter { fluxNorms[$0] > 0 }
        let fit = LineFit(x: kept.map { log(scales[$0]) }, y: kept.map { log(fluxNorms[$0]) })
        exponent = fit.slope
        exponentError = fit.slopeError
    }

    /// The ℓ → 0 limit of a per-scale mean m(ℓ) (e.g. ⟨Q^flux_ℓ,xy⟩), nil with fewer than three scales. Model: m = a + bℓ,
    /// least squares over every scale; the error bar is the fit's standard error of a combined with the change of a
    /// under the other smooth model m = a + bℓ², so that it also states how much the answer depends on the model.
    public static func extrapolate(scales: [Double], values: [Double]) -> (value: Double, error: Double)? {
        guard scales.count >= 3 else { return nil }
        let linear = LineFit(x: scales, y: values), quadratic = LineFit(x: scales.map { $0 * $0 }, y: values)
        let model = linear.intercept - quadratic.intercept
        return (linear.intercept, (linear.interceptError * linear.interceptError + model * model).squareRoot())
    }
}
