import Foundation
import Parallel
import Testing
import TestSupport
@testable import Particles

/// Plastic-event analysis (``PlasticEvent``, ``StressDropDetector``) on hand-made states whose answers are known in
/// closed form, on the MPI singleton (several ranks: the AQS integration tests, events.csv bitwise the same on 1, 2, 4).
@Suite(.serialized) struct PlasticEventTests {
    /// The event between two states on this rank (harmonic disks of the snapshots' diameters).
    static func event(_ before: ParticleSnapshot, _ after: ParticleSnapshot, radius: Double = 2.5, top: Int) throws -> PlasticEvent {
        try PlasticEvent(before: before, after: after, potential: PotentialKind.harmonic.potential(), d2minRadius: radius, top: top,
                         communicator: .world)
    }

    /// `values` (`width` per particle of the event's block) in id order.
    static func byID(_ event: PlasticEvent, _ values: [Double], width: Int) -> [Double] {
        var result = values
        for (k, id) in event.before.ids.enumerated() {
            for c in 0..<width { result[id * width + c] = values[k * width + c] }
        }
        return result
    }

    /// A square lattice of spacing 1 filling an L × L box (sites at integer coordinates), strain γ.
    static func lattice(_ side: Int, strain: Double = 0) -> ParticleSnapshot {
        let n = side * side
        var s = ParticleSnapshot(dimension: 2, box: [Double(side), Double(side)], ids: Array(0..<n),
                                 positions: (0..<n).flatMap { [Double($0 % side), Double($0 / side)] },
                                 images: Array(repeating: 0, count: 2 * n), species: Array(repeating: 0, count: n),
                                 speciesNames: ["A"], diameters: Array(repeating: 1, count: n))
        s.strain = strain
        return s
    }

    /// Moves every particle of `before` by `displacement(unwrapped position)` plus the affine shear of a
    /// strain change `delta`, keeping its image counters: the state after, as the engine would store it.
    static func displaced(_ before: ParticleSnapshot, strainChange delta: Double,
                          _ displacement: (SIMD3<Double>) -> SIMD3<Double>) -> ParticleSnapshot {
        var after = before
        after.strain += delta
        let box = ShearedBox(before), half = before.box[1] / 2
        for i in 0..<before.count {
            let start = box.unwrapped(before, i)
            let end = start + SIMD3(delta * (start.y - half), 0, 0) + displacement(start)
            let ny = Double(before.images[2 * i + 1]), nx = Double(before.images[2 * i])
            after.positions[2 * i] = end.x - nx * before.box[0] - ny * after.strain * before.box[1]
            after.positions[2 * i + 1] = end.y - ny * before.box[1]
        }
        return after
    }

    /// A Gaussian displacement blob A e^{−r²/2w²} e_x centred between four sites at the corner of a
    /// Lees–Edwards box whose image shift γL_y = 8 is a whole number of sites, so the lattice seen from
    /// the centre is mirror-symmetric across every face: the |u|⁴-weighted centroid is the blob's centre
    /// (1e-9: rounding of the sums), and the radius of gyration that of a Gaussian of variance w²/4 per
    /// axis, √(2 w²/4) = 1.414… for w = 2 (the lattice sum equals the integral up to e^{−2π²} ≈ 3e-9).
    /// The strain also changes by 0.01 with some particles carrying images, and the non-affine part
    /// recovers the blob to 1e-12.
    @Test func gaussianBlobAcrossTheShearedCorner() throws {
        var before = Self.lattice(32, strain: 0.25)
        for i in stride(from: 0, to: before.count, by: 7) { before.images[2 * i + 1] = 1; before.images[2 * i] = -2 }
        let centre = SIMD3<Double>(0.5, 0.5, 0), width = 2.0, amplitude = 0.05
        let box = ShearedBox(before)
        let blob = { (p: SIMD3<Double>) -> SIMD3<Double> in
            let s = box.minimumImage(p - centre)
            return SIMD3(amplitude * exp(-(s * s).sum() / (2 * width * width)), 0, 0)
        }
        let after = Self.displaced(before, strainChange: 0.01, blob)
        let event = try Self.event(before, after, top: 4), u = Self.byID(event, event.nonAffineDisplacement, width: 2)
        var worst = 0.0
        for i in 0..<before.count {
            let expected = blob(box.unwrapped(before, i))
            worst = max(worst, abs(u[2 * i] - expected.x), abs(u[2 * i + 1]))
        }
        #expect(worst < 1e-12, "non-affine displacement off by \(worst)")
        #expect(abs(event.maxNonAffine / (amplitude * exp(-0.5 / (2 * width * width))) - 1) < 1e-12, "four nearest sites at r² = 1/2")
        #expect(Set(event.topIds) == [0, 1, 32, 33], "the four sites around the centre: \(event.topIds)")
        // Centroid against (0.5, 0.5) on the periodic circle of each axis.
        for (a, c) in event.centroid.enumerated() {
            let l = before.box[a], offset = (c - 0.5 + l / 2).truncatingRemainder(dividingBy: l) - l / 2
            #expect(abs(offset) < 1e-9, "centroid axis \(a): \(c)")
        }
        #expect(abs(event.radiusOfGyration - (2 * width * width / 4).squareRoot()) < 1e-6, "R_g = \(event.radiusOfGyration)")
        #expect(event.participationRatio > 0 && event.participationRatio < 0.1, "a localised event: PR = \(event.participationRatio)")
    }

    /// Participation ratio: 1 for a uniform translation (every particle alike), 1/N for one particle.
    @Test func participationRatioLimits() throws {
        let before = Self.lattice(16)
        let uniform = try Self.event(before, Self.displaced(before, strainChange: 0) { _ in SIMD3(0.01, -0.02, 0) }, top: 1)
        #expect(abs(uniform.participationRatio - 1) < 1e-12)
        #expect(uniform.d2min.allSatisfy { $0 < 1e-24 }, "a translation has no non-affine part")
        let single = try Self.event(before, Self.displaced(before, strainChange: 0) { p in
            p.x == 5 && p.y == 7 ? SIMD3(0.03, 0.04, 0) : .zero
        }, top: 1)
        #expect(abs(single.participationRatio - 1.0 / 256) < 1e-15)
        #expect(single.topIds == [7 * 16 + 5] && abs(single.maxNonAffine - 0.05) < 1e-15)
    }

    /// D²_min (Falk–Langer) on the lattice: a pure strain change (affine shear under Lees–Edwards images,
    /// pairs across the y faces included) leaves every D²_min at rounding level (< 1e-20); one particle
    /// moved by δ gives D²_min = 20 |δ|² (20 neighbours within 2.5, Σ d_j = 0 so J = I is optimal) to 1e-12.
    @Test func d2minOfAffineAndSingleMoves() throws {
        let before = Self.lattice(16, strain: 0.13)
        let sheared = try Self.event(before, Self.displaced(before, strainChange: 0.02) { _ in .zero }, top: 1)
        #expect(sheared.d2min.max()! < 1e-20, "affine: max D²_min = \(sheared.d2min.max()!)")
        #expect(sheared.nonAffineDisplacement.map(abs).max()! < 1e-14)
        let delta = SIMD3<Double>(0.003, -0.004, 0), moved = 3 * 16 + 9
        let single = try Self.event(before, Self.displaced(before, strainChange: 0) { p in
            p.x == 9 && p.y == 3 ? delta : .zero
        }, top: 1)
        let d2min = Self.byID(single, single.d2min, width: 1)
        #expect(abs(d2min[moved] / (20 * (delta * delta).sum()) - 1) < 1e-12, "D²_min = \(d2min[moved])")
        #expect(single.maxD2min == d2min.max()!)
    }

    /// D²_min of random particles under Lees–Edwards images (a shift that is no whole number of cells), displaced at
    /// random by up to 0.3 with a strain change of 0.05, against a brute-force nearest-image scan over all pairs, in 2D and
    /// 3D: the engine's lists, the ghosts' copies of the displacements and the lookup by id find the same neighbours and
    /// the same separations after (1e-10 relative: the least-squares fit of both in a different order). A radius beyond
    /// half the box is refused.
    @Test(arguments: [2, 3]) func d2minMatchesBruteForce(dimension: Int) throws {
        var rng = SplitMix64(state: 11)
        let n = dimension == 2 ? 600 : 900, box = dimension == 2 ? [17.0, 13.0] : [9.0, 11.0, 8.0], radius = 2.2
        var before = ParticleSnapshot(dimension: dimension, box: box, ids: Array(0..<n),
                                      positions: (0..<(n * dimension)).map { box[$0 % dimension] * Double.random(in: 0..<1, using: &rng) },
                                      images: Array(repeating: 0, count: n * dimension), species: Array(repeating: 0, count: n),
                                      speciesNames: ["A"], diameters: Array(repeating: 1, count: n))
        before.strain = 0.37
        let moves = (0..<n).map { _ in SIMD3((0..<3).map { _ in Double.random(in: -0.3...0.3, using: &rng) }) * SIMD3(1, 1, dimension == 3 ? 1 : 0) }
        let after = Self.displaced(before, strainChange: 0.05) { _ in .zero }
        var moved = after
        for i in 0..<n { for a in 0..<dimension { moved.positions[i * dimension + a] += moves[i][a] } }
        let event = try Self.event(before, moved, radius: radius, top: 1), found = Self.byID(event, event.d2min, width: 1)
        let b = ShearedBox(before), m = ShearedBox(moved), length = box[1]
        var worst = 0.0
        for i in 0..<n {
            var pairs: [(SIMD3<Double>, SIMD3<Double>)] = []
            for j in 0..<n where j != i {
                let s = b.minimumImage(b.position(before, j) - b.position(before, i))
                guard (s * s).sum() < radius * radius else { continue }
                let image = s - (b.unwrapped(before, j) - b.unwrapped(before, i)), ny = (image.y / length).rounded()
                pairs.append((s, m.unwrapped(moved, j) - m.unwrapped(moved, i) + image + SIMD3(ny * 0.05 * length, 0, 0)))
            }
            let expected = PlasticEvent.falkLanger(pairs, dimension: dimension)
            worst = max(worst, abs(found[i] - expected) / max(expected, 1e-300))
        }
        #expect(worst < 1e-10, "largest relative difference \(worst)")
        #expect(throws: ParticlesError.self) { try Self.event(before, moved, radius: box.min()! / 2 + 0.1, top: 1) }
    }

    /// The detector flags drops below −max(threshold, k × robust noise level): an elastic ramp with noise
    /// of standard deviation 1e-6 passes unflagged at k = 5, a drop of 1e-4 is flagged, and a restored
    /// detector continues identically.
    @Test func stressDropDetector() throws {
        var rng = SplitMix64(state: 5)
        var detector = try StressDropDetector(threshold: 1e-7, relativeThreshold: 5, window: 50)
        var restored = try StressDropDetector(threshold: 1e-7, relativeThreshold: 5, window: 50)
        var stress = 0.0, flagged: [Int] = [], agree = true
        for step in 0..<400 {
            // Box–Muller Gaussian noise of s.d. 1e-6 on an elastic increment of 6e-6.
            let g = (-2 * log(Double.random(in: Double.ulpOfOne..<1, using: &rng))).squareRoot()
                * cos(2 * .pi * Double.random(in: 0..<1, using: &rng))
            stress += 6e-6 + 1e-6 * g - (step == 200 || step == 300 ? 1e-4 : 0)
            if step == 250 { restored.restore(detector.state) }
            let drop = detector.observe(stress)
            if step >= 250 { agree = agree && restored.observe(stress) == drop }
            if drop != nil { flagged.append(step) }
        }
        #expect(agree, "a restored detector flags the same steps")
        #expect(flagged == [200, 300], "flagged \(flagged)")
        #expect(abs(detector.fluctuationLevel / 1e-6 - 1) < 0.4, "robust level \(detector.fluctuationLevel) for s.d. 1e-6 over 50 samples")
        #expect(throws: ParticlesError.self) { try StressDropDetector(threshold: 0, relativeThreshold: 0, window: 10) }
        #expect(throws: ParticlesError.self) { try StressDropDetector(threshold: 1e-6, relativeThreshold: 1, window: 0) }
    }
}
