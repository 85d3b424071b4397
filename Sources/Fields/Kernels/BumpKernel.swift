#if canImport(Glibc)
import Glibc
#endif

/// The compact polynomial bump of order n (physics.md §3.1): G(r) = c (1 − r²/R²)^n for r < R, with
/// R² = (d + 2n + 2)/d and c = Γ(d/2 + n + 1) / (R^d π^{d/2} Γ(n + 1)) for unit mass and second moment;
/// Ĝ(k) = Γ(ν + 1) (2/(kR))^ν J_ν(kR), ν = d/2 + n. Its Fourier tail is algebraic (~k^{−ν−1/2}), so tight
/// spectral checks want n = 8 or the Gaussian (physics.md §3.6).
public struct BumpKernel: Kernel, Equatable {
    public let dimension: Int
    /// n ≥ 1.
    public let order: Int
    public let supportRadius: Double
    /// c.
    public let normalisation: Double

    public init(dimension: Int, order: Int) {
        precondition((dimension == 2 || dimension == 3) && order >= 1)
        self.dimension = dimension
        self.order = order
        let d = Double(dimension), n = Double(order)
        supportRadius = ((d + 2 * n + 2) / d).squareRoot()
        normalisation = tgamma(d / 2 + n + 1) / (pow(supportRadius, d) * pow(Double.pi, d / 2) * tgamma(n + 1))
    }

    public var name: String { "bump\(order)" }

    public func value(_ r: Double) -> Double {
        let u = r / supportRadius
        return u < 1 ? normalisation * pow(1 - u * u, Double(order)) : 0
    }

    public func transform(_ k: Double) -> Double {
        Self.besselRatio(order: Double(dimension) / 2 + Double(order), abs(k) * supportRadius)
    }

    /// Γ(ν+1) (2/x)^ν J_ν(x), which is 1 at x = 0: by its power series Σ_j (−x²/4)^j Γ(ν+1)/(j! Γ(ν+j+1))
    /// up to x = 12 (its terms stay below ~10⁴, so ~1e-12 absolute), beyond by J_ν itself: glibc's `jn`
    /// for whole ν (2D), the spherical Bessel function j_m, J_{m+½}(x) = √(2x/π) j_m(x), for half-whole ν (3D).
    static func besselRatio(order nu: Double, _ x: Double) -> Double {
        if x <= 12 {
            var term = 1.0, sum = 1.0, j = 1.0
            let q = -0.25 * x * x
            while abs(term) > 1e-17 * max(1, abs(sum)) || j < 3 {
                term *= q / (j * (nu + j))
                sum += term
                j += 1
            }
            return sum
        }
        let scale = tgamma(nu + 1) * pow(2 / x, nu)
        if nu == nu.rounded() { return scale * jn(Int32(nu), x) }
        return scale * (2 * x / .pi).squareRoot() * sphericalBessel(Int(nu - 0.5), x)
    }

    /// j_m(x) by Miller's downward recurrence j_{l−1} = (2l+1)/x j_l − j_{l+1}, normalised by j₀ = sin x/x
    /// or j₁ = sin x/x² − cos x/x, whichever is larger (the downward direction is the stable one for all x).
    static func sphericalBessel(_ m: Int, _ x: Double) -> Double {
        let start = m + Int(x) + 30
        var above = 0.0, current = 1e-280, wanted = 0.0, first = 0.0
        for l in stride(from: start, through: 1, by: -1) {
            let below = Double(2 * l + 1) / x * current - above
            (above, current) = (current, below)
            if l - 1 == m { wanted = current }
            if l - 1 == 1 { first = current }
            if abs(current) > 1e250 { (above, current, wanted, first) = (above * 1e-250, current * 1e-250, wanted * 1e-250, first * 1e-250) }
        }
        let j0 = sin(x) / x, j1 = sin(x) / (x * x) - cos(x) / x
        return abs(j0) > abs(j1) ? wanted * j0 / current : wanted * j1 / first
    }
}
