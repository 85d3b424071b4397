#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// The exact reference deposition (physics.md §3.3): the grid DFT of ρ(x) = Σ_i c_i G_ℓ(x − x_i) is
/// C_m = h^{−d} Ĝ(|k_m| ℓ) Σ_i c_i e^{−i k_m·x_i} with every Nyquist mode zeroed, exact for all resolved
/// modes; for segments x_i + λ r_i, λ ∈ [0, 1], the λ-integral is exact too, a factor
/// E(k·r_i) = (1 − e^{−ik·r_i})/(ik·r_i) (physics.md §3.5). Direct sums, O(N M^d) over all points (gathered
/// on every rank): for tests and small grids; ``GriddedDeposition`` is the production path.
public enum SpectralDeposition {
    /// Collective: every rank passes its particles (x, y[, z] per particle) and weights; on return
    /// `fft.spectral` holds C_m for this rank's modes and `fft.real` the field (after the inverse transform).
    /// With a Lees–Edwards strain the grid is in sheared coordinates x' = x − γ y, γ the reduced strain
    /// (``DepositionGrid/reducedStrain(_:)``, as ``RealSpaceDeposition``): mode k' has the lab wavevector
    /// (k'_x, k'_y − γ k'_x), which Ĝ sees, and k'·x' = k·x (physics.md §1.5).
    public static func deposit(positions: [Double], weights: [Double], kernel: any Kernel, scale ell: Double,
                               strain: Double = 0, into fft: SlabFFT) throws {
        let d = fft.extents.count
        let segments = SegmentBatch(origins: positions, vectors: [Double](repeating: 0, count: positions.count),
                                    values: weights, components: 1, dimension: d)
        let samples = try deposit(segments: segments, kernel: kernel, scale: ell, strain: strain, fft: fft)[0]
        fft.loadSamples(samples)
        fft.forward()  // may overwrite the input
        fft.loadSamples(samples)
    }

    /// Collective: Σ_i ∫₀¹ dλ c_i G_ℓ(x − x_i − λ r_i) for every rank's segments (points when r_i = 0), this
    /// rank's owned samples per component (``PointDeposition`` layout). Overwrites `fft`'s arrays.
    public static func deposit(segments: SegmentBatch, kernel: any Kernel, scale ell: Double, strain: Double = 0,
                               fft: SlabFFT) throws -> [[Double]] {
        let grid = try DepositionGrid(extents: fft.extents, box: fft.decomposition.box, scale: ell)
        let d = grid.dimension, m = segments.components, communicator = fft.decomposition.communicator
        let strain = grid.reducedStrain(strain)
        let origins = communicator.allgather(segments.origins), vectors = communicator.allgather(segments.vectors)
        let values = communicator.allgather(segments.values)
        let physical = [1, 0, 2], norm = 1 / pow(grid.spacing, Double(d)), count = origins.count / d
        var spectra = [[Double]](repeating: [Double](repeating: 0, count: fft.spectral.count), count: m)
        fft.forEachMode { index, modes in
            guard !modes.indices.contains(where: { fft.isNyquist(axis: $0, index: modes[$0]) }) else { return }
            let k = (0..<d).map { fft.wavenumber(axis: $0, index: modes[$0]) }
            var lab = k
            lab[0] -= strain * k[1]
            let factor = norm * kernel.transform((lab.reduce(0) { $0 + $1 * $1 }).squareRoot() * ell)
            var re = [Double](repeating: 0, count: m), im = re
            for i in 0..<count {
                // k'·x' = k'_x (x − γ y) + k'_y y + k'_z z, and the same for r (lab k·r)
                var phase = -strain * k[1] * origins[i * d + 1], u = -strain * k[1] * vectors[i * d + 1]
                for a in 0..<d {
                    phase += k[a] * origins[i * d + physical[a]]
                    u += k[a] * vectors[i * d + physical[a]]
                }
                // e^{−ik·x_i} E(u), E(u) = e^{−iu/2} sin(u/2)/(u/2)
                let sinc = abs(u) < 1e-8 ? 1 - u * u / 24 : sin(0.5 * u) / (0.5 * u), angle = phase + 0.5 * u
                let (c, s) = (sinc * cos(angle), -sinc * sin(angle))
                for q in 0..<m {
                    re[q] += values[i * m + q] * c
                    im[q] += values[i * m + q] * s
                }
            }
            for q in 0..<m {
                spectra[q][index] = factor * re[q]
                spectra[q][index + 1] = factor * im[q]
            }
        }
        return spectra.map { spectrum in
            for i in spectrum.indices { fft.spectral[i] = spectrum[i] }
            fft.inverse()
            return fft.ownedSamples()
        }
    }
}
