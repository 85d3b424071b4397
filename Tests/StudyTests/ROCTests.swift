import Foundation
import Testing
import TestSupport
@testable import Study

/// The ROC statistics of physics.md §6.4 on synthetic windows whose answer is known in closed form.
struct ROCTests {
    /// 400 events of 1 positive and 24 negative windows; the positive's score drawn from N(μ, 1), the negatives' from
    /// N(0, 1), independently.
    static func events(separation mu: Double, seed: UInt64) -> [ROC.Sample] {
        var rng = SplitMix64(state: seed)
        func normal() -> Double {
            let u = Double(rng.next() >> 11 | 1) / Double(1 << 53), v = Double(rng.next() >> 11) / Double(1 << 53)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        return (0..<400).flatMap { event in
            [ROC.Sample(score: mu + normal(), positive: true, group: event)]
                + (0..<24).map { _ in ROC.Sample(score: normal(), positive: false, group: event) }
        }
    }

    /// Hanley & McNeil's standard error of the Mann–Whitney AUC with p positives and n negatives.
    static func standardError(_ a: Double, positives p: Double, negatives n: Double) -> Double {
        let q1 = a / (2 - a), q2 = 2 * a * a / (1 + a)
        return ((a * (1 - a) + (p - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (p * n)).squareRoot()
    }

    /// A planted indicator: AUC = P(X + μ > Y) = Φ(μ/√2) for X, Y ~ N(0, 1), here 0.7602 at μ = 1. The estimate lies
    /// within 3 standard errors (0.011 here), and the bootstrap's 95 % interval over events holds the true value with a
    /// half-width within [0.7, 1.4] × 1.96 standard errors (a bootstrap over windows instead, or one too few resamples,
    /// moves it out), the same for the samples in any order. Labels flipped give 1 − AUC: the orientation is the score's,
    /// not the label's.
    @Test func plantedIndicatorGivesTheNormalAUC() {
        let mu = 1.0, truth = 0.5 * erfc(-mu / 2)  // Φ(μ/√2) = ½ erfc(−μ/2)
        let roc = ROC(Self.events(separation: mu, seed: 7))
        let se = Self.standardError(truth, positives: Double(roc.positives), negatives: Double(roc.negatives))
        #expect(roc.groups == 400 && roc.positives == 400 && roc.negatives == 9600)
        #expect(abs(roc.auc - truth) <= 3 * se, "AUC \(roc.auc) against Φ(μ/√2) = \(truth) ± \(se)")
        let interval = roc.interval()
        #expect(interval.low <= truth && truth <= interval.high, "95 % interval \(interval) holds \(truth)")
        let halfWidth = 0.5 * (interval.high - interval.low)
        #expect((0.7...1.4).contains(halfWidth / (1.96 * se)), "half-width \(halfWidth) against 1.96 SE = \(1.96 * se)")
        // Scores rounded to 0.1: ties everywhere, whose order a sort does not fix.
        let coarse = Self.events(separation: mu, seed: 7).map { ROC.Sample(score: ($0.score * 10).rounded() / 10, positive: $0.positive, group: $0.group) }
        let (forward, backward) = (ROC(coarse).interval(), ROC(Array(coarse.reversed())).interval())
        #expect(forward == backward, "the interval does not depend on the samples' order: \(forward) vs \(backward)")
        let flipped = ROC(Self.events(separation: mu, seed: 7).map { ROC.Sample(score: -$0.score, positive: $0.positive, group: $0.group) })
        #expect(abs(flipped.auc - (1 - roc.auc)) <= 1e-12)
    }

    /// An uninformative indicator (μ = 0) gives 0.5 inside its interval; ties count ½ (all scores equal: exactly 0.5);
    /// the curve runs from (0, 0) to (1, 1) and its trapezoid area is the AUC.
    @Test func randomIndicatorGivesOneHalf() {
        let roc = ROC(Self.events(separation: 0, seed: 11))
        let interval = roc.interval()
        #expect(interval.low <= 0.5 && 0.5 <= interval.high, "interval \(interval), AUC \(roc.auc)")
        let tied = ROC(Self.events(separation: 0, seed: 11).map { ROC.Sample(score: 1, positive: $0.positive, group: $0.group) })
        #expect(tied.auc == 0.5)
        let curve = roc.curve
        #expect(curve.first! == (0, 0) && curve.last! == (1, 1))
        let area = zip(curve, curve.dropFirst()).reduce(0.0) { $0 + ($1.1.falsePositive - $1.0.falsePositive) * 0.5 * ($1.0.truePositive + $1.1.truePositive) }
        #expect(abs(area - roc.auc) <= 1e-12, "trapezoid \(area) against Mann–Whitney \(roc.auc)")
        let undefined = ROC([ROC.Sample(score: .nan, positive: true, group: 0), ROC.Sample(score: 1, positive: false, group: 0)])
        #expect(undefined.auc.isNaN && undefined.positives == 0 && undefined.interval().low.isNaN, "a non-finite score is left out")
    }
}
