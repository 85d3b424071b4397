/// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator, a pure function of a 128-bit
/// counter and a 64-bit key, so any random number is found from its coordinates alone.
public enum Philox {
    @inline(__always)
    static func mulhilo(_ a: UInt32, _ b: UInt32) -> (hi: UInt32, lo: UInt32) {
        let p = UInt64(a) &* UInt64(b)
        return (UInt32(truncatingIfNeeded: p >> 32), UInt32(truncatingIfNeeded: p))
    }

    /// Ten rounds of Philox4x32 on `counter` with `key`.
    @inline(__always)
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter, k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = mulhilo(0xD251_1F53, c.0), p1 = mulhilo(0xCD9E_8D57, c.2)
            c = (p1.hi ^ c.1 ^ k.0, p1.lo, p0.hi ^ c.3 ^ k.1, p0.lo)
        }
        return c
    }
}
