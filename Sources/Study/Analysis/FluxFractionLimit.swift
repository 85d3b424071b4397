import Budget

/// The ℓ → 0 limit of an event's flux fraction Φ_ℓ for particle data (physics.md §5.7): below ℓ ≈ d_s/4 (d_s the
/// smallest diameter) ρ̄_ℓ resolves single particles, so the limit is the trend over the resolved scales ℓ ≥ d_s/4,
/// fitted as a + bℓ with the change under a + bℓ² in the error bar (``FluxScaling/extrapolate(scales:values:)``).
/// A plateau Φ₀ ≠ 0 says the stress drop is carried by the inter-scale flux down to the smallest resolved scale (the
/// anomaly); Φ → 0 says the resolved work carries it.
struct FluxFractionLimit {
    /// a and its error; NaN with fewer than three resolved scales with a finite Φ_ℓ.
    let value: Double
    let error: Double
    /// The smallest and largest ℓ of the fit, and how many scales it used.
    let range: ClosedRange<Double>
    let scales: Int

    init(scales ells: [Double], fractions: [Double], smallestDiameter: Double) {
        let used = ells.indices.filter { ells[$0] >= Self.resolved(smallestDiameter) && fractions[$0].isFinite }
        let fit = FluxScaling.extrapolate(scales: used.map { ells[$0] }, values: used.map { fractions[$0] })
        (value, error) = fit ?? (.nan, .nan)
        range = used.isEmpty ? Double.nan...Double.nan : used.map { ells[$0] }.min()!...used.map { ells[$0] }.max()!
        scales = used.count
    }

    /// The smallest scale that does not resolve single particles.
    static func resolved(_ smallestDiameter: Double) -> Double { smallestDiameter / 4 }

    /// physics.md's advice for the fit: ≥ 4 resolved scales spanning a ratio ≥ 8; nil when `ells` meet it, else the warning.
    static func advice(scales ells: [Double], smallestDiameter: Double) -> String? {
        let used = ells.filter { $0 >= resolved(smallestDiameter) }
        if used.count >= 4, used.max()! >= 8 * used.min()! { return nil }
        return "warning: [analysis] scales: the ℓ → 0 limit of the flux fraction in events_anomaly.csv wants ≥ 4 scales ℓ ≥ d_s/4 = "
            + "\(resolved(smallestDiameter)) spanning a ratio ≥ 8 (physics.md §5.7); it fits the \(used.count) there are"
    }
}
