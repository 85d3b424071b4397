import Parallel

/// The engine's pairs for whoever measures the system (the stress budget, the Hardy stress, contact
/// statistics): one pair search, the engine's own, for the simulation and for every measurement (design.md).
extension ParticleSystem {
    /// Local: calls `body(i, j, r_ij, V(r_ij), f)` for every owned particle i and every particle j (owned or
    /// ghost, by local index) within the pair cutoff of i, in i's neighbour list order (global ids), where
    /// r_ij = x_j − x_i is the nearest image (Lees–Edwards images carried by the ghosts), V the pair energy and
    /// f = −V'(r)/r, so that the force on i from j is −f r_ij and ∇V(r_ij) = −f r_ij (physics.md §2.1–2.2).
    /// Each pair is seen from both sides when both are owned here; a caller keeps one side by comparing
    /// ``ids``. Needs current neighbour lists (after ``rebuild()`` or ``positionsChanged(largestSquaredMove:)``).
    public func forEachInteractingPair(_ body: (_ i: Int, _ j: Int, _ separation: SIMD3<Double>, _ energy: Double, _ forceOverR: Double) -> Void) {
        let ratio = potential.cutoffRatio
        forEachListedPair { i, j, r in
            let r2 = (r * r).sum(), sigma = 0.5 * (diameters[i] + diameters[j]), cut = ratio * sigma
            guard r2 < cut * cut, r2 > 0 else { return }
            let (energy, forceOverR) = potential.evaluate(r2: r2, sigma: sigma)
            body(i, j, r, energy, forceOverR)
        }
    }

    /// Local: calls `body(i, j, r_ij)` for every owned particle i and every particle j of its neighbour list (owned or
    /// ghost, by local index), with r_ij = x_j − x_i the nearest image as in ``forEachInteractingPair(_:)``: every pair
    /// closer than the cutoff of its diameters plus the skin, and some farther. A measurement that needs pairs beyond
    /// the cutoff (the pair sums of physics.md §3.7b) builds its engine with a skin that reaches them.
    public func forEachListedPair(_ body: (_ i: Int, _ j: Int, _ separation: SIMD3<Double>) -> Void) {
        let d = dimension, total = localCount + ghostCount
        let lx = box[0], lz = d == 3 ? box[2] : 1
        for i in 0..<localCount {
            for k in Int(neighborStart[i])..<Int(neighborStart[i + 1]) {
                let j = Int(neighbors[k])
                guard j != total else { break }  // the padding closes a list
                var r = SIMD3<Double>(positions[j * d] - positions[i * d], positions[j * d + 1] - positions[i * d + 1],
                                      d == 3 ? positions[j * d + 2] - positions[i * d + 2] : 0)
                // Minimum image along x and z; along y the ghosts carry their image (as in the pair loop).
                if r.x > 0.5 * lx { r.x -= lx } else if r.x < -0.5 * lx { r.x += lx }
                if d == 3 { if r.z > 0.5 * lz { r.z -= lz } else if r.z < -0.5 * lz { r.z += lz } }
                body(i, j, r)
            }
        }
    }
}
