#if canImport(Glibc)
import Glibc
#endif

/// A smooth large-scale body force given as Fourier modes (physics.md §1.5a):
/// f^e_a(x, t) = Σ_m F_m δ_{a, a_m} cos(2π Σ_b n_{m,b} x_b / L_b − ω_m t + φ_m), whole n so that the force
/// is periodic in the box. ``kolmogorov(amplitude:mode:)`` is the preset F₀ sin(2π n y/L_y) e_x, the regime
/// in which the paper's Eq. 57 says the sub-filter forcing flux drops out.
public struct FourierForcing: Sendable, Equatable {
    public struct Mode: Sendable, Equatable, Codable {
        /// The force component a_m: 0 (x), 1 (y), 2 (z).
        public var component: Int
        /// F_m in V₀/ℓ₀.
        public var amplitude: Double
        /// Whole numbers of periods along x, y[, z].
        public var wavevector: [Int]
        /// φ_m in radians.
        public var phase: Double
        /// ω_m in μV₀/ℓ₀²; 0: steady.
        public var frequency: Double

        public init(component: Int, amplitude: Double, wavevector: [Int], phase: Double = 0, frequency: Double = 0) {
            self.component = component
            self.amplitude = amplitude
            self.wavevector = wavevector
            self.phase = phase
            self.frequency = frequency
        }
    }

    public let modes: [Mode]

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for a component or wavevector
    ///   that does not fit the dimension, or values that are not finite.
    public init(modes: [Mode], dimension: Int) throws {
        for (k, m) in modes.enumerated() {
            let name = "[forcing] modes[\(k)]"
            guard (0..<dimension).contains(m.component) else {
                throw ParticlesError.invalidParameter(name: "\(name) component", value: "\(m.component)", expected: "must be x, y" + (dimension == 3 ? " or z" : ""))
            }
            guard m.wavevector.count == dimension else {
                throw ParticlesError.invalidParameter(name: "\(name) wavevector", value: "\(m.wavevector)", expected: "needs \(dimension) whole numbers, one per axis")
            }
            guard m.amplitude.isFinite, m.phase.isFinite, m.frequency.isFinite else {
                throw ParticlesError.invalidParameter(name: name, value: "\(m.amplitude), \(m.phase), \(m.frequency)", expected: "amplitude, phase and frequency must be finite numbers")
            }
        }
        self.modes = modes
    }

    /// Checks that `value` (from a config) is a whole number of periods; the error names the nearest.
    public static func periods(_ value: Double, name: String, atLeastOne: Bool = false) throws -> Int {
        let lowest = atLeastOne ? 1.0 : -1e9
        guard value >= lowest, value == value.rounded(), abs(value) < 1e9 else {
            let nearest = Int(max(lowest, value.isFinite ? min(max(value, -1e9), 1e9).rounded() : lowest))
            throw ParticlesError.invalidParameter(name: name, value: "\(value)",
                                                  expected: "the force is periodic in the box only for a whole number of periods"
                                                      + (atLeastOne ? " ≥ 1" : "") + ", use \(nearest)")
        }
        return Int(value)
    }

    /// F₀ sin(2π n y/L_y) e_x, n ≥ 1.
    public static func kolmogorov(amplitude: Double, mode: Double, dimension: Int = 2) throws -> FourierForcing {
        guard amplitude.isFinite else {
            throw ParticlesError.invalidParameter(name: "[forcing] amplitude", value: "\(amplitude)", expected: "must be a finite number")
        }
        let n = try periods(mode, name: "[forcing] mode", atLeastOne: true)
        return try FourierForcing(modes: [Mode(component: 0, amplitude: amplitude, wavevector: [0, n] + (dimension == 3 ? [0] : []),
                                               phase: -0.5 * Double.pi)], dimension: dimension)
    }

    /// Whether every mode is constant along x, as Lees–Edwards images need (a y image is shifted along x).
    public var uniformAlongX: Bool { modes.allSatisfy { $0.wavevector[0] == 0 } }

    /// f^e at `position` (d values) and time `time`, added into `force`.
    @inline(__always)
    public func add(at position: UnsafePointer<Double>, box: [Double], time: Double, to force: UnsafeMutablePointer<Double>) {
        for m in modes {
            var phase = m.phase - m.frequency * time
            for (b, n) in m.wavevector.enumerated() where n != 0 { phase += 2 * Double.pi * Double(n) * position[b] / box[b] }
            force[m.component] += m.amplitude * cos(phase)
        }
    }

    /// f^e of a point, as an array (tests, profiles).
    public func force(at position: [Double], box: [Double], time: Double = 0) -> [Double] {
        var f = [Double](repeating: 0, count: position.count)
        position.withUnsafeBufferPointer { p in f.withUnsafeMutableBufferPointer { add(at: p.baseAddress!, box: box, time: time, to: $0.baseAddress!) } }
        return f
    }
}
