#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// The exact reference deposition (physics.md §3.3): the grid DFT of ρ(x) = Σ_i c_i G_ℓ(x − x_i) is
/// C_m = h^{−d} Ĝ(|k_m| ℓ) Σ_i c_i e^{−i k_m·x_i} with every Nyquist mode zeroed, exact for all resolved
/// modes. Direct sums, O(N M^d) over all particles (gathered on every rank): for tests and small grids;
/// ``RealSpaceDeposition`` is the production path.
public enum SpectralDeposition {
    /// Collective: every rank passes its particles (x, y[, z] per particle) and weights; on return
    /// `fft.spectral` holds C_m for this rank's modes and `fft.real` the field (after the inverse transform).
    /// With a Lees–Edwards strain the grid is in sheared coordinates x' = x − γ y, γ the reduced strain
    /// (``DepositionGrid/reducedStrain(_:)``, as ``RealSpaceDeposition``): mode k' has the lab wavevector
    /// (k'_x, k'_y − γ k'_x), which Ĝ sees, and k'·x' = k·x (physics.md §1.5).
    public static func deposit(positions: [Double], weights: [Double], kernel: any Kernel, scale ell: Double,
                               strain: Double = 0, into fft: SlabFFT) throws {
        let grid = try DepositionGrid(extents: fft.extents, box: fft.decomposition.box, scale: ell)
        let d = grid.dimension, communicator = fft.decomposition.communicator, strain = grid.reducedStrain(strain)
        precondition(positions.count == weights.count * d, "one weight per particle")
        let all = communicator.allgather(positions), c = communicator.allgather(weights)
        let physical = [1, 0, 2], norm = 1 / pow(grid.spacing, Double(d))
        fft.forEachMode { index, modes in
            let k = (0..<d).map { fft.wavenumber(axis: $0, index: modes[$0]) }
            guard !modes.indices.contains(where: { fft.isNyquist(axis: $0, index: modes[$0]) }) else {
                fft.spectral[index] = 0
                fft.spectral[index + 1] = 0
                return
            }
            var re = 0.0, im = 0.0
            for i in c.indices {
                var phase = 0.0
                for a in 0..<d { phase += k[a] * all[i * d + physical[a]] }
                phase -= strain * k[1] * all[i * d + 1]  // k'_x x' = k'_x (x − γ y)
                re += c[i] * cos(phase)
                im -= c[i] * sin(phase)
            }
            var lab = k
            lab[0] -= strain * k[1]
            let magnitude = (lab.reduce(0) { $0 + $1 * $1 }).squareRoot()
            let factor = norm * kernel.transform(magnitude * ell)
            fft.spectral[index] = factor * re
            fft.spectral[index + 1] = factor * im
        }
        let saved = Array(fft.spectral)
        fft.inverse()
        for i in saved.indices { fft.spectral[i] = saved[i] }
    }
}
