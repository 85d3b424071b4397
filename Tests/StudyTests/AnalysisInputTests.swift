import Foundation
import Parallel
import TestSupport
import Testing
@testable import Study

/// The analysis's per-scale grids and regions (`stressflux analyze --points-per-ell`, `--region`).
struct AnalysisInputTests {
    static let names = MeasurementPlan.Names(scales: "--scales", grid: "--grid", pointsPerEll: "--points-per-ell", allowCoarseGrid: "--allow-coarse-grid")

    /// The per-scale grid is the coarsest even 2^a 3^b 5^c 7^d grid with ℓ/h ≥ P: for L = 36.4, ℓ = 0.5, P = 5 the
    /// bound is 364 points, and 364 = 2²·7·13, 366, 368, 370, 372, 374, 376 are not smooth, 378 = 2·3³·7 is; a box of
    /// aspect 2 gets twice the points along y; an aspect no smooth grid matches is a one-line error naming --grid.
    @Test func scaleGrids() throws {
        #expect(try ScaleGrid.points(box: [36.4, 36.4], ell: 0.5, pointsPerEll: 5, ranks: 2, names: Self.names) == [378, 378])
        #expect(try ScaleGrid.points(box: [10, 20], ell: 1, pointsPerEll: 5, ranks: 4, names: Self.names) == [50, 100])
        #expect(throws: StudyError.self) { try ScaleGrid.points(box: [10, 10 * 2.0.squareRoot()], ell: 1, pointsPerEll: 5, ranks: 1, names: Self.names) }
    }

    /// `--region x,y,r` and `--region events.csv:K` (centroid, twice the radius of gyration); the mask takes the grid
    /// samples within the radius by minimum image, across the periodic edges and, in a sheared box, across the
    /// Lees–Edwards images (an image above the box shifted by γ L_y along x).
    @Test func regions() throws {
        let dir = try Scratch.url("regions")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = dir.appendingPathComponent("events.csv")
        try """
            step,event,strain_before,strain_after,delta_sigma_xy [V0/l0^2],delta_energy [V0],threshold [V0/l0^2],participation_ratio,centroid_x [l0],centroid_y [l0],centroid_z [l0],radius_of_gyration [l0],max_nonaffine [l0]
            12,1,0.001,0.0011,-1e-5,1e-4,1e-6,0.2,3.5,4.5,,1.25,0.03
            """.write(to: events, atomically: true, encoding: .utf8)
        let event = try AnalysisRegion.parse("\(events.path):1", dimension: 2, name: "--region")
        #expect(event.center == [3.5, 4.5] && event.radius == 2.5)
        #expect(throws: StudyError.self) { try AnalysisRegion.parse("\(events.path):2", dimension: 2, name: "--region") }
        let disk = try AnalysisRegion.parse("0.5,9.5,1", dimension: 2, name: "--region")
        let decomposition = try SlabDecomposition(grid: GridShape([10, 10]), box: [10, 10], communicator: .world)
        let plain = disk.mask(decomposition: decomposition, spacing: 1, strain: 0, box: [10, 10])
        // samples (x, y) within 1 of (0.5, 9.5) across both periodic edges: x ∈ {0, 1, 9}… exactly those at distance ≤ 1
        let inside = plain.indices.filter { plain[$0] }.map { (x: $0 % 10, y: $0 / 10) }
        #expect(Set(inside.map { "\($0.x),\($0.y)" }) == ["0,9", "1,9", "0,0", "1,0"], "\(inside)")
        // sheared by γ = 0.3 (offset 3 along x per image): the samples at y = 0 nearest (0.5, 9.5) are at lab x = 3.5 ± …
        let sheared = disk.mask(decomposition: decomposition, spacing: 1, strain: 0.3, box: [10, 10])
        let shearedInside = sheared.indices.filter { sheared[$0] }.map { (x: $0 % 10, y: $0 / 10) }
        for sample in shearedInside {
            var dy = Double(sample.y) - 9.5, dx = Double(sample.x) + 0.3 * Double(sample.y) - 0.5
            let images = (dy / 10).rounded()
            dy -= images * 10
            dx -= images * 3
            dx -= (dx / 10).rounded() * 10
            #expect(dx * dx + dy * dy <= 1, "\(sample) is \((dx * dx + dy * dy).squareRoot()) away")
        }
        #expect(shearedInside.contains { $0.y == 0 }, "the region reaches across the Lees–Edwards image: \(shearedInside)")
    }

    /// An event's window (physics.md §5.7) on a 40 × 40 grid of spacing 0.5 sheared by γ = 0.3, centred at (1, 19.6)
    /// near the top face: the weights sum to 1 (round-off), and every sample's weight relative to the largest is
    /// exp(−|s|²/2R²) with s its nearest-image separation across the Lees–Edwards image (1e-12), so samples above the
    /// centre at y ≈ 0 weigh as much as their images next to it.
    @Test func eventWindow() throws {
        let decomposition = try SlabDecomposition(grid: GridShape([40, 40]), box: [20, 20], communicator: .world)
        let window = EventWindow(center: [1, 19.6], width: 1.5)
        let w = window.weights(decomposition: decomposition, spacing: 0.5, strain: 0.3, box: [20, 20], communicator: .world)
        #expect(abs(w.reduce(0, +) - 1) < 1e-12)
        let expected = w.indices.map { k -> Double in
            let y = 0.5 * Double(k / 40), x = 0.5 * Double(k % 40) + 0.3 * y
            var dy = y - 19.6, dx = x - 1
            let images = (dy / 20).rounded()
            dy -= images * 20
            dx -= images * 0.3 * 20
            dx -= (dx / 20).rounded() * 20
            return exp(-(dx * dx + dy * dy) / (2 * 1.5 * 1.5))
        }
        let peak = w.indices.max { w[$0] < w[$1] }!
        let worst = w.indices.map { abs(w[$0] / w[peak] - expected[$0] / expected[peak]) }.max()!
        #expect(expected[peak] == expected.max()!, "the largest weight sits at the nearest sample")
        #expect(worst < 1e-12, "largest departure from the Gaussian: \(worst)")
    }
}
