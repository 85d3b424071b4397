import Foundation
import Parallel
import Testing
@testable import Particles

/// The overdamped relaxation of physics.md §5.7 on the MPI singleton: the RKC2 step's stability polynomial, the energy
/// identity −ΔU = ∫Σ|F_i|²dt, and the minimum it reaches. Rank independence and events: AQS integration tests.
@Suite(.serialized) struct OverdampedRelaxationTests {
    /// One RKC2 step of y′ = λy from y = 1 with z = λΔt: the stability polynomial R_s(z).
    static func amplification(_ z: Double, stages s: Int) -> Double {
        let c = OverdampedRelaxation.Chebyshev(stages: s)
        var before = 1.0, current = 1 + c.muTilde[1] * z
        for j in 2...s {
            let next = (1 - c.mu[j] - c.nu[j]) + c.mu[j] * current + c.nu[j] * before + c.muTilde[j] * z * current + c.gammaTilde[j] * z
            (before, current) = (current, next)
        }
        return current
    }

    /// RKC2's coefficients (s = 2 … 250 stages): second order (R_s(z) − e^z falls 8× when z halves; a first-order step
    /// gives 4×), stable on the whole interval [−β(s), 0] that the step size relies on (|R_s| ≤ 1 up to round-off, 1e-12
    /// at 250 stages), and not beyond it (|R_s(−1.2 β)| > 1: the interval is the damped one, β(s) = (2/3)(s² − 1)(1 − 2ε/15)).
    @Test(arguments: [2, 3, 5, 20, 100, 250])
    func chebyshevStepsAreSecondOrderAndStable(stages s: Int) {
        let beta = 2.0 / 3 * Double(s * s - 1) * (1 - 2.0 / 13 * 2 / 15)
        let ratio = (Self.amplification(-1e-2, stages: s) - exp(-1e-2)) / (Self.amplification(-5e-3, stages: s) - exp(-5e-3))
        #expect(ratio > 7.5 && ratio < 8.5, "error ratio \(ratio)")
        let inside = (0...400).map { abs(Self.amplification(-beta * Double($0) / 400, stages: s)) }.max()!
        #expect(inside <= 1 + 1e-12, "max |R| on [−β, 0]: \(inside)")
        #expect(abs(Self.amplification(-1.2 * beta, stages: s)) > 1)
    }

    /// A glass of 256 bidisperse harmonic disks (φ = 0.9) at its FIRE minimum (max|F| < 1e-12).
    static func glass() throws -> (ParticleSystem, ParticleSnapshot) {
        let system = try ParticleSystemTests.system(2, count: 256, phi: 0.9)
        try FIREMinimizer(forceTolerance: 1e-12, maxIterations: 100_000).minimize(system)
        return (system, system.localSnapshot())
    }

    /// Relaxes the affine step `strain` from `minimum`; returns ΔU (after − before the flow) and the result.
    static func relax(_ system: ParticleSystem, from minimum: ParticleSnapshot, strain: Double, tolerance: Double) throws
        -> (deltaEnergy: Double, result: OverdampedRelaxation.Result) {
        system.restore(minimum)
        system.affineShear(by: strain)
        let before = system.computeForces(thermo: true)!.potentialEnergy
        let result = try OverdampedRelaxation(forceTolerance: 1e-12, maxSteps: 100_000, stepTolerance: tolerance).relax(system)
        return (system.computeForces(thermo: true)!.potentialEnergy - before, result)
    }

    /// The energy identity of physics.md §5.7, −ΔU = ∫Σ_i|F_i|²dt, over the relaxation of a strain step of 3e-3 (contacts
    /// open and close on the way): the trapezoid on the accepted states agrees within the step tolerance (the path and the
    /// quadrature are both second order in Δt, and Δt² ∝ the tolerance; measured 0.60 × the tolerance), and the
    /// difference falls at least 5× when the tolerance falls 10× (measured 10×; a first-order path would give 3.2×).
    @Test func energyIdentityConvergesAtSecondOrder() throws {
        let (system, minimum) = try Self.glass()
        var errors: [Double] = []
        for tolerance in [1e-2, 1e-3] {
            let (delta, result) = try Self.relax(system, from: minimum, strain: 3e-3, tolerance: tolerance)
            #expect(result.converged && delta < 0)
            let error = abs(-delta - result.dissipatedEnergy) / -delta
            #expect(error <= tolerance, "tolerance \(tolerance): −ΔU = \(-delta), ∫Σ|F|²dt = \(result.dissipatedEnergy)")
            errors.append(error)
        }
        #expect(errors[0] >= 5 * errors[1], "\(errors)")
    }

    /// A strain step without an event (δγ = 1e-4): the flow ends at FIRE's minimum (positions within 1e-8, measured 2e-10;
    /// σ_xy within 1e-12), and a replay from the same state takes the same path bit for bit.
    @Test func noEventStepEndsAtFIREsMinimum() throws {
        let (system, minimum) = try Self.glass()
        let (_, result) = try Self.relax(system, from: minimum, strain: 1e-4, tolerance: 1e-2)
        let flow = try #require(system.gatherSnapshot()), flowStress = system.computeForces(thermo: true)!.shearStress
        let (_, replay) = try Self.relax(system, from: minimum, strain: 1e-4, tolerance: 1e-2)
        let again = try #require(system.gatherSnapshot())
        #expect(replay == result && again.positions == flow.positions, "a replay takes the same path")
        system.restore(minimum)
        system.affineShear(by: 1e-4)
        try FIREMinimizer(forceTolerance: 1e-12, maxIterations: 100_000).minimize(system)
        let fire = try #require(system.gatherSnapshot())
        var largest = 0.0
        for k in flow.positions.indices {
            let length = flow.box[k % 2]
            let dx = flow.positions[k] + Double(flow.images[k]) * length - fire.positions[k] - Double(fire.images[k]) * length
            largest = max(largest, abs(dx - length * (dx / length).rounded()))
        }
        #expect(largest <= 1e-8, "largest difference from FIRE's minimum: \(largest)")
        #expect(abs(system.computeForces(thermo: true)!.shearStress - flowStress) <= 1e-12)
    }
}
