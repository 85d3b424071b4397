import Parallel

/// FIRE energy minimisation (Bitzek et al. 2006) with unit masses and the parameters of physics.md §1.6:
/// Δt₀ = 0.05, Δt_max = 0.2, α₀ = 0.1, f_α = 0.99, f_inc = 1.1, f_dec = 0.5, N_min = 5.
/// Norms and the power P = F·v are global (all ranks) and summed independently of the order
/// (``ReproducibleSum``), so a relaxation gives the same bits on any rank count.
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
        system.carry(width: system.dimension)  // the velocities
        defer { system.carry(width: 0) }
        var dt = initialTimeStep, alpha = initialAlpha, positiveSteps = 0, iteration = 0
        system.computeForces()
        var (fmax, vmax) = Self.largest(system)
        while fmax >= forceTolerance && iteration < maxIterations {
            let n = system.localCount * system.dimension
            // Order-independent sums (``ReproducibleSum``): the same bits on every rank count.
            let total = system.totalCount * system.dimension
            let power = ReproducibleSum(count: total, bound: fmax * vmax)
            let force = ReproducibleSum(count: total, bound: fmax * fmax), speed = ReproducibleSum(count: total, bound: vmax * vmax)
            // Loops run on buffer pointers: element access through the class would pay an exclusivity check each.
            let local = system.forces.withUnsafeBufferPointer { f in
                system.carried.withUnsafeBufferPointer { v in
                    var fv = (0.0, 0.0), ff = (0.0, 0.0), vv = (0.0, 0.0)
                    for k in 0..<n {
                        power.add(f[k] * v[k], to: &fv)
                        force.add(f[k] * f[k], to: &ff)
                        speed.add(v[k] * v[k], to: &vv)
                    }
                    return [fv.0, fv.1, ff.0, ff.1, vv.0, vv.1]
                }
            }
            let folds = system.timers.time(.reductions) { comm.allreduce(local, .sum) }
            let sums = [(folds[0], folds[1]), (folds[2], folds[3]), (folds[4], folds[5])].map(ReproducibleSum.value)
            var mix = 1.0, push = 0.0
            if sums[0] > 0 {
                mix = 1 - alpha
                push = sums[1] > 0 ? alpha * (sums[2] / sums[1]).squareRoot() : 0
                positiveSteps += 1
                if positiveSteps > minStepsBeforeGrowth {
                    dt = min(dt * timeStepGrowth, maxTimeStep)
                    alpha *= alphaShrink
                }
            } else {
                dt *= timeStepShrink
                alpha = initialAlpha
                positiveSteps = 0
                mix = 0
            }
            system.forces.withUnsafeBufferPointer { f in
                system.carried.withUnsafeMutableBufferPointer { v in
                    system.positions.withUnsafeMutableBufferPointer { x in
                        for k in 0..<n {
                            v[k] = mix * v[k] + push * f[k] + dt * f[k]  // mixing (or reset), then v += Δt F
                            x[k] += dt * v[k]
                        }
                    }
                }
            }
            system.positionsChanged()
            if let observe { observe(system.computeForces(thermo: true)!.potentialEnergy) } else { system.computeForces() }
            (fmax, vmax) = Self.largest(system)
            iteration += 1
            if iteration % 1000 == 0 { progress(iteration, fmax) }
        }
        let thermo = system.computeForces(thermo: true)!
        return Result(iterations: iteration, maxForce: fmax, converged: fmax < forceTolerance,
                      energyPerParticle: thermo.energyPerParticle)
    }

    /// Collective: max_{i,α} |F_iα| and max_{i,α} |v_iα| over all ranks, in one reduction.
    static func largest(_ system: ParticleSystem) -> (Double, Double) {
        let n = system.localCount * system.dimension
        let local = system.forces.withUnsafeBufferPointer { f in
            system.carried.withUnsafeBufferPointer { v in
                var m = (0.0, 0.0)
                for k in 0..<n { m = (max(m.0, abs(f[k])), max(m.1, abs(v[k]))) }
                return [m.0, m.1]
            }
        }
        let global = system.timers.time(.reductions) { system.communicator.allreduce(local, .max) }
        return (global[0], global[1])
    }
}
