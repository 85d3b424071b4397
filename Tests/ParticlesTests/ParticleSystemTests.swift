import Foundation
import Parallel
import Testing
@testable import Particles

/// The engine on the MPI singleton: the fast pair loop (cells, ghosts as periodic images, Verlet lists)
/// against an all-pairs reference, forces against −∇U, and FIRE. Multi-rank behaviour: integration tests.
@Suite(.serialized) struct ParticleSystemTests {
    static func system(_ dimension: Int, count: Int, phi: Double, kind: PotentialKind = .harmonic,
                       seed: UInt64 = 3) throws -> ParticleSystem {
        let snapshot = try RandomPacking.make(dimension: dimension, count: count, packingFraction: phi,
                                              mixture: .bidisperse, seed: seed)
        return try ParticleSystem(block: snapshot, potential: kind.potential(), skin: 0.3, communicator: .world)
    }

    /// All-pairs reference with minimum images on every axis: energy, forces (by id), virial sum.
    static func reference(_ s: ParticleSnapshot, _ p: AnyPairPotential) -> (energy: Double, forces: [Double], virial: [Double]) {
        let d = s.dimension, n = s.count
        var energy = 0.0, forces = [Double](repeating: 0, count: n * d), virial = [Double](repeating: 0, count: 6)
        for i in 0..<n {
            for j in (i + 1)..<n {
                var dx = (0..<d).map { s.positions[i * d + $0] - s.positions[j * d + $0] }
                for a in 0..<d { dx[a] -= s.box[a] * (dx[a] / s.box[a]).rounded() }
                let r2 = dx.reduce(0) { $0 + $1 * $1 }
                let sigma = 0.5 * (s.diameters[i] + s.diameters[j]), cut = p.cutoffRatio * sigma
                guard r2 < cut * cut else { continue }
                let (e, f) = p.evaluate(r2: r2, sigma: sigma)
                energy += e
                for a in 0..<d {
                    forces[i * d + a] += f * dx[a]
                    forces[j * d + a] -= f * dx[a]
                }
                let pairs = d == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
                for (m, (a, b)) in pairs.enumerated() { virial[m] -= f * dx[a] * dx[b] }
            }
        }
        return (energy, forces, virial)
    }

    @Test(arguments: [(2, PotentialKind.harmonic), (2, .hertzian), (2, .wca), (3, .harmonic)])
    func pairLoopMatchesAllPairs(dimension: Int, kind: PotentialKind) throws {
        let system = try Self.system(dimension, count: 300, phi: dimension == 2 ? 0.85 : 0.6, kind: kind)
        let thermo = try #require(system.computeForces(thermo: true, perParticleVirials: true))
        let s = try #require(system.gatherSnapshot(includeForces: true))
        let ref = Self.reference(s, system.potential)
        let scale = ref.forces.map(abs).max()!
        #expect(abs(thermo.potentialEnergy - ref.energy) <= 1e-12 * ref.energy)
        #expect(zip(s.forces!, ref.forces).map { abs($0 - $1) }.max()! <= 1e-12 * scale)
        let volume = s.box.reduce(1, *)
        for m in 0..<system.tensorComponents {
            #expect(abs(thermo.virialStress[m] * volume - ref.virial[m]) <= 1e-12 * abs(ref.virial[0]))
            // per-particle virials sum to the total
            let sum = (0..<s.count).reduce(0.0) { $0 + s.virials![$1 * system.tensorComponents + m] }
            #expect(abs(sum - ref.virial[m]) <= 1e-12 * abs(ref.virial[0]))
        }
        #expect(thermo.virialPressure > 0, "repulsion gives positive pressure (physics.md §2.1)")
        // Per-particle contact numbers z_i = #{j : r_ij < σ_ij} against all pairs, and their mean the thermo's.
        var contacts = [Int: Int32]()
        for i in 0..<s.count {
            for j in 0..<s.count where j != i {
                var dx = (0..<dimension).map { s.positions[i * dimension + $0] - s.positions[j * dimension + $0] }
                for a in 0..<dimension { dx[a] -= s.box[a] * (dx[a] / s.box[a]).rounded() }
                let sigma = 0.5 * (s.diameters[i] + s.diameters[j])
                if dx.reduce(0, { $0 + $1 * $1 }) < sigma * sigma { contacts[s.ids[i], default: 0] += 1 }
            }
        }
        let engine = Dictionary(uniqueKeysWithValues: zip(system.ids.prefix(system.localCount), system.contactCounts))
        #expect(engine.allSatisfy { contacts[$0.key, default: 0] == $0.value } && engine.count == s.count, "per-particle contacts")
        #expect(abs(Double(system.contactCounts.reduce(0) { $0 + Int($1) }) - thermo.contactsPerParticle * Double(s.count)) < 1e-9)
        // Newton's third law: the total force vanishes.
        for a in 0..<dimension {
            let total = (0..<s.count).reduce(0.0) { $0 + s.forces![$1 * dimension + a] }
            #expect(abs(total) <= 1e-12 * scale * Double(s.count))
        }
    }

    /// The engine's pairs for measurements (``ParticleSystem/forEachInteractingPair(_:)``) against all pairs: each
    /// pair in range seen once from each side, the energy of the pairs with id_j > id_i the total energy, Σ_j −f r_ij
    /// the engine's force on i and Σ r ⊗ ∇V the virial, to 1e-12 (rounding). A skin of 0.3 puts pairs beyond the
    /// cutoff in the lists: they must not be reported (the count would differ), nor the padding rows.
    @Test(arguments: [2, 3])
    func interactingPairsMatchAllPairs(dimension: Int) throws {
        let system = try Self.system(dimension, count: 300, phi: dimension == 2 ? 0.85 : 0.6)
        system.computeForces()
        let s = try #require(system.gatherSnapshot(includeForces: true))
        let ref = Self.reference(s, system.potential)
        var energy = 0.0, seen = 0, forces = [Double](repeating: 0, count: system.localCount * dimension)
        let components: [(Int, Int)] = dimension == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
        var virial = [Double](repeating: 0, count: components.count)
        system.forEachInteractingPair { i, j, r, pairEnergy, forceOverR in
            seen += 1
            for a in 0..<dimension { forces[i * dimension + a] -= forceOverR * r[a] }
            guard system.ids[j] > system.ids[i] else { return }
            energy += pairEnergy
            for (m, (a, b)) in components.enumerated() { virial[m] -= forceOverR * r[a] * r[b] }
        }
        var inRange = 0
        for i in 0..<s.count {
            for j in 0..<s.count where j != i {
                var r2 = 0.0
                for a in 0..<dimension {
                    var dx = s.positions[i * dimension + a] - s.positions[j * dimension + a]
                    dx -= s.box[a] * (dx / s.box[a]).rounded()
                    r2 += dx * dx
                }
                let cut = system.potential.cutoffRatio * 0.5 * (s.diameters[i] + s.diameters[j])
                if r2 < cut * cut { inRange += 1 }
            }
        }
        #expect(seen == inRange && inRange > 0, "\(seen) pairs reported, \(inRange) in range")
        #expect(abs(energy - ref.energy) <= 1e-12 * ref.energy)
        let scale = system.forces.map(abs).max()!
        #expect(zip(forces, system.forces).map { abs($0 - $1) }.max()! <= 1e-12 * scale)
        for m in components.indices { #expect(abs(virial[m] - ref.virial[m]) <= 1e-12 * abs(ref.virial[0])) }
    }

    /// F_i = −∂U/∂x_i by central differences (h = 1e-6, tolerance 1e-6 relative to max |F|: truncation
    /// h²V''' and rounding 1e-16·U/h ≈ 1e-11 are far below).
    @Test(arguments: [2, 3])
    func forcesAreMinusGradientOfEnergy(dimension: Int) throws {
        let base = try RandomPacking.make(dimension: dimension, count: 120, packingFraction: dimension == 2 ? 0.85 : 0.6,
                                          mixture: .bidisperse, seed: 11)
        let potential = PotentialKind.harmonic.potential()
        let system = try ParticleSystem(block: base, potential: potential, skin: 0.3, communicator: .world)
        system.computeForces()
        let forces = try #require(system.gatherSnapshot(includeForces: true)?.forces)
        let scale = forces.map(abs).max()!
        let h = 1e-6
        for (i, a) in [(0, 0), (17, 1), (59, dimension - 1), (101, 0)] {
            var energies: [Double] = []
            for sign in [1.0, -1.0] {
                var moved = base
                moved.positions[i * dimension + a] += sign * h
                let s = try ParticleSystem(block: moved, potential: potential, skin: 0.3, communicator: .world)
                energies.append(s.computeForces(thermo: true)!.potentialEnergy)
            }
            let gradient = (energies[0] - energies[1]) / (2 * h)
            #expect(abs(forces[i * dimension + a] + gradient) <= 1e-6 * scale, "particle \(i) axis \(a)")
        }
    }

    /// FIRE reaches max|F| < 1e-10 on a jammed 2D packing and lowers the energy on the way; the
    /// orientation values of physics.md §1.6 (z ≈ 4.9, P ≈ 0.02 at φ = 0.9) hold in order of magnitude.
    @Test func fireMinimisesAJammedPacking() throws {
        let system = try Self.system(2, count: 256, phi: 0.9)
        let start = system.computeForces(thermo: true)!.potentialEnergy
        var energies: [Double] = []
        let fire = try FIREMinimizer(forceTolerance: 1e-10, maxIterations: 20_000)
        let result = fire.minimize(system) { _, _ in } observe: { energies.append($0) }
        #expect(result.converged && result.maxForce < 1e-10)
        let thermo = system.computeForces(thermo: true)!
        #expect(thermo.potentialEnergy < start)
        #expect(thermo.contactsPerParticle > 3 && thermo.contactsPerParticle < 6)
        #expect(thermo.virialPressure > 0.002 && thermo.virialPressure < 0.2)
        // The final phase descends monotonically (to rounding, 1e-12 relative).
        let tail = energies.suffix(50)
        for (a, b) in zip(tail, tail.dropFirst()) { #expect(b <= a * (1 + 1e-12)) }
    }

    /// Free diffusion (ε = 0: no forces): MSD per particle = 2 d T_v t within 4 standard deviations of the
    /// estimator, sd = √(2d)·2T_v t/√N.
    @Test(arguments: [NoiseDistribution.gaussian, .uniform])
    func freeDiffusion(noise: NoiseDistribution) throws {
        let d = 2, n = 2000, temperature = 0.5, dt = 0.01, steps = 100
        let snapshot = try RandomPacking.make(dimension: d, count: n, packingFraction: 0.3, mixture: .monodisperse, seed: 5)
        let system = try ParticleSystem(block: snapshot, potential: PotentialKind.harmonic.potential(epsilon: 0),
                                        skin: 0.3, communicator: .world)
        let dynamics = try BrownianDynamics(timeStep: dt, temperature: temperature, noise: noise, seed: 21)
        for _ in 0..<steps { dynamics.step(system) }
        system.rebuild()
        let end = try #require(system.gatherSnapshot())
        var msd = 0.0
        for k in 0..<(n * d) {
            let unwrapped = end.positions[k] + Double(end.images[k]) * end.box[k % d]
            let dx = unwrapped - snapshot.positions[k]
            msd += dx * dx
        }
        msd /= Double(n)
        let t = Double(steps) * dt, expected = 2 * Double(d) * temperature * t
        let sd = (2 * Double(d)).squareRoot() * 2 * temperature * t / Double(n).squareRoot()
        #expect(abs(msd - expected) <= 4 * sd, "MSD \(msd) vs \(expected) ± \(sd)")
    }

    /// A random packing made in blocks (each rank its own ids, as `run` starts) is the whole packing cut: blocks of
    /// 1 to 5 parts, 2D and 3D, odd N, hold every id once with the whole packing's positions and species, and every
    /// block has the whole packing's box bit for bit (it sums all N volumes in the same order).
    @Test(arguments: [2, 3])
    func randomPackingBlocksCutTheWhole(dimension: Int) throws {
        let whole = try RandomPacking.make(dimension: dimension, count: 1001, packingFraction: 0.6, mixture: .bidisperse, seed: 7)
        for parts in 1...5 {
            let blocks = try (0..<parts).map {
                try RandomPacking.make(dimension: dimension, count: 1001, packingFraction: 0.6, mixture: .bidisperse, seed: 7, block: $0, of: parts)
            }
            #expect(blocks.flatMap(\.ids) == whole.ids && blocks.flatMap(\.positions) == whole.positions, "\(parts) parts")
            #expect(blocks.flatMap(\.species) == whole.species && blocks.flatMap(\.diameters) == whole.diameters, "\(parts) parts")
            #expect(blocks.allSatisfy { $0.box == whole.box && $0.speciesNames == whole.speciesNames }, "\(parts) parts")
        }
    }

    @Test func badParametersAreRejected() throws {
        #expect(throws: ParticlesError.self) { try BrownianDynamics(timeStep: -0.01, temperature: 0, seed: 1) }
        #expect(throws: ParticlesError.self) {
            try RandomPacking.make(dimension: 2, count: 10, packingFraction: 1.0, mixture: .bidisperse, seed: 1)
        }
        var s = try RandomPacking.make(dimension: 2, count: 10, packingFraction: 0.5, mixture: .bidisperse, seed: 1)
        s.diameters[3] = 0
        #expect(throws: ParticlesError.invalidParameter(name: "diameter", value: "0.0", expected: "diameters must be positive")) {
            try ParticleSystem(block: s, potential: PotentialKind.harmonic.potential(), skin: 0.3, communicator: .world)
        }
        let tiny = try RandomPacking.make(dimension: 2, count: 2, packingFraction: 0.5, mixture: .bidisperse, seed: 1)
        #expect(throws: (any Error).self) {
            try ParticleSystem(block: tiny, potential: PotentialKind.harmonic.potential(), skin: 0.3, communicator: .world)
        }
    }
}
