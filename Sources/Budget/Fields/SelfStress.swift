#if canImport(Glibc)
import Glibc
#endif
import Fields
import Parallel

/// The self-interaction part of σ̲_ℓ for point particles (physics.md §4.2): the i = j terms,
/// σ^self(x) = Σ_a Σ_{i∈a} K_a(x − x_i), K_a(z) = ½ ∫ d^d y y ⊗ ∇V_aa(y) ∫₀¹ dλ G_ℓ(z − λy) G_ℓ(z + (1 − λ)y), a rigid
/// per-particle self-stress. Its box average is Σ_a N_a ∫K_a / |Ω|, and the λ-shift leaves a box integral unchanged,
/// so ∫K_a = ½ Σ_y w y ⊗ ∇V_aa(y) ∫ g(z) g(z + y) dz with g the grid field of one particle: by Parseval,
/// ∫ g(z) g(z + y) dz = (h^d/M) Σ_k |ĝ_k|² cos(k·y), one pass over the modes per bond node and no transform (the box-
/// average route of physics.md §3.7a). The same deposition, spectral shift (Nyquist dropped) and bond quadrature as
/// σ̲_ℓ itself, so the two are consistent to rounding.
public enum SelfStress {
    /// Collective: ⟨σ^self⟩ per tensor component (``SpectralCalculus`` order), for `counts[a]` = N_a particles of
    /// species a in the box.
    public static func average(counts: [Double], deposition: any PointDeposition, bonds: BondIntegral) throws -> [Double] {
        let d = deposition.grid.dimension, fft = bonds.fft, communicator = deposition.decomposition.communicator
        let root = communicator.isRoot, extents = fft.extents, points = Double(deposition.decomposition.grid.pointCount)
        let single = try deposition.deposit(positions: root ? [Double](repeating: 0, count: d) : [], values: root ? [1] : [], components: 1)[0]
        fft.loadSamples(single)
        fft.forward()
        // |ĝ_k|² with the r2c half spectrum's weight (2 for the columns whose conjugates are not stored), Nyquist dropped
        var power = [Double](repeating: 0, count: fft.spectral.count / 2)
        fft.forEachModeRun { start, axis, fixed in
            let count = axis == 0 ? extents[0] : fft.spectralLastExtent
            let nyquistElsewhere = (0..<d).contains { $0 != axis && fft.isNyquist(axis: $0, index: fixed[$0]) }
            guard !nyquistElsewhere else { return }
            for j in 0..<count where !fft.isNyquist(axis: axis, index: j) {
                let last = axis == d - 1 ? j : fixed[d - 1], weight: Double = last == 0 ? 1 : 2
                let (re, im) = (fft.spectral[start + 2 * j], fft.spectral[start + 2 * j + 1])
                power[start / 2 + j] = weight * (re * re + im * im)
            }
        }
        let pairs: [(Int, Int)] = d == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
        var sums = [Double](repeating: 0, count: pairs.count)
        for node in bonds.quadrature.nodes {
            let slope = (0..<counts.count).reduce(0.0) { $0 + counts[$1] * node.r * bonds.potential.derivative(node.r, $1, $1) }
            guard slope != 0 else { continue }
            // k·y on the grid's axes (y, x' = x − γ y, z), factorised per axis
            let y = [node.y[1], node.y[0] - bonds.strain * node.y[1]] + (d == 3 ? [node.y[2]] : [])
            let tables = (0..<d).map { a in
                (0..<(a == d - 1 ? fft.spectralLastExtent : extents[a])).map { i in
                    let phase = fft.wavenumber(axis: a, index: i) * y[a]
                    return (cos(phase), sin(phase))
                }
            }
            var correlation = 0.0
            fft.forEachModeRun { start, axis, fixed in
                var (outerRe, outerIm) = (1.0, 0.0)
                for a in 0..<d where a != axis {
                    let (c, s) = tables[a][fixed[a]]
                    (outerRe, outerIm) = (outerRe * c - outerIm * s, outerRe * s + outerIm * c)
                }
                let table = tables[axis]
                for j in 0..<table.count { correlation += power[start / 2 + j] * (outerRe * table[j].0 - outerIm * table[j].1) }
            }
            let unit = node.y / node.r
            for (m, (i, j)) in pairs.enumerated() { sums[m] += 0.5 * node.weight * slope * unit[i] * unit[j] * correlation }
        }
        // mean over the grid of Σ_a N_a K_a: (1/M) Σ_z, and Σ_z g g_y = (1/M) Σ_k |ĝ_k|² cos(k·y)
        return communicator.allreduce(sums, .sum).map { $0 / (points * points) }
    }

    /// Collective: ⟨σ^self⟩ by the exact transform of the bond weight instead of the y-quadrature (physics.md §3.7a):
    /// ⟨σ^self⟩ = ½ Σ_a N_a ⟨B_aa[g, g]⟩ for the grid field g of one particle, one pass over the modes for all species.
    /// It differs from ``average(counts:deposition:bonds:)`` by that quadrature's error (≤ 1e-13 relative at ℓ ≥ 1).
    public static func average(counts: [Double], deposition: any PointDeposition, average: BondAverage) throws -> [Double] {
        let d = deposition.grid.dimension, root = deposition.decomposition.communicator.isRoot, s = counts.count
        let single = try deposition.deposit(positions: root ? [Double](repeating: 0, count: d) : [], values: root ? [1] : [], components: 1)[0]
        let zero = [Double](repeating: 0, count: single.count)
        // one term per species a: left N_a g and right g in slot a, zero elsewhere, so that only B_aa remains
        let rights = (0..<s).map { a in (0..<s).map { $0 == a ? single : zero } }
        let terms = (0..<s).map { a in BondIntegral.Term(left: (0..<s).map { $0 == a ? single.map { counts[a] * $0 } : zero }, right: a) }
        let results = average.averages(rights: rights, terms: terms)
        return results[0].indices.map { c in 0.5 * results.reduce(0) { $0 + $1[c] } }
    }
}
