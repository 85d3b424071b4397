#if canImport(Glibc)
import Glibc
#endif

/// A coarse-graining kernel G (physics.md §3.1, paper Eq. 23): radial, G ≥ 0, ∫G = 1, ∫ r G = 0 (by
/// symmetry) and ∫ |r|² G = 1, so that ℓ² is the second moment of G_ℓ(r) = ℓ^{−d} G(r/ℓ). Fourier
/// convention Ĝ(k) = ∫ G(r) e^{−ik·r} dᵈr, Ĝ(0) = 1, and (G_ℓ * f)^(k) = Ĝ(|k|ℓ) f̂(k).
public protocol Kernel: Sendable {
    /// 2 or 3.
    var dimension: Int { get }
    /// The name in configs and outputs (`gauss`, `bump4`, `mollifier`).
    var name: String { get }
    /// R: G vanishes for r ≥ R (the Gaussian's truncation radius for real-space deposits, 6s).
    var supportRadius: Double { get }
    /// G(r) of the unit kernel.
    func value(_ r: Double) -> Double
    /// Ĝ(k) of the unit kernel.
    func transform(_ k: Double) -> Double
}

extension Kernel {
    /// G_ℓ(r) = ℓ^{−d} G(r/ℓ).
    public func value(_ r: Double, scale ell: Double) -> Double {
        value(r / ell) / pow(ell, Double(dimension))
    }

    /// Ĝ_ℓ(k) = Ĝ(kℓ).
    public func transform(_ k: Double, scale ell: Double) -> Double { transform(k * ell) }

    /// The surface of the unit sphere S_{d−1}: 2π in 2D, 4π in 3D.
    var sphere: Double { dimension == 2 ? 2 * .pi : 4 * .pi }
}

/// The kernels a config or the command line can name.
public enum KernelChoice {
    /// `gauss`, `bump<n>` (n ≥ 1, e.g. `bump4`, `bump8`) or `mollifier`, in `dimension`.
    /// - Throws: ``FieldsError/invalidParameter(name:value:expected:)`` for other names.
    public static func kernel(named name: String, dimension: Int, field: String = "--kernel") throws -> any Kernel {
        switch name {
        case "gauss": return GaussianKernel(dimension: dimension)
        case "mollifier": return MollifierKernel(dimension: dimension)
        case let bump where bump.hasPrefix("bump"):
            if let n = Int(bump.dropFirst(4)), n >= 1, n <= 64 { return BumpKernel(dimension: dimension, order: n) }
            fallthrough
        default:
            throw FieldsError.invalidParameter(name: field, value: "\"\(name)\"",
                                               expected: "unknown kernel, use \"gauss\", \"bump4\" (any bump<n>, n = 1…64) or \"mollifier\"")
        }
    }
}
