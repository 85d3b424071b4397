#if canImport(Glibc)
import Glibc
#endif

/// Scaling exponents of structure functions (physics.md §6.1–6.2): ζ_p is the least-squares slope of log S_p against
/// log r over the lags whose length h·r lies in `range` (physics.md: h·r ≥ 2ℓ_min and ≤ L/8), with its standard
/// error; ξ_p = ζ_p / p estimates the Besov exponent, and the paper's anomaly criterion (Eq. 56) is ξ_3 ≤ 1/3.
public struct ScalingExponents: Sendable {
    public let orders: [Int]
    public let zeta: [Double]
    public let xi: [Double]
    /// The standard errors of ζ_p (NaN with fewer than three lags in range).
    public let standardErrors: [Double]
    /// The lags (cells) the fit used.
    public let fitLags: [Int]

    public init(_ s: StructureFunctions, spacing h: Double, range: ClosedRange<Double>) {
        let used = s.lags.indices.filter { l in range.contains(Double(s.lags[l]) * h) && s.values.allSatisfy { $0[l] > 0 } }
        let x = used.map { log(Double(s.lags[$0]) * h) }
        let fits = s.values.map { values in LineFit(x: x, y: used.map { log(values[$0]) }) }
        let zeta = fits.map(\.slope), errors = fits.map(\.slopeError)
        orders = s.orders
        self.zeta = zeta
        xi = zip(zeta, s.orders).map { $0 / Double($1) }
        standardErrors = errors
        fitLags = used.map { s.lags[$0] }
    }

    /// ξ_3 ≤ 1/3 (paper Eq. 56): a non-vanishing flux as ℓ → 0 is possible; nil without order 3.
    public var anomalyCandidate: Bool? { orders.firstIndex(of: 3).map { xi[$0] <= 1.0 / 3 } }
}
