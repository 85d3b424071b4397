import Fields
import Foundation
import Parallel
@testable import Study
import Testing

/// The smooth initial noise of `stressflux dean` by one c2r (``DeanInitialDensity/synthesised(_:cutoff:on:)``) is the
/// direct sum of its cosines, which the Dean–Kawasaki runs keep for bits on any rank count.
struct DeanInitialDensityTests {
    /// 2D 16 × 12 (cutoff 4) and 3D 12 × 10 × 8 (cutoff 3), non-square so that swapped axes show: the two routes agree to
    /// 1e-13 of the amplitude (rounding of a sum of up to 343 cosines). A coefficient put at −n instead of +n, or without
    /// the conjugate in the plane of last index 0, mirrors or doubles modes and misses by O(amplitude).
    @Test(arguments: [([16, 12], 4), ([12, 10, 8], 3)])
    func transformEqualsTheDirectSum(points: [Int], cutoff: Int) throws {
        var initial = DeanConfig.Initial()
        initial.kind = .noise
        initial.cutoff = cutoff
        initial.amplitude = 0.3
        let d = points.count, extents = (0..<d).map { points[DeanRun.physicalAxis($0)] }
        let fft = SlabFFT(decomposition: try SlabDecomposition(grid: GridShape(extents), box: extents.map { Double($0) / 2 }, communicator: .world),
                          effort: .estimate)
        func field(bitwise: Bool) throws -> [Double] {
            try DeanInitialDensity(initial: initial, species: ["A"], fractions: [1], bitwise: bitwise, communicator: .world)
                .densities(on: fft, particles: nil, kernel: GaussianKernel(dimension: d))[0]
        }
        let direct = try field(bitwise: true), transformed = try field(bitwise: false)
        let largest = zip(direct, transformed).map { abs($0 - $1) }.max() ?? 0
        #expect(largest <= 1e-13 * initial.amplitude, "largest difference \(largest)")
        #expect(Set(direct.map { ($0 * 1e6).rounded() }).count > direct.count / 2, "a field that varies")
    }
}
