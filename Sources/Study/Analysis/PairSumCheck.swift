import Budget
import Fields
import Foundation
import Parallel
import Particles

/// `analyze --check pairs`: σ̲_ℓ, J̄_ℓ and S_ℓ = Σ_c B[j_c, ∂_c ρ̄_ℓ] by the exact pair sums of physics.md §3.7b (Gaussian
/// kernel), compared at every scale with the route's own σ̲_ℓ, J̄_ℓ and W_ℓ + Q^flux_ℓ (for v_i = F_i, S_ℓ = W_ℓ + Q^flux_ℓ
/// by §5.1). Each ordered pair (i, j), i = j included, deposits line segments with the narrow kernel g_{η/2}: the bond
/// integrals factorised another way, with no bond quadrature on the grid (§3.5) nor Fourier-mode averages (§3.7a), so a
/// wrong sign or factor in W_ℓ or Q^flux_ℓ shows as a difference in their sum, which the pair sums never split.
///
/// The pairs come from a second particle engine whose skin reaches r_ab + cσ at the largest scale (the engine's own
/// neighbour lists: no other pair search); each rank deposits the pairs of the particles it owns. Cost: pairs within
/// r_ab + cσ (≈ 150 per particle in 2D at ℓ = 1), times about 200 quadrature nodes per pair, times the deposit
/// footprint: far more than the averages route, less than the quadrature at small ℓ.
struct PairSumCheck {
    let pairs: PairList
    /// v_i = F_i of each pair's first particle, d values per pair.
    let velocities: [Double]
    /// Collective: the ordered pairs of this rank's particles of `block` (the configuration the analysis measures) within
    /// the pair-sum reach of the largest of `scales`, with the particles' forces as velocities.
    init(block: ParticleSnapshot, potential: AnyPairPotential, bonds: BondPotential, scales: [Double], name: String,
         communicator: Communicator) throws {
        let d = block.dimension, species = bonds.ranges.indices
        let sums = PairSums(potential: bonds, quadrature: PairQuadrature(dimension: d, scale: scales.max()!))
        let reach = species.flatMap { a in species.map { sums.pairReach(a, $0) } }.max()!
        let range = bonds.ranges.flatMap { $0 }.max()!
        let system: ParticleSystem
        do {
            system = try ParticleSystem(block: block, potential: potential, skin: reach - range, communicator: communicator)
        } catch ParticlesError.boxTooSmall {
            throw StudyError.invalidOption(name: name, value: "ℓ = \(scales.max()!)", expected: String(format:
                "the pair sums reach %.3g l0 at this scale, more than half the box (%.4g l0); check smaller scales or a larger box", reach, block.box.min()!))
        }
        system.computeForces()
        var pairs = PairList(dimension: d), velocities: [Double] = []
        let positions = system.positions, kinds = system.species.map(Int.init)
        func append(_ i: Int, _ j: Int, _ r: SIMD3<Double>) {
            pairs.append(first: i, second: j, species: kinds[i], kinds[j], origin: positions[(i * d)..<((i + 1) * d)],
                         separation: (0..<d).map { r[$0] })
            velocities += system.forces[(i * d)..<((i + 1) * d)]
        }
        var next = 0  // the first owned particle whose self pair (i = j, r = 0) is still to come
        system.forEachListedPair { i, j, r in
            while next <= i { append(next, next, .zero); next += 1 }
            let limit = sums.pairReach(kinds[i], kinds[j])
            if (r * r).sum() < limit * limit { append(i, j, r) }
        }
        while next < system.localCount { append(next, next, .zero); next += 1 }
        self.pairs = pairs
        self.velocities = velocities
    }

    /// The largest difference between two tensors (or lists of tensors) over all ranks, relative to the largest entry
    /// of `reference`.
    static func difference(_ values: [[Double]], _ reference: [[Double]], communicator: Communicator) -> Double {
        var largest = [0.0, 0.0]
        for (a, b) in zip(values, reference) {
            for (x, y) in zip(a, b) { largest = [max(largest[0], abs(x - y)), max(largest[1], abs(y))] }
        }
        let global = communicator.allreduce(largest, .max)
        return global[1] > 0 ? global[0] / global[1] : global[0]
    }
}
