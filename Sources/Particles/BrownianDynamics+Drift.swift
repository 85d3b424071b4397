extension BrownianDynamics {
    /// Local: the drift of the owned particles without the affine shear flow, u_i = F_i + f^e(x_i, t) (physics.md §1.1,
    /// §5.3: the overdamped velocity at T_v = 0, the drift at T_v > 0), from the current ``ParticleSystem/forces``,
    /// at t = step · Δt. The affine part γ̇ (y − L_y/2) e_x of a sheared run is left out: it jumps by γ̇ L_y across the
    /// Lees–Edwards faces, so currents built with it are not periodic in the box's sheared coordinates. A budget with
    /// u_i gives the change of σ̲_ℓ by the non-affine motion alone, without the affine flow's advection and loading.
    public func nonAffineDrift(_ system: ParticleSystem) -> [Double] {
        var velocities = system.forces
        guard let forcing else { return velocities }
        let d = system.dimension, box = system.box, time = Double(system.step) * timeStep
        system.positions.withUnsafeBufferPointer { x in
            velocities.withUnsafeMutableBufferPointer { v in
                for i in 0..<system.localCount { forcing.add(at: x.baseAddress! + i * d, box: box, time: time, to: v.baseAddress! + i * d) }
            }
        }
        return velocities
    }
}
