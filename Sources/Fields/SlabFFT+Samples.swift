/// This rank's real samples without FFTW's row padding, plane-major (plane, row, column): the layout of
/// deposited fields and of parallel HDF5 slabs.
extension SlabFFT {
    /// Local: the owned samples of ``real``.
    public func ownedSamples() -> [Double] {
        let n = extents, last = n[n.count - 1], rows = n.count == 3 ? n[1] : 1
        var values: [Double] = []
        values.reserveCapacity(decomposition.count * rows * last)
        for i0 in 0..<decomposition.count {
            for r in 0..<rows {
                let start = n.count == 3 ? realIndex(i0, r, 0) : realIndex(i0, 0)
                values += real[start..<(start + last)]
            }
        }
        return values
    }

    /// Local: sets the owned samples of ``real`` from `values` (the layout of ``ownedSamples()``).
    public func loadSamples(_ values: [Double]) {
        let n = extents, last = n[n.count - 1], rows = n.count == 3 ? n[1] : 1
        precondition(values.count == decomposition.count * rows * last, "samples do not match this rank's planes")
        for i0 in 0..<decomposition.count {
            for r in 0..<rows {
                let start = n.count == 3 ? realIndex(i0, r, 0) : realIndex(i0, 0)
                for e in 0..<last { real[start + e] = values[(i0 * rows + r) * last + e] }
            }
        }
    }
}
