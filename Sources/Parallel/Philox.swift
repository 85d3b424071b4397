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
        // Written out so that the compiler unrolls it and hoists the key schedule out of the caller's loop.
        @inline(__always) func round(_ c: inout (L, L, L, L), _ r: UInt32) {
            let k0 = UInt64(key.0 &+ r &* 0x9E37_79B9), k1 = UInt64(key.1 &+ r &* 0xBB67_AE85)
            let p0 = c.0 &* 0xD251_1F53, p1 = c.2 &* 0xCD9E_8D57
            c = ((p1 &>> 32) ^ c.1 ^ L(repeating: k0), p1 & low, (p0 &>> 32) ^ c.3 ^ L(repeating: k1), p0 & low)
        }
        var c = counter
        round(&c, 0); round(&c, 1); round(&c, 2); round(&c, 3); round(&c, 4)
        round(&c, 5); round(&c, 6); round(&c, 7); round(&c, 8); round(&c, 9)
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

/// Eight Philox blocks at once: eight particles' noise in the Brownian step (an AVX-512 register, two AVX2 ones), eight
/// faces' in the Dean–Kawasaki step.
public typealias NoiseLanes = SIMD8<UInt64>
