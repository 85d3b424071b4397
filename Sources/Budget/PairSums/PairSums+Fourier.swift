#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// Fourier coefficients of the pair-sum terms by direct sums over pairs (physics.md §3.7b): with
/// T̂(K) = ∫_Ω T(x) e^{−iK·x} d^d x (the continuum coefficient, §3.2) and ∫₀¹ dλ e^{−iK·(λ−½)y} = sinc(K·y/2),
///
///   T̂(K) = e^{−ηK²/4} Σ_p e^{−iK·m_p} ∫ d^d y  y ⊗ ∇V(y) h_p(y) g_{2η}(y − r_p) sinc(K·y/2),   sinc(u) = sin u / u,
///
/// for K on the reciprocal lattice of the box (lab wavevectors). O(pairs × nodes × wavevectors): for checks at a few K
/// against the grid routes (tests PS1, PS2) and for single modes.
extension PairSums {
    /// Collective: T̂(K) as (re, im) per term, wavevector and tensor component ([term][K][component]), summed over every
    /// rank's pairs.
    public func coefficients(pairs: PairList, terms: [Term], wavevectors: [SIMD3<Double>], communicator: Communicator) -> [[[SIMD2<Double>]]] {
        let d = pairs.dimension, indices = Self.tensorIndices(dimension: d), m = indices.count
        let t = terms.count, nk = wavevectors.count, eta = quadrature.variance
        let forms = Self.affineForms(terms, pairs: pairs, variance: eta)
        // per pair: the real node sums S[t][k][c]; per call: T̂ as (re, im)
        let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: t * nk * m)
        let sincs = UnsafeMutableBufferPointer<Double>.allocate(capacity: nk)
        var totals = [Double](repeating: 0, count: 2 * t * nk * m)
        defer {
            sums.deallocate()
            sincs.deallocate()
        }
        var tensor = [Double](repeating: 0, count: m), h = [Double](repeating: 0, count: t)
        forms.withUnsafeBufferPointer { forms in
            forEachPair(pairs) { p, _, midpoint, nodes in
                sums.update(repeating: 0)
                for n in 0..<nodes.count {
                    let y = nodes.y[n], w = nodes.weight[n]
                    for (c, (i, j)) in indices.enumerated() { tensor[c] = w * y[i] * y[j] }
                    for k in 0..<t {
                        let form = forms.baseAddress! + (p * t + k) * 4
                        h[k] = form[0] + form[1] * y[0] + form[2] * y[1] + form[3] * y[2]
                    }
                    for q in 0..<nk { sincs[q] = Self.sinc(0.5 * (wavevectors[q] * y).sum()) }
                    for k in 0..<t {
                        for q in 0..<nk {
                            let factor = h[k] * sincs[q], row = (k * nk + q) * m
                            for c in 0..<m { sums[row + c] += factor * tensor[c] }
                        }
                    }
                }
                for q in 0..<nk {
                    let phase = (wavevectors[q] * midpoint).sum(), (re, im) = (cos(phase), -sin(phase))
                    for k in 0..<t {
                        for c in 0..<m {
                            let s = sums[(k * nk + q) * m + c], index = 2 * ((k * nk + q) * m + c)
                            totals[index] += re * s
                            totals[index + 1] += im * s
                        }
                    }
                }
            }
        }
        let reduced = communicator.allreduce(totals, .sum)
        return (0..<t).map { k in
            (0..<nk).map { q in
                let damping = exp(-0.25 * eta * (wavevectors[q] * wavevectors[q]).sum())
                return (0..<m).map { c in
                    let index = 2 * ((k * nk + q) * m + c)
                    return damping * SIMD2(reduced[index], reduced[index + 1])
                }
            }
        }
    }

    /// Collective: the large-scale stress σ̲̂_ℓ(K) (physics.md §4.2) as (re, im), [K][component]: h = ½ on every pair.
    public func stressCoefficients(pairs: PairList, wavevectors: [SIMD3<Double>], communicator: Communicator) -> [[SIMD2<Double>]] {
        coefficients(pairs: pairs, terms: [.bond(weights: [Double](repeating: 0.5, count: pairs.count))], wavevectors: wavevectors,
                     communicator: communicator)[0]
    }

    /// Collective: Ŝ_ℓ(K) of S_ℓ = Σ_c B[j_c, ∂_c ρ̄] as (re, im), [K][component], from each pair's left velocity v_i (d values
    /// per pair, ``PairList/firstValues(_:components:)``): Ŝ = Σ_c (iK_c/2) Ĵ_c + D̂.
    public func sourceCoefficients(pairs: PairList, velocities: [Double], wavevectors: [SIMD3<Double>], communicator: Communicator) -> [[SIMD2<Double>]] {
        let d = pairs.dimension
        let terms = Self.sourceTerms(pairs: pairs, velocities: velocities)
        let parts = coefficients(pairs: pairs, terms: terms, wavevectors: wavevectors, communicator: communicator)
        return wavevectors.indices.map { q in
            parts[d][q].indices.map { component in
                var value = parts[d][q][component]
                for c in 0..<d {
                    // (iK_c/2)(re + i im) = (−K_c im/2, K_c re/2)
                    let flux = parts[c][q][component], half = 0.5 * wavevectors[q][c]
                    value += SIMD2(-half * flux[1], half * flux[0])
                }
                return value
            }
        }
    }

    /// The terms of S_ℓ: J̄_{ℓ,c} for each c (h = v_{i,c}), then D (h = −v_i·(y − r)/(2η)).
    static func sourceTerms(pairs: PairList, velocities: [Double]) -> [Term] {
        let d = pairs.dimension
        precondition(velocities.count == pairs.count * d, "d velocity components per pair")
        return (0..<d).map { c in .bond(weights: stride(from: c, to: velocities.count, by: d).map { velocities[$0] }) }
            + [.gradient(vectors: velocities)]
    }

    /// sin u / u.
    @inline(__always)
    static func sinc(_ u: Double) -> Double {
        abs(u) < 1e-4 ? 1 - u * u / 6 : sin(u) / u
    }
}
