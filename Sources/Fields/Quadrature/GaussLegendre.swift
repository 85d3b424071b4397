#if canImport(Glibc)
import Glibc
#endif

/// Gauss–Legendre quadrature: n nodes and weights on [a, b], exact for polynomials of degree 2n − 1.
/// Nodes are the roots of P_n by Newton's method from Tricomi's estimate (cos(π(k − ¼)/(n + ½))),
/// accurate to a few ulps for n up to thousands. Used for kernel moments and transforms (physics.md
/// §3.1) and, later, the bond quadrature in r (§3.5).
public struct GaussLegendre: Sendable, Equatable {
    public let nodes: [Double]
    public let weights: [Double]

    /// - Precondition: `count` ≥ 1.
    public init(count n: Int, on interval: ClosedRange<Double> = -1...1) {
        precondition(n >= 1, "Gauss–Legendre needs at least one node")
        var x = [Double](repeating: 0, count: n), w = [Double](repeating: 2, count: n)
        for k in 0..<(n / 2) {
            var t = cos(Double.pi * (Double(k) + 0.75) / (Double(n) + 0.5))
            var derivative = 1.0
            for _ in 0..<100 {
                // P_n(t) and P_n'(t) by the three-term recurrence.
                var previous = 1.0, current = t
                for m in stride(from: 2, through: n, by: 1) {
                    (previous, current) = (current, (Double(2 * m - 1) * t * current - Double(m - 1) * previous) / Double(m))
                }
                derivative = Double(n) * (t * current - previous) / (t * t - 1)
                let step = current / derivative
                t -= step
                if abs(step) <= 1e-16 { break }
            }
            (x[k], x[n - 1 - k]) = (-t, t)
            (w[k], w[n - 1 - k]) = (2 / ((1 - t * t) * derivative * derivative), 2 / ((1 - t * t) * derivative * derivative))
        }
        if n % 2 == 1 {  // the middle node t = 0: P_n'(0) from the recurrence of P_{n−1}(0)
            var previous = 1.0, current = 0.0
            for m in stride(from: 2, through: n - 1, by: 1) { (previous, current) = (current, -Double(m - 1) * previous / Double(m)) }
            let derivative = Double(n) * (n == 1 ? 1 : current)
            w[n / 2] = 2 / (derivative * derivative)
        }
        let half = 0.5 * (interval.upperBound - interval.lowerBound), mid = 0.5 * (interval.upperBound + interval.lowerBound)
        nodes = x.map { mid + half * $0 }
        weights = w.map { half * $0 }
    }

    /// A composite rule from given nodes and weights (e.g. several panels).
    public init(nodes: [Double], weights: [Double]) {
        precondition(nodes.count == weights.count)
        self.nodes = nodes
        self.weights = weights
    }

    /// ∫_a^b f(x) dx by this rule.
    public func integrate(_ f: (Double) -> Double) -> Double {
        zip(nodes, weights).reduce(0) { $0 + $1.1 * f($1.0) }
    }
}
