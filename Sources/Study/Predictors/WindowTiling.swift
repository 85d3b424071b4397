import Parallel

/// Windows tiling the box for the predictors of plastic events (physics.md §6.4): n_α = max(1, round(L_α / a)) windows
/// along each axis, of side L_α / n_α (the stated side is the nearest that tiles the box), in the sheared coordinates of
/// the measurement grids (x' = x − γ' y, y, z; physics.md §1.5): a window is a parallelogram of the Lees–Edwards cell,
/// and a particle and a grid sample at the same place fall in the same window, whatever their periodic image.
struct WindowTiling {
    /// Windows along x, y[, z].
    let counts: [Int]
    /// Their sides along x, y[, z].
    let sides: [Double]
    let box: [Double]
    /// The strain γ' of the sheared coordinates (the grids' own, ``Fields/GriddedDeposition/strain``).
    let strain: Double

    init(side: Double, box: [Double], strain: Double) {
        counts = box.map { max(1, Int(($0 / side).rounded())) }
        sides = zip(box, counts).map { $0 / Double($1) }
        self.box = box
        self.strain = strain
    }

    var count: Int { counts.reduce(1, *) }

    /// The window of the lab point `x` (d components, any periodic image): index (i_y · n_x + i_x) · n_z + i_z.
    func window(of x: ArraySlice<Double>) -> Int {
        let s = x.startIndex, y = x[s + 1]
        return index(x[s] - strain * y, y, counts.count == 3 ? x[s + 2] : 0)
    }

    /// The window of each owned sample of a grid of spacing `h` decomposed by `decomposition` (planes along y, then x',
    /// [z]; ``GridSeparations``).
    func windows(decomposition: SlabDecomposition, spacing h: Double) -> [Int] {
        let extents = decomposition.grid.extents, d = extents.count, planeLength = extents.dropFirst().reduce(1, *)
        return (0..<(decomposition.count * planeLength)).map { k in
            let plane = decomposition.start + k / planeLength, e = k % planeLength
            return index(Double(d == 2 ? e : e / extents[2]) * h, Double(plane) * h, d == 3 ? Double(e % extents[2]) * h : 0)
        }
    }

    /// The window of a point in sheared coordinates (x', y, z; z ignored in 2D), each wrapped into [0, L_α).
    private func index(_ x: Double, _ y: Double, _ z: Double) -> Int {
        func cell(_ value: Double, _ a: Int) -> Int {
            let wrapped = value - (value / box[a]).rounded(.down) * box[a]
            return min(counts[a] - 1, max(0, Int(wrapped / sides[a])))
        }
        let planar = cell(y, 1) * counts[0] + cell(x, 0)
        return counts.count == 3 ? planar * counts[2] + cell(z, 2) : planar
    }
}
