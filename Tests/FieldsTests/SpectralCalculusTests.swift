import Foundation
import Parallel
import Testing
@testable import Fields

/// Spectral derivatives as library calls (physics.md §3.2), on trigonometric fields whose derivatives
/// are known: exact up to rounding (1e-11 of the field's scale times the largest wavenumber).
@Suite(.serialized) struct SpectralCalculusTests {
    /// f = sin(2π x/L_x + 3) cos(4π y/L_y) [cos(2π z/L_z)], σ_ab built from it, on a 3:2 box.
    @Test(arguments: [2, 3])
    func derivativesOfTrigonometricFields(dimension d: Int) throws {
        let box = d == 2 ? [12.0, 8.0] : [6.0, 4.0, 4.0], points = d == 2 ? [48, 32] : [24, 16, 16]
        let extents = [points[1], points[0]] + points.dropFirst(2), gridBox = [box[1], box[0]] + box.dropFirst(2)
        let fft = SlabFFT(decomposition: try SlabDecomposition(grid: GridShape(extents), box: gridBox, communicator: .world), effort: .estimate)
        let calculus = SpectralCalculus(fft: fft)
        let k = [2 * Double.pi / box[0], 4 * Double.pi / box[1], d == 3 ? 2 * Double.pi / box[2] : 0]
        // Sample positions of the owned samples (plane = y, row = x in 3D, column = x in 2D or z in 3D).
        var xs: [[Double]] = []
        let h = box[0] / Double(points[0])
        for i0 in 0..<fft.decomposition.count {
            let y = Double(fft.decomposition.start + i0) * h
            for i1 in 0..<extents[1] {
                for i2 in 0..<(d == 3 ? extents[2] : 1) { xs.append(d == 2 ? [Double(i1) * h, y] : [Double(i1) * h, y, Double(i2) * h]) }
            }
        }
        func f(_ p: [Double]) -> Double { sin(k[0] * p[0] + 3) * cos(k[1] * p[1]) * (d == 3 ? cos(k[2] * p[2]) : 1) }
        func grad(_ p: [Double]) -> [Double] {
            let z = d == 3 ? cos(k[2] * p[2]) : 1
            var g = [k[0] * cos(k[0] * p[0] + 3) * cos(k[1] * p[1]) * z, -k[1] * sin(k[0] * p[0] + 3) * sin(k[1] * p[1]) * z]
            if d == 3 { g.append(-k[2] * sin(k[0] * p[0] + 3) * cos(k[1] * p[1]) * sin(k[2] * p[2])) }
            return g
        }
        let field = xs.map(f), tolerance = 1e-11 * k.max()! * k.max()!
        let gradient = calculus.gradient(field)
        for a in 0..<d { #expect(zip(gradient[a], xs).allSatisfy { abs($0 - grad($1)[a]) < tolerance }, "∂_\(a)") }
        let k2 = k.reduce(0) { $0 + $1 * $1 }
        #expect(zip(calculus.laplacian(field), xs).allSatisfy { abs($0 + k2 * f($1)) < tolerance }, "∇²f = −|k|² f")
        #expect(zip(calculus.divergence(vector: gradient), calculus.laplacian(field)).allSatisfy { abs($0 - $1) < tolerance }, "∇·∇f = ∇²f")
        // σ_ab = f δ_ab: (∇·σ)_b = ∂_b f.
        let c = d == 2 ? 3 : 6, zero = [Double](repeating: 0, count: field.count)
        let sigma = (0..<c).map { $0 < d ? field : zero }
        let divergence = calculus.divergence(tensor: sigma)
        for b in 0..<d { #expect(zip(divergence[b], gradient[b]).allSatisfy { abs($0 - $1) < tolerance }, "(∇·fI)_\(b)") }
        #expect(SpectralCalculus.tensorComponent(0, 1, dimension: 3) == 3 && SpectralCalculus.tensorComponent(2, 0, dimension: 3) == 4
                && SpectralCalculus.tensorComponent(1, 2, dimension: 3) == 5 && SpectralCalculus.tensorComponent(1, 0, dimension: 2) == 2)
    }
}
