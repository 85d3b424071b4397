#if canImport(Glibc)
import Glibc
#endif
import Budget
import Fields
import Parallel

/// The stochastic Dean–Kawasaki equation by conservative finite volumes (physics.md §7.3): cell densities ρ_n on the
/// slab grid (spacing h on every axis), and on each face n+½e_α
///   ρ_f = max(0, (ρ_n + ρ_{n+e_α})/2),
///   J_f = −T_v (ρ_{n+e_α} − ρ_n)/h + ρ_f (f^e_f − u_f) + sqrt(2 T_v ρ_f / (h^d Δt)) N_f,
/// u_f = (φ_{n+e_α} − φ_n)/h with φ = V*ρ spectral, f^e_f the mean of the two cells' force; Euler–Maruyama from ρ^n on
/// every axis: ρ_n ← ρ_n − (Δt/h) Σ_α (J_{n+½e_α} − J_{n−½e_α}). A face's flux enters one cell and leaves the other,
/// so the mass is kept to round-off; ρ_f = max(0, ·) stops the noise at empty faces (ρ → 0: the deterministic fluxes
/// then move mass only where there is some; ρ can still dip below 0 when ρ₀h^d is small, which the run reports).
/// N_f is a standard normal of (seed, global cell, axis, step) from Philox (``Parallel/Philox``), so the trajectory
/// is the same on any number of ranks: bitwise for an ideal gas (V = 0), to the FFT's round-off otherwise. The face
/// below a rank's first plane is computed by both ranks that share it, from the same numbers.
public final class DeanKawasakiStepper {
    public let fft: SlabFFT
    public let temperature: Double
    public let seed: UInt64
    /// ρ at the owned cells (plane-major, unpadded) and φ = V*ρ, with one ghost plane on each side along axis 0.
    private let field: GhostedField
    private let transforms: [Double]?
    /// f^e along each grid axis at the cells, ghosts included (filled once: the force is steady), or nil.
    private let forcing: GhostedField?
    public private(set) var time: Double
    public private(set) var step: Int
    /// Σ_α (J_{n−½e_α} − J_{n+½e_α}) of each owned cell, refilled every step (kept: no allocation per step).
    private var change: [Double]

    /// `density`: ρ at the owned cells; `potential` nil for an ideal gas; `forcing` steady (a time-dependent force
    /// is not supported here).
    public init(fft: SlabFFT, potential: BondPotential?, temperature: Double, forcing: DeanForcing?, seed: UInt64,
                density: [Double], time: Double = 0, step: Int = 0) throws {
        self.fft = fft
        self.temperature = temperature
        self.seed = seed
        self.time = time
        self.step = step
        let d = fft.extents.count, plane = fft.extents.dropFirst().reduce(1, *)
        let h = fft.decomposition.spacing
        precondition(h.allSatisfy { abs($0 - h[0]) <= 1e-12 * h[0] }, "Dean–Kawasaki cells are cubes: equal spacings")
        field = try GhostedField(decomposition: fft.decomposition, width: 1, planeLength: plane, components: 2)
        change = [Double](repeating: 0, count: fft.decomposition.count * plane)
        transforms = potential.map { PotentialGradient(potential: $0, dimension: d).modeTransforms(on: SpectralCalculus(fft: fft))[0][0] }
        if let forcing {
            precondition(forcing.steady, "the Dean–Kawasaki step takes a steady force")
            let cells = try GhostedField(decomposition: fft.decomposition, width: 1, planeLength: plane, components: d)
            for (mode, table) in zip(forcing.modes, forcing.tables(on: fft)) {
                let c = mode.amplitude * cos(-mode.phase), s = mode.amplitude * sin(-mode.phase)
                var k = 0
                fft.forEachOwnedSample { r in
                    cells.plane(slot: 1 + k / plane, component: mode.axis)[k % plane] += c * table.cos[r] + s * table.sin[r]
                    k += 1
                }
            }
            cells.fillGhosts()
            self.forcing = cells
        } else {
            self.forcing = nil
        }
        for (k, value) in density.enumerated() { field.plane(slot: 1 + k / plane)[k % plane] = value }
    }

    /// ρ at the owned cells.
    public var density: [Double] {
        let plane = field.planeLength
        return (0..<(fft.decomposition.count * plane)).map { field.plane(slot: 1 + $0 / plane)[$0 % plane] }
    }

    /// A standard normal of (seed, global cell, axis, step): Box–Muller on two 53-bit uniforms of one Philox block.
    @inline(__always)
    private func normal(cell: Int, axis: Int) -> Double {
        let w = Philox.block(counter: (UInt32(truncatingIfNeeded: cell), UInt32(truncatingIfNeeded: cell >> 32),
                                       UInt32(truncatingIfNeeded: step), UInt32(axis) << 24 | UInt32(truncatingIfNeeded: step >> 32) & 0xFF_FFFF),
                               key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
        let a = (UInt64(w.0) << 21 ^ UInt64(w.1) >> 11), b = (UInt64(w.2) << 21 ^ UInt64(w.3) >> 11)
        let u = (Double(a) + 0.5) * 0x1.0p-53, v = (Double(b) + 0.5) * 0x1.0p-53
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Collective: one Euler–Maruyama step of size `dt`.
    public func advance(by dt: Double) {
        let n = fft.extents, d = n.count, plane = field.planeLength, count = fft.decomposition.count
        let h = fft.decomposition.spacing[0], t = temperature, noise = (2 * t / (pow(h, Double(d)) * dt)).squareRoot()
        updatePotential()
        field.fillGhosts()
        let rho = { (slot: Int, e: Int) in self.field.storage[slot * plane + e] }
        let phi = { (slot: Int, e: Int) in self.field.storage[(count + 2 + slot) * plane + e] }
        // The flux through the + face of cell (slot, e) along `axis`, `neighbour` the index of the next cell there.
        func flux(_ slot: Int, _ e: Int, axis: Int, nextSlot: Int, next: Int) -> Double {
            let a = rho(slot, e), b = rho(nextSlot, next), face = max(0, 0.5 * (a + b))
            let u = transforms == nil ? 0 : (phi(nextSlot, next) - phi(slot, e)) / h
            let f = forcing.map { 0.5 * ($0.plane(slot: slot, component: axis)[e] + $0.plane(slot: nextSlot, component: axis)[next]) } ?? 0
            let global = ((fft.decomposition.start + slot - 1 + n[0]) % n[0]) * plane + e  // the ghost below wraps
            let random = t > 0 ? noise * face.squareRoot() * normal(cell: global, axis: axis) : 0
            return -t * (b - a) / h + face * (f - u) + random
        }
        for k in change.indices { change[k] = 0 }
        for slot in 0...count {  // slot 0: the ghost plane below, for the faces below the first owned plane
            for e in 0..<plane {
                if slot >= 1 {
                    for axis in 1..<d {
                        let next = Self.neighbour(e, axis: axis, extents: n)
                        let j = flux(slot, e, axis: axis, nextSlot: slot, next: next)
                        change[(slot - 1) * plane + e] -= j
                        change[(slot - 1) * plane + next] += j
                    }
                }
                let j = flux(slot, e, axis: 0, nextSlot: slot + 1, next: e)
                if slot >= 1 { change[(slot - 1) * plane + e] -= j }
                if slot < count { change[slot * plane + e] += j }
            }
        }
        let scale = dt / h
        for k in change.indices { field.plane(slot: 1 + k / plane)[k % plane] += scale * change[k] }
        time += dt
        step += 1
    }

    /// The index in the plane of the next cell along `axis` (1 or 2), periodic.
    static func neighbour(_ e: Int, axis: Int, extents n: [Int]) -> Int {
        if n.count == 2 { return (e + 1) % n[1] }
        let i1 = e / n[2], i2 = e % n[2]
        return axis == 1 ? ((i1 + 1) % n[1]) * n[2] + i2 : i1 * n[2] + (i2 + 1) % n[2]
    }

    /// Collective: φ = V*ρ on the owned planes (component 1), nothing for an ideal gas.
    private func updatePotential() {
        guard let transforms else { return }
        let plane = field.planeLength
        var owned = [Double](repeating: 0, count: fft.decomposition.count * plane)
        for k in owned.indices { owned[k] = field.plane(slot: 1 + k / plane)[k % plane] }
        fft.loadSamples(owned)
        fft.forward()
        fft.multiply(modeFactors: transforms)
        fft.inverse()
        let convolved = fft.ownedSamples()
        for k in convolved.indices { field.plane(slot: 1 + k / plane, component: 1)[k % plane] = convolved[k] }
    }
}
