import Budget
import Fields
import Parallel
import Particles

/// The box budget of an event's relaxation at every accepted step (physics.md §5.7, §3.7a). d⟨σ̲_ℓ⟩/dt = ⟨W_ℓ⟩ +
/// ⟨Q^flux_ℓ⟩ holds at every instant, but along the overdamped path the rate has a kink at every contact made or
/// broken, and W and Q^flux nearly cancel, so a trapezoid over a few dozen states closes Δ⟨σ̲_ℓ⟩ poorly (measured at
/// ℓ = 8, N = 1024: 0.12 with 40 states) while one over every accepted step of the integrator closes it to 2e-4–4e-4
/// (ℓ = 1…8, step_tolerance 3e-3), a floor that does not fall steadily with the tolerance: the discrete path is not
/// an exact flow line, so Δ⟨σ̲⟩ along it and the integral of the exact rate at its states differ at the path's accuracy.
/// The box means by one pass over the Fourier modes (``StressBudgetAverages``) cost a deposit and a few FFTs once
/// Φ_ab(K) is tabulated, and the strain is fixed through a relaxation, so the table is made once per event and the
/// means are taken at every step: Δ⟨σ̲_ℓ,xy⟩ and the trapezoids of ⟨W_ℓ,xy⟩ and ⟨Q^flux_ℓ,xy⟩, all by the same route.
/// Under Brownian shear (T_v > 0, γ̇ > 0; physics.md §5.3) the states follow the dynamics' steps, the velocities are the
/// non-affine drift u_i = F_i + f^e(x_i) and the strain grows by γ̇Δt per step, so the tables are made per strain (two
/// kept: a step's and the next's); the affine flow's share of each step, S(x + γ̇Δt (y − L_y/2) e_x, γ + γ̇Δt) − S(x, γ)
/// with S the box mean of σ̲_ℓ,xy (``addAffine(particles:strainIncrement:)``), is summed apart, and what the drift and
/// the affine flow leave of the change is the noise's (with the Euler steps' own O(Δt) splitting error, the floor at
/// T_v = 0).
struct EventBoxBudget {
    private struct Scale {
        let deposition: GriddedDeposition
        let average: BondAverage
        let calculus: SpectralCalculus
        /// V̂ kept at every mode of this grid and strain.
        let gradient: PotentialGradient
    }

    /// The xy integrals of one scale: Δ⟨σ̲⟩, ∫⟨W⟩dt, ∫⟨Q^flux⟩dt, and the affine flow's share of Δ⟨σ̲⟩.
    struct Integrals {
        var sigma = 0.0
        var work = 0.0
        var flux = 0.0
        var affine = 0.0
    }

    private let plan: MeasurementPlan
    private let workspaces: ScaleWorkspaces
    private let potential: BondPotential
    private let xy: Int
    /// The scales' tables at the strains of the last two states (a Brownian step's and the next one's).
    private var tables: [(strain: Double, scales: [Scale])] = []
    private var last: (time: Double, sigma: [Double], work: [Double], flux: [Double])?
    private(set) var integrals: [Integrals]
    /// The states added.
    private(set) var states = 0

    /// The plan's scales on `workspaces`' grids in `dimension` dimensions.
    init(plan: MeasurementPlan, workspaces: ScaleWorkspaces, dimension: Int, potential: BondPotential) {
        self.plan = plan
        self.workspaces = workspaces
        self.potential = potential
        xy = Thermo.componentNames(dimension: dimension).firstIndex(of: "xy")!
        integrals = Array(repeating: Integrals(), count: plan.scales.count)
    }

    /// Collective: the scales' tables at `strain`, made on first use (Φ_ab(K) depends on the strain through the lab
    /// wavevectors).
    private mutating func scales(at strain: Double) throws -> [Scale] {
        if let known = tables.first(where: { $0.strain == strain }) { return known.scales }
        let made = try plan.scales.map { scale in
            let space = try workspaces.workspace(scale.points)
            let deposition = try GriddedDeposition(fft: space.fft, kernel: plan.kernel, scale: scale.ell, strain: strain)
            let calculus = SpectralCalculus(fft: space.work, strain: deposition.strain)
            return Scale(deposition: deposition, average: BondAverage(fft: space.work, potential: potential, strain: deposition.strain),
                         calculus: calculus, gradient: PotentialGradient(potential: potential, dimension: calculus.dimension).tabulated(on: calculus))
        }
        tables = Array(tables.suffix(1)) + [(strain, made)]
        return made
    }

    /// Collective: the box means of every scale (global: every rank gets them) of `particles` with their velocities.
    private mutating func means(_ particles: SlabParticles) throws -> [StressBudgetAverages] {
        try scales(at: particles.strain).map { scale in
            let state = try CoarseGrainedState.deposit(positions: particles.positions, species: particles.species,
                                                       speciesCount: particles.speciesCounts.count, forces: particles.forces,
                                                       velocities: particles.velocities, with: scale.deposition)
            return StressBudgetAverages(state: state, average: scale.average, gradient: scale.gradient, calculus: scale.calculus)
        }
    }

    /// Collective: the box means of `particles` at `time`, added to the integrals (trapezoids in time).
    mutating func add(time: Double, particles: SlabParticles) throws {
        let means = try means(particles)
        let sigma = means.map { $0.sigma[xy] }, work = means.map { $0.work[xy] }, flux = means.map { $0.interScaleFlux[xy] }
        if let last {
            let half = 0.5 * (time - last.time)
            for k in integrals.indices {
                integrals[k].sigma += sigma[k] - last.sigma[k]
                integrals[k].work += half * (work[k] + last.work[k])
                integrals[k].flux += half * (flux[k] + last.flux[k])
            }
        }
        last = (time, sigma, work, flux)
        states += 1
    }

    /// Collective: the affine flow's share of the step from the state last added: ⟨σ̲_ℓ,xy⟩ of its particles moved by
    /// δγ (y − L_y/2) along x at strain γ + δγ (as ``Particles/BrownianDynamics`` moves them), minus its own.
    mutating func addAffine(particles: SlabParticles, strainIncrement: Double) throws {
        let sheared = try means(particles.affinelySheared(by: strainIncrement))
        for k in integrals.indices { integrals[k].affine += sheared[k].sigma[xy] - last!.sigma[k] }
    }
}
