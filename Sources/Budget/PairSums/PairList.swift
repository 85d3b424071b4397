/// Ordered particle pairs (i, j) for the Gaussian pair sums (physics.md §3.7b) as plain arrays: i = j and periodic images
/// included, every pair within r_ab + cσ (``PairSums/pairReach(_:_:)``) of a particle this rank deposits. The caller builds
/// it from its own particles and ghosts (`analyze --check pairs`: the particle engine's neighbour lists, with a skin that
/// reaches that far), so `Budget` needs nothing from the particle engine.
public struct PairList: Sendable {
    public let dimension: Int
    /// x_i, d values per pair (physical order).
    public private(set) var origins: [Double] = []
    /// r_ij = x_j − x_i with the image shift, d values per pair.
    public private(set) var separations: [Double] = []
    /// The species s_i and s_j.
    public private(set) var firstSpecies: [Int32] = []
    public private(set) var secondSpecies: [Int32] = []
    /// i and j in the caller's numbering (the same for a particle and its images): i = j marks the self terms (§4.2).
    public private(set) var first: [Int32] = []
    public private(set) var second: [Int32] = []

    public init(dimension: Int) {
        precondition(dimension == 2 || dimension == 3, "2 or 3 dimensions")
        self.dimension = dimension
    }

    public var count: Int { first.count }

    /// Appends the pair (i, j) at x_i = `origin` with separation r_ij (d values each).
    public mutating func append(first i: Int, second j: Int, species a: Int, _ b: Int, origin: ArraySlice<Double>, separation: [Double]) {
        precondition(origin.count == dimension && separation.count == dimension, "d values per vector")
        origins += origin
        separations += separation
        firstSpecies.append(Int32(a))
        secondSpecies.append(Int32(b))
        first.append(Int32(i))
        second.append(Int32(j))
    }

    /// The pairs of each particle with itself and its images, i = j: the self stress σ^self (physics.md §4.2, with
    /// images as the periodic density of one particle has them, which ``SelfStress`` uses too).
    public var selfPairs: PairList {
        var selected = PairList(dimension: dimension)
        let d = dimension
        for p in 0..<count where first[p] == second[p] {
            selected.append(first: Int(first[p]), second: Int(second[p]), species: Int(firstSpecies[p]), Int(secondSpecies[p]),
                            origin: origins[(p * d)..<((p + 1) * d)], separation: Array(separations[(p * d)..<((p + 1) * d)]))
        }
        return selected
    }

    /// Per-pair values from per-particle ones (`components` values per particle in the caller's numbering), taken from
    /// each pair's first particle i: the left weights w_i of B[f, ·], e.g. v_i for J̄_ℓ and S_ℓ.
    public func firstValues(_ values: [Double], components m: Int) -> [Double] {
        var result = [Double]()
        result.reserveCapacity(count * m)
        for i in first { result += values[(Int(i) * m)..<((Int(i) + 1) * m)] }
        return result
    }
}
