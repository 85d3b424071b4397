import Parallel

/// The pair loop, generic over the potential (style.md §2) and written once for forces alone and for
/// forces with thermo. Each particle's force is summed over its full neighbour list in global-id order,
/// ``PairLanes/scalarCount`` neighbours at a time (4, or 8 on AVX-512 builds): entry k of the list always goes to
/// lane k mod width and the lanes are added at the end, so the sum is a fixed function of the id-ordered list and the forces are
/// the same bits on any number of ranks, with or without thermo.
extension ParticleSystem {
    /// Partial sums of one rank, for ``Thermo``.
    struct LocalThermo {
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
        case (2, false): return pairLoop(potential, Plane.self, ForcesOnly.self)
        case (2, true): return pairLoop(potential, Plane.self, WithThermo.self)
        case (_, false): return pairLoop(potential, Space.self, ForcesOnly.self)
        case (_, true): return pairLoop(potential, Space.self, WithThermo.self)
        }
    }

    @inline(__always)
    private func pairLoop<P: PairPotential, D: SpatialDimension, M: LoopMode>(_ potential: P, _: D.Type, _: M.Type) -> LocalThermo {
        typealias V = PairLanes
        let d = D.count, thermo = M.thermo, n = localCount, width = V.scalarCount
        let ratio = potential.cutoffRatio
        let lx = box[0], lz = d == 3 ? box[2] : 1, halfX = 0.5 * lx, halfZ = 0.5 * lz
        var result = LocalThermo()
        var largestForce = SIMD4<Double>(), contacts = PairLaneCounts(), largestOverlap = V()
        packed.withUnsafeBufferPointer { q in
        neighborStart.withUnsafeBufferPointer { start in
        neighbors.withUnsafeBufferPointer { list in
        forces.withUnsafeMutableBufferPointer { force in
        virials.withUnsafeMutableBufferPointer { virial in
        energies.withUnsafeMutableBufferPointer { particleEnergy in
        contactCounts.withUnsafeMutableBufferPointer { particleContacts in
            let rows = UnsafeRawPointer(q.baseAddress!)
            for i in 0..<n {
                let row = rows.loadUnaligned(fromByteOffset: 32 * i, as: SIMD4<Double>.self)  // x, y, z, d of particle i
                let xi = V(repeating: row[0]), yi = V(repeating: row[1]), zi = V(repeating: row[2]), di = V(repeating: row[3])
                var fx = V(), fy = V(), fz = V()
                var s = (V(), V(), V(), V(), V(), V())  // xx, yy, zz, xy, xz, yz
                var energy = V(), touches = PairLaneCounts()
                let last = Int(start[i + 1])
                var k = Int(start[i])
                while k < last {
                    // Lists are padded to whole groups with a far-away row: no lane needs masking.
                    let (xj, yj, zj, dj) = V.neighbourRows(rows, list.baseAddress! + k)
                    k += width
                    var dx = xi - xj
                    let dy = yi - yj
                    var dz = d == 3 ? zi - zj : V()
                    // Minimum image on the periodic axes (|dx| < L + skin, so one correction suffices);
                    // along the slab axis y the ghosts carry their periodic shift.
                    dx.replace(with: dx - lx, where: dx .> halfX)
                    dx.replace(with: dx + lx, where: dx .< -halfX)
                    if d == 3 {
                        dz.replace(with: dz - lz, where: dz .> halfZ)
                        dz.replace(with: dz + lz, where: dz .< -halfZ)
                    }
                    let r2 = dx * dx + dy * dy + dz * dz
                    let sigma = 0.5 * (di + dj)
                    let cut = ratio * sigma
                    let inRange = (r2 .< cut * cut) .& (r2 .> 0)  // coincident particles: no direction, no force
                    let (u, g) = potential.evaluate(r2: r2, sigma: sigma)
                    let f = V(repeating: 0).replacing(with: g, where: inRange)
                    fx += f * dx
                    fy += f * dy
                    if d == 3 { fz += f * dz }
                    if thermo {
                        energy += V(repeating: 0).replacing(with: 0.5 * u, where: inRange)
                        // s_i = ½ Σ_j r_ij ⊗ ∇V(r_ij) = −½ Σ_j f (x_i − x_j) ⊗ (x_i − x_j)
                        let h = -0.5 * f
                        s.0 += h * dx * dx
                        s.1 += h * dy * dy
                        s.3 += h * dx * dy
                        if d == 3 {
                            s.2 += h * dz * dz
                            s.4 += h * dx * dz
                            s.5 += h * dy * dz
                        }
                        let touching = (r2 .< sigma * sigma) .& (r2 .> 0)
                        touches &+= PairLaneCounts(repeating: 0).replacing(with: 1, where: touching)
                        largestOverlap.raise(to: V(repeating: 0).replacing(with: 1 - r2.laneSquareRoot / sigma, where: touching))
                    }
                }
                let (gx, gy, gz) = (fx.sum(), fy.sum(), fz.sum())
                force[i * d] = gx
                force[i * d + 1] = gy
                if d == 3 { force[i * d + 2] = gz }
                largestForce.raise(to: SIMD4(gx, gy, gz, 0).magnitude)
                if thermo {
                    // components (xx, yy, xy) in 2D, (xx, yy, zz, xy, xz, yz) in 3D (physics.md §2.2)
                    let t = (s.0.sum(), s.1.sum(), s.2.sum(), s.3.sum(), s.4.sum(), s.5.sum())
                    if d == 2 {
                        (virial[i * 3], virial[i * 3 + 1], virial[i * 3 + 2]) = (t.0, t.1, t.3)
                    } else {
                        (virial[i * 6], virial[i * 6 + 1], virial[i * 6 + 2]) = (t.0, t.1, t.2)
                        (virial[i * 6 + 3], virial[i * 6 + 4], virial[i * 6 + 5]) = (t.3, t.4, t.5)
                    }
                    particleEnergy[i] = energy.sum()
                    particleContacts[i] = Int32(touches.wrappedSum())
                    contacts &+= touches
                }
            }
        }}}}}}}
        result.maxForce = largestForce.max()
        if thermo {
            result.contacts = Int(contacts.wrappedSum())
            result.maxOverlap = largestOverlap.max()
        }
        return result
    }

    /// Collective: forces on every particle, and the reduced ``Thermo`` when `thermo` is true; with
    /// `perParticleVirials` (and thermo) also ``virials`` and ``contactCounts`` (otherwise they take no memory).
    ///
    /// The energy and stress are sums of per-particle values (each summed in global-id order) taken with
    /// ``ReproducibleSum``, so thermo has the same bits on any rank count, as the trajectory has.
    @discardableResult
    public func computeForces(thermo: Bool = false, perParticleVirials: Bool = false) -> Thermo? {
        let n = localCount, c = tensorComponents
        if thermo {
            virials = [Double](repeating: 0, count: n * c)
            energies = [Double](repeating: 0, count: n)
            contactCounts = [Int32](repeating: 0, count: n)
        }
        let local = timers.time(.pairForces) { computeLocalForces(thermo: thermo) }
        guard thermo else { return nil }
        defer {
            energies = []
            hasVirials = perParticleVirials
            if !perParticleVirials { (virials, contactCounts) = ([], []) }
        }
        var bounds = [Double](repeating: 0, count: 1 + c)
        for i in 0..<n {
            bounds[0] = max(bounds[0], abs(energies[i]))
            for m in 0..<c { bounds[1 + m] = max(bounds[1 + m], abs(virials[i * c + m])) }
        }
        let maxima = timers.time(.reductions) { communicator.allreduce(bounds + [local.maxOverlap, local.maxForce], .max) }
        let folds = (0...c).map { ReproducibleSum(count: totalCount, bound: maxima[$0]) }
        var partial = [(Double, Double)](repeating: (0, 0), count: 1 + c)
        for i in 0..<n {
            folds[0].add(energies[i], to: &partial[0])
            for m in 0..<c { folds[1 + m].add(virials[i * c + m], to: &partial[1 + m]) }
        }
        let sums = timers.time(.reductions) { communicator.allreduce(partial.flatMap { [$0.0, $0.1] } + [Double(local.contacts)], .sum) }
        let totals = (0...c).map { ReproducibleSum.value((sums[2 * $0], sums[2 * $0 + 1])) }
        let volume = box.reduce(1, *)
        let stress = totals[1...].map { $0 / volume }
        return Thermo(step: step, particles: totalCount, potentialEnergy: totals[0],
                      virialStress: stress, virialPressure: -stress[0..<dimension].reduce(0, +) / Double(dimension),
                      contactsPerParticle: sums[2 * (1 + c)] / Double(max(totalCount, 1)), maxOverlap: maxima[1 + c],
                      maxForce: maxima[2 + c], volume: volume)
    }

    /// Collective: max_{i,α} |F_iα| over all ranks from the current forces.
    public func maxForce() -> Double {
        let local = forces.lazy.map(abs).max() ?? 0
        return timers.time(.reductions) { communicator.allreduce(local, .max) }
    }
}

extension SIMD where Scalar == Double {
    /// |x| per lane (the standard library's `pointwiseMax` and friends are not inlined here).
    @inline(__always) var magnitude: Self { replacing(with: -self, where: self .< 0) }
    /// Lane-wise max(self, other).
    @inline(__always) mutating func raise(to other: Self) { replace(with: other, where: other .> self) }
}

extension PairLanes {
    /// The rows (x, y, z, d) of the ``PairLanes/scalarCount`` neighbours whose indices start at `list`, transposed
    /// into x, y, z and d lanes: neighbour k of the group in lane k.
    @inline(__always)
    static func neighbourRows(_ rows: UnsafeRawPointer, _ list: UnsafePointer<Int32>) -> (Self, Self, Self, Self) {
        @inline(__always) func row(_ k: Int) -> SIMD4<Double> {
            rows.loadUnaligned(fromByteOffset: 32 &* Int(list[k]), as: SIMD4<Double>.self)
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        #if STRESSFLUX_WIDE_PAIRS
        let r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
        return (Self(r0[0], r1[0], r2[0], r3[0], r4[0], r5[0], r6[0], r7[0]), Self(r0[1], r1[1], r2[1], r3[1], r4[1], r5[1], r6[1], r7[1]),
                Self(r0[2], r1[2], r2[2], r3[2], r4[2], r5[2], r6[2], r7[2]), Self(r0[3], r1[3], r2[3], r3[3], r4[3], r5[3], r6[3], r7[3]))
        #else
        return (Self(r0[0], r1[0], r2[0], r3[0]), Self(r0[1], r1[1], r2[1], r3[1]),
                Self(r0[2], r1[2], r2[2], r3[2]), Self(r0[3], r1[3], r2[3], r3[3]))
        #endif
    }
}

/// The dimension as a type, so loops over components unroll (2 or 3).
protocol SpatialDimension { static var count: Int { get } }
enum Plane: SpatialDimension { static var count: Int { 2 } }
enum Space: SpatialDimension { static var count: Int { 3 } }

/// Whether the pair loop also accumulates energies, virials and contacts, as a type so that the plain
/// force loop carries none of that work.
protocol LoopMode { static var thermo: Bool { get } }
enum ForcesOnly: LoopMode { static var thermo: Bool { false } }
enum WithThermo: LoopMode { static var thermo: Bool { true } }
