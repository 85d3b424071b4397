/// This rank's real samples without FFTW's row padding, plane-major (plane, row, column): the layout of
/// deposited fields and of parallel HDF5 slabs.
extension SlabFFT {
    /// Local: the owned samples of ``real``.
    public func ownedSamples() -> [Double] {
        [Double](unsafeUninitializedCapacity: decomposition.count * extents.dropFirst().reduce(1, *)) { values, initialised in
            let target = values.baseAddress!
            forEachOwnedRow { start, count, offset in
                UnsafeMutableRawPointer(target + offset).copyMemory(from: real.baseAddress! + start, byteCount: count * MemoryLayout<Double>.stride)
            }
            initialised = values.count
        }
    }

    /// Local: sets the owned samples of ``real`` from `values` (the layout of ``ownedSamples()``).
    public func loadSamples(_ values: [Double]) {
        values.withUnsafeBufferPointer { loadSamples($0) }
    }

    /// Local: the same from a buffer (e.g. a ghosted field's owned planes, without a copy).
    public func loadSamples(_ values: UnsafeBufferPointer<Double>) {
        precondition(values.count == decomposition.count * extents.dropFirst().reduce(1, *), "samples do not match this rank's planes")
        let source = values.baseAddress!
        forEachOwnedRow { start, count, offset in
            UnsafeMutableRawPointer(real.baseAddress! + start).copyMemory(from: source + offset, byteCount: count * MemoryLayout<Double>.stride)
        }
    }

    /// Local: calls `body` with the index into ``real`` of every owned sample, in the order of ``ownedSamples()``.
    public func forEachOwnedSample(_ body: (Int) -> Void) {
        forEachOwnedRow { start, count, _ in
            for c in 0..<count { body(start + c) }
        }
    }

    /// Local: calls `body(start in real, row length, offset in the unpadded samples)` for every owned row (the last axis's
    /// samples are contiguous in ``real``; its padding follows each row).
    public func forEachOwnedRow(_ body: (Int, Int, Int) -> Void) {
        let n = extents, last = n[n.count - 1], rows = n.count == 3 ? n[1] : 1
        for i0 in 0..<decomposition.count {
            for r in 0..<rows {
                body(n.count == 3 ? realIndex(i0, r, 0) : realIndex(i0, 0), last, (i0 * rows + r) * last)
            }
        }
    }
}
