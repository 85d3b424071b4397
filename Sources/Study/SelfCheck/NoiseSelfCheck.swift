import Foundation
import Parallel
import Particles

/// The Gaussian Brownian noise of this build (physics.md §1.3's ξ, ``NoiseDistribution/gaussian``) against the
/// standard normal: its vector Box–Muller is compiled for the machine (`ARCH`), so a cluster node checks its own.
///
/// - Moments of 10⁷ draws (the run's own stream: ids split over the ranks): mean, variance, third and fourth
///   moments, and the pair's correlations ⟨ab⟩, ⟨a²b²⟩ − 1, each within 5 standard errors of its estimator.
/// - Kolmogorov–Smirnov against Φ over the same draws: sup |F_n − Φ| on 65 536 bin edges in [−8, 8] below
///   1.95/√n (P = 0.001 for a true normal; edges 1/4096 apart miss at most 1e-4 of the sup).
/// - Tails P(|ξ_a| > t), t = 1…6, exact for this generator: for 8192 angle words (the midpoint rule in the angle,
///   spectrally accurate) a binary search counts the radius words with |ξ_a| > t, against 2Φ(−t); the 32-bit
///   uniforms put each count within half a word, so the tolerance is 2⁻³² (12% of the probability at 6σ, 1e-7 of
///   it at 3σ, where an error of 1e-7 in ln u would show).
enum NoiseSelfCheck {
    static let draws = 10_000_000
    static let seed: UInt64 = 0x5E1F_C4EC

    static func run(_ comm: Communicator) -> ([SelfCheck.Result], [String: Double]) {
        let (moments, values) = momentsAndDistribution(comm)
        return (moments + tails(comm), values)
    }

    /// Moments, correlations and the Kolmogorov–Smirnov distance of 10⁷ draws.
    private static func momentsAndDistribution(_ comm: Communicator) -> ([SelfCheck.Result], [String: Double]) {
        let lanes = NoiseLanes.scalarCount
        let blocks = draws / 4, groups = blocks / lanes  // each block is two (a, b) pairs
        let first = groups * comm.rank / comm.size, last = groups * (comm.rank + 1) / comm.size
        let bins = 65_536, binsPerUnit = 4096.0, lowest = -8.0
        var counts = [Int](repeating: 0, count: bins + 1)
        var sums = [Double](repeating: 0, count: 6)  // x, x², x³, x⁴, ab, a²b²
        for group in first..<last {
            var ids = NoiseLanes()
            for l in 0..<lanes { ids[l] = UInt64(group * lanes + l) }
            let w = RandomStream.brownian.words(seed: seed, ids: ids, n: 0)
            for (a, b) in [NoiseDistribution.gaussian.values(w.0, w.1), NoiseDistribution.gaussian.values(w.2, w.3)] {
                for x in [a, b] {
                    let x2 = x * x
                    sums[0] += x.sum()
                    sums[1] += x2.sum()
                    sums[2] += (x2 * x).sum()
                    sums[3] += (x2 * x2).sum()
                    for l in 0..<lanes { counts[min(bins, max(0, Int(((x[l] - lowest) * binsPerUnit).rounded(.up))))] += 1 }
                }
                sums[4] += (a * b).sum()
                sums[5] += (a * a * b * b).sum()
            }
        }
        let total = comm.allreduce(sums, .sum), histogram = comm.allreduce(counts, .sum)
        let n = Double(groups * lanes * 4), pairs = n / 2
        let m = total.map { $0 / n }
        let cross = (total[4] / pairs, total[5] / pairs)
        var results: [SelfCheck.Result] = [
            .init(name: "noise mean (in standard errors, 1/sqrt n)", error: abs(m[0]) * n.squareRoot(), tolerance: 5),
            .init(name: "noise variance - 1 (in standard errors, sqrt(2/n))", error: abs(m[1] - 1) / (2 / n).squareRoot(), tolerance: 5),
            .init(name: "noise third moment (in standard errors, sqrt(15/n))", error: abs(m[2]) / (15 / n).squareRoot(), tolerance: 5),
            .init(name: "noise fourth moment - 3 (in standard errors, sqrt(96/n))", error: abs(m[3] - 3) / (96 / n).squareRoot(), tolerance: 5),
            .init(name: "noise pair <ab> (in standard errors)", error: abs(cross.0) * pairs.squareRoot(), tolerance: 5),
            .init(name: "noise pair <a^2 b^2> - 1 (in standard errors, sqrt(8/n))", error: abs(cross.1 - 1) / (8 / pairs).squareRoot(), tolerance: 5),
        ]
        // counts[k] holds draws in (edge_{k-1}, edge_k]: the running sum is F_n at edge_k.
        var below = 0, distance = 0.0
        for k in 0..<bins {
            below += histogram[k]
            let edge = lowest + Double(k) / binsPerUnit
            distance = max(distance, abs(Double(below) / n - 0.5 * erfc(-edge / 2.0.squareRoot())))
        }
        results.append(.init(name: "noise Kolmogorov-Smirnov sqrt(n) sup|F_n - Phi|", error: distance * n.squareRoot(), tolerance: 1.95))
        let values = ["noise_draws": n, "noise_draws_beyond_4": Double(histogram[0...(4 * 4096)].reduce(0, +) + histogram[(12 * 4096 + 1)...].reduce(0, +))]
        return (results, values)
    }

    /// P(|ξ_a| > t) of this generator by the angle quadrature, against 2Φ(−t), in units of 2⁻³².
    private static func tails(_ comm: Communicator) -> [SelfCheck.Result] {
        let lanes = NoiseLanes.scalarCount, angles = 8192, span = 1 << 32, thresholds = 1...6
        var counted = [Double](repeating: 0, count: thresholds.count)
        for group in stride(from: lanes * comm.rank, to: angles, by: lanes * comm.size) {
            var angle = NoiseLanes()
            for l in 0..<lanes { angle[l] = UInt64(((2 * (group + l) + 1) * span) / (2 * angles)) }
            for (k, t) in thresholds.enumerated() {
                // |ξ_a| falls as the radius word grows: the count is the first word with |ξ_a| ≤ t.
                var low = NoiseLanes(repeating: 0), high = NoiseLanes(repeating: UInt64(span))
                for _ in 0...32 {
                    let middle = (low &+ high) &>> 1
                    let a = NoiseDistribution.gaussian.values(middle & 0xFFFF_FFFF, angle).0
                    let open = low .< high
                    let above = open .& (a .> Double(t) .| a .< -Double(t))
                    low.replace(with: middle &+ 1, where: above)
                    high.replace(with: middle, where: open .& .!above)
                }
                for l in 0..<lanes { counted[k] += Double(low[l]) }
            }
        }
        let total = comm.allreduce(counted, .sum)
        return thresholds.enumerated().map { k, t in
            let exact = total[k] / (Double(angles) * Double(span))
            let normal = erfc(Double(t) / 2.0.squareRoot())
            return .init(name: "noise tail P(|xi| > \(t)) - 2 Phi(-\(t)) (in 2^-32)", error: abs(exact - normal) * Double(span), tolerance: 1)
        }
    }
}
