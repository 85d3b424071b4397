import Parallel

extension ParticleSystem {
    /// Collective: the positions, in another configuration of the same particles, of this rank's owned particles
    /// (``localCount`` × d, in owned order), where `block` is this rank's share of that configuration (any
    /// particles, e.g. a file read in blocks). Rows meet on rank id mod size and go on to the owner here: no
    /// rank holds more than its share. For rates by differences of two states (physics.md §5.4 step 2).
    ///
    /// - Throws: ``ParticlesError/inconsistentSnapshot(_:)`` when an owned id is missing from every block.
    public func ownedPositions(in block: ParticleSnapshot) throws -> [Double] {
        let d = dimension, size = communicator.size, me = Double(communicator.rank)
        func meeting(_ id: Int) -> Int { ((id % size) + size) % size }
        // (id, owner) to the meeting rank; (id, x…) of the other configuration to the meeting rank.
        let owners = communicator.route(rows: ids[0..<localCount].flatMap { [Double($0), me] },
                                        destinations: ids[0..<localCount].map(meeting), stride: 2).rows
        let others = communicator.route(rows: (0..<block.count).flatMap { [Double(block.ids[$0])] + block.positions[($0 * d)..<(($0 + 1) * d)] },
                                        destinations: block.ids.map(meeting), stride: 1 + d).rows
        var meetingIndex: [Int: Int] = [:]
        for r in 0..<(others.count / (1 + d)) { meetingIndex[Int(others[r * (1 + d)])] = r }
        var rows: [Double] = [], destinations: [Int] = [], missing = 0
        for r in 0..<(owners.count / 2) {
            guard let k = meetingIndex[Int(owners[2 * r])] else { missing += 1; continue }
            rows += others[(k * (1 + d))..<((k + 1) * (1 + d))]
            destinations.append(Int(owners[2 * r + 1]))
        }
        guard communicator.allreduce(missing, .sum) == 0 else {
            throw ParticlesError.inconsistentSnapshot("\(communicator.allreduce(missing, .sum)) particles are missing from the other configuration")
        }
        let arrived = communicator.route(rows: rows, destinations: destinations, stride: 1 + d).rows
        var index: [Int: Int] = [:]
        for i in 0..<localCount { index[ids[i]] = i }
        var result = [Double](repeating: 0, count: localCount * d)
        for r in 0..<(arrived.count / (1 + d)) {
            let i = index[Int(arrived[r * (1 + d)])]!
            for a in 0..<d { result[i * d + a] = arrived[r * (1 + d) + 1 + a] }
        }
        return result
    }
}
