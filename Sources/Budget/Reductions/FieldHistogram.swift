import Parallel

/// Reductions of a distributed scalar field to every rank (the design card's "reduce global flux and anomaly
/// statistics to rank 0"), in O(bins) communication whatever the grid: the PDF on fixed bin edges and quantiles from a
/// fine histogram between the global extremes.
public struct FieldHistogram: Sendable {
    /// The bin edges (ascending) and the PDF on them: counts / (total · width), so that Σ pdf·width is the fraction
    /// of samples inside; the fractions below the first and above the last edge.
    public let edges: [Double]
    public let pdf: [Double]
    public let below: Double
    public let above: Double

    /// Collective: the PDF of `values` (this rank's samples) on `edges`.
    public init(values: [Double], edges: [Double], communicator: Communicator) {
        precondition(edges.count >= 2 && edges == edges.sorted(), "ascending bin edges")
        var counts = [Double](repeating: 0, count: edges.count + 1)  // below, bins…, above
        for v in values {
            if v < edges[0] { counts[0] += 1 } else if v >= edges[edges.count - 1] { counts[edges.count] += 1 } else {
                var lo = 0, hi = edges.count - 1
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if edges[mid] <= v { lo = mid } else { hi = mid }
                }
                counts[lo + 1] += 1
            }
        }
        let total = communicator.allreduce(counts, .sum), n = max(total.reduce(0, +), 1)
        self.edges = edges
        pdf = (0..<(edges.count - 1)).map { total[$0 + 1] / (n * (edges[$0 + 1] - edges[$0])) }
        below = total[0] / n
        above = total[edges.count] / n
    }

    /// Collective: the quantiles q ∈ [0, 1] of `values` over all ranks, from a histogram of `bins` equal bins between
    /// the global minimum and maximum, interpolated linearly inside a bin: exact to (max − min)/bins.
    public static func quantiles(of values: [Double], at levels: [Double], bins: Int = 4096, communicator: Communicator) -> [Double] {
        let low = communicator.allreduce(values.min() ?? .infinity, .min), high = communicator.allreduce(values.max() ?? -.infinity, .max)
        guard low < high else { return levels.map { _ in low } }
        let width = (high - low) / Double(bins)
        var counts = [Double](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int((v - low) / width))] += 1 }
        let total = communicator.allreduce(counts, .sum), n = total.reduce(0, +)
        return levels.map { level in
            var cumulative = 0.0
            for (b, c) in total.enumerated() where c > 0 {
                if cumulative + c >= level * n { return low + (Double(b) + (level * n - cumulative) / c) * width }
                cumulative += c
            }
            return high
        }
    }
}
