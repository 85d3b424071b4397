import Foundation
import Fields
import Parallel
import TestSupport

/// The smooth test fields of physics.md §5.5 (test F5), as owned samples. Every value depends on the global node only,
/// so any rank count gives the same fields.
enum SmoothFields {
    /// A random band-limited field: uniform white noise in [−1, 1) keyed by (seed, global node index), its modes
    /// restricted to |n_a| < `cutoff` along every axis and tapered by exp(−|k|²/`taper`) (Nyquist zeroed).
    static func random(fft: SlabFFT, cutoff: Int, taper: Double, seed: UInt64) -> [Double] {
        let n = fft.extents, planeLength = n.dropFirst().reduce(1, *), first = fft.decomposition.start * planeLength
        let noise = (0..<(fft.decomposition.count * planeLength)).map { k in
            var rng = SplitMix64(state: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(first + k))
            return Double.random(in: -1..<1, using: &rng)
        }
        fft.loadSamples(noise)
        fft.forward()
        // exp(−|k|²/taper) = Π_a exp(−k_a²/taper): a separable transfer function
        let factors = n.indices.map { a in
            (0..<(a == n.count - 1 ? fft.spectralLastExtent : n[a])).map { i in
                let m = i <= n[a] / 2 ? i : i - n[a], k = fft.wavenumber(axis: a, index: i)
                return abs(m) < cutoff ? exp(-k * k / taper) : 0
            }
        }
        fft.multiply(axisFactors: factors)
        fft.inverse()
        return fft.ownedSamples()
    }

    /// ρ = mean · (1 + 0.3 z/max|z|) with z = ``random(fft:cutoff:taper:seed:)`` restricted to |n_a| < M/6 and tapered
    /// by exp(−k²/30) (physics.md §5.5): cubic products of ρ stay below the Nyquist index M/2, so the grid resolves them.
    static func density(fft: SlabFFT, mean: Double, seed: UInt64) -> [Double] {
        let z = random(fft: fft, cutoff: fft.extents[0] / 6, taper: 30, seed: seed)
        let largest = fft.decomposition.communicator.allreduce(z.map(abs).max() ?? 0, .max)
        return z.map { mean * (1 + 0.3 * $0 / largest) }
    }

    /// f^e = (0.3 sin(2πy/L) + 0.1 cos(4πx/L), 0.2 cos(2πx/L)) at the owned nodes of a 2D grid (physics.md §5.5), physical
    /// components; its modes are |n| ≤ 2.
    static func externalForce(decomposition: SlabDecomposition) -> [[Double]] {
        let n = decomposition.grid.extents, h = decomposition.spacing, box = decomposition.box
        var fx: [Double] = [], fy: [Double] = []
        for i0 in 0..<decomposition.count {
            let y = Double(decomposition.start + i0) * h[0]
            for i1 in 0..<n[1] {
                let x = Double(i1) * h[1]
                fx.append(0.3 * sin(2 * .pi * y / box[0]) + 0.1 * cos(4 * .pi * x / box[1]))
                fy.append(0.2 * cos(2 * .pi * x / box[1]))
            }
        }
        return [fx, fy]
    }

    /// The relative RMS √(Σ|a − b|²/Σ|b|²) over all ranks' samples.
    static func relativeRMS(_ a: [Double], _ b: [Double], communicator: Communicator) -> Double {
        let sums = communicator.allreduce([zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, b.reduce(0.0) { $0 + $1 * $1 }], .sum)
        return (sums[0] / sums[1]).squareRoot()
    }

    /// The RMS of every component of a tensor field together, over all ranks.
    static func rms(_ tensor: [[Double]], communicator: Communicator) -> Double {
        let sums = communicator.allreduce([tensor.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + $1 * $1 } }, Double(tensor.reduce(0) { $0 + $1.count })], .sum)
        return (sums[0] / sums[1]).squareRoot()
    }
}
