import Parallel

/// Per-particle values beside the positions for measurements that read a pair's both ends (D²_min of a plastic event,
/// physics.md §9.1): the engine's ghost plan, which copies positions, copies any values.
extension ParticleSystem {
    /// Collective: `width` values per owned particle followed by the same values of every ghost, copied from its owner
    /// along the ghost plan of the last rebuild (values are not shifted: they are not positions).
    func ghostValues(_ values: [Double], width: Int) -> [Double] {
        precondition(values.count == localCount * width)
        let sends = ghostSends.map { UnsafeMutableBufferPointer<Double>.allocate(capacity: $0.indices.count * width) }
        let receives = ghostReceives.map { UnsafeMutableBufferPointer<Double>.allocate(capacity: $0.count * width) }
        defer { (sends + receives).forEach { $0.deallocate() } }
        for (send, buffer) in zip(ghostSends, sends) {
            for (k, i) in send.indices.enumerated() {
                for c in 0..<width { buffer[k * width + c] = values[Int(i) * width + c] }
            }
        }
        communicator.exchange(sends: zip(ghostSends, sends).map { ($0.peer, UnsafeBufferPointer($1)) },
                              receives: zip(ghostReceives, receives).map { ($0.peer, $1) }, tag: 8202)
        var result = values + [Double](repeating: 0, count: ghostCount * width)
        for (receive, buffer) in zip(ghostReceives, receives) {
            for k in 0..<(receive.count * width) { result[receive.first * width + k] = buffer[k] }
        }
        return result
    }
}
