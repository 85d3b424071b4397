import Budget

extension PairList {
    /// Every ordered pair (i, j) of `positions` (d values per particle, in the box [0, L)^d) in a periodic box with
    /// |r_ij| < `reach`(s_i, s_j) over all image shifts, i = j included (with its images when the box is shorter than the
    /// reach). All pairs against all images, O(N² × images): the tests' reference, which also covers boxes shorter than
    /// the reach; `analyze --check pairs` takes its pairs from the particle engine (``PairSumCheck``).
    static func periodic(positions: [Double], species: [Int], box: [Double], reach: (Int, Int) -> Double) -> PairList {
        let d = box.count, n = species.count
        precondition(positions.count == n * d, "d coordinates per particle")
        let kinds = (species.max() ?? 0) + 1
        let farthest = (0..<kinds).flatMap { a in (0..<kinds).map { reach(a, $0) } }.max() ?? 0
        // x_j − x_i ∈ (−L, L), so images up to ⌈reach/L⌉ + 1 boxes away may be in range
        let images = box.map { Int((farthest / $0).rounded(.up)) + 1 }
        var shifts: [[Double]] = [[]]
        for a in 0..<d { shifts = shifts.flatMap { s in (-images[a]...images[a]).map { s + [Double($0) * box[a]] } } }
        var pairs = PairList(dimension: d)
        var r = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<n {
                let limit = reach(species[i], species[j])
                for shift in shifts {
                    var r2 = 0.0
                    for a in 0..<d {
                        r[a] = positions[j * d + a] + shift[a] - positions[i * d + a]
                        r2 += r[a] * r[a]
                    }
                    guard r2 < limit * limit else { continue }
                    pairs.append(first: i, second: j, species: species[i], species[j], origin: positions[(i * d)..<((i + 1) * d)], separation: r)
                }
            }
        }
        return pairs
    }
}
