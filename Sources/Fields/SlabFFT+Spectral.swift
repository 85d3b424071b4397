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
        multiply(modeFactors: modeFactors(strain: strain, transfer: transfer))
    }

    /// Local: `transfer(|k|)` at every mode of this rank (0 at the Nyquist modes), indexed as ``spectral``'s complex
    /// entries (mode index = real part's index / 2): the factors of ``multiply(strain:transfer:)`` as a table, for a
    /// transfer function applied many times on one grid at one strain.
    public func modeFactors(strain: Double = 0, transfer: (Double) -> Double) -> [Double] {
        let d = extents.count
        var factors = [Double](repeating: 0, count: spectral.count / 2)
        forEachMode { index, modes in
            var k2 = 0.0
            for a in 0..<d { k2 += wavenumber(axis: a, index: modes[a]) * wavenumber(axis: a, index: modes[a]) }
            if strain != 0 {
                let ky = wavenumber(axis: 0, index: modes[0]), kx = wavenumber(axis: 1, index: modes[1])
                k2 += (ky - strain * kx) * (ky - strain * kx) - ky * ky
            }
            factors[index / 2] = isNyquistMode(modes) ? 0 : transfer(k2.squareRoot())
        }
        return factors
    }

    /// Local: multiplies every mode of ``spectral`` by its entry of `factors` (``modeFactors(strain:transfer:)``).
    public func multiply(modeFactors factors: [Double]) {
        precondition(factors.count == spectral.count / 2, "one factor per mode of this rank")
        let z = spectral
        factors.withUnsafeBufferPointer { f in
            for m in f.indices {
                z[2 * m] *= f[m]
                z[2 * m + 1] *= f[m]
            }
        }
    }

    /// Local: multiplies mode (m_0, m_1[, m_2]) of ``spectral`` by Π_a `factors[a][m_a]` (global indices; the last
    /// axis has n/2 + 1) and zeroes the Nyquist modes: a separable transfer function such as the Gaussian's
    /// e^{−c|k|²} = Π_a e^{−c k_a²}, without a function call per mode.
    public func multiply(axisFactors factors: [[Double]]) {
        precondition(factors.count == extents.count, "one factor table per axis")
        // Nyquist zeroing folded into the tables: a mode with any Nyquist index gets a factor 0.
        let tables = factors.enumerated().map { a, table in
            table.enumerated().map { isNyquist(axis: a, index: $0) ? 0 : $1 }
        }
        forEachModeRun { start, axis, fixed in
            var outer = 1.0
            for a in fixed.indices where a != axis { outer *= tables[a][fixed[a]] }
            let table = tables[axis], count = table.count
            for j in 0..<count {
                let factor = outer * table[j]
                spectral[start + 2 * j] *= factor
                spectral[start + 2 * j + 1] *= factor
            }
        }
    }

    /// Visits this rank's modes in contiguous runs along one axis (the whole extent of that axis, all its
    /// indices local): `body(index of the first real part in spectral, the run's axis, the other axes' global
    /// indices)`, the run's own entry of that array being 0. Transposed 2D runs along axis 0, otherwise the last axis.
    public func forEachModeRun(_ body: (Int, Int, [Int]) -> Void) {
        let n = extents, nc = spectralLastExtent, d = n.count
        var modes = [Int](repeating: 0, count: d)
        if transposed && d == 2 {
            for r in 0..<spectralRows.count {
                modes[1] = spectralRows.start + r
                body(2 * r * n[0], 0, modes)
            }
            return
        }
        if transposed {
            for r in 0..<spectralRows.count {
                modes[1] = spectralRows.start + r
                for m0 in 0..<n[0] {
                    modes[0] = m0
                    body(2 * (r * n[0] + m0) * nc, 2, modes)
                }
            }
            return
        }
        let middle = d == 3 ? n[1] : 1
        for i0 in 0..<decomposition.count {
            modes[0] = decomposition.start + i0
            for i1 in 0..<middle {
                if d == 3 { modes[1] = i1 }
                body(2 * (i0 * middle + i1) * nc, d - 1, modes)
            }
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

    /// Visits this rank's modes with the index of the real part in ``spectral`` (the imaginary part follows)
    /// and the global mode indices per axis, in either layout.
    public func forEachMode(_ body: (Int, [Int]) -> Void) {
        forEachModeRun { start, axis, fixed in
            var modes = fixed
            for j in 0..<(axis == 0 ? extents[0] : spectralLastExtent) {
                modes[axis] = j
                body(start + 2 * j, modes)
            }
        }
    }
}
