#if canImport(Glibc)
import Glibc
#endif
import Fields
import Parallel

/// The scalar flux density Π_ℓ(x) = |∇ρ̄_ℓ · τ_ℓ(ρ, u)| = |Σ_c ∂_c ρ̄_ℓ τ_ℓ(ρ, u_c)|, u = ∇(V * ρ) (physics.md §6.3 test F7,
/// §9.1 plot 3): the two factors of the inter-scale flux Q^flux_ℓ (§5.2) contracted without the bond integral. The paper
/// bounds it by O(δρ(ℓ)³/ℓ) (Eqs. 49–55, §6.2), so ⟨Π_ℓ⟩ against S₃(ℓ)/ℓ tests the bound on a given field ρ.
///
/// A field resolved down to the grid scale (the fBm-like fields of §6.3(b), a Dean field) makes ρ u_c twice as wide in k as
/// the grid, and a product formed on the grid aliases its modes beyond Nyquist onto low modes that the filter keeps (§3.6).
/// Here (ρ u_c)_ℓ is the product on the 2×-refined grid (spectra zero-padded), filtered there and truncated back to this grid's
/// modes. The refined product is exact (its modes |m_a| ≤ n_a − 2 lie below that grid's Nyquist n_a); the truncation drops
/// modes weighted by at most Ĝ(πℓ/h), for the Gaussian in 2D e^{−π²(ℓ/h)²/4} (7e-18 at ℓ = 4h). The refined grid is never
/// allocated: its nodes are the 2^d copies x_n + a of this grid offset by half cells, a_α ∈ {0, h_α/2}, the samples there
/// come from spectral shifts, and the refined DFT at this grid's modes is Σ_a e^{−ik·a} DFT[P_a] (decimation in space), so
/// this grid's ``SlabFFT`` does it all on any rank count. ρ̄_ℓ, ū_ℓ and ∇ρ̄_ℓ are filters of grid fields, and their products
/// enter only pointwise at the nodes, where they are exact. Fields are read as the trigonometric polynomials of their
/// non-Nyquist modes (§3.2).
///
/// The spectra and products are made once ((2d + 1)·2^d + 3d + 1 transforms, 27 in 2D); each scale then costs one mode loop
/// for Ĝ and 1 + 3d inverse transforms. Vectors have physical components (x, y[, z]).
public struct ScalarFluxDensity {
    public let fft: SlabFFT
    public let kernel: any Kernel
    /// The Lees–Edwards strain of the grid's sheared coordinates: Ĝ and ∇ see the lab k (physics.md §1.5).
    public let strain: Double
    /// DFTs (``SlabFFT/spectral`` layout) of ρ, of each ∂_c ρ, of each u_c and of each ρ u_c (alias-free, this grid's modes).
    private let density: [Double]
    private let slopes: [[Double]]
    private let gradient: [[Double]]
    private let products: [[Double]]

    /// Collective: ρ (`density`) and u = ∇(V * ρ) (`potentialGradient`, e.g. from ``PotentialGradient``) as owned samples.
    public init(density rho: [Double], potentialGradient u: [[Double]], fft: SlabFFT, kernel: any Kernel, strain: Double = 0) {
        let d = fft.extents.count
        precondition(kernel.dimension == d && u.count == d, "one gradient component per axis of the grid")
        self.fft = fft
        self.kernel = kernel
        self.strain = strain
        let spectra = ([rho] + u + SpectralCalculus(fft: fft, strain: strain).gradient(rho)).map { field -> [Double] in
            fft.loadSamples(field)
            fft.forward()
            return Array(fft.spectral)
        }
        density = spectra[0]
        gradient = Array(spectra[1...d])
        slopes = Array(spectra[(d + 1)...])
        var sums = [[Double]](repeating: [Double](repeating: 0, count: fft.spectral.count), count: d)
        let weight = 1 / Double(1 << d)
        for corner in 0..<(1 << d) {
            let offset = (0..<d).map { (corner >> $0) & 1 == 1 }
            let samples = spectra[0...d].map { spectrum -> [Double] in
                Self.load(spectrum, into: fft)
                Self.multiplyByHalfCellPhase(fft, offset: offset, sign: 1)
                fft.inverse()
                return fft.ownedSamples()
            }
            for c in 0..<d {
                fft.loadSamples(zip(samples[0], samples[1 + c]).map { $0 * $1 })
                fft.forward()
                Self.multiplyByHalfCellPhase(fft, offset: offset, sign: -1)
                sums[c].withUnsafeMutableBufferPointer { target in
                    for i in target.indices { target[i] += weight * fft.spectral[i] }
                }
            }
        }
        products = sums
    }

    /// Collective: τ_ℓ(ρ, u_c) = (ρ u_c)_ℓ − ρ̄_ℓ ū_{ℓ,c} (paper Eq. 32) per physical component c, owned samples.
    public func covariance(scale ell: Double) -> [[Double]] { covariance(filter: transfer(scale: ell)) }

    /// Collective: Π_ℓ(x) = |Σ_c ∂_c ρ̄_ℓ τ_ℓ(ρ, u_c)| at the owned nodes.
    public func field(scale ell: Double) -> [Double] {
        let filter = transfer(scale: ell), tau = covariance(filter: filter)
        var sum = [Double](repeating: 0, count: tau[0].count)
        for (slope, t) in zip(slopes, tau) {
            let s = filtered(slope, filter: filter)
            for k in sum.indices { sum[k] += s[k] * t[k] }
        }
        return sum.map(abs)
    }

    /// Collective: ⟨Π_ℓ⟩, the node average over the whole grid.
    public func mean(scale ell: Double) -> Double {
        fft.decomposition.communicator.allreduce(field(scale: ell).reduce(0, +), .sum) / Double(fft.decomposition.grid.pointCount)
    }

    private func covariance(filter: [Double]) -> [[Double]] {
        let rhoBar = filtered(density, filter: filter)
        return zip(products, gradient).map { product, u in
            SubfilterCovariance.covariance(filteredProduct: filtered(product, filter: filter), filteredLeft: rhoBar,
                                           filteredRight: filtered(u, filter: filter))
        }
    }

    /// Local: Ĝ(|k|ℓ) per entry of ``SlabFFT/spectral`` (Nyquist modes 0), from one pass of ``SlabFFT/multiply(strain:transfer:)``
    /// over a spectrum of ones, so that the filters of a scale share it.
    private func transfer(scale ell: Double) -> [Double] {
        for i in stride(from: 0, to: fft.spectral.count, by: 2) { (fft.spectral[i], fft.spectral[i + 1]) = (1, 0) }
        fft.multiply(strain: strain) { kernel.transform($0 * ell) }
        return Array(fft.spectral)
    }

    /// Collective: G_ℓ * X as owned samples, from X's DFT and ``transfer(scale:)``.
    private func filtered(_ spectrum: [Double], filter: [Double]) -> [Double] {
        spectrum.withUnsafeBufferPointer { x in
            filter.withUnsafeBufferPointer { g in
                for i in stride(from: 0, to: x.count, by: 2) {
                    fft.spectral[i] = g[i] * x[i]
                    fft.spectral[i + 1] = g[i] * x[i + 1]
                }
            }
        }
        fft.inverse()
        return fft.ownedSamples()
    }

    /// Local: copies a DFT into ``SlabFFT/spectral``.
    private static func load(_ spectrum: [Double], into fft: SlabFFT) {
        UnsafeMutableRawPointer(fft.spectral.baseAddress!).copyMemory(from: spectrum, byteCount: spectrum.count * MemoryLayout<Double>.stride)
    }

    /// Local: multiplies ``SlabFFT/spectral`` by e^{±ik·a}, a_α = h_α/2 on the grid axes α with `offset[α]` and 0 elsewhere
    /// (the + sign samples at x_n + a), zeroing the Nyquist modes. The phase factorises over axes: per-axis tables only.
    private static func multiplyByHalfCellPhase(_ fft: SlabFFT, offset: [Bool], sign: Double) {
        let d = offset.count
        let tables: [[(re: Double, im: Double)]] = (0..<d).map { a in
            (0..<(a == d - 1 ? fft.spectralLastExtent : fft.extents[a])).map { i in
                guard !fft.isNyquist(axis: a, index: i) else { return (0, 0) }
                let phase = offset[a] ? sign * fft.wavenumber(axis: a, index: i) * fft.decomposition.spacing[a] / 2 : 0
                return (cos(phase), sin(phase))
            }
        }
        let spectral = fft.spectral
        fft.forEachModeRun { start, axis, fixed in
            var (outerRe, outerIm) = (1.0, 0.0)
            for a in 0..<d where a != axis {
                let t = tables[a][fixed[a]]
                (outerRe, outerIm) = (outerRe * t.re - outerIm * t.im, outerRe * t.im + outerIm * t.re)
            }
            for (j, t) in tables[axis].enumerated() {
                let (fr, fi) = (outerRe * t.re - outerIm * t.im, outerRe * t.im + outerIm * t.re)
                let (re, im) = (spectral[start + 2 * j], spectral[start + 2 * j + 1])
                spectral[start + 2 * j] = re * fr - im * fi
                spectral[start + 2 * j + 1] = re * fi + im * fr
            }
        }
    }
}
