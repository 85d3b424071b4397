import Fields
import Foundation
import Parallel

/// FFTW-MPI identities: r2c then c2r returns the input, and the spectral derivative of
/// sin(2πx/L) along each axis is (2π/L) cos(2πx/L) (physics.md §3.2), both to 1e-12.
enum FFTSelfCheck {
    static func run(_ d: SlabDecomposition) -> [SelfCheck.Result] {
        let fft = SlabFFT(decomposition: d, effort: .estimate)
        let tag = "\(d.grid.dimension)D \(d.grid)"
        var results = [SelfCheck.Result(name: "fft round trip \(tag) (relative)", error: roundTripError(fft), tolerance: 1e-12)]
        for axis in 0..<d.grid.dimension {
            results.append(.init(name: "fft derivative of sin along axis \(axis) \(tag) (relative)",
                                 error: derivativeError(fft, axis: axis), tolerance: 1e-12))
        }
        return results
    }

    /// Visits this rank's real grid points with their local plane, global indices and flat global index.
    static func forEachPoint(_ fft: SlabFFT, _ body: (_ realIndex: Int, _ global: [Int], _ flat: Int) -> Void) {
        let n = fft.extents, d = fft.decomposition
        let rows = n.count == 3 ? n[1] : 1, columns = n[n.count - 1]
        for i0 in 0..<d.count {
            for i1 in 0..<rows {
                for j in 0..<columns {
                    let global = n.count == 3 ? [d.start + i0, i1, j] : [d.start + i0, j]
                    let flat = ((d.start + i0) * rows + i1) * columns + j
                    body(n.count == 3 ? fft.realIndex(i0, i1, j) : fft.realIndex(i0, j), global, flat)
                }
            }
        }
    }

    /// max |f − inverse(forward(f))| / max |f| over all ranks, f uniform random by global index.
    static func roundTripError(_ fft: SlabFFT) -> Double {
        forEachPoint(fft) { index, _, flat in fft.real[index] = TestPattern.uniform(flat) }
        fft.forward()
        fft.inverse()
        var error = 0.0, scale = 0.0
        forEachPoint(fft) { index, _, flat in
            let value = TestPattern.uniform(flat)
            error = max(error, abs(fft.real[index] - value))
            scale = max(scale, abs(value))
        }
        let comm = fft.decomposition.communicator
        return comm.allreduce(error, .max) / comm.allreduce(scale, .max)
    }

    /// max |∂f − (2π/L) cos(2πx/L)| / (2π/L) for f = sin(2πx/L) along `axis`, x = index·h.
    static func derivativeError(_ fft: SlabFFT, axis: Int) -> Double {
        let d = fft.decomposition
        let length = d.box[axis], h = d.spacing[axis], k = 2 * Double.pi / length
        forEachPoint(fft) { index, global, _ in fft.real[index] = sin(k * Double(global[axis]) * h) }
        fft.forward()
        fft.differentiate(axis: axis)
        fft.inverse()
        var error = 0.0
        forEachPoint(fft) { index, global, _ in
            error = max(error, abs(fft.real[index] - k * cos(k * Double(global[axis]) * h)))
        }
        return d.communicator.allreduce(error, .max) / k
    }
}
