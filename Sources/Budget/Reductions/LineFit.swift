/// The least-squares line y = a + b x through points (x_n, y_n), with the standard errors of a and b from the residual
/// variance (NaN with fewer than three points, NaN slope with fewer than two). Used for scaling exponents (physics.md
/// §6.1) and for the ℓ → 0 extrapolation of the flux (§6.2).
public struct LineFit: Sendable {
    public let intercept: Double
    public let slope: Double
    public let interceptError: Double
    public let slopeError: Double

    public init(x: [Double], y: [Double]) {
        precondition(x.count == y.count, "one y per x")
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        let sxx = x.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        let b = x.count >= 2 ? zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) } / sxx : .nan
        let residuals = zip(x, y).reduce(0) { total, point in
            let r = point.1 - meanY - b * (point.0 - meanX)
            return total + r * r
        }
        let variance = x.count >= 3 ? residuals / (n - 2) : .nan
        slope = b
        intercept = meanY - b * meanX
        slopeError = (variance / sxx).squareRoot()
        interceptError = (variance * (1 / n + meanX * meanX / sxx)).squareRoot()
    }
}
