import Fields
import Parallel

/// Grid fields of the pair-sum terms (physics.md §3.7b) by segment deposits: node y of pair p is the segment from
/// m_p − y/2 to m_p + y/2 with the tensor y ⊗ ∇V(y) h_p(y) g_{2η}(y − r_p) × (node weight) as its values, deposited with the
/// narrow kernel g_{η/2} = G_{ℓ/√2} through any ``PointDeposition`` (so segments go to the rank owning their midpoint
/// and the deposition's own halo exchange applies). The λ-integral is Gauss–Legendre with
/// ``HardyStress/lambdaNodes(longestBond:deposition:tolerance:)`` nodes for the longest range.
/// Cost: pairs × nodes per pair × (λ nodes × the deposition's footprint per point) plus two transforms per
/// component per call.
extension PairSums {
    /// Collective: the terms' fields as owned samples, [term][component]. `deposition` must be a Gaussian deposition at
    /// scale ℓ/√2 (its variance per component η/2). Segments are deposited in calls of at most `segmentsPerCall` (memory:
    /// (2d + terms × components) doubles each); every rank makes as many calls as the busiest one.
    public func deposit(pairs: PairList, terms: [Term], with deposition: any PointDeposition,
                        segmentsPerCall: Int = 1 << 18) throws -> [[[Double]]] {
        let d = pairs.dimension, indices = Self.tensorIndices(dimension: d), m = indices.count, t = terms.count
        precondition(deposition.kernel is GaussianKernel && deposition.grid.dimension == d, "a Gaussian deposition in the pairs' dimension")
        precondition(abs(deposition.scale * 2.squareRoot() / quadrature.scale - 1) < 1e-12, "the deposition's scale must be ℓ/√2 (g_{η/2})")
        let forms = Self.affineForms(terms, pairs: pairs, variance: quadrature.variance)
        // the calls: consecutive pairs up to segmentsPerCall nodes (at least one pair), as many on every rank
        var ends: [Int] = [], filled = 0, counts = [Int](repeating: 0, count: pairs.count)
        forEachPair(pairs) { p, _, _, nodes in counts[p] = nodes.count }
        for p in 0..<pairs.count {
            if filled > 0 && filled + counts[p] > segmentsPerCall {
                ends.append(p)
                filled = 0
            }
            filled += counts[p]
        }
        if filled > 0 { ends.append(pairs.count) }
        let communicator = deposition.decomposition.communicator, calls = communicator.allreduce(ends.count, .max)
        let longest = potential.ranges.flatMap { $0 }.max()!
        let rule = GaussLegendre(count: HardyStress.lambdaNodes(longestBond: longest, deposition: deposition, tolerance: quadrature.tolerance), on: 0...1)
        let samples = deposition.decomposition.count * deposition.grid.planeLength
        var fields = [[Double]](repeating: [Double](repeating: 0, count: samples), count: t * m)
        for call in 0..<calls {
            let range = call < ends.count ? (call == 0 ? 0 : ends[call - 1])..<ends[call] : 0..<0
            let segments = range.reduce(0) { $0 + counts[$1] }
            var origins = [Double](repeating: 0, count: segments * d), vectors = origins
            var values = [Double](repeating: 0, count: segments * t * m)
            var s = 0
            forms.withUnsafeBufferPointer { forms in
                origins.withUnsafeMutableBufferPointer { origins in
                    vectors.withUnsafeMutableBufferPointer { vectors in
                        values.withUnsafeMutableBufferPointer { values in
                            forEachPair(pairs, range: range) { p, _, midpoint, nodes in
                                for n in 0..<nodes.count {
                                    let y = nodes.y[n], w = nodes.weight[n], start = midpoint - 0.5 * y
                                    for a in 0..<d {
                                        origins[s * d + a] = start[a]
                                        vectors[s * d + a] = y[a]
                                    }
                                    for k in 0..<t {
                                        let form = forms.baseAddress! + (p * t + k) * 4
                                        let h = w * (form[0] + form[1] * y[0] + form[2] * y[1] + form[3] * y[2])
                                        for (c, (i, j)) in indices.enumerated() { values[(s * t + k) * m + c] = h * y[i] * y[j] }
                                    }
                                    s += 1
                                }
                            }
                        }
                    }
                }
            }
            let batch = SegmentBatch(origins: origins, vectors: vectors, values: values, components: t * m, dimension: d)
            let deposited = try deposition.deposit(segments: batch, rule: rule)
            for c in fields.indices {
                fields[c].withUnsafeMutableBufferPointer { target in
                    for k in target.indices { target[k] += deposited[c][k] }
                }
            }
        }
        return (0..<t).map { k in Array(fields[(k * m)..<((k + 1) * m)]) }
    }
}
