#if canImport(Glibc)
import Glibc
#endif

/// The narrow Gaussian that ``GriddedDeposition`` spreads points with (the type-1 non-uniform FFT route of
/// physics.md §3.3): g_τ(r) = (2πτ)^{−d/2} e^{−r²/2τ}, sampled on the nodes within its truncation radius and
/// renormalised to unit discrete mass along each axis. Its transform e^{−τk²/2} is divided out afterwards,
/// together with the multiplication by Ĝ(|k|ℓ).
///
/// Error (relative to the deposited field's scale): a grid mode k receives the spread's aliases at
/// k + b, |b| ≥ 2π/h for every reciprocal lattice vector b ≠ 0 (sheared grids included), each weighted
/// e^{−τ(|k+b|² − |k|²)/2} Ĝ(|k|ℓ) ≤ Ĝ(|k|ℓ) e^{τ|b|(2|k| − |b|)/2} after deconvolution. The bound maximises this
/// over the grid's band (2d nearest images); truncating g_τ where e^{−r²/2τ} = ε/A, A = max Ĝ(|k|ℓ) e^{τk²/2},
/// keeps the deconvolved truncation error at ε. τ is the smallest value whose aliasing bound meets ε, so the
/// footprint is as narrow as the tolerance allows: for the Gaussian kernel the bound is
/// 2d·exp(−2π²τ/h² (1 − τ/η)), η = ℓ²/d, about 1.8 h² and 20 nodes per axis at ε = 1e-12 once ℓ/h ≳ 4,
/// whatever ℓ. When no τ meets ε (ℓ/h too small for the kernel's Fourier tail) the τ with the least bound
/// is used and ``aliasingBound`` says what was reached.
public struct SpreadingGaussian: Sendable, Equatable {
    /// τ/h².
    public let variance: Double
    /// The truncation radius in spacings: nodes with |n − q| ≤ radius along each axis are used.
    public let radius: Double
    /// The estimated largest relative error of a deposited mode (aliasing plus truncation).
    public let aliasingBound: Double

    /// - Parameters: `strain` the reduced Lees–Edwards strain of the grid's sheared coordinates, which widens
    ///   the band of lab wavenumbers to π/h · √(d − 1 + (1 + |γ|)²); `tolerance` the requested ε.
    public init(kernel: some Kernel, scale ell: Double, spacing h: Double, strain: Double = 0, tolerance: Double = 1e-12) {
        let d = kernel.dimension, images = Double(2 * d)
        let band = Double.pi * (Double(d - 1) + (1 + abs(strain)) * (1 + abs(strain))).squareRoot()
        // ln Ĝ on the band, k in units of 1/h (−∞ at the compact kernels' zeros)
        let samples = 600
        let wavenumbers = (0...samples).map { band * Double($0) / Double(samples) }
        let logTransfer = wavenumbers.map { log(abs(kernel.transform($0 * ell / h))) }
        func aliasing(_ a: Double) -> Double {
            images * zip(wavenumbers, logTransfer).map { k, g in exp(g + a * 2 * .pi * (k - .pi)) }.max()!
        }
        var best = (variance: 0.05, bound: aliasing(0.05))
        var a = 0.05
        while best.bound > tolerance && a < 64 {
            a *= 1.02
            let bound = aliasing(a)
            if bound < best.bound { best = (a, bound) }
        }
        let amplification = zip(wavenumbers, logTransfer).map { k, g in g + 0.5 * best.variance * k * k }.max()!
        variance = best.variance
        radius = (2 * best.variance * max(0, amplification - log(tolerance))).squareRoot()
        aliasingBound = best.bound + tolerance
    }

    /// The largest number of nodes a point touches along one axis.
    public var span: Int { Int((2 * radius).rounded(.down)) + 1 }

    /// Local: the weights of the nodes n = first, first + 1, … along one axis for a point at q (in spacings),
    /// normalised so that Σ w h = 1; returns `first` and the count written to `weights` (at most ``span``).
    /// e^{−(n−q)²/2a} = e^{−δ²/2a} (e^{δ/a})^j e^{−j²/2a} with n = first + j and δ = q − first, so
    /// two exponentials and a table of e^{−j²/2a} serve every node (the fast Gaussian gridding recurrence).
    @inline(__always)
    func weights(at q: Double, spacing h: Double, table: UnsafePointer<Double>, into weights: UnsafeMutablePointer<Double>) -> (first: Int, count: Int) {
        let first = Int((q - radius).rounded(.up)), last = Int((q + radius).rounded(.down))
        let delta = q - Double(first), count = last - first + 1
        let step = exp(delta / variance)
        var power = exp(-0.5 * delta * delta / variance), sum = 0.0
        for j in 0..<count {
            let w = power * table[j]
            weights[j] = w
            sum += w
            power *= step
        }
        let norm = 1 / (sum * h)
        for j in 0..<count { weights[j] *= norm }
        return (first, count)
    }

    /// The table e^{−j²/2a}, j = 0 ..< ``span``, for ``weights(at:spacing:table:into:)``.
    func table() -> [Double] { (0..<span).map { exp(-0.5 * Double($0 * $0) / variance) } }
}
