import Foundation
import Testing
@testable import Particles

@Suite struct PotentialTests {
    static let all: [PotentialKind] = PotentialKind.allCases

    /// −V'(r)/r from the loop equals the central difference of V, to 1e-7 relative (truncation ~h²V''' and
    /// rounding ~1e-16 V/h; h = 1e-5 (r_c − r) keeps the truncation h²V'''/6 near 1e-10 relative even where the
    /// Hertzian V''' grows like (r_c − r)^{−1/2}).
    @Test(arguments: all, [0.7, 1.2])
    func forceIsMinusTheDerivative(kind: PotentialKind, sigma: Double) {
        let p = kind.potential(epsilon: 1.3)
        for fraction in [0.55, 0.8, 0.95, 0.999] {
            let r = fraction * p.cutoffRatio * sigma, h = 1e-5 * (p.cutoffRatio * sigma - r)
            let (_, f) = p.evaluate(r2: r * r, sigma: sigma)
            let plus = p.evaluate(r2: (r + h) * (r + h), sigma: sigma).energy
            let minus = p.evaluate(r2: (r - h) * (r - h), sigma: sigma).energy
            let derivative = (plus - minus) / (2 * h)
            #expect(abs(f * r + derivative) <= 1e-7 * max(abs(derivative), 1e-12), "\(kind) r/σ = \(r / sigma)")
        }
    }

    /// Energy and force vanish continuously at the cutoff (within 1e-12 just inside it).
    @Test(arguments: all)
    func continuousAtCutoff(kind: PotentialKind) {
        let p = kind.potential()
        let r = p.cutoffRatio * 1.4 * (1 - 1e-13)
        let (e, f) = p.evaluate(r2: r * r, sigma: 1.4)
        #expect(abs(e) < 1e-12 && abs(f) < 1e-6)
    }

    /// Values by hand: harmonic (1/2)(1 − 0.8)² = 0.02, Hertzian (2/5)(0.2)^{5/2}, WCA at r = σ is ε.
    @Test func handValues() {
        #expect(abs(HarmonicPotential().evaluate(r2: 0.64, sigma: 1).energy - 0.02) < 1e-16)
        #expect(abs(HertzianPotential().evaluate(r2: 0.64, sigma: 1).energy - 0.4 * pow(0.2, 2.5)) < 1e-16)
        #expect(abs(WCAPotential().evaluate(r2: 1.44, sigma: 1.2).energy - 1) < 1e-14)
        #expect(abs(PotentialKind.wca.potential().cutoffRatio - pow(2, 1.0 / 6)) < 1e-15)
    }

    /// The pair loop's vector square root is correctly rounded: bit for bit the scalar one, over 10⁵
    /// values spread across 40 binades (squared distances from deep overlaps to the skin).
    @Test func laneSquareRootIsExact() {
        var state: UInt64 = 12345, mismatches = 0
        for _ in 0..<25_000 {
            var lanes = PairLanes()
            for l in 0..<PairLanes.scalarCount {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                lanes[l] = pow(2, Double(state >> 40) / Double(1 << 24) * 40 - 20)
            }
            let root = lanes.laneSquareRoot
            for l in 0..<PairLanes.scalarCount where root[l] != lanes[l].squareRoot() { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
