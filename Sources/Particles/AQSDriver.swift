/// Athermal quasistatic shear (physics.md §1.5c): repeat { affine strain step δγ under Lees–Edwards
/// images, FIRE to mechanical equilibrium } and record the stress–strain curve.
public struct AQSDriver: Sendable {
    /// δγ per step.
    public let strainStep: Double
    public let minimizer: FIREMinimizer

    /// One AQS step's record (a line of `aqs.csv`): the relaxed state after the step.
    public struct Record: Sendable, Codable, Equatable {
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
        /// FIRE iterations to relax, and whether it reached the force tolerance.
        public var iterations: Int
        public var converged: Bool
        public var maxForce: Double
    }

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for δγ ≤ 0 or not finite.
    public init(strainStep: Double, minimizer: FIREMinimizer) throws {
        guard strainStep > 0, strainStep.isFinite else {
            throw ParticlesError.invalidParameter(name: "[aqs] step", value: "\(strainStep)",
                                                  expected: "the strain step must be positive, 1e-4 is typical")
        }
        self.strainStep = strainStep
        self.minimizer = minimizer
    }

    /// Collective: the affine step x ← x + δγ (y − L_y/2), γ ← γ + δγ, then FIRE; returns the record.
    public func step(_ system: ParticleSystem) -> Record {
        let (thermo, relaxed) = relax(system, by: strainStep)
        system.step += 1
        return Record(step: system.step, strain: system.strain, shearStress: thermo.shearStress,
                      pressure: thermo.virialPressure, energyPerParticle: thermo.energyPerParticle,
                      potentialEnergy: thermo.potentialEnergy,
                      iterations: relaxed.iterations, converged: relaxed.converged, maxForce: relaxed.maxForce)
    }

    /// Collective: an affine step of `delta` relaxed by FIRE, without counting a step (the trial steps
    /// of an onset bisection); returns the relaxed state's thermo and FIRE's result.
    public func relax(_ system: ParticleSystem, by delta: Double) -> (Thermo, FIREMinimizer.Result) {
        system.affineShear(by: delta)
        let relaxed = minimizer.minimize(system)
        return (system.computeForces(thermo: true)!, relaxed)
    }
}
