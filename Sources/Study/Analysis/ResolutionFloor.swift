import Foundation
import Parallel

/// How fine a grid must be for a scale ℓ (physics.md §3.6): products of filtered fields alias unless the kernel's
/// transform is negligible at the Nyquist wavenumber, so the budget's error grows fast as ℓ/h falls. Below
/// ``floor`` a grid is refused unless the caller allows it explicitly; below ``recommended`` it is used with a
/// warning that states the expected error.
public enum ResolutionFloor {
    /// ℓ/h below which a grid is refused (residual ~1e-5 and worse).
    public static let floor = 3.0
    /// ℓ/h of the default accuracy (residual ~2e-10).
    public static let recommended = 5.0

    /// The budget residual measured at ℓ = 1 against ℓ/h with the Gaussian kernel (physics.md §3.6).
    static let measured: [(resolution: Double, residual: Double)] = [(1.76, 3e-3), (2.64, 2e-5), (3.52, 1.4e-8), (5.28, 2.4e-10), (7.0, 2.1e-10)]

    /// The residual expected at `resolution` = ℓ/h: log-linear between the measured points, the end values beyond.
    public static func expectedResidual(resolution: Double) -> Double {
        guard resolution > measured[0].resolution else { return measured[0].residual }
        for (a, b) in zip(measured, measured.dropFirst()) where resolution <= b.resolution {
            let t = (resolution - a.resolution) / (b.resolution - a.resolution)
            return exp(log(a.residual) + t * (log(b.residual) - log(a.residual)))
        }
        return measured.last!.residual
    }

    /// Checks scale `ell` on `points` (x, y[, z]) of spacing `spacing` in `box`: throws below ``floor`` unless
    /// `allowCoarse`, and returns the one-line warning to print below ``recommended`` (nil above).
    public static func check(ell: Double, points: [Int], spacing: Double, box: [Double], ranks: Int, allowCoarse: Bool,
                             names: MeasurementPlan.Names) throws -> String? {
        let resolution = ell / spacing
        guard resolution < recommended else { return nil }
        let grid = points.map(String.init).joined(separator: "x")
        let expected = String(format: "%.0e", expectedResidual(resolution: resolution))
        let what = "ℓ = \(ell) on \(grid): ℓ/h = \(String(format: "%.3g", resolution))"
        if resolution < floor && !allowCoarse {
            let fine = (try? ScaleGrid.points(box: box, ell: ell, pointsPerEll: recommended, ranks: ranks, names: names))?.map(String.init).joined(separator: "x")
            throw StudyError.invalidOption(
                name: names.grid, value: grid,
                expected: "\(what) < \(floor), where the budget's aliasing error is ~\(expected) (physics.md §3.6): use "
                    + (fine.map { "\(names.grid) \($0)" } ?? "a finer grid") + " (ℓ/h ≥ \(recommended)) or \(names.pointsPerEll) \(recommended), "
                    + "or \(names.allowCoarseGrid) to go lower on purpose")
        }
        return "\(what) < \(recommended): expect a budget residual near \(expected) (physics.md §3.6; ℓ/h ≥ \(recommended) gives ~2e-10)"
    }
}
