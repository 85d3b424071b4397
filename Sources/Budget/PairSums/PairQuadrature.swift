#if canImport(Glibc)
import Glibc
#endif
import Fields

/// The quadrature over the bond vector y of one pair of the Gaussian pair sums (physics.md §3.7b):
///
///   ∫_{|y| < r_ab} d^d y  F(y) g_{2η}(y − r),   g_a(z) = (2πa)^{−d/2} e^{−|z|²/(2a)},
///
/// for a pair at separation r = r_ij, F = y ⊗ ∇V_ab(y) times factors that vary on the Gaussian's scale or slower
/// (sinc(K·y/2), y − r, the deposit of a segment with the narrow kernel g_{η/2}). The Gaussian's standard deviation per
/// component is σ = √(2η), η = s²ℓ² (§3.1), so y is pinned to within a few σ of r as ℓ → 0. The nodes cover the ball
/// |y − r| ≤ cσ inside the potential's disk |y| < r_ab (the disk's edge is the domain's edge, so the kink of y ⊗ ∇V at
/// r_ab never lies inside a rule); c is set by the tolerance ε on the Gaussian mass left out, P(|Z| > c) = ε for a
/// standard normal Z in d dimensions (2D: c = √(2 ln 1/ε) = 7.43 at 1e-12).
///
/// Polar (2D) or spherical (3D) coordinates about the axis r̂, R = |r|: Gauss–Legendre in ρ = |y| on
/// [max(0, R − cσ), min(r_ab, R + cσ)]; at each ρ the ball is the cap (ρ − R)² + 4ρR sin²(t/2) ≤ c²σ² in the angle t from
/// r̂, integrated by Gauss–Legendre in t ∈ [−t_c, t_c] (2D) or in cos t ∈ [cos t_c, 1] times a periodic trapezoid rule in
/// the azimuth (3D). When the whole circle (sphere) of radius ρ lies in the ball — always for i = j, R = 0 — 2D uses the
/// trapezoid rule on the circle and 3D Gauss–Legendre in cos t on [−1, 1].
///
/// Node counts follow the length a rule covers, n = ⌈length × (p/σ + q/r_ab)⌉ (arcs: q/2π per radian), p =
/// ``nodesPerWidth`` resolving the Gaussian and what the narrow deposit kernel makes of the nodes, q = ``rangeNodes``
/// resolving F when σ ≳ r_ab. Lengths are at most 2cσ radially and 4πcσ in angle, so the count per pair is bounded as
/// ℓ → 0, and far pairs, whose ball barely reaches the disk, get few. 2D at the defaults (ε = 1e-12, p = 2.5, q = 6), a
/// contact pair (|r| = 1.15, r_ab = 1.2) has 148 nodes at ℓ = 1 and 613 at ℓ = 0.25; i = j has 804 at ℓ = 0.25 and 1244
/// as ℓ → 0; an unclipped pair ≈ 930 as ℓ → 0; the mean over the pairs of 256 disks at φ ≈ 0.9 is 181 at ℓ = 0.5 and 315
/// at ℓ = 0.25. 3D: 1552 at ℓ = 1, 9514 at ℓ = 0.4, 3e4–4e4 as ℓ → 0. A pair's Fourier coefficients are then within 4e-11
/// (2D) and 8e-13 (3D) of a brute-force rule over the whole disk or ball, every mode weighted by e^{−ηK²/4}
/// (PairSumTests).
public struct PairQuadrature: Sendable {
    public let dimension: Int
    /// ℓ.
    public let scale: Double
    /// η = s²ℓ², the kernel's variance per component.
    public let variance: Double
    /// σ = √(2η), the standard deviation of g_{2η} per component.
    public let width: Double
    /// ε: the Gaussian mass left out of a pair's integral.
    public let tolerance: Double
    /// c: the nodes cover |y − r| ≤ cσ.
    public let reach: Double
    /// p: nodes per σ of length.
    public let nodesPerWidth: Double
    /// q: nodes per potential range (per 2π in angle).
    public let rangeNodes: Double
    /// Gauss–Legendre on [−1, 1] by node count (index 0 unused); counts are capped at the last.
    private let rules: [GaussLegendre]

    /// - Parameters: `scale` ℓ of the Gaussian kernel G_ℓ (η = ℓ²/d); `tolerance` ε; `nodesPerWidth` p and `rangeNodes` q
    ///   (the defaults give ≈ 1e-11 relative per pair; doubling both changes σ̲̂ and Ŝ by < 2e-11, physics.md §3.6's check).
    public init(dimension d: Int, scale ell: Double, tolerance: Double = 1e-12, nodesPerWidth: Double = 2.5, rangeNodes: Double = 6) {
        precondition(d == 2 || d == 3, "2 or 3 dimensions")
        precondition(ell > 0 && tolerance > 0 && tolerance < 1 && nodesPerWidth > 0 && rangeNodes > 0, "positive scale and node densities, tolerance in (0, 1)")
        dimension = d
        scale = ell
        variance = ell * ell / Double(d)
        width = (2 * variance).squareRoot()
        self.tolerance = tolerance
        self.nodesPerWidth = nodesPerWidth
        self.rangeNodes = rangeNodes
        reach = Self.reach(tolerance: tolerance, dimension: d)
        // arcs are at most 2πcσ long (t_c ρ ≤ π(R + cσ) with R ≤ cσ, or ≤ π√2 cσ with R ≥ cσ); radial ≤ 2cσ
        let largest = Int((4 * Double.pi * reach * nodesPerWidth + 2 * rangeNodes).rounded(.up)) + 4
        rules = [GaussLegendre(count: 1)] + (1...largest).map { GaussLegendre(count: $0) }
    }

    /// c with P(|Z| > c) = ε: 2D e^{−c²/2}; 3D erfc(c/√2) + √(2/π) c e^{−c²/2}, solved by bisection.
    static func reach(tolerance: Double, dimension d: Int) -> Double {
        if d == 2 { return (-2 * log(tolerance)).squareRoot() }
        var (low, high) = (0.0, 40.0)
        for _ in 0..<200 {
            let c = 0.5 * (low + high)
            let tail = erfc(c / 2.squareRoot()) + (2 / Double.pi).squareRoot() * c * exp(-0.5 * c * c)
            if tail > tolerance { low = c } else { high = c }
        }
        return high
    }

    /// r_ab + cσ: pairs farther apart have no nodes.
    public func pairReach(range: Double) -> Double { range + reach * width }

    /// The nodes of one pair, written by ``PairQuadrature/nodes(separation:range:into:radial:)``: y (physical order) and a
    /// weight that includes the measure, g_{2η}(y − r) and the radial factor. Grows as needed and is reused from pair to
    /// pair, so the hot loops allocate nothing per pair.
    public final class Nodes {
        public private(set) var y: UnsafeMutablePointer<SIMD3<Double>>
        public private(set) var weight: UnsafeMutablePointer<Double>
        public private(set) var count = 0
        private var capacity: Int

        public init(capacity: Int = 1024) {
            self.capacity = max(capacity, 16)
            y = .allocate(capacity: self.capacity)
            weight = .allocate(capacity: self.capacity)
        }

        deinit {
            y.deallocate()
            weight.deallocate()
        }

        fileprivate func removeAll() { count = 0 }

        /// Room for `extra` more nodes.
        fileprivate func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            let larger = max(2 * capacity, count + extra)
            let (newY, newWeight) = (UnsafeMutablePointer<SIMD3<Double>>.allocate(capacity: larger), UnsafeMutablePointer<Double>.allocate(capacity: larger))
            newY.update(from: y, count: count)
            newWeight.update(from: weight, count: count)
            y.deallocate()
            weight.deallocate()
            (y, weight, capacity) = (newY, newWeight, larger)
        }

        @inline(__always)
        fileprivate func append(_ node: SIMD3<Double>, _ w: Double) {
            y[count] = node
            weight[count] = w
            count += 1
        }
    }

    /// Local: the nodes of the pair at separation `r` (physical order) whose potential has range `range`, replacing the
    /// contents of `nodes`; each weight is w_node × radial(ρ) × g_{2η}(y − r), so Σ weight F̃(y) ≈ ∫_{|y|<r_ab} radial(|y|)
    /// F̃(y) g_{2η}(y − r) d^d y. Radial nodes where `radial` vanishes are skipped. Returns the node count.
    @discardableResult
    public func nodes(separation r: SIMD3<Double>, range: Double, into nodes: Nodes, radial: (Double) -> Double) -> Int {
        nodes.removeAll()
        let d = dimension, sigma = width, c2s2 = reach * reach * sigma * sigma
        let big = (r * r).sum().squareRoot()
        let low = max(0, big - reach * sigma), high = min(range, big + reach * sigma)
        guard high > low else { return 0 }
        let density = nodesPerWidth / sigma
        let norm = pow(2 * Double.pi * sigma * sigma, -0.5 * Double(d)), inverse = -0.5 / (sigma * sigma)
        // the frame: e along r (any axis for i = j), e1 ⊥ e, e2 = e × e1 (3D)
        let e = big > 0 ? r / big : d == 2 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 0, 1)
        let e1: SIMD3<Double>, e2: SIMD3<Double>
        if d == 2 {
            e1 = SIMD3(-e[1], e[0], 0)
            e2 = .zero
        } else {
            let axis: SIMD3<Double> = abs(e[0]) < 0.6 ? SIMD3(1, 0, 0) : SIMD3(0, 1, 0)
            let t = axis - (axis * e).sum() * e
            e1 = t / (t * t).sum().squareRoot()
            e2 = SIMD3(e[1] * e1[2] - e[2] * e1[1], e[2] * e1[0] - e[0] * e1[2], e[0] * e1[1] - e[1] * e1[0])
        }
        let radii = rule(count: count(length: high - low, density: density + rangeNodes / range))
        let half = 0.5 * (high - low), middle = 0.5 * (high + low)
        for (u, wu) in zip(radii.nodes, radii.weights) {
            let rho = middle + half * u, factor = radial(rho)
            guard factor != 0 else { continue }
            let q = c2s2 - (rho - big) * (rho - big)
            guard q > 0 else { continue }
            // (ρ − R)² + 4ρR sin²(t/2) ≤ c²σ²: the cap of half-angle t_c, or the whole circle/sphere
            let whole = 4 * rho * big <= q
            let cap = whole ? Double.pi : 2 * asin((q / (4 * rho * big)).squareRoot())
            let base = half * wu * pow(rho, Double(d - 1)) * factor * norm, radialGap = (rho - big) * (rho - big)
            let perRadian = density * rho + rangeNodes / (2 * Double.pi)
            // |y − r|² = (ρ − R)² + 4ρR sin²(t/2), without the cancellation of ρ² + R² − 2ρR cos t
            @inline(__always) func gaussian(_ t: Double) -> Double {
                let s = sin(0.5 * t)
                return exp(inverse * (radialGap + 4 * rho * big * s * s))
            }
            if d == 2 {
                if whole {
                    let n = evenCount(2 * Double.pi * perRadian), step = 2 * Double.pi / Double(n)
                    nodes.reserve(n)
                    for k in 0..<n {
                        let t = Double(k) * step
                        nodes.append(rho * (cos(t) * e + sin(t) * e1), base * step * gaussian(t))
                    }
                } else {
                    let angular = rule(count: count(length: 2 * cap, density: perRadian))
                    nodes.reserve(angular.nodes.count)
                    for (v, wv) in zip(angular.nodes, angular.weights) {
                        let t = cap * v
                        nodes.append(rho * (cos(t) * e + sin(t) * e1), base * cap * wv * gaussian(t))
                    }
                }
                continue
            }
            // Gauss–Legendre in u = cos t ∈ [cos t_c, 1], where the Gaussian is e^{−ρR(1 − u)/σ²}: smooth, with no peak
            // at the pole (in t, sin t e^{−2ρR sin²(t/2)/σ²} needs twice the nodes); 1 − u = ½(1 − cos t_c)(1 − v)
            let polar = rule(count: count(length: cap, density: perRadian)), span = sin(0.5 * cap) * sin(0.5 * cap)
            for (v, wv) in zip(polar.nodes, polar.weights) {
                let below = span * (1 - v), ct = 1 - below, st = (below * (2 - below)).squareRoot()
                let n = evenCount(2 * Double.pi * (density * rho * st) + rangeNodes), step = 2 * Double.pi / Double(n)
                let w = base * span * wv * step * exp(inverse * (radialGap + 2 * rho * big * below))
                nodes.reserve(n)
                for k in 0..<n {
                    let psi = Double(k) * step
                    nodes.append(rho * (ct * e + st * (cos(psi) * e1 + sin(psi) * e2)), w)
                }
            }
        }
        return nodes.count
    }

    /// ⌈length × density⌉, at least 2, at most the largest tabulated rule.
    @inline(__always)
    private func count(length: Double, density: Double) -> Int {
        min(rules.count - 1, max(2, Int((length * density).rounded(.up))))
    }

    /// An even trapezoid count of at least 4, so that the nodes on a whole circle are symmetric under y → −y.
    @inline(__always)
    private func evenCount(_ length: Double) -> Int {
        let n = max(4, Int(length.rounded(.up)))
        return n + n % 2
    }

    @inline(__always)
    private func rule(count n: Int) -> GaussLegendre { rules[n] }
}
