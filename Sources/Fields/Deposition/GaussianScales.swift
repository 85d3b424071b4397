/// The multi-scale pass for the Gaussian (issue "one deposition per snapshot feeds all scales"): Gaussians
/// form a semigroup, G_ℓ₂ = G_√(ℓ₂²−ℓ₁²) * G_ℓ₁, so a field deposited once at the smallest scale ℓ₁ gives
/// every larger scale by one multiplication in Fourier space, Ĝ(|k| √(ℓ₂² − ℓ₁²)), instead of another
/// deposition. Exact up to the smallest scale's own deposition error (its 6s truncation, ~1e-8) and the
/// grid's band limit; compact kernels have no such semigroup and are deposited per scale.
public enum GaussianScales {
    /// Collective: `fft.real` holds a Gaussian-filtered field at scale `from`; on return it holds the
    /// field at scale `to` ≥ `from` (``SlabFFT/spectral`` is overwritten).
    /// With a Lees–Edwards `strain` the grid is in sheared coordinates and the filter uses lab wavenumbers.
    public static func refilter(_ fft: SlabFFT, from smaller: Double, to larger: Double, strain: Double = 0) {
        precondition(larger >= smaller, "the multi-scale pass only widens the kernel")
        let kernel = GaussianKernel(dimension: fft.extents.count), width = (larger * larger - smaller * smaller).squareRoot()
        fft.forward()
        fft.multiply(strain: strain) { kernel.transform($0 * width) }
        fft.inverse()
    }
}
