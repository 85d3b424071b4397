/// The pair loops, generic over the potential (style.md §2): each particle's force is summed over its
/// neighbours in global-id order, so it is the same sum on any number of ranks. The force-only loop
/// evaluates each pair once; the thermo loop walks the full lists and also gathers energies and virials.
extension ParticleSystem {
    /// Partial sums of one rank, for ``Thermo``.
    struct LocalThermo {
        var energy = 0.0
        var virial = [Double](repeating: 0, count: 6)
        var contacts = 0
        var maxOverlap = 0.0
        var maxForce = 0.0
    }

    /// Local: forces on owned particles (and, with `thermo`, energies, per-particle virials, contacts).
    /// Switches once on potential, dimension and thermo so that each combination is its own specialised loop.
    @discardableResult
    func computeLocalForces(thermo: Bool) -> LocalThermo {
        switch potential {
        case .harmonic(let p): return pairLoop(p, thermo: thermo)
        case .hertzian(let p): return pairLoop(p, thermo: thermo)
        case .wca(let p): return pairLoop(p, thermo: thermo)
        }
    }

    @inline(__always)
    private func pairLoop<P: PairPotential>(_ potential: P, thermo: Bool) -> LocalThermo {
        switch (dimension, thermo) {
        case (2, false): return pairForces(potential, Plane.self)
        case (2, true): return pairLoop(potential, Plane.self, WithThermo.self)
        case (_, false): return pairForces(potential, Space.self)
        case (_, true): return pairLoop(potential, Space.self, WithThermo.self)
        }
    }

    /// The force-only loop: each pair evaluated once (``buildPairs()``), then each force summed over its
    /// id-ordered list. Bit for bit the same forces as the full-list loop, at about half the evaluations.
    @inline(__always)
    private func pairForces<P: PairPotential, D: SpatialDimension>(_ potential: P, _: D.Type) -> LocalThermo {
        let d = D.count, n = localCount, pairs = pairFirst.count, ratio = potential.cutoffRatio
        let lx = box[0], lz = d == 3 ? box[2] : 1, halfX = 0.5 * lx, halfZ = 0.5 * lz
        var largest = 0.0
        positions.withUnsafeBufferPointer { x in
        diameters.withUnsafeBufferPointer { diameter in
        pairFirst.withUnsafeBufferPointer { first in
        pairSecond.withUnsafeBufferPointer { second in
        pairForce.withUnsafeMutableBufferPointer { pf in
            for p in 0..<pairs {
                let i = Int(first[p]), j = Int(second[p])
                var dx = x[i * d] - x[j * d], dz = d == 3 ? x[i * d + 2] - x[j * d + 2] : 0
                let dy = x[i * d + 1] - x[j * d + 1]  // the slab axis: ghosts carry their periodic shift
                if dx > halfX { dx -= lx } else if dx < -halfX { dx += lx }
                if dz > halfZ { dz -= lz } else if dz < -halfZ { dz += lz }
                let r2 = dx * dx + dy * dy + dz * dz
                let sigma = 0.5 * (diameter[i] + diameter[j])
                let cut = ratio * sigma
                var f = 0.0
                if r2 < cut * cut { f = potential.evaluate(r2: r2, sigma: sigma).forceOverR }
                pf[p * d] = f * dx
                pf[p * d + 1] = f * dy
                if d == 3 { pf[p * d + 2] = f * dz }
            }
        }}}}}
        pairForce.withUnsafeBufferPointer { pf in
        neighborStart.withUnsafeBufferPointer { start in
        entryPair.withUnsafeBufferPointer { entry in
        entrySign.withUnsafeBufferPointer { sign in
        forces.withUnsafeMutableBufferPointer { force in
            for i in 0..<n {
                var fx = 0.0, fy = 0.0, fz = 0.0
                for k in Int(start[i])..<Int(start[i + 1]) {
                    let e = Int(entry[k]), s = sign[k]
                    fx += s * pf[e * d]
                    fy += s * pf[e * d + 1]
                    if d == 3 { fz += s * pf[e * d + 2] }
                }
                force[i * d] = fx
                force[i * d + 1] = fy
                if d == 3 { force[i * d + 2] = fz }
                largest = max(largest, abs(fx), abs(fy), abs(fz))
            }
        }}}}}
        var result = LocalThermo()
        result.maxForce = largest
        return result
    }

    @inline(__always)
    private func pairLoop<P: PairPotential, D: SpatialDimension, M: LoopMode>(_ potential: P, _: D.Type, _: M.Type) -> LocalThermo {
        let d = D.count, thermo = M.thermo, n = localCount, ratio = potential.cutoffRatio
        let lx = box[0], lz = d == 3 ? box[2] : 1, halfX = 0.5 * lx, halfZ = 0.5 * lz
        var result = LocalThermo()
        var local = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  // this rank's virial sum, in the per-particle order
        positions.withUnsafeBufferPointer { x in
        diameters.withUnsafeBufferPointer { diameter in
        neighborStart.withUnsafeBufferPointer { start in
        neighbors.withUnsafeBufferPointer { list in
        forces.withUnsafeMutableBufferPointer { force in
        virials.withUnsafeMutableBufferPointer { virial in
            for i in 0..<n {
                let xi = x[i * d], yi = x[i * d + 1], zi = d == 3 ? x[i * d + 2] : 0, di = diameter[i]
                var fx = 0.0, fy = 0.0, fz = 0.0
                var s = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  // xx, yy, zz, xy, xz, yz
                for k in Int(start[i])..<Int(start[i + 1]) {
                    let j = Int(list[k])
                    var dx = xi - x[j * d], dz = d == 3 ? zi - x[j * d + 2] : 0
                    let dy = yi - x[j * d + 1]  // the slab axis: ghosts carry their periodic shift
                    // Minimum image on the periodic axes; |dx| < L + skin, so one correction suffices.
                    if dx > halfX { dx -= lx } else if dx < -halfX { dx += lx }
                    if dz > halfZ { dz -= lz } else if dz < -halfZ { dz += lz }
                    let r2 = dx * dx + dy * dy + dz * dz
                    let sigma = 0.5 * (di + diameter[j])
                    let cut = ratio * sigma
                    guard r2 < cut * cut else { continue }
                    let (energy, f) = potential.evaluate(r2: r2, sigma: sigma)
                    fx += f * dx
                    fy += f * dy
                    fz += f * dz
                    if thermo {
                        result.energy += 0.5 * energy
                        // s_i = ½ Σ_j r_ij ⊗ ∇V(r_ij) = −½ Σ_j f (x_i − x_j) ⊗ (x_i − x_j)
                        s.0 -= 0.5 * f * dx * dx
                        s.1 -= 0.5 * f * dy * dy
                        s.2 -= 0.5 * f * dz * dz
                        s.3 -= 0.5 * f * dx * dy
                        s.4 -= 0.5 * f * dx * dz
                        s.5 -= 0.5 * f * dy * dz
                        if r2 < sigma * sigma {
                            result.contacts += 1
                            result.maxOverlap = max(result.maxOverlap, 1 - r2.squareRoot() / sigma)
                        }
                    }
                }
                force[i * d] = fx
                force[i * d + 1] = fy
                if d == 3 { force[i * d + 2] = fz }
                result.maxForce = max(result.maxForce, abs(fx), abs(fy), abs(fz))
                if thermo {
                    // components (xx, yy, xy) in 2D, (xx, yy, zz, xy, xz, yz) in 3D (physics.md §2.2)
                    if d == 2 {
                        (virial[i * 3], virial[i * 3 + 1], virial[i * 3 + 2]) = (s.0, s.1, s.3)
                        local.0 += s.0
                        local.1 += s.1
                        local.2 += s.3
                    } else {
                        (virial[i * 6], virial[i * 6 + 1], virial[i * 6 + 2]) = (s.0, s.1, s.2)
                        (virial[i * 6 + 3], virial[i * 6 + 4], virial[i * 6 + 5]) = (s.3, s.4, s.5)
                        local.0 += s.0
                        local.1 += s.1
                        local.2 += s.2
                        local.3 += s.3
                        local.4 += s.4
                        local.5 += s.5
                    }
                }
            }
        }}}}}}
        result.virial = [local.0, local.1, local.2, local.3, local.4, local.5]
        return result
    }

    /// Collective: forces on every particle, and the reduced ``Thermo`` when `thermo` is true.
    @discardableResult
    public func computeForces(thermo: Bool = false) -> Thermo? {
        let local = computeLocalForces(thermo: thermo)
        guard thermo else { return nil }
        let c = tensorComponents
        let sums = communicator.allreduce([local.energy, Double(local.contacts)] + local.virial[0..<c], .sum)
        let maxima = communicator.allreduce([local.maxOverlap, local.maxForce], .max)
        let volume = box.reduce(1, *)
        let stress = sums[2...].map { $0 / volume }
        return Thermo(step: step, particles: totalCount, potentialEnergy: sums[0],
                      virialStress: stress, virialPressure: -stress[0..<dimension].reduce(0, +) / Double(dimension),
                      contactsPerParticle: sums[1] / Double(max(totalCount, 1)), maxOverlap: maxima[0],
                      maxForce: maxima[1], volume: volume)
    }

    /// Collective: max_{i,α} |F_iα| over all ranks from the current forces.
    public func maxForce() -> Double {
        communicator.allreduce(forces.lazy.map(abs).max() ?? 0, .max)
    }
}

/// The dimension as a type, so loops over components unroll (2 or 3).
protocol SpatialDimension { static var count: Int { get } }
enum Plane: SpatialDimension { static var count: Int { 2 } }
enum Space: SpatialDimension { static var count: Int { 3 } }

/// Whether a pair loop also accumulates energies, virials and contacts, as a type so that the plain
/// force loop carries none of that work.
protocol LoopMode { static var thermo: Bool { get } }
enum ForcesOnly: LoopMode { static var thermo: Bool { false } }
enum WithThermo: LoopMode { static var thermo: Bool { true } }
