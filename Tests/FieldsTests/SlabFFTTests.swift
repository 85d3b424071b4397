import Foundation
import Testing
@testable import Fields
import Parallel

/// FFTW-MPI through `CFFTW` on the MPI singleton; the same identities run on 2 and 4 ranks in the
/// integration tests (`stressflux selfcheck --checks fft`).
@Suite(.serialized) struct SlabFFTTests {
    static func fft(_ extents: [Int], box: [Double]) throws -> SlabFFT {
        let d = try SlabDecomposition(grid: GridShape(extents), box: box, communicator: .world)
        return SlabFFT(decomposition: d, effort: .estimate)
    }

    /// Every real grid point: (index into `real`, global indices).
    static func points(_ fft: SlabFFT) -> [(Int, [Int])] {
        let n = fft.extents
        if n.count == 2 {
            return (0..<n[0]).flatMap { i in (0..<n[1]).map { j in (fft.realIndex(i, j), [i, j]) } }
        }
        return (0..<n[0]).flatMap { i in
            (0..<n[1]).flatMap { j in (0..<n[2]).map { k in (fft.realIndex(i, j, k), [i, j, k]) } }
        }
    }

    /// r2c then c2r reproduces a random field to 1e-12 relative (issue 3; rounding gives ~1e-15).
    @Test(arguments: [[128, 96], [32, 32, 32]])
    func roundTripIsIdentity(extents: [Int]) throws {
        let fft = try Self.fft(extents, box: extents.map { Double($0) })
        var rng = SystemRandomNumberGenerator()
        let points = Self.points(fft)
        let values = points.map { _ in Double.random(in: -1...1, using: &rng) }
        for ((index, _), v) in zip(points, values) { fft.real[index] = v }
        fft.forward()
        fft.inverse()
        let error = zip(points, values).map { abs(fft.real[$0.0] - $1) }.max()!
        #expect(error / values.map(abs).max()! <= 1e-12)
    }

    /// ∂/∂x_a sin(2πx_a/L_a) = (2π/L_a) cos(2πx_a/L_a) to 1e-12 relative, along every axis (physics.md §3.2).
    @Test(arguments: [[128, 96], [32, 32, 32]])
    func derivativeOfSine(extents: [Int]) throws {
        let box = [1.5, 2.0, 2.5].prefix(extents.count).map { $0 }
        let fft = try Self.fft(extents, box: box)
        for axis in extents.indices {
            let k = 2 * Double.pi / box[axis], h = box[axis] / Double(extents[axis])
            for (index, g) in Self.points(fft) { fft.real[index] = sin(k * Double(g[axis]) * h) }
            fft.forward()
            fft.differentiate(axis: axis)
            fft.inverse()
            let error = Self.points(fft).map { abs(fft.real[$0.0] - k * cos(k * Double($0.1[axis]) * h)) }.max()!
            #expect(error / k <= 1e-12, "axis \(axis)")
        }
    }

    /// The Nyquist mode cos(πx/h) is removed, so its derivative is zero rather than aliased (physics.md §3.2).
    @Test func nyquistModeIsZeroed() throws {
        let fft = try Self.fft([16, 8], box: [16, 8])
        for (index, g) in Self.points(fft) { fft.real[index] = cos(Double.pi * Double(g[1])) + sin(2 * Double.pi * Double(g[0]) / 16) }
        fft.forward()
        fft.differentiate(axis: 1)
        fft.inverse()
        #expect(Self.points(fft).map { abs(fft.real[$0.0]) }.max()! <= 1e-13)
    }

    @Test func wavenumbersFoldToNegativeFrequencies() throws {
        let fft = try Self.fft([8, 6], box: [4, 3])
        #expect(fft.wavenumber(axis: 0, index: 1) == 2 * Double.pi / 4)
        #expect(fft.wavenumber(axis: 0, index: 7) == -2 * Double.pi / 4)
        #expect(fft.isNyquist(axis: 0, index: 4) && !fft.isNyquist(axis: 0, index: 3))
        #expect(fft.spectralLastExtent == 4)
    }
}

extension SlabFFTTests {
    /// Wisdom round trip: after planning with FFTW_MEASURE, `save` writes FFTW's wisdom file and `load` reads
    /// it back; a missing file loads nothing (and is no error).
    @Test func wisdomRoundTrip() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wisdom-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(!FFTWWisdom.load(path: path, communicator: .world))
        let d = try SlabDecomposition(grid: GridShape([32, 24]), box: [32, 24], communicator: .world)
        _ = SlabFFT(decomposition: d, effort: .measure)
        #expect(FFTWWisdom.save(path: path, communicator: .world))
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("fftw_wisdom"))
        #expect(FFTWWisdom.load(path: path, communicator: .world))
    }
}

extension SlabFFTTests {
    /// The transposed spectral layout (the default) and the plain one give the same derivatives and
    /// filters to 1e-13 relative: ``SlabFFT/forEachMode(_:)`` hides the layout (also checked on 1–4 ranks by
    /// `stressflux selfcheck --checks fft` in the integration tests).
    @Test(arguments: [[24, 16], [12, 8, 10]])
    func layoutsAgree(extents: [Int]) throws {
        let box = [3.0, 2.0, 2.5].prefix(extents.count).map { $0 }
        let d = try SlabDecomposition(grid: GridShape(extents), box: box, communicator: .world)
        let plain = SlabFFT(decomposition: d, effort: .estimate, transposed: false), swapped = SlabFFT(decomposition: d, effort: .estimate)
        #expect(swapped.transposed && !plain.transposed)
        var rng = SystemRandomNumberGenerator()
        let values = plain.ownedSamples().map { _ in Double.random(in: -1...1, using: &rng) }
        for axis in extents.indices {
            var results: [[Double]] = []
            for fft in [plain, swapped] {
                fft.loadSamples(values)
                fft.forward()
                fft.differentiate(axis: axis)
                fft.multiply { exp(-0.1 * $0 * $0) }
                fft.inverse()
                results.append(fft.ownedSamples())
            }
            let scale = results[0].map(abs).max()!
            #expect(zip(results[0], results[1]).allSatisfy { abs($0 - $1) <= 1e-13 * scale }, "axis \(axis)")
        }
    }
}
