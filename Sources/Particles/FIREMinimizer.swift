/// FIRE energy minimisation (Bitzek et al. 2006) with unit masses and the parameters of physics.md §1.6:
/// Δt₀ = 0.05, Δt_max = 0.2, α₀ = 0.1, f_α = 0.99, f_inc = 1.1, f_dec = 0.5, N_min = 5.
/// Norms and the power P = F·v are global (all ranks).
public struct FIREMinimizer: Sendable {
    public var initialTimeStep = 0.05
    public var maxTimeStep = 0.2
    public var initialAlpha = 0.1
    public var alphaShrink = 0.99
    public var timeStepGrowth = 1.1
    public var timeStepShrink = 0.5
    public var minStepsBeforeGrowth = 5
    /// Stop when max_{i,α} |F_iα| < forceTolerance.
    public var forceTolerance: Double
    /// Stop after this many iterations.
    public var maxIterations: Int

    public struct Result: Sendable, Codable, Equatable {
        public var iterations: Int
        public var maxForce: Double
        public var converged: Bool
        public var energyPerParticle: Double
    }

    public init(forceTolerance: Double = 1e-10, maxIterations: Int = 20_000) throws {
        guard forceTolerance > 0 else {
            throw ParticlesError.invalidParameter(name: "[minimize] force_tolerance", value: "\(forceTolerance)", expected: "must be positive")
        }
        guard maxIterations >= 0 else {
            throw ParticlesError.invalidParameter(name: "[minimize] max_iterations", value: "\(maxIterations)", expected: "must be zero or positive")
        }
        self.forceTolerance = forceTolerance
        self.maxIterations = maxIterations
    }

    /// Collective: minimises the energy of `system`; `progress` is called every 1000 iterations on every
    /// rank with (iteration, max|F|); `observe`, if given, after every iteration with the potential energy
    /// (which costs a thermo evaluation per iteration).
    @discardableResult
    public func minimize(_ system: ParticleSystem, progress: (Int, Double) -> Void = { _, _ in },
                         observe: ((Double) -> Void)? = nil) -> Result {
        let comm = system.communicator
        for i in 0..<system.velocities.count { system.velocities[i] = 0 }
        var dt = initialTimeStep, alpha = initialAlpha, positiveSteps = 0, iteration = 0
        system.computeForces()
        var fmax = system.maxForce()
        while fmax >= forceTolerance && iteration < maxIterations {
            let n = system.localCount * system.dimension
            var local = (0.0, 0.0, 0.0)  // F·v, |F|², |v|²
            for k in 0..<n {
                local.0 += system.forces[k] * system.velocities[k]
                local.1 += system.forces[k] * system.forces[k]
                local.2 += system.velocities[k] * system.velocities[k]
            }
            let sums = comm.allreduce([local.0, local.1, local.2], .sum)
            if sums[0] > 0 {
                let scale = sums[1] > 0 ? alpha * (sums[2] / sums[1]).squareRoot() : 0
                for k in 0..<n { system.velocities[k] = (1 - alpha) * system.velocities[k] + scale * system.forces[k] }
                positiveSteps += 1
                if positiveSteps > minStepsBeforeGrowth {
                    dt = min(dt * timeStepGrowth, maxTimeStep)
                    alpha *= alphaShrink
                }
            } else {
                dt *= timeStepShrink
                alpha = initialAlpha
                positiveSteps = 0
                for k in 0..<n { system.velocities[k] = 0 }
            }
            for k in 0..<n {
                system.velocities[k] += dt * system.forces[k]
                system.positions[k] += dt * system.velocities[k]
            }
            system.positionsChanged()
            if let observe { observe(system.computeForces(thermo: true)!.potentialEnergy) } else { system.computeForces() }
            fmax = system.maxForce()
            iteration += 1
            if iteration % 1000 == 0 { progress(iteration, fmax) }
        }
        let thermo = system.computeForces(thermo: true)!
        return Result(iterations: iteration, maxForce: fmax, converged: fmax < forceTolerance,
                      energyPerParticle: thermo.energyPerParticle)
    }
}
