/// Sums whose result does not depend on the order of the terms, hence not on how they are split over
/// ranks (Demmel & Nguyen's pre-rounding, "Fast reproducible floating-point summation", 2013): each term
/// x is split as t₁ = (x + σ₁) − σ₁, a multiple of ulp(σ₁), and the remainder's t₂ likewise with σ₂. With
/// σ₁ large enough for every partial sum of the t₁ to be exact, any order adds them without rounding;
/// the two folds keep a relative error about (n ε)² of the largest term instead of n ε.
///
/// Used where a global sum steers a trajectory (FIRE's power and norms), so that AQS relaxes to the
/// same bits on any rank count.
public struct ReproducibleSum: Sendable {
    let sigma1: Double
    let sigma2: Double

    /// For at most `count` terms (over all ranks) of magnitude at most `bound`.
    public init(count: Int, bound: Double) {
        sigma1 = Self.sigma(count: count, bound: bound)
        sigma2 = Self.sigma(count: count, bound: 0.5 * sigma1.ulp)
    }

    /// 1.5 · 2^k with 2^(k−1) ≥ 2 · count · bound: terms and partial sums stay below half the binade.
    static func sigma(count: Int, bound: Double) -> Double {
        let scale = Double(max(count, 1)) * bound
        guard scale > 0, scale.isFinite else { return 0 }
        return Double(sign: .plus, exponent: scale.exponent + 3, significand: 1.5)
    }

    /// Adds `x` to the two exact partial sums.
    @inline(__always)
    public func add(_ x: Double, to sums: inout (Double, Double)) {
        guard sigma1 != 0 else { return }  // all terms are zero
        let t1 = (x + sigma1) - sigma1, rest = x - t1
        sums.0 += t1
        sums.1 += (rest + sigma2) - sigma2
    }

    /// The sum from the folds (after they were reduced over ranks, in any order).
    @inline(__always)
    public static func value(_ sums: (Double, Double)) -> Double { sums.0 + sums.1 }
}

extension ReproducibleSum {
    /// Collective: for each list of terms (this rank's share), the sum over all ranks, independent of how the terms
    /// are split and ordered; every rank passes the same number of lists.
    public static func totals(_ terms: [[Double]], communicator: Communicator) -> [Double] {
        let bounds = communicator.allreduce(terms.map { $0.reduce(0) { max($0, abs($1)) } }, .max)
        let counts = communicator.allreduce(terms.map(\.count), .sum)
        var folds: [Double] = []
        for (k, list) in terms.enumerated() {
            let sum = ReproducibleSum(count: counts[k], bound: bounds[k])
            var s = (0.0, 0.0)
            for x in list { sum.add(x, to: &s) }
            folds += [s.0, s.1]
        }
        let total = communicator.allreduce(folds, .sum)
        return terms.indices.map { value((total[2 * $0], total[2 * $0 + 1])) }
    }
}
