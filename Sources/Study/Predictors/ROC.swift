import Parallel
import Particles

/// How well an indicator ranks the windows that hold a plastic event's core above the others (physics.md §6.4): the
/// receiver operating characteristic over thresholds, its area in the Mann–Whitney form (the probability that a random
/// positive outranks a random negative, ties counted ½), and a 95 % interval by bootstrap over events (the windows of
/// one event are not independent: they share the state, so events, not windows, are resampled).
struct ROC {
    /// A scored window: its indicator oriented so that larger means "more likely", its label, and its event (any
    /// integer naming the group that is resampled as a whole).
    struct Sample {
        var score: Double
        var positive: Bool
        var group: Int
    }

    /// The samples ordered by score, with the tie blocks and each sample's group as an index 0..<groups.
    private let sorted: [Sample]
    private let groupIndex: [Int]
    /// Distinct groups.
    let groups: Int

    /// Samples with a non-finite score are left out (an indicator undefined on a window, e.g. ξ_3 without lags).
    init(_ samples: [Sample]) {
        sorted = samples.filter { $0.score.isFinite }.sorted { $0.score < $1.score }
        // Groups numbered in the order of their names, not of their samples: the bootstrap draws the same groups
        // whatever order the samples came in (a file's rows, a dictionary's).
        let names = Set(sorted.map(\.group)).sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        groupIndex = sorted.map { index[$0.group]! }
        groups = names.count
    }

    var positives: Int { sorted.filter(\.positive).count }
    var negatives: Int { sorted.count - positives }

    /// The AUC, NaN without positives or negatives.
    var auc: Double { auc(weights: [Double](repeating: 1, count: groups)) }

    /// The AUC with each group's samples counted `weights[g]` times (a bootstrap resample): one pass over the sorted
    /// samples, a tie block's negatives counting ½ for its positives.
    private func auc(weights: [Double]) -> Double {
        var below = 0.0, sum = 0.0, positive = 0.0, start = 0
        while start < sorted.count {
            var end = start, blockPositive = 0.0, blockNegative = 0.0
            while end < sorted.count && sorted[end].score == sorted[start].score {
                let w = weights[groupIndex[end]]
                if sorted[end].positive { blockPositive += w } else { blockNegative += w }
                end += 1
            }
            sum += blockPositive * (below + 0.5 * blockNegative)
            positive += blockPositive
            below += blockNegative
            start = end
        }
        return positive > 0 && below > 0 ? sum / (positive * below) : .nan
    }

    /// The curve from (0, 0) to (1, 1): (false-positive rate, true-positive rate) as the threshold falls through each
    /// distinct score.
    var curve: [(falsePositive: Double, truePositive: Double)] {
        let p = Double(positives), n = Double(negatives)
        guard p > 0, n > 0 else { return [] }
        var points = [(0.0, 0.0)], truePositives = 0.0, falsePositives = 0.0, end = sorted.count
        while end > 0 {
            var start = end - 1
            while start > 0 && sorted[start - 1].score == sorted[end - 1].score { start -= 1 }
            for sample in sorted[start..<end] { if sample.positive { truePositives += 1 } else { falsePositives += 1 } }
            points.append((falsePositives / n, truePositives / p))
            end = start
        }
        return points
    }

    /// The percentile interval of the AUC at `level` over `resamples` bootstrap resamples of the groups (with
    /// replacement, as many as there are), drawn from a Philox stream keyed by `seed`: the same interval on every run
    /// (NaN without positives or negatives).
    func interval(level: Double = 0.95, resamples: Int = 1000, seed: UInt32 = 0x5EED) -> (low: Double, high: Double) {
        guard groups > 0 else { return (.nan, .nan) }
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for r in 0..<resamples {
            var weights = [Double](repeating: 0, count: groups)
            for k in 0..<groups {
                let bits = Philox.block(counter: (UInt32(truncatingIfNeeded: r), UInt32(truncatingIfNeeded: k), 0, 0), key: (seed, 0x0C0C))
                weights[Int((UInt64(bits.0) * UInt64(groups)) >> 32)] += 1
            }
            let value = auc(weights: weights)
            if value.isFinite { values.append(value) }
        }
        guard !values.isEmpty else { return (.nan, .nan) }
        values.sort()
        func quantile(_ q: Double) -> Double { values[min(values.count - 1, max(0, Int((q * Double(values.count)).rounded(.down))))] }
        return (quantile(0.5 * (1 - level)), quantile(0.5 * (1 + level)))
    }
}
