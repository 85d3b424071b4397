/// The coefficients of one RKC2 step with `stages` stages (Sommeijer, Shampine & Verwer 1998, damping ε = 2/13):
/// with w₀ = 1 + ε/s², w₁ = T_s′(w₀)/T_s″(w₀), b_j = T_j″(w₀)/T_j′(w₀)² (b₀ = b₁ = b₂) and a_j = 1 − b_j T_j(w₀),
///
///     Y₁ = Y₀ + μ̃₁ Δt F(Y₀),
///     Y_j = (1 − μ_j − ν_j) Y₀ + μ_j Y_{j−1} + ν_j Y_{j−2} + μ̃_j Δt F(Y_{j−1}) + γ̃_j Δt F(Y₀),  j = 2…s,
///
/// μ̃₁ = b₁ w₁, μ_j = 2 b_j w₀/b_{j−1}, ν_j = −b_j/b_{j−2}, μ̃_j = 2 b_j w₁/b_{j−1}, γ̃_j = −a_{j−1} μ̃_j; x_{n+1} = Y_s.
/// Second order for any s; stable for Δt λ ≤ β(s) ≈ (2/3)(s² − 1)(1 − 2ε/15) on the negative real axis (T_j the
/// Chebyshev polynomials of the first kind).
extension OverdampedRelaxation {
    struct Chebyshev {
        let stages: Int
        /// Indexed by stage j (entries below 2, and γ̃₁, unused).
        private(set) var mu: [Double]
        private(set) var nu: [Double]
        private(set) var muTilde: [Double]
        private(set) var gammaTilde: [Double]

        init(stages s: Int) {
            precondition(s >= 2)
            stages = s
            let w0 = 1 + (2.0 / 13) / Double(s * s)
            var t = [1, w0], dt = [0.0, 1], ddt = [0.0, 0]  // T_j, T_j′, T_j″ at w₀
            for j in 2...s {
                t.append(2 * w0 * t[j - 1] - t[j - 2])
                dt.append(2 * t[j - 1] + 2 * w0 * dt[j - 1] - dt[j - 2])
                ddt.append(4 * dt[j - 1] + 2 * w0 * ddt[j - 1] - ddt[j - 2])
            }
            let w1 = dt[s] / ddt[s]
            var b = [Double](repeating: 0, count: s + 1)
            for j in 2...s { b[j] = ddt[j] / (dt[j] * dt[j]) }
            (b[0], b[1]) = (b[2], b[2])
            mu = Array(repeating: 0, count: s + 1)
            nu = mu
            muTilde = mu
            gammaTilde = mu
            muTilde[1] = b[1] * w1
            for j in 2...s {
                mu[j] = 2 * b[j] * w0 / b[j - 1]
                nu[j] = -b[j] / b[j - 2]
                muTilde[j] = 2 * b[j] * w1 / b[j - 1]
                gammaTilde[j] = -(1 - b[j - 1] * t[j - 1]) * muTilde[j]
            }
        }
    }
}
