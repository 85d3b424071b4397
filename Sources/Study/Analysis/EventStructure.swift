import Budget
import Fields
import Parallel

/// The roughness of the density at a plastic event (physics.md §6.1 local estimator, §5.7 item 4): the local Besov
/// exponents ξ_p = ζ_p/p (p = 1…6) of ρ̄_ℓ with base points inside the event's disk |x − c| ≤ R and, apart, outside
/// the disk of radius 2R — c the event's centroid and R its width (``EventWindow``), the ring between left out so
/// that no increment is counted as both. The paper's criterion (Eq. 56) puts an anomalous event where ξ_3 ≤ 1/3.
/// Lags are physics.md's global defaults (the regions hold thousands of base points), fitted over
/// h·r ∈ [2ℓ, min(L/8, R)]: no lag longer than the region it describes.
struct EventStructure {
    static let orders = [1, 2, 3, 4, 5, 6]
    /// Inside |x − c| ≤ R, and outside |x − c| > 2R.
    let region: ScalingExponents
    let outside: ScalingExponents
    /// S_p(r) inside and outside (lags in cells, all of physics.md's defaults: the fits use those in range).
    let functions: (region: StructureFunctions, outside: StructureFunctions)
    /// The grid spacing h of the lags.
    let spacing: Double

    /// Collective: ρ̄_ℓ of `particles` at scale `ell` on `space`'s grid, and its exponents in and outside `window`.
    init(particles: SlabParticles, window: EventWindow, kernel: any Kernel, ell: Double, space: ScaleWorkspaces.Workspace) throws {
        let deposition = try GriddedDeposition(fft: space.fft, kernel: kernel, scale: ell, strain: particles.strain)
        let ones = [Double](repeating: 1, count: particles.ids.count)
        let density = try deposition.deposit(positions: particles.positions, values: ones, components: 1)[0]
        let r2 = GridSeparations(from: window.center, decomposition: space.decomposition, spacing: space.spacing, strain: deposition.strain,
                                 box: particles.box).squaredDistances
        let inner = window.width * window.width
        let windows = r2.map { $0 <= inner ? 0 : $0 > 4 * inner ? 1 : -1 }
        let functions = try StructureFunctions.windowed(field: density, windows: windows, windowCount: 2, decomposition: space.decomposition,
                                                        lags: StructureFunctions.defaultLags, orders: Self.orders, periodic: true)
        let range = 2 * ell...max(2 * ell, min(particles.box.min()! / 8, window.width))
        region = ScalingExponents(functions[0], spacing: space.spacing, range: range)
        outside = ScalingExponents(functions[1], spacing: space.spacing, range: range)
        self.functions = (functions[0], functions[1])
        spacing = space.spacing
    }

    /// ξ_3 inside and outside.
    var xi3: (region: Double, outside: Double) {
        let k = Self.orders.firstIndex(of: 3)!
        return (region.xi[k], outside.xi[k])
    }
}
