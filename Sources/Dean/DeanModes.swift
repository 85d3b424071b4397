import Fields

/// The Fourier modes of one slab grid as the Dean solver uses them (physics.md §7.2): at each complex entry of
/// ``Fields/SlabFFT/spectral`` on this rank, the wavevector along each grid axis, |k|², and the 2/3-rule mask (1 where
/// every signed mode index satisfies |n_α| < M_α/3, else 0; the Nyquist modes are outside it).
struct DeanModes {
    /// Complex entries of `spectral` on this rank.
    let count: Int
    /// k_α at each entry, per grid axis.
    let wavevectors: [[Double]]
    let squared: [Double]
    let kept: [Double]

    init(fft: SlabFFT) {
        let n = fft.extents, d = n.count
        count = fft.spectral.count / 2
        var k = [[Double]](repeating: [Double](repeating: 0, count: count), count: d)
        var squared = [Double](repeating: 0, count: count), kept = [Double](repeating: 0, count: count)
        fft.forEachMode { index, modes in
            let m = index / 2
            var inside = true
            for a in 0..<d {
                let wave = fft.wavenumber(axis: a, index: modes[a])
                k[a][m] = wave
                squared[m] += wave * wave
                let signed = modes[a] <= n[a] / 2 ? modes[a] : modes[a] - n[a]
                if 3 * abs(signed) >= n[a] { inside = false }
            }
            kept[m] = inside ? 1 : 0
        }
        wavevectors = k
        self.squared = squared
        self.kept = kept
    }
}
