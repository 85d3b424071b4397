/// A distributed lookup by id: the rows that other ranks hold for the ids this rank wants (the same particles of two
/// states of a run, which migrate between slabs), without any rank holding all rows. Each id's row meets its requests
/// on rank id mod size; two routes, O(rows) memory per rank.
extension Communicator {
    /// Collective: the row (`stride` values) offered for each of `wanted`, in the order of `wanted`. Every rank offers
    /// rows for some ids (`ids`, `rows` of `stride` values each, ids unique over all ranks).
    ///
    /// - Returns: nil on every rank when some rank wants an id that no rank offers.
    public func lookup(_ wanted: [Int], offered ids: [Int], rows: [Double], stride: Int) -> [Double]? {
        precondition(rows.count == ids.count * stride)
        let home = { (id: Int) in ((id % self.size) + self.size) % self.size }
        var offers: [Double] = []
        offers.reserveCapacity(ids.count * (stride + 1))
        for (k, id) in ids.enumerated() {
            offers.append(Double(id))
            offers += rows[(k * stride)..<((k + 1) * stride)]
        }
        let held = route(rows: offers, destinations: ids.map(home), stride: stride + 1).rows
        var index: [Int: Int] = [:]
        for r in 0..<(held.count / (stride + 1)) { index[Int(held[r * (stride + 1)])] = r }
        let asked = route(rows: wanted.enumerated().flatMap { [Double($0.element), Double(rank), Double($0.offset)] },
                          destinations: wanted.map(home), stride: 3).rows
        var replies: [Double] = [], destinations: [Int] = [], missing = 0
        for q in 0..<(asked.count / 3) {
            guard let r = index[Int(asked[3 * q])] else {
                missing = 1
                continue
            }
            replies.append(asked[3 * q + 2])
            replies += held[(r * (stride + 1) + 1)..<((r + 1) * (stride + 1))]
            destinations.append(Int(asked[3 * q + 1]))
        }
        let answers = route(rows: replies, destinations: destinations, stride: stride + 1).rows
        guard allreduce(missing, .max) == 0 else { return nil }
        var result = [Double](repeating: 0, count: wanted.count * stride)
        for a in 0..<(answers.count / (stride + 1)) {
            let k = Int(answers[a * (stride + 1)])
            for c in 0..<stride { result[k * stride + c] = answers[a * (stride + 1) + 1 + c] }
        }
        return result
    }
}
