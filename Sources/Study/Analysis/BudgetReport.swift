import Formats
import Foundation

/// The stress budget's report (physics.md §4–6): `summary.json`'s objects and `budget.csv`'s rows, one owner of
/// both layouts for `analyze` and the analysis in line with `run` (their keys and columns are contracts).
extension BudgetAnalysis {
    /// How a scale's terms are computed: the §3.5 bond quadrature on the grid (every field, its norms, PDF and residual),
    /// or the §3.7a one pass over the Fourier modes (box averages only, a few FFTs per scale).
    public enum Route: String, Codable, Sendable, CaseIterable {
        case quadrature, averages
    }

    /// One scale's row of `summary.json` (keys are a contract; tensors keyed xx, yy, xy[, zz, xz, yz]).
    public struct ScaleReport: Codable, Sendable {
        public var ell: Double
        public var kernel: String
        /// Grid points along x, y[, z].
        public var grid: [Int]
        /// "quadrature (physics.md §3.5)" or "averages (physics.md §3.7a)".
        public var route: String
        /// ⟨σ̲_ℓ⟩ including the self-interaction part, and ⟨σ^self⟩ alone (physics.md §4.2).
        public var sigma_mean: [String: Double]
        public var sigma_self_mean: [String: Double]
        public var W_mean: [String: Double]
        public var Qflux_mean: [String: Double]
        /// Grid RMS of the Frobenius norm, sqrt(⟨Σ_ij T_ij²⟩), and the grid mean of the Frobenius norm (‖Q‖₁ / |Ω|);
        /// null on the averages route, which makes no fields (so are the residual, the PDF and the quantiles).
        public var Qflux_rms: Double?
        public var Qflux_L1: Double?
        public var divJ_rms: Double?
        /// physics.md §5.4's relative RMS residual with the instantaneous rate, and with the finite-difference rate
        /// when later (and earlier) snapshots are given.
        public var residual_rel: Double?
        public var residual_rel_fd: Double?
        /// The same as `residual_rel_fd`: the budget against finite differences of σ̲_ℓ (physics.md §5.4), the residual
        /// that a wrong force, velocity or sign moves; `residual_rel` is the §5.1 identity, which holds for any currents.
        public var residual_fd: Double?
        /// ⟨∂_t σ̲_ℓ⟩ by finite differences, when given.
        public var dsigma_dt_mean: [String: Double]?
        /// The grid RMS (Frobenius) of the finite-difference rate minus the instantaneous drift rate: for snapshots of a
        /// thermal (T_v > 0) run the noise-driven change of σ̲_ℓ per unit time (physics.md §5.3), plus the O(Δt) error.
        public var rate_fd_minus_drift_rms: Double?
        /// The instantaneous ⟨∂_t σ̲_ℓ⟩ (= ⟨W⟩ + ⟨Q^flux⟩ up to the closure, X6).
        public var dsigma_dt_instantaneous_mean: [String: Double]
        /// The one-point statistics of the shear component Q^flux_xy: its PDF on fixed edges in units of its own RMS,
        /// and quantiles (keys "0.01" … "0.99").
        public var Qflux_xy_pdf: PDFReport?
        public var Qflux_xy_quantiles: [String: Double]?
        /// ‖Q^flux_ℓ‖₁/|Ω| over S_3(ℓ)/ℓ of the smallest scale's density (physics.md §6.2's bound; `flux_scaling`).
        public var S3_over_ell: Double?
        /// Means conditioned on `--region`.
        public var region: RegionReport?
        /// Means over an event's window (the event budget of an overdamped AQS run).
        public var window: WindowReport?
        /// `--check pairs`: the largest differences of the pair sums (physics.md §3.7b) from this route's terms.
        public var pairs_check: PairCheckReport?
        /// ℓ/h, bond-quadrature nodes (y; 0 on the averages route) and the wall time of this scale (slowest rank).
        public var resolution: Double
        public var bond_nodes: Int
        public var seconds: Double
        /// Wall times (slowest rank): `deposit` (the coarse-grained state), `terms` (the route's budget terms), `self`
        /// (⟨σ^self⟩), `fft_pair` (one r2c + c2r on this scale's grid, without the 1/N pass, as FFTW-MPI's floor is timed).
        public var timings_seconds: [String: Double] = [:]

        /// As synthesised, but absent statistics are written as null: the keys are always present.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ell, forKey: .ell)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(grid, forKey: .grid)
            try c.encode(route, forKey: .route)
            try c.encode(sigma_mean, forKey: .sigma_mean)
            try c.encode(sigma_self_mean, forKey: .sigma_self_mean)
            try c.encode(W_mean, forKey: .W_mean)
            try c.encode(Qflux_mean, forKey: .Qflux_mean)
            try c.encode(Qflux_rms, forKey: .Qflux_rms)
            try c.encode(Qflux_L1, forKey: .Qflux_L1)
            try c.encode(divJ_rms, forKey: .divJ_rms)
            try c.encode(residual_rel, forKey: .residual_rel)
            try c.encodeIfPresent(residual_rel_fd, forKey: .residual_rel_fd)
            try c.encodeIfPresent(residual_fd, forKey: .residual_fd)
            try c.encodeIfPresent(dsigma_dt_mean, forKey: .dsigma_dt_mean)
            try c.encodeIfPresent(rate_fd_minus_drift_rms, forKey: .rate_fd_minus_drift_rms)
            try c.encode(dsigma_dt_instantaneous_mean, forKey: .dsigma_dt_instantaneous_mean)
            try c.encode(Qflux_xy_pdf, forKey: .Qflux_xy_pdf)
            try c.encode(Qflux_xy_quantiles, forKey: .Qflux_xy_quantiles)
            try c.encode(S3_over_ell, forKey: .S3_over_ell)
            try c.encodeIfPresent(region, forKey: .region)
            try c.encodeIfPresent(window, forKey: .window)
            try c.encodeIfPresent(pairs_check, forKey: .pairs_check)
            try c.encode(resolution, forKey: .resolution)
            try c.encode(bond_nodes, forKey: .bond_nodes)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(timings_seconds, forKey: .timings_seconds)
        }
    }

    /// `--check pairs` at one scale (``PairSumCheck``): the largest difference over the grid (quadrature route) or over
    /// the components of the box means (averages route), relative to the largest entry of the route's own term, of
    /// σ̲_ℓ, of S_ℓ = Σ_c B[j_c, ∂_c ρ̄_ℓ] against W_ℓ + Q^flux_ℓ, and of J̄_ℓ (fields only).
    public struct PairCheckReport: Codable, Sendable {
        /// "fields" or "box means".
        public var compared: String
        public var sigma: Double
        public var source: Double
        public var flux: Double?
        /// Ordered pairs summed (i = j included), over all ranks.
        public var pairs: Int
        /// Wall time of the pair sums at this scale (slowest rank).
        public var seconds: Double
    }

    /// Means over the grid samples inside `--region` (quadrature route).
    /// Means over a plastic event's window (``EventWindow``, physics.md §5.7): σ̲_ℓ, ∂_tσ̲_ℓ (instantaneous), W_ℓ,
    /// Q^flux_ℓ and the stress carried in across the window's edge, −⟨∇·J̄_ℓ⟩_w = ∫∂_k w J̄_k; the rate is their sum
    /// up to the budget's residual.
    public struct WindowReport: Codable, Sendable {
        public var sigma_mean: [String: Double]
        public var dsigma_dt_mean: [String: Double]
        public var W_mean: [String: Double]
        public var Qflux_mean: [String: Double]
        public var edge_mean: [String: Double]
    }

    public struct RegionReport: Codable, Sendable {
        /// The fraction of the grid's samples inside.
        public var fraction: Double
        public var sigma_mean: [String: Double]
        public var W_mean: [String: Double]
        public var Qflux_mean: [String: Double]
        public var Qflux_rms: Double
    }

    /// `flux_scaling` of `summary.json` (physics.md §6.2, F7): per scale ‖Q^flux_ℓ‖₁/|Ω| and S_3(ℓ)/ℓ, their ratio
    /// (the bound says it stays bounded as ℓ → 0), the fitted power ‖Q^flux_ℓ‖₁ ∝ ℓ^α, and the ℓ → 0 extrapolation of
    /// ⟨Q^flux_ℓ⟩ per component (model a + bℓ, error bar including the change under a + bℓ²; null below three scales).
    public struct FluxScalingReport: Codable, Sendable {
        public var ell: [Double]
        public var Qflux_L1: [Double]
        public var S3_over_ell: [Double]
        public var ratio: [Double?]
        public var exponent: Double?
        public var exponent_error: Double?
        /// 3ξ_3 − 1, the bound's exponent (paper Eq. 55), when ξ_3 was fitted.
        public var bound_exponent: Double?
        public var Qflux_mean_limit: [String: Double]?
        public var Qflux_mean_limit_error: [String: Double]?

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ell, forKey: .ell)
            try c.encode(Qflux_L1, forKey: .Qflux_L1)
            try c.encode(S3_over_ell, forKey: .S3_over_ell)
            try c.encode(ratio, forKey: .ratio)
            try c.encode(exponent, forKey: .exponent)
            try c.encode(exponent_error, forKey: .exponent_error)
            try c.encode(bound_exponent, forKey: .bound_exponent)
            try c.encode(Qflux_mean_limit, forKey: .Qflux_mean_limit)
            try c.encode(Qflux_mean_limit_error, forKey: .Qflux_mean_limit_error)
        }
    }

    /// A PDF on fixed bin edges: `edges` = `unit` × (−5, −4.75, …, 5), `pdf` per bin (Σ pdf·width = the fraction inside),
    /// and the fractions `below` and `above` the edges.
    public struct PDFReport: Codable, Sendable {
        public var unit: Double
        public var edges: [Double]
        public var pdf: [Double]
        public var below: Double
        public var above: Double
    }

    /// `structure` of `summary.json`: increments of ρ̄ at the smallest scale (physics.md §6.1–6.2).
    public struct Structure: Codable, Sendable {
        public var field: String
        /// Lags r = n h in l0, and n.
        public var lags: [Double]
        public var lag_cells: [Int]
        /// S_p(r) keyed by p.
        public var S_p: [String: [Double]]
        /// ζ_p, ξ_p = ζ_p/p and the standard error of ζ_p, keyed by p; null when fewer lags than the fit needs are in range.
        public var zeta_p: [String: Double?]
        public var xi_p: [String: Double?]
        public var zeta_error_p: [String: Double?]
        /// [2ℓ_min, L/8] (l0): the lags the fit uses.
        public var fit_range: [Double]
        /// ξ_3 ≤ 1/3 (paper Eq. 56); null when ξ_3 could not be fitted.
        public var anomaly_flag: Bool?
        /// Local exponents: ξ_3 per window (the field `xi3_local` of analysis.h5).
        public var local: LocalStructure

        /// As synthesised, except that an unknown `anomaly_flag` is written as null rather than left out (a contract key).
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(field, forKey: .field)
            try container.encode(lags, forKey: .lags)
            try container.encode(lag_cells, forKey: .lag_cells)
            try container.encode(S_p, forKey: .S_p)
            try container.encode(zeta_p, forKey: .zeta_p)
            try container.encode(xi_p, forKey: .xi_p)
            try container.encode(zeta_error_p, forKey: .zeta_error_p)
            try container.encode(fit_range, forKey: .fit_range)
            try container.encode(anomaly_flag, forKey: .anomaly_flag)
            try container.encode(local, forKey: .local)
        }
    }

    /// `structure.local`: ξ_3 fitted in square windows of `window_cells` tiling the grid (base points in the window,
    /// increments along every axis, physics.md §6.1's local lags 2, 3, 5, 7, 11, 16 within `fit_range`).
    public struct LocalStructure: Codable, Sendable {
        public var window_cells: Int
        public var windows: Int
        public var lag_cells: [Int]
        public var fit_range: [Double]
        /// The histogram of the windows' ξ_3 over fixed bins of width 0.05 from `bin_edges`[0] = 0 to 1 (values
        /// outside go to the first or last bin); windows whose fit failed are `unfitted`.
        public var bin_edges: [Double]
        public var xi3_histogram: [Int]
        public var unfitted: Int
        /// The fraction of fitted windows with ξ_3 ≤ 1/3 (anomaly candidates, paper Eq. 56).
        public var anomaly_fraction: Double?
    }

    public struct Report: Codable, Sendable {
        public var N: Int
        public var dimension: Int
        /// Box (x, y[, z]).
        public var box: [Double]
        public var potential_energy: Double
        /// σ^vir = Σ_{i<j} r_ij ⊗ ∇V / |Ω| (tension positive).
        public var virial_stress: [String: Double]
        public var scales: [ScaleReport]
        public var structure: Structure
        /// Per-scale flux against the bound and the ℓ → 0 limit of ⟨Q^flux_ℓ⟩.
        public var flux_scaling: FluxScalingReport
        /// The region of the conditioned means, when given.
        public var region: AnalysisRegion?
        /// The window mean of local ξ_3 over the region's samples.
        public var region_xi3_mean: Double?
        public var rate = "instantaneous: v_i = F_i (athermal, unforced overdamped drift)"
        /// "forward" (two snapshots) or "central" (three), with the time between snapshots.
        public var rate_fd: String?
        public var dt: Double?
        public var ranks: Int
        public var seconds: Double
        public var units = "lengths in l0, energies in V0, stresses in V0/l0^d, rates per l0^2/(mu V0)"
        /// Lees–Edwards strain γ of the analysed snapshot (physics.md §1.5b).
        public var strain: Double
        /// Whether grids below ℓ/h = 3 were allowed (``ResolutionFloor``).
        public var allow_coarse_grid: Bool
        public var stressflux = BuildInfo.version
    }

    /// `budget.csv`: a header naming each column and its unit, one row per scale (empty cells where a route makes no fields).
    static func table(_ rows: [ScaleReport], components: [String]) -> String {
        let tensors = ["sigma", "sigma_self", "W", "Qflux"]
        var lines = [(["ell", "kernel", "grid"] + tensors.flatMap { t in components.map { "\(t)_\($0)" } }
                      + ["Qflux_rms", "Qflux_L1", "divJ_rms", "residual_rel", "S3_over_ell", "resolution", "route", "seconds"]).joined(separator: ",")]
        for r in rows {
            let values = [r.sigma_mean, r.sigma_self_mean, r.W_mean, r.Qflux_mean].flatMap { t in components.map { String(t[$0]!) } }
            lines.append(([String(r.ell), r.kernel, r.grid.map(String.init).joined(separator: "x")] + values
                          + [r.Qflux_rms, r.Qflux_L1, r.divJ_rms, r.residual_rel, r.S3_over_ell].map { $0.map { String($0) } ?? "" }
                          + [String(r.resolution), r.route.split(separator: " ").first.map(String.init) ?? r.route, String(r.seconds)]).joined(separator: ","))
        }
        return "# stresses in V0/l0^d, W and Qflux in V0/l0^d per l0^2/(mu V0), lengths in l0\n" + lines.joined(separator: "\n") + "\n"
    }
}
