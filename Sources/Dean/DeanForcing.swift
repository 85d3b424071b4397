#if canImport(Glibc)
import Glibc
#endif
import Fields

/// A smooth body force f^e on the Dean grid (physics.md §1.5a, §7.1) as Fourier modes, in grid-axis order (axis 0 is y,
/// then x[, z]; ``Parallel/SlabDecomposition``): f_{a_m} += F_m cos(k_m·x − ω_m t + φ_m). Each mode's cos(k·x) and sin(k·x)
/// are tabulated once on the owned samples, so a step costs a linear combination, not a cosine per point.
public struct DeanForcing: Sendable {
    public struct Mode: Sendable, Equatable {
        /// The grid axis the force acts along.
        public var axis: Int
        /// F_m in V₀/ℓ₀.
        public var amplitude: Double
        /// Whole periods along each grid axis.
        public var wavevector: [Int]
        public var phase: Double
        /// ω_m in μV₀/ℓ₀²; 0: steady.
        public var frequency: Double

        public init(axis: Int, amplitude: Double, wavevector: [Int], phase: Double = 0, frequency: Double = 0) {
            self.axis = axis
            self.amplitude = amplitude
            self.wavevector = wavevector
            self.phase = phase
            self.frequency = frequency
        }
    }

    public let modes: [Mode]

    public init(modes: [Mode]) {
        self.modes = modes
    }

    /// Whether the force changes in time.
    public var steady: Bool { modes.allSatisfy { $0.frequency == 0 } }

    /// cos(k·x) and sin(k·x) of each mode at the owned samples of `fft`'s grid, in its padded real layout.
    func tables(on fft: SlabFFT) -> [(cos: [Double], sin: [Double])] {
        let n = fft.extents, d = n.count, start = fft.decomposition.start
        return modes.map { mode in
            var c = [Double](repeating: 0, count: fft.real.count), s = c
            for i0 in 0..<fft.decomposition.count {
                for i1 in 0..<n[1] {
                    for i2 in 0..<(d == 3 ? n[2] : 1) {
                        let index = [start + i0, i1, i2]
                        var phase = 0.0
                        for a in 0..<d { phase += 2 * Double.pi * Double(mode.wavevector[a] * index[a]) / Double(n[a]) }
                        let r = fft.realIndex(i0, i1, i2)
                        c[r] = cos(phase)
                        s[r] = sin(phase)
                    }
                }
            }
            return (c, s)
        }
    }
}
