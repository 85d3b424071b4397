import Foundation
import Parallel
import Testing
import TestSupport
import Fields
@testable import Budget

/// The split of the budget's source into W_ℓ and Q^flux_ℓ (physics.md §5.2) against an independent evaluation. The
/// closure residual cannot see the split (the master identity §5.1 holds for any currents), so a wrong sign or factor
/// in A = ρ̄ u would pass it: here A is rebuilt in real space, u_a(x) = Σ_b Σ_{j∈b} ∇(V_ab * G_ℓ)(x − x_j) over the
/// particles and their periodic images, with ∇(V_ab * G_ℓ) from a polar quadrature of V against ∇G_ℓ (48 Gauss–Legendre
/// radii on [0, σ_ab] × 128 angles, tabulated in r as a Chebyshev series) — no Fourier transform of V, no grid
/// convolution. Then W = −Σ_c Σ_ab B_ab[A_{a,c}, ∂_c ρ̄_b] and Q^flux = −Σ_c Σ_ab B_ab[(ρ_a f^ni)_ℓ,c − A_{a,c}, ∂_c ρ̄_b].
@Suite(.serialized) struct BudgetSplitTests {
    /// d/dr (V_ab * G_ℓ)(r) for the 2D Gaussian of variance η per component: the x component at (r, 0).
    static func radialGradient(_ r: Double, range: Double, value: (Double) -> Double, variance eta: Double) -> Double {
        let radii = GaussLegendre(count: 48, on: 0...range), angles = 128
        var sum = 0.0
        for (s, w) in zip(radii.nodes, radii.weights) {
            var ring = 0.0
            for k in 0..<angles {
                let theta = 2 * Double.pi * Double(k) / Double(angles)
                let zx = r - s * cos(theta), zy = -s * sin(theta)
                ring += -zx / eta * exp(-(zx * zx + zy * zy) / (2 * eta))
            }
            sum += w * s * value(s) * ring * 2 * .pi / Double(angles)
        }
        return sum / (2 * .pi * eta)
    }

    /// 256 random bidisperse harmonic disks (StressBudgetTests' setting: L = 18.18, Gaussian ℓ = 2 on 64², v_i = F_i ≠ 0):
    /// - A_a = ρ̄_a u_a at every node equals the real-space A to 1e-9 of its largest value (the spectral V̂ and the
    ///   Chebyshev tables are converged to ~1e-13; the Gaussian's tail beyond 10 standard deviations is 2e-22; measured
    ///   7.7e-13);
    /// - the budget's W_ℓ and Q^flux_ℓ equal −Σ B[A, ∂ρ̄] and −Σ B[(ρ f^ni)_ℓ − A, ∂ρ̄] with the real-space A to 1e-9 of
    ///   their largest values (measured 3.8e-13 and 8.7e-13), and each is far from the other's value (the split is not
    ///   degenerate: W − Q^flux reaches 1.37 of their size);
    /// - the paper's printed signs (A replaced by −A in W, [paper fix] of physics.md §5.2) give a W off by more than 50%
    ///   of its size (measured 2.0, W → −W): the comparison can fail.
    @Test func workAndFluxMatchARealSpaceSplit() throws {
        let setting = try StressBudgetTests.Setting()
        let state = try setting.state()
        let budget = StressBudget(state: state, bonds: setting.bonds, calculus: setting.calculus)
        let box = StressBudgetTests.box, n = StressBudgetTests.points, h = box / Double(n), eta = StressBudgetTests.ell * StressBudgetTests.ell / 2
        let potential = BondPotential.harmonic(diameters: StressBudgetTests.diameters)
        let reach = 1.4 + 10 * eta.squareRoot()
        let tables = (0..<2).map { a in (0..<2).map { b in
            ChebyshevSeries.fit(on: reach) { r in
                [Self.radialGradient(r, range: potential.ranges[a][b], value: { potential.value($0, a, b) }, variance: eta)]
            }[0]
        } }
        let disks = setting.disks, planes = setting.deposition.decomposition.count, first = setting.deposition.decomposition.start
        // u_a at the owned nodes (plane y = (first + p) h, column x = q h), physical components.
        var u = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: planes * n), count: 2), count: 2)
        for p in 0..<planes {
            for q in 0..<n {
                let x = Double(q) * h, y = Double(first + p) * h, node = p * n + q
                for j in disks.species.indices {
                    for ix in -1...1 {
                        for iy in -1...1 {
                            let dx = x - disks.positions[2 * j] - Double(ix) * box, dy = y - disks.positions[2 * j + 1] - Double(iy) * box
                            let r = (dx * dx + dy * dy).squareRoot()
                            guard r < reach, r > 0 else { continue }
                            for a in 0..<2 {
                                let g = tables[a][disks.species[j]](r)
                                u[a][0][node] += g * dx / r
                                u[a][1][node] += g * dy / r
                            }
                        }
                    }
                }
            }
        }
        let resolved = (0..<2).map { a in (0..<2).map { c in zip(state.densities[a], u[a][c]).map { $0 * $1 } } }
        let spectralU = PotentialGradient(potential: potential, dimension: 2).evaluate(densities: state.densities, calculus: setting.calculus)
        let largestA = resolved.joined().joined().map(abs).max()!
        let spectralA = (0..<2).map { a in (0..<2).map { c in zip(state.densities[a], spectralU[a][c]).map { $0 * $1 } } }
        let errorA = zip(resolved.joined().joined(), spectralA.joined().joined()).map { abs($0 - $1) }.max()!
        #expect(errorA <= 1e-9 * largestA, "A: \(errorA) of \(largestA)")
        let gradients = state.densities.map { setting.calculus.gradient($0) }
        func source(_ left: [[[Double]]]) -> [[Double]] {
            var total = [[Double]](repeating: [Double](repeating: 0, count: planes * n), count: 3)
            for c in 0..<2 {
                let term = setting.bonds.evaluate(left: (0..<2).map { left[$0][c] }, right: (0..<2).map { gradients[$0][c] })
                for m in 0..<3 { for k in total[m].indices { total[m][k] -= term[m][k] } }
            }
            return total
        }
        let work = source(resolved)
        let flux = source((0..<2).map { a in (0..<2).map { c in zip(state.forceTerms[a][c], resolved[a][c]).map { $0 - $1 } } })
        func distance(_ x: [[Double]], _ y: [[Double]]) -> (error: Double, scale: Double) {
            (zip(x.joined(), y.joined()).map { abs($0 - $1) }.max()!, x.joined().map(abs).max()!)
        }
        let w = distance(work, budget.work), q = distance(flux, budget.interScaleFlux)
        #expect(w.error <= 1e-9 * w.scale, "W: \(w.error) of \(w.scale)")
        #expect(q.error <= 1e-9 * q.scale, "Q^flux: \(q.error) of \(q.scale)")
        #expect(distance(work, flux).error > 0.1 * max(w.scale, q.scale), "W and Q^flux differ")
        let printed = StressBudget(state: state, bonds: setting.bonds, calculus: setting.calculus, printedSigns: true)
        #expect(distance(work, printed.work).error > 0.5 * w.scale, "the printed signs give another W")
    }
}
