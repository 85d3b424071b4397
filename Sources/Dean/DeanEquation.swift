#if canImport(Glibc)
import Glibc
#endif
import Budget
import Fields
import Parallel

/// The explicit part of the Dean equation on one slab grid (physics.md §7.1–7.2): for each species a,
///   ∂_t ρ̂_a = −T_v k² ρ̂_a + N̂_a,   N̂_a = i k · DFT[ρ_a (u_a − f^e)],   û_a = i k Σ_b V̂_ab(|k|) ρ̂_b,
/// the noiseless Dean equation at T_v = 0 and its deterministic finite-T_v form otherwise. The 2/3 rule (``DeanModes``)
/// masks ρ̂ and û before the products and the products' DFTs. Per species a step costs 1 + 2d transforms (ρ_a, then
/// for each axis u_a,α back and ρ_a(u_a,α − f_α) forward): 2.5 r2c/c2r pairs in 2D. V̂_ab is the potential's radial
/// transform tabulated per grid (``Budget/PotentialGradient``). Grid axes are the slabs' (y, x[, z]).
public final class DeanEquation {
    public let fft: SlabFFT
    public let species: Int
    /// T_v = k_BT/V₀.
    public let temperature: Double
    let modes: DeanModes
    /// V̂_ab at each mode of this rank.
    private let transforms: [[[Double]]]
    private let forcing: DeanForcing?
    private let forcingTables: [(cos: [Double], sin: [Double])]
    /// f^e along each grid axis on the padded real layout: fixed when steady, refilled per step otherwise.
    private var force: [[Double]]
    /// Scratch: Σ_b V̂_ab ρ̂_b (masked, 1/N folded in) and ρ_a on the padded real layout.
    private var meanField: [Double]
    private var density: [Double]

    /// Collective: tabulates V̂_ab of `potential` on `fft`'s grid (the box of its decomposition).
    public init(fft: SlabFFT, potential: BondPotential, temperature: Double, forcing: DeanForcing?) {
        self.fft = fft
        species = potential.species
        self.temperature = temperature
        modes = DeanModes(fft: fft)
        transforms = PotentialGradient(potential: potential, dimension: fft.extents.count).modeTransforms(on: SpectralCalculus(fft: fft))
        self.forcing = forcing
        forcingTables = forcing?.tables(on: fft) ?? []
        force = forcing == nil ? [] : [[Double]](repeating: [Double](repeating: 0, count: fft.real.count), count: fft.extents.count)
        meanField = [Double](repeating: 0, count: fft.spectral.count)
        density = [Double](repeating: 0, count: fft.real.count)
        if let forcing, forcing.steady { fillForce(time: 0) }
    }

    /// Complex entries of a spectral field on this rank (``SlabFFT/spectral``'s length in doubles).
    public var spectralLength: Int { fft.spectral.count }

    /// Collective: N̂_a of every species at `time` from the spectra ρ̂_a (this rank's entries) into `rates`. The loops run
    /// on buffer pointers (no bounds checks or copy-on-write checks per mode); the products are formed on the whole
    /// padded real array, whose padding the r2c transform ignores. With `measuringSpeed`, returns the explicit part's
    /// largest rate of crossing a grid cell, max over species, axes and all ranks' samples of |u_a,α − f_α|/h_α (one
    /// allreduce), else 0.
    @discardableResult
    public func rates(_ spectra: [[Double]], time: Double, into rates: inout [[Double]], measuringSpeed: Bool = false) -> Double {
        var speed = 0.0
        let d = fft.extents.count, scale = 1 / Double(fft.decomposition.grid.pointCount), count = modes.count
        let spectral = fft.spectral, real = fft.real
        if let forcing, !forcing.steady { fillForce(time: time) }
        for a in 0..<species {
            modes.kept.withUnsafeBufferPointer { kept in
                meanField.withUnsafeMutableBufferPointer { phi in
                    // Σ_b V̂_ab ρ̂_b species by species (the same sums, in the same order, as per mode), then masked.
                    phi.update(repeating: 0)
                    for b in 0..<species {
                        transforms[a][b].withUnsafeBufferPointer { v in
                            spectra[b].withUnsafeBufferPointer { rho in
                                for m in 0..<count {
                                    phi[2 * m] += v[m] * rho[2 * m]
                                    phi[2 * m + 1] += v[m] * rho[2 * m + 1]
                                }
                            }
                        }
                    }
                    for m in 0..<count {
                        let w = kept[m] * scale
                        phi[2 * m] *= w
                        phi[2 * m + 1] *= w
                    }
                }
                spectra[a].withUnsafeBufferPointer { rho in
                    for m in 0..<count {
                        let w = kept[m] * scale
                        spectral[2 * m] = w * rho[2 * m]
                        spectral[2 * m + 1] = w * rho[2 * m + 1]
                    }
                }
            }
            fft.inverse(normalised: false)
            density.withUnsafeMutableBufferPointer { rho in for i in 0..<real.count { rho[i] = real[i] } }
            rates[a].withUnsafeMutableBufferPointer { rate in
                rate.update(repeating: 0)
                for axis in 0..<d {
                    modes.wavevectors[axis].withUnsafeBufferPointer { k in
                        meanField.withUnsafeBufferPointer { phi in
                            for m in 0..<count {
                                spectral[2 * m] = -k[m] * phi[2 * m + 1]
                                spectral[2 * m + 1] = k[m] * phi[2 * m]
                            }
                        }
                    }
                    fft.inverse(normalised: false)
                    if measuringSpeed {
                        speed = max(speed, fluxInPlaceMeasuringSpeed(axis: axis) / fft.decomposition.spacing[axis])
                    } else {
                        fluxInPlace(axis: axis)
                    }
                    fft.forward()
                    modes.wavevectors[axis].withUnsafeBufferPointer { k in
                        modes.kept.withUnsafeBufferPointer { kept in
                            for m in 0..<count {
                                let w = kept[m] * k[m]
                                rate[2 * m] -= w * spectral[2 * m + 1]
                                rate[2 * m + 1] += w * spectral[2 * m]
                            }
                        }
                    }
                }
            }
        }
        return measuringSpeed ? fft.decomposition.communicator.allreduce(speed, .max) : 0
    }

    /// Local: as ``fluxInPlace(axis:)`` at the owned samples, returning their largest |u_α − f_α|.
    private func fluxInPlaceMeasuringSpeed(axis: Int) -> Double {
        let real = fft.real
        var largest = 0.0
        density.withUnsafeBufferPointer { rho in
            func sweep(_ f: UnsafeBufferPointer<Double>?) {
                fft.forEachOwnedRow { start, count, _ in
                    for i in start..<(start + count) {
                        let v = real[i] - (f?[i] ?? 0)
                        largest = max(largest, abs(v))
                        real[i] = rho[i] * v
                    }
                }
            }
            if force.isEmpty { sweep(nil) } else { force[axis].withUnsafeBufferPointer { sweep($0) } }
        }
        return largest
    }

    /// Local: ``SlabFFT/real`` holds u_α; makes it ρ (u_α − f_α) (padding included, which the r2c ignores).
    private func fluxInPlace(axis: Int) {
        let real = fft.real
        density.withUnsafeBufferPointer { rho in
            if force.isEmpty {
                for i in 0..<real.count { real[i] = rho[i] * real[i] }
            } else {
                force[axis].withUnsafeBufferPointer { f in
                    for i in 0..<real.count { real[i] = rho[i] * (real[i] - f[i]) }
                }
            }
        }
    }

    /// Local: ``force`` at `time`.
    private func fillForce(time: Double) {
        guard let forcing else { return }
        for a in force.indices { for r in force[a].indices { force[a][r] = 0 } }
        for (mode, table) in zip(forcing.modes, forcingTables) {
            // cos(k·x − ωt + φ) = cos(k·x) cos(ωt − φ) + sin(k·x) sin(ωt − φ).
            let c = mode.amplitude * cos(mode.frequency * time - mode.phase), s = mode.amplitude * sin(mode.frequency * time - mode.phase)
            for r in force[mode.axis].indices { force[mode.axis][r] += c * table.cos[r] + s * table.sin[r] }
        }
    }

    /// Collective: the densities ρ_a at the owned samples (plane-major, unpadded) from their spectra.
    public func densities(_ spectra: [[Double]]) -> [[Double]] {
        spectra.map { spectrum in
            for i in 0..<spectrum.count { fft.spectral[i] = spectrum[i] }
            fft.inverse()
            return fft.ownedSamples()
        }
    }

    /// Collective: the spectra ρ̂_a of densities given at the owned samples.
    public func spectra(_ densities: [[Double]]) -> [[Double]] {
        densities.map { field in
            fft.loadSamples(field)
            fft.forward()
            return Array(fft.spectral)
        }
    }

    /// Collective: the free energy F = T_v Σ_a ∫ρ_a(ln ρ_a − 1) + ½ Σ_ab ∫ρ_a (V_ab * ρ_b) (V₀), non-increasing under the
    /// unforced equation (dF/dt = −Σ_a ∫ρ_a |∇(T_v ln ρ_a + Σ_b V_ab * ρ_b)|²); NaN where a density is not positive at
    /// T_v > 0.
    public func freeEnergy(_ spectra: [[Double]]) -> Double {
        let h = fft.decomposition.spacing.reduce(1, *), rho = densities(spectra)
        var sum = 0.0
        for a in 0..<species {
            if temperature > 0 { for value in rho[a] { sum += temperature * (value > 0 ? value * (log(value) - 1) : .nan) } }
            for b in 0..<species {
                for m in 0..<modes.count {
                    fft.spectral[2 * m] = transforms[a][b][m] * spectra[b][2 * m]
                    fft.spectral[2 * m + 1] = transforms[a][b][m] * spectra[b][2 * m + 1]
                }
                fft.inverse()
                let convolved = fft.ownedSamples()
                for k in convolved.indices { sum += 0.5 * rho[a][k] * convolved[k] }
            }
        }
        return h * fft.decomposition.communicator.allreduce(sum, .sum)
    }
}
