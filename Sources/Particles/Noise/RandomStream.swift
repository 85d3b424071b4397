import Parallel

/// Every use of random numbers in StressFlux, each a distinct Philox key, so that draws for
/// different purposes never coincide (style.md §9). A draw is a pure function of
/// (stream, seed, counter words), never of a rank's history, so trajectories do not depend on the
/// number of ranks (physics.md §1.3, design.md "Conventions").
public enum RandomStream: UInt32, Sendable {
    /// The Brownian force ξ of particle `id` at step `n` (physics.md §1.3).
    case brownian = 0x4252_4F57
    /// Random initial placement (physics.md §1.6).
    case placement = 0x504C_4143

    /// Four uniform 32-bit words for (seed, id, n); word c serves component c.
    @inline(__always)
    public func words(seed: UInt64, id: Int, n: Int) -> (UInt32, UInt32, UInt32, UInt32) {
        let w = words(seed: seed, ids: SIMD2(repeating: UInt64(bitPattern: Int64(id))), n: n)
        return (UInt32(w.0[0]), UInt32(w.1[0]), UInt32(w.2[0]), UInt32(w.3[0]))
    }

    /// ``words(seed:id:n:)`` for one id per lane, each word in the low half of a 64-bit lane.
    @inlinable @inline(__always)
    public func words<L: SIMD>(seed: UInt64, ids: L, n: Int) -> (L, L, L, L) where L.Scalar == UInt64 {
        let s = UInt64(bitPattern: Int64(n))
        return Philox.block(
            counter: (ids & 0xFFFF_FFFF, ids &>> 32, L(repeating: s & 0xFFFF_FFFF), L(repeating: s >> 32)),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32) ^ rawValue))
    }

    /// A uniform double in the open interval (0, 1) from one word.
    @inline(__always)
    public static func unit(_ word: UInt32) -> Double { (Double(word) + 0.5) * 0x1.0p-32 }

    /// ``unit(_:)`` of eight words at once, the same bits: a word w < 2³² placed in the mantissa of 2⁵² is the
    /// double 2⁵² + w, so subtracting 2⁵² − ½ gives w + ½ exactly, without a lane-by-lane conversion.
    @inline(__always)
    public static func unit(_ words: NoiseLanes) -> SIMD8<Double> {
        let shifted = unsafeBitCast(words | 0x4330_0000_0000_0000, to: SIMD8<Double>.self)
        return (shifted - (0x1.0p52 - 0.5)) * 0x1.0p-32
    }
}

/// The distribution of the Brownian noise components (config `[dynamics] noise`).
public enum NoiseDistribution: String, Sendable, Codable, CaseIterable {
    /// Standard normal, by Box–Muller from two words (|ξ| ≤ 6.8 from 32-bit uniforms), in vector
    /// instructions (``BoxMuller``).
    case gaussian
    /// Uniform on [−√3, √3): mean 0, variance 1, like LAMMPS fix brownian's default `rng uniform`.
    case uniform

    /// Four unit-variance noise components for (seed, id, n) of stream `stream`.
    @inline(__always)
    public func components(_ stream: RandomStream, seed: UInt64, id: Int, n: Int) -> (Double, Double, Double, Double) {
        let w = stream.words(seed: seed, id: id, n: n)
        let (a, b) = values(w.0, w.1), (c, d) = values(w.2, w.3)
        return (a, b, c, d)
    }

    /// Two unit-variance noise components for (seed, id, n): one Philox block serves steps 2m and 2m + 1
    /// (words 0–1, then 2–3), so 2D dynamics draws half as many blocks. Still a pure function of
    /// (stream, seed, id, n).
    @inline(__always)
    public func pair(_ stream: RandomStream, seed: UInt64, id: Int, n: Int) -> (Double, Double) {
        let w = stream.words(seed: seed, id: id, n: n >> 1)
        return n & 1 == 0 ? values(w.0, w.1) : values(w.2, w.3)
    }

    /// Two unit-variance components from two uniform words: Box–Muller, or two scaled uniforms.
    @inline(__always)
    public func values(_ u: UInt32, _ v: UInt32) -> (Double, Double) {
        let (a, b) = values(NoiseLanes(repeating: UInt64(u)), NoiseLanes(repeating: UInt64(v)))
        return (a[0], b[0])
    }

    /// ``values(_:_:)`` for eight pairs of words (each in the low half of a lane), in vector instructions.
    @inline(__always)
    public func values(_ u: NoiseLanes, _ v: NoiseLanes) -> (SIMD8<Double>, SIMD8<Double>) {
        switch self {
        case .gaussian:
            return BoxMuller.normals(u, v)
        case .uniform:
            let s = 3.0.squareRoot()
            return (s * (2 * RandomStream.unit(u) - 1), s * (2 * RandomStream.unit(v) - 1))
        }
    }
}
