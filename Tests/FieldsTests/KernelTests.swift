import Foundation
import Testing
@testable import Fields

/// The kernel family (physics.md §3.1, test K1) and the Gauss–Legendre rule it is checked with.
struct KernelTests {
    static let kernels = ["gauss", "bump4", "bump8", "mollifier"]

    /// S_d ∫₀^R f(r) r^{d−1} dr by a 400-node Gauss–Legendre rule on [0, R] (R = 10 for the Gaussian, whose
    /// tail beyond is below 1e-40): physics.md's reference quadrature.
    static func radial(_ kernel: any Kernel, _ f: (Double) -> Double) -> Double {
        let upper = kernel.name == "gauss" ? 10.0 : kernel.supportRadius
        let rule = GaussLegendre(count: 400, on: 0...upper), d = kernel.dimension
        return (d == 2 ? 2 * Double.pi : 4 * Double.pi) * rule.integrate { r in f(r) * pow(r, Double(d - 1)) }
    }

    /// Unit mass and unit second moment to 1e-10 (the first moment vanishes because G is radial);
    /// G ≥ 0 everywhere and 0 from the support radius on (for the Gaussian: below e^{−18} of G(0) there).
    @Test(arguments: kernels, [2, 3])
    func moments(name: String, dimension: Int) throws {
        let kernel = try KernelChoice.kernel(named: name, dimension: dimension)
        let mass = Self.radial(kernel) { kernel.value($0) }
        let second = Self.radial(kernel) { kernel.value($0) * $0 * $0 }
        #expect(abs(mass - 1) < 1e-10, "mass \(mass)")
        #expect(abs(second - 1) < 1e-10, "second moment \(second)")
        let samples = stride(from: 0.0, through: 2 * kernel.supportRadius, by: kernel.supportRadius / 97)
        #expect(samples.allSatisfy { kernel.value($0) >= 0 })
        let edge = kernel.value(kernel.supportRadius) / kernel.value(0)
        #expect(name == "gauss" ? edge < exp(-17.9) : edge == 0, "G(R)/G(0) = \(edge)")
        // ℓ² is the second moment of G_ℓ (ℓ = 0.7): the scaling is the one the budget assumes.
        let ell = 0.7, scaled = Self.radial(kernel) { kernel.value($0 * ell, scale: ell) * pow(ell, Double(dimension)) * $0 * $0 * ell * ell }
        #expect(abs(scaled / (ell * ell) - 1) < 1e-10)
    }

    /// Ĝ(k) against the numerical Hankel transform (2D: 2π∫G J₀(kr) r dr; 3D: 4π∫G sin(kr)/(kr) r² dr) at
    /// k ∈ {0, 0.5, 2, 5, 11, 30} to 1e-10 (physics.md K1; 0 and 30 added: Ĝ(0) = 1, and the bump's
    /// large-argument branches); Ĝ_ℓ(k) = Ĝ(kℓ).
    @Test(arguments: kernels, [2, 3])
    func transformMatchesHankel(name: String, dimension: Int) throws {
        let kernel = try KernelChoice.kernel(named: name, dimension: dimension)
        for k in [0, 0.5, 2, 5, 11, 30] {
            let hankel = Self.radial(kernel) { r in
                kernel.value(r) * (dimension == 2 ? j0(k * r) : (k * r == 0 ? 1 : sin(k * r) / (k * r)))
            }
            #expect(abs(kernel.transform(k) - hankel) < 1e-10, "Ĝ(\(k)) = \(kernel.transform(k)) vs \(hankel)")
        }
        #expect(kernel.transform(2, scale: 1.5) == kernel.transform(3))
    }

    /// physics.md §3.1's 2D mollifier constants (printed to 8 digits) and bump radii.
    @Test func publishedConstants() {
        let mollifier = MollifierKernel(dimension: 2)
        #expect(abs(mollifier.supportRadius - 1.9562348) < 1e-7 && abs(mollifier.normalisation - 0.56013775) < 1e-8)
        #expect(abs(BumpKernel(dimension: 2, order: 4).supportRadius - 2.4494897) < 1e-7)
        #expect(abs(BumpKernel(dimension: 2, order: 8).supportRadius - 3.1622777) < 1e-7)
        #expect(abs(GaussianKernel(dimension: 2).supportRadius - 4.2426407) < 1e-7)
        #expect(abs(GaussianKernel(dimension: 3).supportRadius - 3.4641016) < 1e-7)
    }

    /// n-node Gauss–Legendre integrates x^p exactly for p ≤ 2n − 1 (1e-14: rounding) and not x^{2n} (checked
    /// for n ≤ 7: for larger n the error (n!)⁴/((2n+1)((2n)!)²) falls below rounding).
    @Test func gaussLegendreExactness() {
        for n in [1, 2, 3, 7, 20, 64] {
            let rule = GaussLegendre(count: n, on: 0...2)
            for p in 0...(2 * n - 1) {
                let exact = pow(2, Double(p + 1)) / Double(p + 1)
                #expect(abs(rule.integrate { pow($0, Double(p)) } / exact - 1) < 1e-14, "n = \(n), p = \(p)")
            }
            guard n <= 7 else { continue }
            let p = 2 * n, exact = pow(2, Double(p + 1)) / Double(p + 1)
            #expect(abs(rule.integrate { pow($0, Double(p)) } / exact - 1) > 1e-10, "n = \(n) is not exact for x^\(p)")
        }
    }

    @Test func unknownKernelNames() {
        for bad in ["gaussian", "bump", "bump0", "bumpx", "tophat"] {
            #expect(throws: FieldsError.invalidParameter(
                name: "--kernel", value: "\"\(bad)\"",
                expected: "unknown kernel, use \"gauss\", \"bump4\" (any bump<n>, n = 1…64) or \"mollifier\"")) {
                try KernelChoice.kernel(named: bad, dimension: 2)
            }
        }
    }
}
