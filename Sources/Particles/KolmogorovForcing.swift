#if canImport(Glibc)
import Glibc
#endif

/// Large-scale body force f^e = F₀ sin(2π n y / L_y) e_x (physics.md §1.5a, Kolmogorov forcing): the
/// regime in which the paper's Eq. 57 says the sub-filter forcing flux drops out. n is an integer so that
/// the force is periodic in the box.
public struct KolmogorovForcing: Sendable, Equatable {
    /// F₀ in V₀/ℓ₀.
    public let amplitude: Double
    /// n ≥ 1: the number of periods along y.
    public let mode: Int

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for a mode that is not a positive
    ///   integer (the force would not be periodic; the message names the nearest valid mode).
    public init(amplitude: Double, mode: Double) throws {
        guard amplitude.isFinite else {
            throw ParticlesError.invalidParameter(name: "[forcing] amplitude", value: "\(amplitude)", expected: "must be a finite number")
        }
        guard mode >= 1, mode == mode.rounded(), mode < 1e9 else {
            let nearest = max(1, Int(mode.isFinite ? min(mode, 1e9).rounded() : 1))
            throw ParticlesError.invalidParameter(name: "[forcing] mode", value: "\(mode)",
                                                  expected: "sin(2π n y/L_y) is periodic in the box only for a whole n ≥ 1, use \(nearest)")
        }
        self.amplitude = amplitude
        self.mode = Int(mode)
    }

    /// f^e_x at height `y` in a box of height `height`.
    @inline(__always)
    public func force(y: Double, height: Double) -> Double {
        amplitude * sin(2 * Double.pi * Double(mode) * y / height)
    }
}
