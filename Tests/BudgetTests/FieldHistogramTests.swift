import Parallel
import Testing
@testable import Budget

/// The reductions of a distributed field (FieldHistogram) on the MPI singleton; their rank independence is tested
/// through `stressflux analyze`.
@Suite(.serialized) struct FieldHistogramTests {
    /// The samples 0, 1, …, 9999: the PDF on edges 0, 2500, …, 10000 is 1/10000 in every bin with nothing outside, and
    /// on edges 1000…2000 it holds 10% with 10% below and 80% above; the quantiles q are q·9999 within one histogram
    /// bin (9999/4096 ≈ 2.44).
    @Test func uniformSamples() {
        let values = (0..<10000).map(Double.init)
        let whole = FieldHistogram(values: values, edges: [0, 2500, 5000, 7500, 10000], communicator: .world)
        #expect(whole.pdf.allSatisfy { abs($0 - 1e-4) < 1e-15 } && whole.below == 0 && whole.above == 0)
        let part = FieldHistogram(values: values, edges: [1000, 1500, 2000], communicator: .world)
        #expect(abs(part.pdf.reduce(0) { $0 + $1 * 500 } - 0.1) < 1e-12 && abs(part.below - 0.1) < 1e-12 && abs(part.above - 0.8) < 1e-12)
        let levels = [0.01, 0.5, 0.99]
        for (level, q) in zip(levels, FieldHistogram.quantiles(of: values, at: levels, communicator: .world)) {
            #expect(abs(q - level * 9999) <= 9999.0 / 4096, "q(\(level)) = \(q)")
        }
    }
}
