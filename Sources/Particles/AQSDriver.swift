/// Athermal quasistatic shear (physics.md §1.5c): repeat { affine strain step δγ under Lees–Edwards
/// images, relaxation to mechanical equilibrium } and record the stress–strain curve. The relaxation is
/// FIRE (an inertial minimiser, the default) or the model's own overdamped flow (physics.md §5.7), whose
/// path from the unstable state to the new minimum is the dissipation of a plastic event.
public struct AQSDriver: Sendable {
    /// How a strain step is relaxed.
    public enum Relaxation: Sendable {
        case fire(FIREMinimizer)
        case overdamped(OverdampedRelaxation)
    }

    /// δγ per step.
    public let strainStep: Double
    public let relaxation: Relaxation

    /// One relaxation: FIRE's iterations (0 for the overdamped flow), force evaluations and, for the overdamped flow, its path.
    public struct Relaxed: Sendable {
        public var iterations: Int
        /// Force evaluations of the whole relaxation (the cost to compare).
        public var forceEvaluations: Int
        public var converged: Bool
        public var maxForce: Double
        public var overdamped: OverdampedRelaxation.Result?
    }

    /// One AQS step's record (a line of `aqs.csv`): the relaxed state after the step.
    public struct Record: Sendable {
        /// AQS steps since the start of the shear (the system's step counter).
        public var step: Int
        /// Lees–Edwards strain γ after the step.
        public var strain: Double
        /// σ_xy of the virial stress (physics.md §2.2, tension positive), V₀/ℓ₀^d.
        public var shearStress: Double
        /// Interaction pressure −tr σ^vir / d.
        public var pressure: Double
        public var energyPerParticle: Double
        /// Total potential energy U.
        public var potentialEnergy: Double
        public var relaxed: Relaxed
    }

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for δγ ≤ 0 or not finite.
    public init(strainStep: Double, relaxation: Relaxation) throws {
        guard strainStep > 0, strainStep.isFinite else {
            throw ParticlesError.invalidParameter(name: "[aqs] step", value: "\(strainStep)",
                                                  expected: "the strain step must be positive, 1e-4 is typical")
        }
        self.strainStep = strainStep
        self.relaxation = relaxation
    }

    /// Collective: the affine step x ← x + δγ (y − L_y/2), γ ← γ + δγ, then the relaxation; returns the record.
    public func step(_ system: ParticleSystem) -> Record {
        let (thermo, relaxed) = relax(system, by: strainStep) { _ in }
        system.step += 1
        return Record(step: system.step, strain: system.strain, shearStress: thermo.shearStress,
                      pressure: thermo.virialPressure, energyPerParticle: thermo.energyPerParticle,
                      potentialEnergy: thermo.potentialEnergy, relaxed: relaxed)
    }

    /// Collective: an affine step of `delta` and its relaxation, without counting a step (the trial steps of an
    /// onset bisection, the replay of an event); `observe` sees the overdamped path's states. Returns the relaxed
    /// state's thermo.
    public func relax(_ system: ParticleSystem, by delta: Double,
                      observe: (OverdampedRelaxation.Sample) throws -> Void = { _ in }) rethrows -> (Thermo, Relaxed) {
        // From freshly built lists: the step is then the same, bit for bit, as its replay from a restored state.
        system.rebuild()
        system.affineShear(by: delta)
        let relaxed: Relaxed
        switch relaxation {
        case .fire(let minimizer):
            let r = minimizer.minimize(system)
            relaxed = Relaxed(iterations: r.iterations, forceEvaluations: r.iterations + 2, converged: r.converged, maxForce: r.maxForce)
        case .overdamped(let flow):
            let r = try flow.relax(system, observe: observe)
            relaxed = Relaxed(iterations: 0, forceEvaluations: r.forceEvaluations, converged: r.converged, maxForce: r.maxForce, overdamped: r)
        }
        return (system.computeForces(thermo: true)!, relaxed)
    }
}
