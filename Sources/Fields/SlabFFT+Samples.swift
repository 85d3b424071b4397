/// This rank's real samples without FFTW's row padding, plane-major (plane, row, column): the layout of
/// deposited fields and of parallel HDF5 slabs.
extension SlabFFT {
    /// Local: the owned samples of ``real``.
    public func ownedSamples() -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(decomposition.count * extents.dropFirst().reduce(1, *))
        forEachOwnedRow { start, count, _ in values += real[start..<(start + count)] }
        return values
    }

    /// Local: sets the owned samples of ``real`` from `values` (the layout of ``ownedSamples()``).
    public func loadSamples(_ values: [Double]) {
        precondition(values.count == decomposition.count * extents.dropFirst().reduce(1, *), "samples do not match this rank's planes")
        forEachOwnedRow { start, count, offset in
            for e in 0..<count { real[start + e] = values[offset + e] }
        }
    }

    /// Calls `body(start in real, row length, offset in the unpadded samples)` for every owned row.
    private func forEachOwnedRow(_ body: (Int, Int, Int) -> Void) {
        let n = extents, last = n[n.count - 1], rows = n.count == 3 ? n[1] : 1
        for i0 in 0..<decomposition.count {
            for r in 0..<rows {
                body(n.count == 3 ? realIndex(i0, r, 0) : realIndex(i0, 0), last, (i0 * rows + r) * last)
            }
        }
    }
}
