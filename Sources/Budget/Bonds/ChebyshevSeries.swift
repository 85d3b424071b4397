#if canImport(Glibc)
import Glibc
#endif

/// A function of the wavenumber on [0, k_max] as a Chebyshev series, for transforms that are costly to evaluate
/// (a radial quadrature with Bessel functions) but needed at every Fourier mode: Φ_ab(K) of the bond weight
/// (physics.md §3.7a) and V̂_ab(k) (§4.1). Both are entire in k (compact support in r), so the series converges
/// geometrically: the degree doubles from 32 until the last eight coefficients of every function are below 1e-13 of
/// its largest (or 4096); the coefficients' own rounding floor is ~1e-14 relative (sums of n samples), so a tighter
/// stop would never be met. Evaluation is a Clenshaw sum.
public struct ChebyshevSeries: Sendable {
    public let upper: Double
    public let coefficients: [Double]

    /// Fits the components of `f` (the same count at every k) on [0, `upper`].
    public static func fit(on upper: Double, _ f: (Double) -> [Double]) -> [ChebyshevSeries] {
        var n = 32
        while true {
            let samples = (0..<n).map { j in f(0.5 * upper * (1 + cos(Double.pi * (Double(j) + 0.5) / Double(n)))) }
            let series = samples[0].indices.map { component in
                ChebyshevSeries(upper: upper, coefficients: (0..<n).map { m in
                    let sum = samples.indices.reduce(0.0) { $0 + samples[$1][component] * cos(Double.pi * Double(m) * (Double($1) + 0.5) / Double(n)) }
                    return (m == 0 ? 1 : 2) * sum / Double(n)
                })
            }
            let converged = series.allSatisfy { s in
                let largest = s.coefficients.map(abs).max() ?? 0
                return s.coefficients.suffix(8).allSatisfy { abs($0) <= 1e-13 * largest }
            }
            if converged || n >= 4096 { return series }
            n *= 2
        }
    }

    /// The value at k ∈ [0, upper].
    @inline(__always)
    public func callAsFunction(_ k: Double) -> Double {
        let t = 2 * k / upper - 1
        var b1 = 0.0, b2 = 0.0
        for m in stride(from: coefficients.count - 1, through: 1, by: -1) { (b1, b2) = (2 * t * b1 - b2 + coefficients[m], b1) }
        return t * b1 - b2 + coefficients[0]
    }
}
