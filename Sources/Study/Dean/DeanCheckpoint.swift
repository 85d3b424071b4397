import Dean
import Fields
import Formats
import Foundation
import Parallel

/// `checkpoint.h5` of `stressflux dean`: what `--restart` needs to continue bit for bit. A deterministic run keeps
/// ρ̂^n and SBDF2's history ρ̂^{n−1}, N̂^{n−1}, Δt_{n−1} in FFTW's spectral slab layout (each rank's entries at its offset
/// in one dataset per species), so it continues on as many ranks as wrote it; a Dean–Kawasaki run keeps ρ at the cells
/// (plane-major, global order), so it continues on any number of ranks. Written through `.partial` and a rename.
struct DeanCheckpoint {
    static let file = "checkpoint.h5"

    /// What was read back: the step and time, and either state.
    struct State {
        var step: Int
        var time: Double
        /// Deterministic: ρ̂^n and the history (nil before the first step).
        var spectra: [[Double]]?
        var history: (spectra: [[Double]], rates: [[Double]], timeStep: Double)?
        /// Dean–Kawasaki: ρ at the owned cells.
        var density: [Double]?
    }

    /// Collective: writes the stepper's state to `path`.
    static func write(_ stepper: DeanStepper, fft: SlabFFT, to path: String) throws {
        let communicator = fft.decomposition.communicator
        let file = try HDF5File.create(path: path, communicator: communicator)
        try file.writeAttribute("step", integers: [stepper.step], scalar: true)
        try file.writeAttribute("time", doubles: [stepper.time], scalar: true)
        try file.writeAttribute("ranks", integers: [communicator.size], scalar: true)
        try file.writeAttribute("grid", integers: fft.extents)
        if let imex = stepper as? IMEXStepper {
            try file.writeAttribute("kind", "sbdf")
            try file.writeAttribute("last_time_step", doubles: [imex.lastTimeStep ?? -1], scalar: true)
            let (offset, total) = placement(imex.spectra[0].count, communicator)
            for (name, arrays) in [("spectra", imex.spectra), ("older", imex.older), ("older_rates", imex.olderRates)] {
                for (a, values) in arrays.enumerated() {
                    try values.withUnsafeBufferPointer {
                        try file.writeBlock("\(name)/\(a)", shape: [total], start: [offset], count: [values.count], values: $0)
                    }
                }
            }
        } else {
            try file.writeAttribute("kind", "dean-kawasaki")
            let density = stepper.currentDensities()[0], plane = fft.extents.dropFirst().reduce(1, *)
            try density.withUnsafeBufferPointer {
                try file.writeBlock("density", shape: [fft.decomposition.grid.pointCount], start: [fft.decomposition.start * plane],
                                    count: [density.count], values: $0)
            }
        }
        try file.close()
    }

    /// Collective: the state in `path` for a run of `species` species, stochastic or not, on `fft`'s grid and ranks.
    /// - Throws: ``StudyError`` naming `--restart` when the file is missing or of another kind, grid or rank count.
    static func read(path: String, fft: SlabFFT, species: Int, stochastic: Bool) throws -> State {
        let communicator = fft.decomposition.communicator
        guard FileManager.default.fileExists(atPath: path) else {
            throw StudyError.invalidOption(name: "--restart", value: "", expected: "no \(file) in \((path as NSString).deletingLastPathComponent), run without --restart first")
        }
        let file = try HDF5File.openForReading(path: path, communicator: communicator)
        defer { try? file.close() }
        let kind = file.readStringAttribute("kind"), grid = file.readNumericAttribute("grid")?.map { Int($0) }
        let ranks = Int(file.readNumericAttribute("ranks")?.first ?? 0)
        guard kind == (stochastic ? "dean-kawasaki" : "sbdf"), grid == fft.extents else {
            throw StudyError.invalidOption(name: "--restart", value: "", expected: "\(file) holds a \(kind ?? "?") state on grid \(grid ?? []): "
                                           + "the config asks for \(stochastic ? "dean-kawasaki" : "sbdf") on \(fft.extents); restart with the config that wrote it")
        }
        var state = State(step: Int(file.readNumericAttribute("step")?.first ?? 0), time: file.readNumericAttribute("time")?.first ?? 0)
        if stochastic {
            let plane = fft.extents.dropFirst().reduce(1, *), start = fft.decomposition.start * plane
            state.density = try file.read(name: "density", rows: start..<(start + fft.decomposition.count * plane), axis: 0, leading: [])
            return state
        }
        guard ranks == communicator.size else {
            throw StudyError.invalidOption(name: "--restart", value: "", expected: "the deterministic state was written on \(ranks) ranks in FFTW's "
                                           + "spectral slab layout: continue on \(ranks) ranks")
        }
        let (offset, _) = placement(fft.spectral.count, communicator)
        let rows = offset..<(offset + fft.spectral.count)
        let arrays = try ["spectra", "older", "older_rates"].map { name in
            try (0..<species).map { a in try file.read(name: "\(name)/\(a)", rows: rows, axis: 0, leading: []) }
        }
        let last = file.readNumericAttribute("last_time_step")?.first ?? -1
        state.spectra = arrays[0]
        state.history = last > 0 ? (arrays[1], arrays[2], last) : nil
        return state
    }

    /// This rank's offset in a dataset of every rank's `count` entries, and the total.
    private static func placement(_ count: Int, _ communicator: Communicator) -> (offset: Int, total: Int) {
        var counts = [Int](repeating: 0, count: communicator.size)
        counts[communicator.rank] = count
        counts = communicator.allreduce(counts, .sum)
        return (counts.prefix(communicator.rank).reduce(0, +), counts.reduce(0, +))
    }
}
