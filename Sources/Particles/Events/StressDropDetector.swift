/// Flags plastic events as drops of σ_xy between consecutive observed states (physics.md §1.5c): an
/// event is Δσ_xy < −max(`threshold`, `relativeThreshold` × s), where s, the fluctuation level, is the
/// robust standard deviation (1.4826 × median absolute deviation) of the last `window` increments.
/// The absolute threshold (10⁻⁶ in physics.md) guards AQS, whose elastic increments barely fluctuate;
/// the relative one adapts to thermal noise in slow shear at T_v > 0. The median keeps the drops
/// themselves from raising the level.
public struct StressDropDetector: Sendable, Equatable {
    public let threshold: Double
    public let relativeThreshold: Double
    public let window: Int
    /// σ_xy of the last observed state; nil before the first.
    public private(set) var previousStress: Double?
    /// The last (at most `window`) increments Δσ_xy, oldest first.
    public private(set) var increments: [Double] = []

    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for negative thresholds or a window < 1.
    public init(threshold: Double, relativeThreshold: Double, window: Int) throws {
        guard threshold >= 0, threshold.isFinite else {
            throw ParticlesError.invalidParameter(name: "[events] threshold", value: "\(threshold)", expected: "must be zero or positive, 1e-6 is typical for AQS")
        }
        guard relativeThreshold >= 0, relativeThreshold.isFinite, threshold > 0 || relativeThreshold > 0 else {
            throw ParticlesError.invalidParameter(name: "[events] relative_threshold", value: "\(relativeThreshold)",
                                                  expected: "must be zero or positive, and not zero together with threshold (every step would be an event)")
        }
        guard window >= 1 else {
            throw ParticlesError.invalidParameter(name: "[events] window", value: "\(window)", expected: "must be at least 1 increment, 50 is typical")
        }
        self.threshold = threshold
        self.relativeThreshold = relativeThreshold
        self.window = window
    }

    /// The robust standard deviation of the recorded increments (0 with none).
    public var fluctuationLevel: Double {
        guard !increments.isEmpty else { return 0 }
        let median = Self.median(increments)
        return 1.4826 * Self.median(increments.map { abs($0 - median) })
    }

    /// The median increment (0 with none): the elastic loading per observation in AQS.
    public var medianIncrement: Double { increments.isEmpty ? 0 : Self.median(increments) }

    /// The drop a new state must exceed to count as an event.
    public var currentThreshold: Double { max(threshold, relativeThreshold * fluctuationLevel) }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m])
    }

    /// Records the state's σ_xy; returns Δσ_xy (< 0) when the step from the previous state was an event.
    public mutating func observe(_ stress: Double) -> Double? {
        defer { previousStress = stress }
        guard let previous = previousStress else { return nil }
        let delta = stress - previous, limit = currentThreshold
        increments.append(delta)
        if increments.count > window { increments.removeFirst() }
        return delta < -limit ? delta : nil
    }

    /// The state to carry over a restart: previous σ_xy (NaN if none), then the increments.
    public var state: [Double] { [previousStress ?? .nan] + increments }

    /// Restores ``state``.
    public mutating func restore(_ state: [Double]) {
        previousStress = state.first.flatMap { $0.isNaN ? nil : $0 }
        increments = Array(state.dropFirst().suffix(window))
    }
}
