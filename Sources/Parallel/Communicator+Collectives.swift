/// Typed reductions, broadcasts, gathers and point-to-point exchange.
extension Communicator {
    // MARK: Reductions

    /// Collective: `op` over one value from every rank, returned on every rank.
    public func allreduce<T: MPIScalar>(_ value: T, _ op: ReductionOp) -> T {
        var send = value, result = value
        handle.allreduce(&send, &result, count: 1, T.mpiKind, op)
        return result
    }

    /// Collective: element-wise `op` over equal-length arrays from every rank.
    public func allreduce<T: MPIScalar>(_ values: [T], _ op: ReductionOp) -> [T] {
        var result = values
        result.withUnsafeMutableBufferPointer { allreduce(inPlace: $0, op) }
        return result
    }

    /// Collective: element-wise `op` over equal-length buffers, in place.
    public func allreduce<T: MPIScalar>(inPlace buffer: UnsafeMutableBufferPointer<T>, _ op: ReductionOp) {
        handle.allreduce(nil, buffer.baseAddress, count: buffer.count, T.mpiKind, op)
    }

    /// Collective: `op` over one value from every rank; the result on `root`, nil elsewhere.
    public func reduce<T: MPIScalar>(_ value: T, _ op: ReductionOp, root: Int = 0) -> T? {
        reduce([value], op, root: root)?.first
    }

    /// Collective: element-wise `op` over equal-length arrays; the result on `root`, nil elsewhere.
    public func reduce<T: MPIScalar>(_ values: [T], _ op: ReductionOp, root: Int = 0) -> [T]? {
        var result = [T](repeating: .zero, count: values.count)
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { recv in
                handle.reduce(send.baseAddress, recv.baseAddress,
                              count: values.count, T.mpiKind, op, root: root)
            }
        }
        return rank == root ? result : nil
    }

    // MARK: Broadcast

    /// Collective: `root`'s value on every rank.
    public func broadcast<T: MPIScalar>(_ value: T, root: Int = 0) -> T {
        var v = value
        handle.broadcast(&v, count: 1, T.mpiKind, root: root)
        return v
    }

    /// Collective: `root`'s buffer copied into every rank's buffer of the same length.
    public func broadcast<T: MPIScalar>(_ buffer: UnsafeMutableBufferPointer<T>, root: Int = 0) {
        guard let base = buffer.baseAddress else { return }  // every rank has the same length
        handle.broadcast(base, count: buffer.count, T.mpiKind, root: root)
    }

    /// Collective: `root`'s array on every rank (the other ranks' arguments are ignored).
    public func broadcast<T: MPIScalar>(_ values: [T], root: Int = 0) -> [T] {
        let count = broadcast(values.count, root: root)
        var result = rank == root ? values : [T](repeating: .zero, count: count)
        result.withUnsafeMutableBufferPointer { broadcast($0, root: root) }
        return result
    }

    /// Collective: `root`'s string on every rank (UTF-8).
    public func broadcast(_ text: String, root: Int = 0) -> String {
        String(decoding: broadcast(Array(text.utf8), root: root), as: UTF8.self)
    }

    // MARK: Gathers

    /// Collective: one value per rank, in rank order, on every rank.
    public func allgather<T: MPIScalar>(_ value: T) -> [T] {
        var send = value
        var result = [T](repeating: .zero, count: size)
        result.withUnsafeMutableBufferPointer { handle.allgather(&send, count: 1, $0.baseAddress, T.mpiKind) }
        return result
    }

    /// Collective: every rank's array (any length, zero included) concatenated in rank order, on every rank.
    public func allgather<T: MPIScalar>(_ values: [T]) -> [T] {
        let counts = allgather(values.count)
        let displacements = Self.offsets(counts)
        var result = [T](repeating: .zero, count: counts.reduce(0, +))
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { recv in
                handle.allgatherv(send.baseAddress, count: values.count, recv.baseAddress, counts: counts, displacements: displacements, T.mpiKind)
            }
        }
        return result
    }

    /// Collective: one value per rank, in rank order, on `root`; nil elsewhere.
    public func gather<T: MPIScalar>(_ value: T, root: Int = 0) -> [T]? {
        gather([value], root: root)
    }

    /// Collective: every rank's array (any length) concatenated in rank order, on `root`; nil elsewhere.
    public func gather<T: MPIScalar>(_ values: [T], root: Int = 0) -> [T]? {
        let counts = allgather(values.count)
        let displacements = Self.offsets(counts)
        var result = [T](repeating: .zero, count: rank == root ? counts.reduce(0, +) : 0)
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { recv in
                handle.gatherv(send.baseAddress, count: values.count, recv.baseAddress, counts: counts, displacements: displacements, T.mpiKind, root: root)
            }
        }
        return rank == root ? result : nil
    }

    static func offsets(_ counts: [Int]) -> [Int] {
        var offsets = [Int](repeating: 0, count: counts.count)
        for i in counts.indices.dropFirst() { offsets[i] = offsets[i - 1] + counts[i - 1] }
        return offsets
    }

    // MARK: All to all

    /// Collective: `counts[q]` goes to rank q; returns what every rank sent to this one, by source rank.
    public func alltoall<T: MPIScalar>(_ values: [T]) -> [T] {
        precondition(values.count == size, "alltoall needs one value per rank")
        var result = [T](repeating: .zero, count: size)
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { handle.alltoall(send.baseAddress, $0.baseAddress, count: 1, T.mpiKind) }
        }
        return result
    }

    /// Collective: sends row r of `rows` (stride `stride`) to rank `destinations[r]`, returns the rows
    /// every rank sent here, concatenated by source rank and, within a source, in the sender's order,
    /// with the number of rows from each source.
    public func route(rows: [Double], destinations: [Int], stride: Int) -> (rows: [Double], rowsBySource: [Int]) {
        precondition(rows.count == destinations.count * stride)
        var counts = [Int](repeating: 0, count: size)
        for d in destinations { counts[d] += stride }
        var offsets = Self.offsets(counts)
        var packed = [Double](repeating: 0, count: rows.count)
        for (r, d) in destinations.enumerated() {
            for k in 0..<stride { packed[offsets[d] + k] = rows[r * stride + k] }
            offsets[d] += stride
        }
        let received = alltoallv(packed, counts: counts)
        return (received.values, received.counts.map { $0 / stride })
    }

    /// Collective: sends `counts[q]` consecutive values of `values` to rank q (in rank order) and returns
    /// the values received, concatenated in source-rank order, with the count from each source.
    public func alltoallv<T: MPIScalar>(_ values: [T], counts: [Int]) -> (values: [T], counts: [Int]) {
        precondition(counts.count == size && counts.reduce(0, +) == values.count, "alltoallv counts mismatch")
        let received = alltoall(counts)
        var result = [T](repeating: .zero, count: received.reduce(0, +))
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { recv in
                handle.alltoallv(send.baseAddress, sendCounts: counts, sendDisplacements: Self.offsets(counts),
                                 recv.baseAddress, recvCounts: received, recvDisplacements: Self.offsets(received), T.mpiKind)
            }
        }
        return (result, received)
    }

    /// Collective over the peers named: one message of doubles to each peer in `sends` and from each peer
    /// in `receives` (non-blocking, then wait for all). Both sides must agree on the message sizes.
    public func exchange(sends: [(peer: Int, buffer: UnsafeBufferPointer<Double>)],
                         receives: [(peer: Int, buffer: UnsafeMutableBufferPointer<Double>)], tag: Int) {
        handle.exchange(sends: sends, receives: receives, tag: tag)
    }

    // MARK: Point to point

    /// Collective over the pair: sends `values` to `dest` while receiving `count` elements from `source`
    /// (`MPI_Sendrecv`, deadlock-free in rings and shifts).
    public func sendrecv<T: MPIScalar>(_ values: [T], to dest: Int, receiving count: Int, from source: Int,
                                       tag: Int = 0) -> [T] {
        var result = [T](repeating: .zero, count: count)
        values.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { recv in
                handle.sendrecv(send.baseAddress, sendCount: values.count, to: dest,
                                recv.baseAddress, recvCount: count, from: source, tag: tag, T.mpiKind)
            }
        }
        return result
    }

    /// Collective over the pair: buffer form of ``sendrecv(_:to:receiving:from:tag:)``.
    public func sendrecv<T: MPIScalar>(_ send: UnsafeBufferPointer<T>, to dest: Int,
                                       _ recv: UnsafeMutableBufferPointer<T>, from source: Int, tag: Int = 0) {
        handle.sendrecv(send.baseAddress, sendCount: send.count, to: dest,
                        recv.baseAddress, recvCount: recv.count, from: source, tag: tag, T.mpiKind)
    }
}
