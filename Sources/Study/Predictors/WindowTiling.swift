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
        let s = Array(x), y = s[1]
        return index(sheared: [s[0] - strain * y, y] + s.dropFirst(2))
    }

    /// The window of each owned sample of a grid of spacing `h` decomposed by `decomposition` (planes along y, then x',
    /// [z]; ``GridSeparations``).
    func windows(decomposition: SlabDecomposition, spacing h: Double) -> [Int] {
        let extents = decomposition.grid.extents, d = extents.count, planeLength = extents.dropFirst().reduce(1, *)
        return (0..<(decomposition.count * planeLength)).map { k in
            let plane = decomposition.start + k / planeLength, e = k % planeLength
            let xs = Double(d == 2 ? e : e / extents[2]) * h
            return index(sheared: [xs, Double(plane) * h] + (d == 3 ? [Double(e % extents[2]) * h] : []))
        }
    }

    /// The window of a point in sheared coordinates, each wrapped into [0, L_α).
    private func index(sheared s: [Double]) -> Int {
        let cell = s.indices.map { a in
            let wrapped = s[a] - (s[a] / box[a]).rounded(.down) * box[a]
            return min(counts[a] - 1, max(0, Int(wrapped / sides[a])))
        }
        return ((cell[1] * counts[0] + cell[0]) * (counts.count == 3 ? counts[2] : 1)) + (counts.count == 3 ? cell[2] : 0)
    }
}
