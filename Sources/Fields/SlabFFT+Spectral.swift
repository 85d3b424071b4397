import Parallel

/// Wavenumbers and spectral derivatives on the non-transposed slab layout (physics.md §3.2).
extension SlabFFT {
    /// Wavenumber k = 2π m / L of index `index` along `axis`, with m taken in (−n/2, n/2].
    /// For axis 0, `index` is global; for the last axis it runs over `0..<n/2+1`.
    public func wavenumber(axis: Int, index: Int) -> Double {
        let n = extents[axis]
        let m = index <= n / 2 ? index : index - n
        return 2 * Double.pi * Double(m) / decomposition.box[axis]
    }

    /// Whether `index` along `axis` is the Nyquist index n/2 of an even extent.
    public func isNyquist(axis: Int, index: Int) -> Bool {
        extents[axis] % 2 == 0 && index == extents[axis] / 2
    }

    /// Local: multiplies ``spectral`` by i k_axis and zeroes every Nyquist mode, so that the derivative
    /// is exact on the trigonometric polynomial the grid represents (physics.md §3.2).
    public func differentiate(axis: Int) {
        precondition(axis >= 0 && axis < extents.count, "axis \(axis) out of range")
        forEachMode { index, modes in
            let k = isNyquistMode(modes) ? 0 : wavenumber(axis: axis, index: modes[axis])
            let re = spectral[index], im = spectral[index + 1]
            spectral[index] = -k * im
            spectral[index + 1] = k * re
        }
    }

    /// Local: multiplies every mode of ``spectral`` by the isotropic transfer function `transfer(|k|)` (e.g.
    /// Ĝ(|k|ℓ), physics.md §3.1) and zeroes the Nyquist modes. With a Lees–Edwards `strain` γ the grid is in
    /// sheared coordinates and |k| is the lab wavenumber of (k'_x, k'_y − γ k'_x) (physics.md §1.5).
    public func multiply(strain: Double = 0, transfer: (Double) -> Double) {
        let d = extents.count
        forEachMode { index, modes in
            var k2 = 0.0
            for a in 0..<d { k2 += wavenumber(axis: a, index: modes[a]) * wavenumber(axis: a, index: modes[a]) }
            if strain != 0 {
                let ky = wavenumber(axis: 0, index: modes[0]), kx = wavenumber(axis: 1, index: modes[1])
                k2 += (ky - strain * kx) * (ky - strain * kx) - ky * ky
            }
            let factor = isNyquistMode(modes) ? 0 : transfer(k2.squareRoot())
            spectral[index] *= factor
            spectral[index + 1] *= factor
        }
    }

    /// Local: sets every mode with a Nyquist index in any direction to zero (physics.md §3.2).
    public func zeroNyquist() {
        forEachMode { index, modes in
            if isNyquistMode(modes) {
                spectral[index] = 0
                spectral[index + 1] = 0
            }
        }
    }

    private func isNyquistMode(_ modes: [Int]) -> Bool {
        modes.indices.contains { isNyquist(axis: $0, index: modes[$0]) }
    }

    /// Visits this rank's modes with the real-part index and the global mode indices per axis.
    func forEachMode(_ body: (Int, [Int]) -> Void) {
        let local = decomposition.count, start = decomposition.start
        var modes = [Int](repeating: 0, count: extents.count)
        let middle = extents.count == 3 ? extents[1] : 1
        for i0 in 0..<local {
            modes[0] = start + i0
            for i1 in 0..<middle {
                if extents.count == 3 { modes[1] = i1 }
                for j in 0..<spectralLastExtent {
                    modes[extents.count - 1] = j
                    body(extents.count == 3 ? spectralIndex(i0, i1, j) : spectralIndex(i0, j), modes)
                }
            }
        }
    }
}
