import Glibc
import Parallel

/// The model's own relaxation at fixed strain (physics.md §5.7): the athermal, unforced limit of §1.1,
/// dx_i/dt = F_i (T_v = 0, f^e = 0, μ = 1; time in ℓ₀²/(μV₀)), followed until max_{i,α}|F_iα| < `forceTolerance`.
///
/// The flow is stiff: Δt < 2/λ_max for an explicit step (λ_max the largest Hessian eigenvalue), while the slow parts of
/// the path — the crawl past the saddle-node where an event starts, the approach to the minimum — last ~1/λ_soft.
/// So the integrator is RKC2, the second-order Runge–Kutta–Chebyshev method (Sommeijer, Shampine & Verwer 1998): s
/// stages of F per step extend the real stability interval to β(s) ≈ 0.653 s², so the step follows the accuracy the
/// path needs and not the stiffest mode, at s ≈ √(1.54 Δt λ_max) force evaluations per step. λ_max comes from a
/// power iteration on force differences (every 25 steps and after two rejected steps in a row, ×1.2 for safety). The local error
/// estimate of RKC, E = (12 (x_n − x_{n+1}) + 6Δt (F_n + F_{n+1}))/15, must stay below `stepTolerance` times the
/// step's displacement (root mean squares over all particles).
///
/// No FIRE finishes the slow tail: measured on the 2D glass, the relaxation left below max|F| = 1e-6 still moves σ_xy by
/// 5e-7 to 1.4e-6 (an event's threshold), and an event can start inside it (the crawl past a saddle-node sits at such
/// forces), so no force threshold marks where the path stops mattering. The cost is about 2× FIRE's force evaluations
/// per AQS step, 3–6× on event steps.
///
/// Every decision depends only on global maxima and order-independent sums (``ReproducibleSum``), and the stage vectors
/// travel with their particles (``ParticleSystem/carried``, as displacements, so wrapping at a rebuild cannot split a
/// combination): a relaxation takes the same path, bit for bit, on any rank count and when replayed from the same state.
public struct OverdampedRelaxation: Sendable {
    public var forceTolerance: Double
    /// The most integration steps (accepted or not).
    public var maxSteps: Int
    /// The largest local error of a step relative to its displacement (root mean squares).
    public var stepTolerance: Double

    /// One accepted state of the path: after step `step` at `time`, with max|F| and Σ_i|F_i|² there.
    public struct Sample: Sendable, Equatable {
        public var step: Int
        public var time: Double
        public var maxForce: Double
        public var forceSquared: Double

        public init(step: Int, time: Double, maxForce: Double, forceSquared: Double) {
            self.step = step
            self.time = time
            self.maxForce = maxForce
            self.forceSquared = forceSquared
        }
    }

    public struct Result: Sendable, Codable, Equatable {
        /// Accepted and rejected steps, and the force evaluations they took (power iterations included).
        public var steps: Int
        public var rejected: Int
        public var forceEvaluations: Int
        /// Physical time of the path, ℓ₀²/(μV₀).
        public var time: Double
        /// ∫Σ_i|F_i|²dt by the trapezoid on the accepted states (V₀): −ΔU up to the quadrature (physics.md §5.7).
        public var dissipatedEnergy: Double
        public var maxForce: Double
        public var converged: Bool
        public var energyPerParticle: Double
    }

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for a parameter out of range.
    public init(forceTolerance: Double, maxSteps: Int, stepTolerance: Double = 1e-2) throws {
        guard forceTolerance > 0, forceTolerance.isFinite else {
            throw ParticlesError.invalidParameter(name: "force tolerance", value: "\(forceTolerance)", expected: "must be positive")
        }
        guard maxSteps > 0 else {
            throw ParticlesError.invalidParameter(name: "maximum steps", value: "\(maxSteps)", expected: "must be positive")
        }
        guard stepTolerance > 0, stepTolerance < 1 else {
            throw ParticlesError.invalidParameter(name: "step tolerance", value: "\(stepTolerance)",
                                                  expected: "the local error relative to the step must be in (0, 1), 0.01 is the default")
        }
        self.forceTolerance = forceTolerance
        self.maxSteps = maxSteps
        self.stepTolerance = stepTolerance
    }

    /// The most stages of a step: beyond a few hundred the Chebyshev recursion loses digits (Sommeijer et al.).
    static let maxStages = 250

    /// Collective: relaxes `system` from its current positions; `observe` sees the starting state (step 0, time 0) and
    /// every accepted state of the path, with the system's forces current there.
    @discardableResult
    public func relax(_ system: ParticleSystem, observe: (Sample) throws -> Void = { _ in }) rethrows -> Result {
        var result = Result(steps: 0, rejected: 0, forceEvaluations: 0, time: 0, dissipatedEnergy: 0, maxForce: 0, converged: false,
                            energyPerParticle: 0)
        result.maxForce = try flow(system, result: &result, observe: observe)
        result.converged = result.maxForce < forceTolerance
        result.energyPerParticle = system.computeForces(thermo: true)!.energyPerParticle
        return result
    }

    /// Collective: the path from the current positions until max|F| < the force tolerance or the step cap, into
    /// `result`; returns the last max|F|.
    private func flow(_ system: ParticleSystem, result: inout Result,
                      observe: (Sample) throws -> Void) rethrows -> Double {
        // The path starts from freshly built lists, as a replay from a restored state does (the lists' rounding is
        // part of the path).
        system.rebuild()
        system.computeForces()
        system.carry(width: 3 * system.dimension)  // per particle: x_n − x, F_n, x_{j−2} − x (the stages' memory)
        defer { system.carry(width: 0) }
        let stages = Stages(system: system)
        stages.keepForces()
        result.forceEvaluations += 1
        var (fmax, power) = Self.norms(system)
        try observe(Sample(step: 0, time: 0, maxForce: fmax, forceSquared: power))
        var radius = 0.0, sinceEstimate = Int.max, dt = 0.0
        var previous: (ratio: Double, dt: Double)?, rejections = 0  // the last accepted step; rejections since
        while fmax >= forceTolerance && result.steps < maxSteps {
            if sinceEstimate >= 25 {
                let (estimate, evaluations) = stages.spectralRadius()
                radius = 1.2 * estimate
                result.forceEvaluations += evaluations
                sinceEstimate = 0
                if dt == 0 { dt = 1 / radius }
            }
            let step = Chebyshev(stages: max(2, min(Self.maxStages, 1 + Int((1 + 1.54 * dt * radius).squareRoot()))))
            stages.advance(by: dt, with: step)
            result.steps += 1
            result.forceEvaluations += step.stages
            let (error, displacement) = stages.errorAndDisplacement(dt: dt)
            let ratio = max(error / max(stepTolerance * displacement, 1e-14), 1e-10)
            // RKC's controller: predictive (Gustafsson) after an accepted step, plain after a rejection, never growing
            // right after one.
            var factor = 0.8 / cbrt(ratio)
            if ratio <= 1 {
                let (next, nextPower) = Self.norms(system)
                result.time += dt
                result.dissipatedEnergy += 0.5 * dt * (power + nextPower)
                (fmax, power) = (next, nextPower)
                stages.keepForces()
                sinceEstimate += 1
                if let previous, rejections == 0 { factor *= (dt / previous.dt) * cbrt(previous.ratio / ratio) }
                factor = rejections > 0 ? min(factor, 1) : factor
                (previous, rejections) = ((ratio, dt), 0)
                try observe(Sample(step: result.steps - result.rejected, time: result.time, maxForce: fmax, forceSquared: power))
            } else {
                stages.goBack()
                result.rejected += 1
                rejections += 1
                if rejections >= 2 { sinceEstimate = 25 }  // repeated failures: λ_max may have grown
            }
            dt = min(dt * min(2, max(0.1, factor)), Self.stabilityLimit / radius)
        }
        return fmax
    }

    /// The largest Δt λ_max of a step: β(maxStages).
    static var stabilityLimit: Double { 0.65 * Double(maxStages * maxStages) }

    /// Collective: max_{i,α}|F_iα| and Σ_i|F_i|² over all ranks, the sum independent of the order (``ReproducibleSum``).
    public static func norms(_ system: ParticleSystem) -> (maxForce: Double, forceSquared: Double) {
        let comm = system.communicator, n = system.localCount * system.dimension
        let largest = system.forces.withUnsafeBufferPointer { f in (0..<n).reduce(0.0) { max($0, abs(f[$1])) } }
        let fmax = system.timers.time(.reductions) { comm.allreduce(largest, .max) }
        let sum = ReproducibleSum(count: system.totalCount * system.dimension, bound: fmax * fmax)
        let folds = system.forces.withUnsafeBufferPointer { f in
            var s = (0.0, 0.0)
            for k in 0..<n { sum.add(f[k] * f[k], to: &s) }
            return [s.0, s.1]
        }
        let total = system.timers.time(.reductions) { comm.allreduce(folds, .sum) }
        return (fmax, ReproducibleSum.value((total[0], total[1])))
    }
}
