import Foundation
import Parallel
import Testing
@testable import Particles

@Suite struct NoiseTests {
    /// Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
    @Test func philoxKnownAnswers() {
        let zero = Philox.block(counter: (0, 0, 0, 0), key: (0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = Philox.block(counter: (.max, .max, .max, .max), key: (.max, .max))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = Philox.block(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
        #expect([pi.0, pi.1, pi.2, pi.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    /// Moments of 4·10⁵ components: mean 0, variance 1, fourth moment 3 (Gaussian) or 9/5 (uniform on
    /// [−√3, √3)), each within 5 standard errors of its estimator (sd: 1/√n, √(2/n) or √(0.8/n),
    /// √(96/n) or √(3.24·… /n) computed below from the exact eighth moment).
    @Test(arguments: [(NoiseDistribution.gaussian, 3.0, 105.0), (.uniform, 1.8, 81.0 / 9.0)])
    func momentsMatchTheDistribution(noise: NoiseDistribution, fourth: Double, eighth: Double) {
        var sum = 0.0, sum2 = 0.0, sum4 = 0.0
        let ids = 50_000, steps = 2
        for id in 0..<ids {
            for step in 0..<steps {
                let c = noise.components(.brownian, seed: 99, id: id, n: step)
                for x in [c.0, c.1, c.2, c.3] {
                    sum += x
                    sum2 += x * x
                    sum4 += x * x * x * x
                }
            }
        }
        let n = Double(ids * steps * 4)
        #expect(abs(sum / n) <= 5 / n.squareRoot())
        #expect(abs(sum2 / n - 1) <= 5 * ((fourth - 1) / n).squareRoot())
        #expect(abs(sum4 / n - fourth) <= 5 * ((eighth - fourth * fourth) / n).squareRoot())
    }

    /// Draws depend on (seed, id, step) only: different coordinates give different numbers.
    @Test func drawsAreKeyedByCoordinates() {
        let a = RandomStream.brownian.words(seed: 1, id: 7, n: 3)
        #expect(RandomStream.brownian.words(seed: 1, id: 7, n: 3) == a)
        #expect(RandomStream.brownian.words(seed: 2, id: 7, n: 3) != a)
        #expect(RandomStream.brownian.words(seed: 1, id: 8, n: 3) != a)
        #expect(RandomStream.brownian.words(seed: 1, id: 7, n: 4) != a)
        #expect(RandomStream.placement.words(seed: 1, id: 7, n: 3) != a)
    }

    /// The Brownian step draws eight particles per call (vector lanes): every lane is exactly the block
    /// and the noise values of its own id, whatever the neighbouring lanes hold (ids up to 2⁶³ − 1 use both
    /// counter words).
    @Test(arguments: NoiseDistribution.allCases)
    func laneDrawsEqualSingleDraws(noise: NoiseDistribution) {
        let ids: [Int] = [0, 1, 7, 123_456_789, 1 << 32, (1 << 40) + 3, Int.max, 42]
        let lanes = NoiseLanes(ids.map { UInt64($0) })
        for step in [0, 1, 1_000_001] {
            let w = RandomStream.brownian.words(seed: 77, ids: lanes, n: step)
            let (a, b) = noise.values(w.0, w.1)
            for (l, id) in ids.enumerated() {
                let single = RandomStream.brownian.words(seed: 77, id: id, n: step)
                #expect([w.0[l], w.1[l], w.2[l], w.3[l]] == [single.0, single.1, single.2, single.3].map(UInt64.init))
                let (x, y) = noise.values(single.0, single.1)
                #expect(a[l] == x && b[l] == y)
            }
        }
    }
}

/// The vector Box–Muller's ln and quarter-turn sin/cos against libm on words spread over the whole 32-bit range
/// (the ends included): ln u within 2 ulp of log(u); cos 2πv, sin 2πv within 2e-15 of libm's cos(2πv), whose own
/// argument 2πv is rounded by up to 4.4e-16 (ulp(2π)/2) — a wrong Taylor coefficient or quadrant fails by far more.
@Suite struct BoxMullerTests {
    static let words: [UInt64] = [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xB504_F333, 0xFFFF_FFFE, 0xFFFF_FFFF]
        + (0..<4000).map { UInt64(($0 &* 2_654_435_761) & 0xFFFF_FFFF) }

    @Test func logarithmAndTurnMatchLibm() {
        for start in stride(from: 0, to: Self.words.count - 7, by: 8) {
            let w = NoiseLanes(Self.words[start..<(start + 8)])
            let u = RandomStream.unit(w)
            let ln = BoxMuller.logarithm(u)
            let (c, s) = BoxMuller.turn(u)
            for l in 0..<8 {
                #expect(u[l] == RandomStream.unit(UInt32(w[l])), "the vector unit is the scalar one")
                let exact = log(u[l])
                #expect(abs(ln[l] - exact) <= 2 * exact.ulp, "ln \(u[l]): \(ln[l]) vs \(exact)")
                #expect(abs(c[l] - cos(2 * Double.pi * u[l])) <= 2e-15 && abs(s[l] - sin(2 * Double.pi * u[l])) <= 2e-15,
                        "turn \(u[l]): (\(c[l]), \(s[l]))")
            }
        }
    }
}
