/// The grid of one analysed scale (`stressflux analyze --points-per-ell P`): the coarsest FFT-friendly grid whose
/// spacing h satisfies ℓ/h ≥ P (physics.md §3.6: ℓ/h ≥ 3.5 for a 1e-8 closure, 5 by default), so that large scales do
/// not pay for the small ones. Points along x are 2^a 3^b 5^c 7^d and even; the other axes get L_a/h points, which
/// must be whole numbers (the box's aspect), and the slab axis y a multiple of the rank count when one exists.
enum ScaleGrid {
    /// Points along x, y[, z].
    static func points(box: [Double], ell: Double, pointsPerEll: Double, ranks: Int, names: MeasurementPlan.Names) throws -> [Int] {
        let minimum = Int((box[0] * pointsPerEll / ell).rounded(.up))
        var fallback: [Int]?
        for n in smooth(from: max(minimum, 8), through: max(minimum, 8) * 8) {
            let h = box[0] / Double(n)
            let others = box.dropFirst().map { $0 / h }
            guard others.allSatisfy({ abs($0 - $0.rounded()) <= 1e-9 * $0 && Int($0.rounded()) >= 2 }) else { continue }
            let points = [n] + others.map { Int($0.rounded()) }
            if points[1] % ranks == 0 { return points }
            if fallback == nil { fallback = points }
        }
        if let fallback { return fallback }
        throw StudyError.invalidOption(name: names.pointsPerEll, value: "\(pointsPerEll)",
                                       expected: "no FFT-friendly grid matches the box " + box.map { "\($0)" }.joined(separator: " x ")
                                           + " at ℓ = \(ell); give \(names.grid) instead")
    }

    /// Even numbers 2^a 3^b 5^c 7^d in [lower, upper], ascending.
    static func smooth(from lower: Int, through upper: Int) -> [Int] {
        (lower...upper).filter { n in
            guard n % 2 == 0 else { return false }
            var m = n
            for p in [2, 3, 5, 7] { while m % p == 0 { m /= p } }
            return m == 1
        }
    }
}
