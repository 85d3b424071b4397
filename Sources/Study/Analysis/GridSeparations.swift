import Parallel

/// The separations of a rank's owned grid samples from a point (physics.md §3.2 grids): samples in owned order (planes
/// along y, then x'[, z]) on a grid of spacing h in sheared coordinates x' = x − γ' y, lab positions x = x' + γ' y,
/// nearest images under Lees–Edwards (the image across a y face carries γ' L_y along x). For the means over a region
/// (``AnalysisRegion``) or a window (``EventWindow``).
struct GridSeparations {
    /// d lab components per owned sample.
    let values: [Double]
    let dimension: Int

    init(from center: [Double], decomposition: SlabDecomposition, spacing h: Double, strain: Double, box: [Double]) {
        let extents = decomposition.grid.extents, d = extents.count, planeLength = extents.dropFirst().reduce(1, *)
        dimension = d
        values = (0..<(decomposition.count * planeLength)).flatMap { k in
            let plane = decomposition.start + k / planeLength, e = k % planeLength
            let y = Double(plane) * h, xs = Double(d == 2 ? e : e / extents[2]) * h
            var delta = [xs + strain * y - center[0], y - center[1]] + (d == 3 ? [Double(e % extents[2]) * h - center[2]] : [])
            let images = (delta[1] / box[1]).rounded()
            delta[1] -= images * box[1]
            delta[0] -= images * strain * box[1]
            delta[0] -= (delta[0] / box[0]).rounded() * box[0]
            if d == 3 { delta[2] -= (delta[2] / box[2]).rounded() * box[2] }
            return delta
        }
    }

    /// |s|² of each owned sample.
    var squaredDistances: [Double] {
        stride(from: 0, to: values.count, by: dimension).map { k in (0..<dimension).reduce(0) { $0 + values[k + $1] * values[k + $1] } }
    }
}
