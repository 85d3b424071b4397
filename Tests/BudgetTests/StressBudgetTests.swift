import Foundation
import Parallel
import Testing
import TestSupport
import Fields
@testable import Budget

/// The coarse-grained stress budget (physics.md §5.2, §5.4) on the MPI singleton.
@Suite(.serialized) struct StressBudgetTests {
    static let box = 18.18, ell = 2.0, points = 64, diameters = [1.0, 1.4]

    /// Harmonic forces F_i = −Σ_j V'(r_ij) (x_i − x_j)/r_ij (minimum image) of bidisperse disks (diameters 1.0, 1.4) in
    /// an L² box.
    static func forces(_ positions: [Double], species: [Int], box: Double = box) -> [Double] {
        var forces = [Double](repeating: 0, count: positions.count)
        for i in species.indices {
            for j in species.indices where j != i {
                var dx = positions[2 * i] - positions[2 * j], dy = positions[2 * i + 1] - positions[2 * j + 1]
                dx -= (dx / box).rounded() * box
                dy -= (dy / box).rounded() * box
                let r = (dx * dx + dy * dy).squareRoot(), sigma = 0.5 * (diameters[species[i]] + diameters[species[j]])
                guard r < sigma else { continue }
                let slope = -(1 - r / sigma) / sigma  // V'(r) of V = ½(1 − r/σ)²
                forces[2 * i] -= slope * dx / r
                forces[2 * i + 1] -= slope * dy / r
            }
        }
        return forces
    }

    /// The budget's setting: 256 random bidisperse harmonic disks (φ ≈ 0.9) in L = 18.18 with athermal velocities
    /// v_i = F_i, Gaussian ℓ = 2 on 64² (ℓ/h = 7), 6 × 24 bond nodes per panel.
    struct Setting {
        let disks: (positions: [Double], species: [Int])
        let velocities: [Double]
        let deposition: GriddedDeposition
        let bonds: BondIntegral
        let calculus: SpectralCalculus

        init() throws {
            disks = LargeScaleStressTests.disks(256, box: StressBudgetTests.box, seed: 17)
            velocities = StressBudgetTests.forces(disks.positions, species: disks.species)
            let decomposition = try SlabDecomposition(grid: GridShape([points, points]), box: [box, box], communicator: .world)
            let fft = SlabFFT(decomposition: decomposition, effort: .estimate)
            deposition = try GriddedDeposition(fft: fft, kernel: GaussianKernel(dimension: 2), scale: ell)
            let potential = BondPotential.harmonic(diameters: diameters)
            bonds = BondIntegral(fft: SlabFFT(decomposition: decomposition, effort: .estimate),
                                 quadrature: BondQuadrature(dimension: 2, breaks: potential.breaks, radialNodes: 6, angularNodes: 24),
                                 potential: potential)
            calculus = SpectralCalculus(fft: SlabFFT(decomposition: decomposition, effort: .estimate))
        }

        func state(displacedBy step: Double = 0) throws -> CoarseGrainedState {
            let moved = zip(disks.positions, velocities).map { $0 + step * $1 }
            return try CoarseGrainedState.deposit(positions: moved, species: disks.species, speciesCount: 2,
                                                  forces: velocities, velocities: velocities, with: deposition)
        }

        func sigma(displacedBy step: Double) throws -> [[Double]] {
            LargeScaleStress.field(densities: try state(displacedBy: step).densities, bonds: bonds)
        }
    }

    /// B1, B2 and the instantaneous closure, against physics.md §5.4's tolerances:
    /// - with ∂_t σ̲_ℓ from the instantaneous currents (∂_t ρ̄ = −∇·j) the budget closes to 1e-12 relative RMS: the
    ///   master identity (§5.1) holds for the discrete operators themselves (B's symmetry under y → −y on a symmetric
    ///   node set, spectral shifts and derivatives), so only rounding is left (measured 2e-15);
    /// - central differences D⁰ close at second order: observed order between Δt = 1e-2 and 1e-3 in [1.8, 2.2]
    ///   (measured 2.6e-5 → 2.6e-7, order 2.00);
    /// - forward differences D⁺ close at first order: order in [0.9, 1.1] (8.7e-3 → 8.7e-4);
    /// - the box average of ∇·J̄ vanishes (to 1e-12 of its RMS), so d⟨σ̲⟩/dt = ⟨W⟩ + ⟨Q⟩ (X6).
    @Test func closesAtTheOrderOfTheRate() throws {
        let setting = try Setting(), world = Communicator.world
        let budget = StressBudget(state: try setting.state(), bonds: setting.bonds, calculus: setting.calculus)
        let instantaneous = budget.residual(communicator: world)
        #expect(instantaneous < 1e-12, "instantaneous residual \(instantaneous)")
        let sigma0 = budget.sigma
        func difference(_ a: [[Double]], _ b: [[Double]], over step: Double) -> [[Double]] {
            zip(a, b).map { zip($0, $1).map { ($0 - $1) / step } }
        }
        var central: [Double] = [], forward: [Double] = []
        for step in [1e-2, 1e-3] {
            let ahead = try setting.sigma(displacedBy: step), behind = try setting.sigma(displacedBy: -step)
            central.append(budget.residual(rate: difference(ahead, behind, over: 2 * step), communicator: world))
            forward.append(budget.residual(rate: difference(ahead, sigma0, over: step), communicator: world))
        }
        let centralOrder = log10(central[0] / central[1]), forwardOrder = log10(forward[0] / forward[1])
        #expect(centralOrder >= 1.8 && centralOrder <= 2.2, "central residuals \(central): order \(centralOrder)")
        #expect(forwardOrder >= 0.9 && forwardOrder <= 1.1, "forward residuals \(forward): order \(forwardOrder)")
        for m in 0..<3 {
            let mean = budget.fluxDivergence[m].reduce(0, +) / Double(budget.fluxDivergence[m].count)
            let rms = (budget.fluxDivergence[m].reduce(0) { $0 + $1 * $1 } / Double(budget.fluxDivergence[m].count)).squareRoot()
            #expect(abs(mean) <= 1e-12 * rms, "⟨∇·J̄⟩ component \(m) = \(mean), RMS \(rms)")
        }
    }

    /// B6: the paper's Eqs. 38–39 read literally ("∇·σ̲_ℓ" where A = −∇·σ̲_ℓ belongs) do not close: ε > 0.1
    /// (measured 1.51; physics.md 1.30 on its quenched state).
    @Test func printedSignsDoNotClose() throws {
        let setting = try Setting()
        let budget = StressBudget(state: try setting.state(), bonds: setting.bonds, calculus: setting.calculus, printedSigns: true)
        let residual = budget.residual(communicator: .world)
        #expect(residual > 0.1, "printed Eqs. 38–39 close to \(residual)")
    }

    /// The central-difference residual of σ̲_ℓ at Δt = 1e-4 on grid M, kernel `kernel`, ℓ = 1, 256 disks in L = 18.18
    /// with v_i = F_i (6 × 24 bond nodes: the closure does not depend on the y-quadrature, which is the same on both sides).
    static func centralResidual(points: Int, kernel: any Kernel) throws -> Double {
        let disks = LargeScaleStressTests.disks(256, box: box, seed: 17)
        let velocities = forces(disks.positions, species: disks.species)
        let decomposition = try SlabDecomposition(grid: GridShape([points, points]), box: [box, box], communicator: .world)
        let deposition = try GriddedDeposition(fft: SlabFFT(decomposition: decomposition, effort: .estimate), kernel: kernel, scale: 1)
        let potential = BondPotential.harmonic(diameters: diameters), work = SlabFFT(decomposition: decomposition, effort: .estimate)
        let bonds = BondIntegral(fft: work, quadrature: BondQuadrature(dimension: 2, breaks: potential.breaks, radialNodes: 6, angularNodes: 24),
                                 potential: potential)
        func state(_ step: Double) throws -> CoarseGrainedState {
            try CoarseGrainedState.deposit(positions: zip(disks.positions, velocities).map { $0 + step * $1 }, species: disks.species,
                                           speciesCount: 2, forces: velocities, velocities: velocities, with: deposition)
        }
        let budget = StressBudget(state: try state(0), bonds: bonds, calculus: SpectralCalculus(fft: work))
        let ahead = LargeScaleStress.field(densities: try state(1e-4).densities, bonds: bonds)
        let behind = LargeScaleStress.field(densities: try state(-1e-4).densities, bonds: bonds)
        return budget.residual(rate: zip(ahead, behind).map { zip($0, $1).map { ($0 - $1) / 2e-4 } }, communicator: .world)
    }

    /// B3: the central-difference residual (Δt = 1e-4) falls monotonically as the grid is refined, ℓ = 1 on M = 32, 48,
    /// 64, 96, 128 (ℓ/h = 1.8 … 7.0), and is below 1e-8 at M = 128: what is left at coarse grids is the aliasing of the
    /// products of filtered fields (Ĝ(k_Nyq ℓ/2) not negligible, physics.md §3.6), at fine ones the O(Δt²) truncation.
    /// physics.md measured 3e-3 → 2e-10; here (a random, not quenched, state) 2.2e-3, 1.4e-5, 1.1e-8, 4.4e-10, 4.4e-10.
    /// B4 (compact kernel): with bump n = 4 the residual falls only algebraically with M, as its Fourier tail
    /// (Ĝ ~ k^{−(ν+½)}, ν = 5) aliases the products: the observed order between M = 64 and 128 is in [3, 5] (measured
    /// 3.9: 5.1e-3 → 3.3e-4; physics.md's 1.1e-5 → 6.8e-7 is the same order, 4.0, at a 450× smaller prefactor, which a
    /// relaxed state does not explain (measured 4.1e-3 on 64² after steepest descent and N(0, 0.05²) displacements); see
    /// the note).
    @Test func residualFallsAsTheGridIsRefined() throws {
        let residuals = try [32, 48, 64, 96, 128].map { try Self.centralResidual(points: $0, kernel: GaussianKernel(dimension: 2)) }
        #expect(zip(residuals, residuals.dropFirst()).allSatisfy { $1 <= $0 } && residuals.last! < 1e-8, "Gaussian: \(residuals)")
        let bump = try [64, 128].map { try Self.centralResidual(points: $0, kernel: KernelChoice.kernel(named: "bump4", dimension: 2)) }
        let order = log2(bump[0] / bump[1])
        #expect(order >= 3 && order <= 5, "bump4 on 64² and 128²: \(bump), order \(order)")
    }
}
