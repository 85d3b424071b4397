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
struct EventBoxBudget {
    private struct Scale {
        let deposition: GriddedDeposition
        let average: BondAverage
        let calculus: SpectralCalculus
    }

    /// The xy integrals of one scale: Δ⟨σ̲⟩, ∫⟨W⟩dt, ∫⟨Q^flux⟩dt.
    struct Integrals {
        var sigma = 0.0
        var work = 0.0
        var flux = 0.0
    }

    private let scales: [Scale]
    private let potential: BondPotential
    private let strain: Double
    private let xy: Int
    private var last: (time: Double, sigma: [Double], work: [Double], flux: [Double])?
    private(set) var integrals: [Integrals]
    /// The states added.
    private(set) var states = 0

    /// Collective: the plan's scales on `workspaces`' grids for the strain of `particles` (the relaxation's).
    init(plan: MeasurementPlan, workspaces: ScaleWorkspaces, particles: SlabParticles, potential: BondPotential) throws {
        self.potential = potential
        strain = particles.strain
        xy = Thermo.componentNames(dimension: particles.dimension).firstIndex(of: "xy")!
        scales = try plan.scales.map { scale in
            let space = try workspaces.workspace(scale.points)
            let deposition = try GriddedDeposition(fft: space.fft, kernel: plan.kernel, scale: scale.ell, strain: particles.strain)
            return Scale(deposition: deposition, average: BondAverage(fft: space.work, potential: potential, strain: deposition.strain),
                         calculus: SpectralCalculus(fft: space.work, strain: deposition.strain))
        }
        integrals = Array(repeating: Integrals(), count: scales.count)
    }

    /// Collective: the box means (global: every rank gets them) of `particles` (v_i = F_i) at `time`, added to the integrals.
    mutating func add(time: Double, particles: SlabParticles) throws {
        precondition(particles.strain == strain, "one relaxation, at one strain")
        var sigma: [Double] = [], work: [Double] = [], flux: [Double] = []
        for scale in scales {
            let state = try CoarseGrainedState.deposit(positions: particles.positions, species: particles.species,
                                                       speciesCount: particles.speciesCounts.count, forces: particles.forces,
                                                       velocities: particles.velocities, with: scale.deposition)
            let means = StressBudgetAverages(state: state, average: scale.average, potential: potential, calculus: scale.calculus)
            sigma.append(means.sigma[xy])
            work.append(means.work[xy])
            flux.append(means.interScaleFlux[xy])
        }
        if let last {
            let half = 0.5 * (time - last.time)
            for k in scales.indices {
                integrals[k].sigma += sigma[k] - last.sigma[k]
                integrals[k].work += half * (work[k] + last.work[k])
                integrals[k].flux += half * (flux[k] + last.flux[k])
            }
        }
        last = (time, sigma, work, flux)
        states += 1
    }
}
