import Foundation
import Parallel
import Testing
import TestSupport

/// Order-independent summation (``ReproducibleSum``).
struct ReproducibleSumTests {
    /// 10⁵ terms spanning 12 decades with both signs: every shuffle and every split into "ranks" (partial
    /// sums of the folds added afterwards) gives the same bits, and the value agrees with an 80-bit sum
    /// to 1e-15 of Σ|x| (two folds: error ~ (n ε)² of the largest term, far below the 1e-15).
    @Test func sameBitsInAnyOrder() {
        var rng = SplitMix64(state: 3)
        let terms = (0..<100_000).map { _ in
            (Double.random(in: 0..<1, using: &rng) < 0.5 ? -1.0 : 1.0) * pow(10, Double.random(in: -9...3, using: &rng))
        }
        let bound = terms.map(abs).max()!, folding = ReproducibleSum(count: terms.count, bound: bound)
        func total(_ xs: [Double], parts: Int) -> Double {
            let size = (xs.count + parts - 1) / parts
            var folds = (0.0, 0.0)
            for p in 0..<parts {
                var local = (0.0, 0.0)
                for x in xs[min(p * size, xs.count)..<min((p + 1) * size, xs.count)] { folding.add(x, to: &local) }
                folds = (folds.0 + local.0, folds.1 + local.1)
            }
            return ReproducibleSum.value(folds)
        }
        let reference = total(terms, parts: 1)
        for parts in [1, 2, 3, 4, 7] {
            var shuffled = terms
            shuffled.shuffle(using: &rng)
            #expect(total(shuffled, parts: parts).bitPattern == reference.bitPattern, "\(parts) parts")
        }
        let exact = terms.reduce(Float80(0)) { $0 + Float80($1) }, magnitude = terms.reduce(0) { $0 + abs($1) }
        #expect(abs(Double(Float80(reference) - exact)) <= 1e-15 * magnitude, "\(reference) vs \(exact)")
        var zero = (0.0, 0.0)
        ReproducibleSum(count: 10, bound: 0).add(0, to: &zero)
        #expect(ReproducibleSum.value(zero) == 0)
    }
}
