#if canImport(Glibc)
import Glibc
#endif

/// G(r) = (2π s²)^{−d/2} exp(−r²/(2s²)), s² = 1/d; Ĝ(k) = exp(−s²k²/2) (physics.md §3.1). The default
/// working kernel: exact spectral identities and the fastest decay of aliasing. Real-space deposits
/// truncate it at R = 6s (mass defect e^{−18} ≈ 1.5e-8 before renormalisation).
public struct GaussianKernel: Kernel, Equatable {
    public let dimension: Int
    public var name: String { "gauss" }
    /// s² = 1/d.
    public var variance: Double { 1 / Double(dimension) }
    public var supportRadius: Double { 6 * variance.squareRoot() }

    public init(dimension: Int) {
        precondition(dimension == 2 || dimension == 3)
        self.dimension = dimension
    }

    public func value(_ r: Double) -> Double {
        pow(2 * .pi * variance, -0.5 * Double(dimension)) * exp(-r * r / (2 * variance))
    }

    public func transform(_ k: Double) -> Double { exp(-0.5 * variance * k * k) }
}
