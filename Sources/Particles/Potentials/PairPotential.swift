import CVectorMath

/// A radial pair potential V(r) of finite range, scaled by the pair's contact distance
/// σ_ij = (d_i + d_j)/2 (physics.md §1.4). Energies in ε, lengths in ℓ₀.
///
/// Implementations are small value types; the pair loop is generic over them, so each V(r) is
/// written once and inlined into the loop (style.md §1–2).
public protocol PairPotential: Sendable {
    /// Range as a multiple of σ_ij: V = 0 for r ≥ cutoffRatio · σ_ij.
    var cutoffRatio: Double { get }
    /// Energy V(r) and −V'(r)/r at squared distances `r2 < (cutoffRatio·sigma)²`, one pair per lane, so
    /// that the pair loop evaluates ``PairLanes/scalarCount`` pairs at once. The force on i from j is
    /// `forceOverR · (x_i − x_j)`; positive means repulsion. Lanes outside the cutoff may hold anything
    /// (even infinities); the loop masks them.
    func evaluate(r2: PairLanes, sigma: PairLanes) -> (energy: PairLanes, forceOverR: PairLanes)
}

#if STRESSFLUX_WIDE_PAIRS
/// The pairs one evaluation handles: eight doubles, an AVX-512 register. The Makefile defines
/// `STRESSFLUX_WIDE_PAIRS` when `ARCH` has AVX-512 (scripts/arch-flags.sh); elsewhere four lanes.
public typealias PairLanes = SIMD8<Double>
/// One integer per pair lane (the contact counts).
typealias PairLaneCounts = SIMD8<Int64>
#else
/// The pairs one evaluation handles: four doubles, an AVX register (two SSE2 ones on a baseline build).
public typealias PairLanes = SIMD4<Double>
/// One integer per pair lane (the contact counts).
typealias PairLaneCounts = SIMD4<Int64>
#endif

extension PairLanes {
    /// √ of each lane in one vector instruction, correctly rounded (`squareRoot()` of the standard
    /// library takes the lanes one at a time, four times slower in the pair loop).
    @inlinable @inline(__always)
    public var laneSquareRoot: PairLanes {
        #if STRESSFLUX_WIDE_PAIRS
        sf_sqrt8(self)
        #else
        sf_sqrt4(self)
        #endif
    }
}

extension PairPotential {
    /// One pair: lane 0 of the vector evaluation, so scalar and loop values are the same bits
    /// (vector square roots and divisions are correctly rounded, like scalar ones).
    @inlinable
    public func evaluate(r2: Double, sigma: Double) -> (energy: Double, forceOverR: Double) {
        let (energy, force) = evaluate(r2: PairLanes(repeating: r2), sigma: PairLanes(repeating: sigma))
        return (energy[0], force[0])
    }
}

/// The potentials a run can choose (config `[potential] kind`).
public enum PotentialKind: String, Sendable, CaseIterable, Codable {
    case harmonic, hertzian, wca

    /// The potential with amplitude `epsilon`.
    public func potential(epsilon: Double = 1) -> AnyPairPotential {
        switch self {
        case .harmonic: return .harmonic(HarmonicPotential(epsilon: epsilon))
        case .hertzian: return .hertzian(HertzianPotential(epsilon: epsilon))
        case .wca: return .wca(WCAPotential(epsilon: epsilon))
        }
    }
}

/// One of the potentials, switched on once per loop (never per pair).
public enum AnyPairPotential: Sendable {
    case harmonic(HarmonicPotential)
    case hertzian(HertzianPotential)
    case wca(WCAPotential)

    public var cutoffRatio: Double {
        switch self {
        case .harmonic(let p): return p.cutoffRatio
        case .hertzian(let p): return p.cutoffRatio
        case .wca(let p): return p.cutoffRatio
        }
    }

    /// One-off evaluation (tests, single pairs); loops switch once and call a generic loop instead.
    public func evaluate(r2: Double, sigma: Double) -> (energy: Double, forceOverR: Double) {
        switch self {
        case .harmonic(let p): return p.evaluate(r2: r2, sigma: sigma)
        case .hertzian(let p): return p.evaluate(r2: r2, sigma: sigma)
        case .wca(let p): return p.evaluate(r2: r2, sigma: sigma)
        }
    }
}
