/// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator, a pure function of a 128-bit
/// counter and a 64-bit key, so any random number is found from its coordinates alone.
///
/// Written once over SIMD lanes: each lane is an independent block, its 32-bit words held in 64-bit
/// lanes so that a round's 32 × 32 → 64-bit products are single vector multiplies (vpmuludq). The
/// Brownian step draws eight particles' blocks at once (``NoiseLanes``); a single block is lane 0.
public enum Philox {
    /// Ten rounds of Philox4x32 on `counter` (each lane a 32-bit value) with `key`.
    @inlinable @inline(__always)
    public static func block<L: SIMD>(counter: (L, L, L, L), key: (UInt32, UInt32)) -> (L, L, L, L)
    where L.Scalar == UInt64 {
        let low = L(repeating: 0xFFFF_FFFF)
        var c = counter, k = (UInt64(key.0), UInt64(key.1))
        for round in 0..<10 {
            if round > 0 {
                k.0 = (k.0 &+ 0x9E37_79B9) & 0xFFFF_FFFF
                k.1 = (k.1 &+ 0xBB67_AE85) & 0xFFFF_FFFF
            }
            let p0 = c.0 &* 0xD251_1F53, p1 = c.2 &* 0xCD9E_8D57
            c = ((p1 &>> 32) ^ c.1 ^ L(repeating: k.0), p1 & low, (p0 &>> 32) ^ c.3 ^ L(repeating: k.1), p0 & low)
        }
        return c
    }

    /// One block.
    @inlinable
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        let w = block(counter: (SIMD2(repeating: UInt64(counter.0)), SIMD2(repeating: UInt64(counter.1)),
                                SIMD2(repeating: UInt64(counter.2)), SIMD2(repeating: UInt64(counter.3))), key: key)
        return (UInt32(w.0[0]), UInt32(w.1[0]), UInt32(w.2[0]), UInt32(w.3[0]))
    }
}

/// Eight Philox blocks at once: eight particles' noise in the Brownian step (an AVX-512 register, two AVX2 ones).
public typealias NoiseLanes = SIMD8<UInt64>
