import Foundation
import Parallel
import Testing
@testable import Particles

/// Lees–Edwards images (physics.md §1.5b) on the MPI singleton: the image above the box is shifted by
/// +γ L_y along x. Multi-rank behaviour: integration tests.
@Suite(.serialized) struct LeesEdwardsTests {
    /// Two harmonic disks (d = 1) in a 10 × 10 box, one just above y = 0 and one just below y = L_y, placed
    /// so that the lower one's sheared image above the box is at (0.3, −0.3) from the upper one.
    static func straddlingPair(strain: Double, lowerFirst: Bool) throws -> ParticleSystem {
        let length = 10.0, x0 = 2.2
        let image = x0 + strain * length  // the image of the lower particle above the box
        var x1 = (image + 0.3).truncatingRemainder(dividingBy: length)
        if x1 < 0 { x1 += length }
        let rows = [(x0, 0.2), (x1, 9.9)]
        let ordered = lowerFirst ? rows : rows.reversed()
        var snapshot = ParticleSnapshot(dimension: 2, box: [length, length], ids: [0, 1],
                                        positions: ordered.flatMap { [$0.0, $0.1] }, images: [0, 0, 0, 0],
                                        species: [0, 0], speciesNames: ["A"], diameters: [1, 1])
        snapshot.strain = strain
        return try ParticleSystem(block: snapshot, potential: PotentialKind.harmonic.potential(), skin: 0.3,
                                  communicator: .world)
    }

    /// The force on the upper particle is the harmonic force from the lower one's sheared image at
    /// r = (0.3, −0.3), for offsets below, at and beyond L_x (γ L_y = 0, 1.3, 5, 23.7, −6.1) and both id
    /// orders; forces sum to zero; the energy is V(r). Tolerance 1e-14: a few roundings of O(1) numbers.
    @Test(arguments: [0.0, 0.13, 0.5, 2.37, -0.61], [true, false])
    func pairAcrossTheShearedBoundary(strain: Double, lowerFirst: Bool) throws {
        let system = try Self.straddlingPair(strain: strain, lowerFirst: lowerFirst)
        let thermo = try #require(system.computeForces(thermo: true))
        let s = try #require(system.gatherSnapshot(includeForces: true))
        let upper = s.positions[1] > 5 ? 0 : 1, f = try #require(s.forces)
        let r = (0.3 * 0.3 + 0.3 * 0.3).squareRoot(), magnitude = (1 - r) / r  // −V'(r)/r for ε = σ = 1
        #expect(abs(f[2 * upper] - magnitude * 0.3) < 1e-14)
        #expect(abs(f[2 * upper + 1] + magnitude * 0.3) < 1e-14)
        #expect(abs(f[0] + f[2]) < 1e-14 && abs(f[1] + f[3]) < 1e-14)
        #expect(abs(thermo.potentialEnergy - 0.5 * (1 - r) * (1 - r)) < 1e-14)
    }

    /// An affine strain step δγ (x ← x + δγ (y − L_y/2), γ ← γ + δγ) followed by a ghost refresh gives
    /// the forces of a system built afresh from the moved positions at the new strain: the refresh
    /// applies the new offset. Bitwise: the ghosts get the same coordinates either way.
    @Test func affineStepRefreshesTheImages() throws {
        let system = try Self.straddlingPair(strain: 0.13, lowerFirst: true)
        let step = 0.01, ly = system.box[1]
        for i in 0..<system.localCount { system.positions[2 * i] += step * (system.positions[2 * i + 1] - 0.5 * ly) }
        system.shear(by: step)
        #expect(!system.positionsChanged(), "a small step refreshes the ghosts without a rebuild")
        system.computeForces()
        let moved = try #require(system.gatherSnapshot(includeForces: true))
        let fresh = try ParticleSystem(block: moved, potential: PotentialKind.harmonic.potential(), skin: 0.3,
                                       communicator: .world)
        fresh.computeForces()
        let built = try #require(fresh.gatherSnapshot(includeForces: true))
        #expect(moved.strain == 0.13 + step && built.strain == moved.strain)
        #expect(moved.forces! == built.forces!)
        #expect(moved.forces!.contains { $0 != 0 }, "the pair touches through the sheared boundary")
    }

    /// Ideal particles (ε = 0) sheared at γ̇ with noise T_v: the unwrapped x displacement over t has mean
    /// γ̇ t (y₀ − L_y/2) (the affine drift, carried across the y faces by the image offset) and the y
    /// displacement variance stays 2 T_v t. Least-squares slope of Δx against t (y₀ − L_y/2) equals γ̇
    /// within 4 standard errors (var Δx = 2T_v t + γ̇² 2T_v t³/3 about the mean); y-MSD within 4 sd.
    @Test(arguments: [2, 3])
    func shearedIdealParticles(dimension d: Int) throws {
        let n = 2000, temperature = 0.5, dt = 0.01, steps = 150, rate = 0.2
        let snapshot = try RandomPacking.make(dimension: d, count: n, packingFraction: 0.2, mixture: .monodisperse, seed: 9)
        let system = try ParticleSystem(block: snapshot, potential: PotentialKind.harmonic.potential(epsilon: 0),
                                        skin: 0.3, communicator: .world)
        let dynamics = try BrownianDynamics(timeStep: dt, temperature: temperature, noise: .gaussian, seed: 4, shearRate: rate)
        for _ in 0..<steps { dynamics.step(system) }
        system.rebuild()
        let end = try #require(system.gatherSnapshot())
        let t = Double(steps) * dt, lx = end.box[0], ly = end.box[1]
        #expect(abs(end.strain - rate * t) < 1e-12)
        var sxy = 0.0, sxx = 0.0, msdY = 0.0
        var dxs: [Double] = [], us: [Double] = []
        for i in 0..<n {
            let u = t * (snapshot.positions[i * d + 1] - 0.5 * ly)
            let x = end.positions[i * d] + Double(end.images[i * d]) * lx + Double(end.images[i * d + 1]) * end.strain * ly
            let dx = x - snapshot.positions[i * d]
            let dy = end.positions[i * d + 1] + Double(end.images[i * d + 1]) * ly - snapshot.positions[i * d + 1]
            sxy += u * dx
            sxx += u * u
            msdY += dy * dy
            dxs.append(dx)
            us.append(u)
        }
        let slope = sxy / sxx
        let variance = 2 * temperature * t + rate * rate * 2 * temperature * t * t * t / 3
        #expect(abs(slope - rate) <= 4 * (variance / sxx).squareRoot(), "slope \(slope) vs γ̇ = \(rate)")
        msdY /= Double(n)
        let expected = 2 * temperature * t, sd = 2.0.squareRoot() * expected / Double(n).squareRoot()
        #expect(abs(msdY - expected) <= 4 * sd, "y-MSD \(msdY) vs \(expected) ± \(sd)")
        // the residuals about the affine drift have the predicted variance (within 4 sd of a χ² estimate)
        let residual = zip(dxs, us).map { ($0 - rate * $1) * ($0 - rate * $1) }.reduce(0, +) / Double(n)
        #expect(abs(residual / variance - 1) <= 4 * (2 / Double(n)).squareRoot(), "\(residual) vs \(variance)")
    }

    /// The rebuild trigger sees only particles: nine particles near y = L_y/2 sheared at γ̇ = 5 move by at
    /// most Δt γ̇ · 0.5 = 0.025 < skin/2, so no rebuild, although the empty lanes of the last group of eight
    /// would have drifted by Δt γ̇ L_y/2 = 0.5 at y = 0.
    @Test func emptyLanesDoNotTriggerRebuilds() throws {
        let xs = (0..<9).map { 2.0 * Double($0) + 0.5 }, ys = (0..<9).map { 9.5 + Double($0) / 8 }
        let snapshot = ParticleSnapshot(dimension: 2, box: [20, 20], ids: Array(0..<9), positions: zip(xs, ys).flatMap { [$0, $1] },
                                        images: [Int32](repeating: 0, count: 18), species: [Int32](repeating: 0, count: 9),
                                        speciesNames: ["A"], diameters: [Double](repeating: 1, count: 9))
        let system = try ParticleSystem(block: snapshot, potential: PotentialKind.harmonic.potential(epsilon: 0),
                                        skin: 0.3, communicator: .world)
        let dynamics = try BrownianDynamics(timeStep: 0.01, temperature: 0, seed: 1, shearRate: 5)
        dynamics.step(system)
        #expect(system.rebuilds == 1, "only the set-up build")
    }
}
