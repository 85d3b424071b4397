import Formats

/// The indicators that rank the windows of a state before a plastic event (physics.md §6.4), each a column of
/// `predictors.csv`, with the orientation that makes larger mean "more likely" (roc.csv scores `orientation × value`).
/// The paper predicts low ξ_3 (Eq. 56) and a flux that survives as ℓ falls; the baselines are what physicists already
/// use: loose packing, high shear stress in the loading direction, few contacts.
struct PredictorIndicator: Sendable {
    /// The column of `predictors.csv`.
    let name: String
    let unit: String?
    /// +1: larger is more likely; −1: smaller is.
    let orientation: Double
    let meaning: String

    /// The fixed indicators, then one `qflux_l<ℓ>` per scale, `qflux_slope`, and with `trial` (AQS) `nonaffine_trial`.
    static func all(scales: [Double], dimension d: Int, trial: Bool) -> [PredictorIndicator] {
        let stress = ReducedUnit.stress(dimension: d), rate = ReducedUnit.stressRate(dimension: d)
        return [
            .init(name: "xi3", unit: nil, orientation: -1,
                  meaning: "local Besov exponent xi_3 of rho_l at the smallest l, base points in the window (physics.md 6.1)"),
            .init(name: "s3_over_ell", unit: "l0^-\(3 * d + 1)", orientation: 1,
                  meaning: "local S_3(r)/r of rho_l at the lag r nearest the smallest l (the flux bound, physics.md 6.2)"),
            .init(name: "packing_fraction", unit: nil, orientation: -1, meaning: "particle volume of the window's particles over its volume"),
            .init(name: "shear_stress_deviation", unit: stress, orientation: 1,
                  meaning: "(sigma_xy of the window's per-particle virials - the box's) x sign(box sigma_xy): loaded beyond the mean"),
            .init(name: "coordination", unit: nil, orientation: -1, meaning: "mean number of overlapping neighbours of the window's particles"),
        ] + scales.map { ell in
            .init(name: "qflux_l\(ell)", unit: rate, orientation: 1, meaning: "window mean of |Q^flux_l| (Frobenius) at l = \(ell) (physics.md 5.2)")
        } + [
            .init(name: "qflux_slope", unit: nil, orientation: -1,
                  meaning: "least-squares slope of log <|Q^flux_l|>_window against log l: negative when the flux grows as l falls"),
        ] + (trial ? [
            .init(name: "nonaffine_trial", unit: "l0^2", orientation: 1,
                  meaning: "window mean of |u_na,i|^2 / dgamma^2 after a small trial strain dgamma relaxed (linear response; soft spots)"),
        ] : [])
    }

    /// The orientation of a `predictors.csv` column, nil for one that is not an indicator.
    static func orientation(of name: String) -> Double? {
        name.hasPrefix("qflux_l") ? 1 : all(scales: [], dimension: 2, trial: true).first { $0.name == name }?.orientation
    }
}
