#if canImport(Glibc)
import Glibc
#endif
import Fields
import Formats
import Foundation
import Parallel
import Particles

/// The initial density of `stressflux dean` (`[initial]`, physics.md §7) at the owned samples of the grid (storage order
/// y, x[, z]): a mode, smooth or white noise drawn from the seed alone (the same field on any number of ranks: to the
/// bit where ``bitwise``, else to the FFT's rounding), a dataset of an HDF5 file, or the coarse-grained density of a
/// particle snapshot (physics.md §4.1).
struct DeanInitialDensity {
    let initial: DeanConfig.Initial
    /// The species' names and number fractions x_a (one species: any name, x = 1).
    let species: [String]
    let fractions: [Double]
    /// The same bits on any number of ranks (the Dean–Kawasaki runs' promise): smooth noise by the direct sum, not the
    /// c2r transform, whose rounding depends on the slabs.
    let bitwise: Bool
    let communicator: Communicator

    /// Collective: this rank's block of the `[initial]` particle snapshot (each rank reads its share, never the whole).
    static func particles(_ initial: DeanConfig.Initial, dimension d: Int, communicator: Communicator) throws -> ParticleSnapshot {
        let path = initial.file ?? ""
        let block = try SnapshotFormat.readBlock(path, dimension: d, typeDiameters: [1], communicator: communicator)
        guard block.dimension == d else {
            throw StudyError.invalidOption(name: "[initial] file", value: path, expected: "holds \(block.dimension)D particles: set [grid] dimension = \(block.dimension)")
        }
        return block
    }

    /// Collective: ρ_a of each species at the owned samples of `fft`'s grid; `particles` is this rank's block of the snapshot
    /// for kind `particles`, each species deposited with `kernel` at ℓ₀ = `[initial] scale`. The drawn kinds give species a
    /// x_a times the pattern drawn from `seed` + a (a mode: the same for all).
    func densities(on fft: SlabFFT, particles: ParticleSnapshot?, kernel: any Kernel) throws -> [[Double]] {
        switch initial.kind {
        case .white: return fractions.indices.map { a in white(fft, seed: initial.seed &+ UInt64(a)).map { fractions[a] * $0 } }
        case .mode, .noise: return fractions.indices.map { a in smooth(fft, seed: initial.seed &+ UInt64(a)).map { fractions[a] * $0 } }
        case .file: return try species.map { try read(fft, dataset: species.count == 1 ? initial.dataset : "rho_\($0)") }
        case .particles:
            guard let particles else { preconditionFailure("the particle snapshot is read before the grid is made") }
            return try deposited(particles, on: fft, kernel: kernel)
        }
    }

    /// ρ₀ + N(0, A²) per sample by Box–Muller on two uniforms of the global sample index, re-centred so that the mean is exact.
    private func white(_ fft: SlabFFT, seed: UInt64) -> [Double] {
        let n = fft.extents, plane = n.dropFirst().reduce(1, *), first = fft.decomposition.start * plane, i = initial
        let values = (0..<(fft.decomposition.count * plane)).map { k -> Double in
            let u = 0.5 * (TestPattern.uniform(2 * (first + k), seed: seed) + 1) + 0x1.0p-54, v = TestPattern.uniform(2 * (first + k) + 1, seed: seed)
            return i.amplitude * (-2 * log(u)).squareRoot() * cos(Double.pi * v)
        }
        let offset = communicator.allreduce(values.reduce(0, +), .sum) / Double(fft.decomposition.grid.pointCount)
        return values.map { i.mean + $0 - offset }
    }

    /// ρ₀ + A cos(k·x) (mode), or ρ₀ + A·(smooth random)/max|·| (noise: cosines of random amplitude and phase for every
    /// |n_α| ≤ cutoff, weighted exp(−|n|²/(2(cutoff/2)²)), summed by ``synthesised(_:cutoff:on:)`` below Nyquist).
    private func smooth(_ fft: SlabFFT, seed: UInt64) -> [Double] {
        let i = initial, n = fft.extents, d = n.count, start = fft.decomposition.start
        var terms: [(wave: [Int], weight: Double, phase: Double)] = []
        if i.kind == .mode {
            terms = [((0..<d).map { i.wavevector[DeanRun.physicalAxis($0)] }, 1, 0)]
        } else {
            let c = i.cutoff, width = 0.5 * Double(c)
            for (j, wave) in Self.lattice(dimension: d, cutoff: c).enumerated() where wave.contains(where: { $0 != 0 }) {
                let norm2 = Double(wave.reduce(0) { $0 + $1 * $1 })
                terms.append((wave, TestPattern.uniform(2 * j, seed: seed) * exp(-norm2 / (2 * width * width)),
                              Double.pi * (TestPattern.uniform(2 * j + 1, seed: seed) + 1)))
            }
        }
        let largest = { (field: [Double]) in self.communicator.allreduce(field.map(abs).max() ?? 0, .max) }
        if i.kind == .noise && !bitwise && 2 * i.cutoff < n.min()! {
            let field = Self.synthesised(terms, cutoff: i.cutoff, on: fft), top = largest(field)
            return field.map { i.mean + (top > 0 ? i.amplitude * $0 / top : 0) }
        }
        var field = [Double](repeating: 0, count: fft.decomposition.count * n.dropFirst().reduce(1, *))
        var k = 0
        for i0 in 0..<fft.decomposition.count {
            for i1 in 0..<n[1] {
                for i2 in 0..<(d == 3 ? n[2] : 1) {
                    let index = [start + i0, i1, i2]
                    for term in terms {
                        var phase = term.phase
                        for a in 0..<d { phase += 2 * Double.pi * Double(term.wave[a] * index[a]) / Double(n[a]) }
                        field[k] += term.weight * cos(phase)
                    }
                    k += 1
                }
            }
        }
        let top = largest(field)
        return field.map { i.mean + (top > 0 ? i.amplitude * $0 / top : 0) }
    }

    /// Collective: Σ_j w_j cos(2π n_j·i/N + φ_j) at the owned samples by one c2r (O(N log N) where the sum is O(N·terms):
    /// minutes at 256³), for waves with every |n_α| ≤ `cutoff` < N_α/2 (below Nyquist). A term puts (w/2)e^{iφ} at +n
    /// and (w/2)e^{−iφ} at −n; the half spectrum keeps the one whose last index is ≥ 0 (both in the plane of 0).
    static func synthesised(_ terms: [(wave: [Int], weight: Double, phase: Double)], cutoff c: Int, on fft: SlabFFT) -> [Double] {
        let n = fft.extents, d = n.count, side = 2 * c + 1
        func slot(_ wave: [Int]) -> Int { wave.reduce(0) { $0 * side + $1 + c } }
        var table = [Double](repeating: 0, count: 2 * Int(pow(Double(side), Double(d))))
        for term in terms {
            let re = 0.5 * term.weight * cos(term.phase), im = 0.5 * term.weight * sin(term.phase)
            if term.wave[d - 1] >= 0 {
                table[2 * slot(term.wave)] += re
                table[2 * slot(term.wave) + 1] += im
            }
            if term.wave[d - 1] <= 0 {
                let opposite = slot(term.wave.map { -$0 })
                table[2 * opposite] += re
                table[2 * opposite + 1] -= im
            }
        }
        for i in fft.spectral.indices { fft.spectral[i] = 0 }
        fft.forEachMode { index, modes in
            var wave = modes
            for a in 0..<d where a < d - 1 && wave[a] > n[a] / 2 { wave[a] -= n[a] }
            guard wave.allSatisfy({ abs($0) <= c }) else { return }
            fft.spectral[index] = table[2 * slot(wave)]
            fft.spectral[index + 1] = table[2 * slot(wave) + 1]
        }
        fft.inverse(normalised: false)
        return fft.ownedSamples()
    }

    /// Every integer vector with components in −cutoff…cutoff, in a fixed order.
    static func lattice(dimension d: Int, cutoff c: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        for _ in 0..<d { out = out.flatMap { v in (-c...c).map { v + [$0] } } }
        return out
    }

    /// Collective: each rank's planes of the dataset, which must have the grid's extents and be positive everywhere.
    private func read(_ fft: SlabFFT, dataset name: String) throws -> [Double] {
        let path = initial.file ?? "", plane = fft.extents.dropFirst().reduce(1, *)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StudyError.invalidOption(name: "[initial] file", value: path, expected: "no such file, check the path")
        }
        let values: [Double] = try communicator.agree {
            let file = try HDF5File.openForReading(path: path, communicator: communicator)
            defer { try? file.close() }
            guard file.contains(name) else {
                throw StudyError.invalidOption(name: "[initial] dataset", value: "\"\(name)\"", expected: "is not in \(path): name the dataset holding rho"
                                               + (species.count > 1 ? " (several species read rho_<name> each)" : ""))
            }
            let extents = try file.extents(of: name)
            guard extents == fft.extents else {
                throw StudyError.invalidOption(name: "[grid] points", value: "= \(DeanRun.physical(fft.extents))",
                                               expected: "\(path):\(name) holds \(DeanRun.physical(extents)) points (x, y[, z]): set [grid] points to match")
            }
            let start = fft.decomposition.start
            return try file.read(name: name, rows: start..<(start + fft.decomposition.count), axis: 0, leading: [])
        }
        precondition(values.count == fft.decomposition.count * plane, "one value per owned sample")
        let smallest = communicator.allreduce(values.min() ?? .infinity, .min)
        guard smallest > 0, smallest.isFinite else {
            throw StudyError.invalidOption(name: "[initial] file", value: path, expected: "\(name) has the value \(smallest) somewhere: the density must be positive and finite")
        }
        return values
    }

    /// Collective: ρ̄_ℓ₀,a = Σ_{i∈a} G_ℓ₀(x − x_i) of each species' particles (the gridded deposition, physics.md §3.3).
    private func deposited(_ block: ParticleSnapshot, on fft: SlabFFT, kernel: any Kernel) throws -> [[Double]] {
        let deposition = try GriddedDeposition(fft: fft, kernel: kernel, scale: initial.scale, strain: block.strain)
        guard deposition.strain == 0 else {
            throw StudyError.invalidOption(name: "[initial] file", value: initial.file ?? "",
                                           expected: "is sheared (Lees-Edwards strain \(block.strain)): the Dean grid is periodic without a shift, give a snapshot at zero strain")
        }
        return try species.indices.map { a in
            try deposition.deposit(positions: block.positions, values: block.species.map { $0 == a ? 1 : 0 }, components: 1)[0]
        }
    }
}
