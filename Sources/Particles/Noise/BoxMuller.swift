import CVectorMath
import Parallel

/// Box–Muller on eight pairs of Philox words at once, in vector instructions (physics.md §1.3's ξ):
///
///   ξ_a = √(−2 ln u) cos 2πv,   ξ_b = √(−2 ln u) sin 2πv,   u, v = (w + ½)/2³² ∈ (0, 1),
///
/// with ln and sin/cos written here as polynomials rather than taken from libm lane by lane (eight scalar calls
/// cost 2.5× the pair loop). Each lane is a fixed function of its two words, the same whatever the other lanes
/// hold, so the noise stays a pure function of (seed, id, step, component) for one build (builds with and without
/// FMA differ in the last bits). Accuracy: ln within 2 ulp of libm (1 ulp measured), sin and cos within 2e-15
/// (7e-16 measured) (``BoxMullerTests``); the tails are those of the 32-bit uniforms, |ξ| ≤ 6.8
/// (`stressflux selfcheck --checks noise`).
enum BoxMuller {
    typealias Lanes = SIMD8<Double>

    /// The normal pairs of eight word pairs (each word in the low half of its lane).
    @inline(__always)
    static func normals(_ u: NoiseLanes, _ v: NoiseLanes) -> (Lanes, Lanes) {
        let radius = sf_sqrt8(-2 * logarithm(RandomStream.unit(u)))
        let (cosine, sine) = turn(RandomStream.unit(v))
        return (radius * cosine, radius * sine)
    }

    /// ln x for positive normal x: x = 2^e m with m ∈ [√½, √2), ln m = 2 atanh s with s = (m − 1)/(m + 1),
    /// |s| ≤ 0.172, summed to s²¹ (the next term is below 1e-18 of the sum), and e ln 2 in two parts so that
    /// e·ln2_hi is exact.
    @inline(__always)
    static func logarithm(_ x: Lanes) -> Lanes {
        let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
        // The exponent that brings x into [√½, √2): bits below those of √½ are in the binade below.
        let e = (bits &- 0x3FE6_A09E_667F_3BCD) &>> 52
        let m = unsafeBitCast(bits &- (e &<< 52), to: Lanes.self)
        let s = (m - 1) / (m + 1), z = s * s, z2 = z * z, z4 = z2 * z2
        // ln m = 2s + s·z·Σ_k 2z^(k−1)/(2k + 1), k = 1…10 (Estrin's scheme): the sum, 1% of 2s, adds almost no rounding
        let q0 = fused(line(2.0 / 7, 2.0 / 9, z), z2, line(2.0 / 3, 2.0 / 5, z))
        let q1 = fused(line(2.0 / 15, 2.0 / 17, z), z2, line(2.0 / 11, 2.0 / 13, z))
        let series = fused(line(2.0 / 19, 2.0 / 21, z), z4 * z4, fused(q1, z4, q0))
        let lnM = fused(s, z * series, s + s)
        let ed = exactDouble(e)
        return ed * 0x1.62E4_2FEE_0000_0p-1 + (ed * 0x1.A39E_F357_93C7_6p-33 + lnM)
    }

    /// (cos 2πv, sin 2πv) for v ∈ [0, 1]: 4v = q + r with q an integer, |r| ≤ ½ (both exact), θ = rπ/2, and the
    /// quarter turns q mod 4 applied by swapping and negating cos θ and sin θ (Taylor to θ¹⁶ and θ¹⁵ on |θ| ≤ π/4:
    /// the next terms are below 5e-17).
    @inline(__always)
    static func turn(_ v: Lanes) -> (cosine: Lanes, sine: Lanes) {
        let magic = Lanes(repeating: 0x1.8p52)  // adding it rounds 4v to an integer held in the low mantissa bits
        let shifted = 4 * v + magic
        let quarter = unsafeBitCast(shifted, to: SIMD8<UInt64>.self) & 3
        let theta = (4 * v - (shifted - magic)) * (Double.pi / 2), t2 = theta * theta
        // (−1)^k θ^{2k}/(2k)!, k = 0…8, and (−1)^k θ^{2k}/(2k + 1)!, k = 0…7, by Estrin's scheme
        let t4 = t2 * t2, t8 = t4 * t4
        let c0 = fused(line(1.0 / 24, -1.0 / 720, t2), t4, line(1, -0.5, t2))
        let c1 = fused(line(1.0 / 479_001_600, -1.0 / 87_178_291_200, t2), t4, line(1.0 / 40320, -1.0 / 3_628_800, t2))
        let c = fused(Lanes(repeating: 1.0 / 20_922_789_888_000), t8 * t8, fused(c1, t8, c0))
        let s0 = fused(line(1.0 / 120, -1.0 / 5040, t2), t4, line(1, -1.0 / 6, t2))
        let s1 = fused(line(1.0 / 6_227_020_800, -1.0 / 1_307_674_368_000, t2), t4, line(1.0 / 362_880, -1.0 / 39_916_800, t2))
        let s = fused(s1, t8, s0) * theta
        let swap = (quarter & 1) .== 1
        let cosine = c.replacing(with: s, where: swap), sine = s.replacing(with: c, where: swap)
        // cos(qπ/2 + θ) is negative for q = 1, 2; sin for q = 2, 3.
        let cosineSign = ((quarter &+ 1) & 2) &<< 62, sineSign = (quarter & 2) &<< 62
        return (unsafeBitCast(unsafeBitCast(cosine, to: SIMD8<UInt64>.self) ^ cosineSign, to: Lanes.self),
                unsafeBitCast(unsafeBitCast(sine, to: SIMD8<UInt64>.self) ^ sineSign, to: Lanes.self))
    }

    /// a·b + c, fused where the build's `ARCH` has FMA (scripts/arch-flags.sh defines STRESSFLUX_FMA): without the
    /// instruction the standard library would call libm's fma lane by lane. The polynomials are short chains of
    /// these (Estrin's scheme): the Brownian step is bound by their latency, not by their count.
    @inline(__always)
    private static func fused(_ a: Lanes, _ b: Lanes, _ c: Lanes) -> Lanes {
        #if STRESSFLUX_FMA
        c.addingProduct(a, b)
        #else
        a * b + c
        #endif
    }

    /// c0 + c1·x.
    @inline(__always)
    private static func line(_ c0: Double, _ c1: Double, _ x: Lanes) -> Lanes {
        fused(Lanes(repeating: c1), x, Lanes(repeating: c0))
    }

    /// Small integers as doubles without a lane-by-lane conversion: 1.5·2⁵² + e has e in its low mantissa bits.
    @inline(__always)
    private static func exactDouble(_ e: SIMD8<Int64>) -> Lanes {
        let magic = 0x1.8p52
        return unsafeBitCast(Int64(bitPattern: magic.bitPattern) &+ e, to: Lanes.self) - magic
    }
}
