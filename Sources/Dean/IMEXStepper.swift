/// Implicit–explicit time stepping of ∂_t ρ̂ = −T_v k² ρ̂ + N̂(ρ) (physics.md §7.2): diffusion implicit, the rest explicit.
/// SBDF1: ρ̂^{n+1} = (ρ̂^n + Δt N̂^n)/(1 + Δt T_v k²). SBDF2 with step ratio ω = Δt_n/Δt_{n−1} (variable steps for the
/// adaptive Δt; at ω = 1 physics.md's (4ρ̂^n − ρ̂^{n−1} + 2Δt(2N̂^n − N̂^{n−1}))/(3 + 2Δt T_v k²)):
///   ρ̂^{n+1} = ((1+ω)ρ̂^n − ω²/(1+ω) ρ̂^{n−1} + Δt((1+ω)N̂^n − ω N̂^{n−1})) / ((1+2ω)/(1+ω) + Δt T_v k²),
/// its first step SBDF1. The k = 0 entry of N̂ is zero (a divergence), so the mass h^d ρ̂_0 is kept to round-off.
public final class IMEXStepper {
    public enum Scheme: String, Sendable, CaseIterable {
        case sbdf1, sbdf2
    }

    public let equation: DeanEquation
    public let scheme: Scheme
    /// ρ̂_a on this rank's entries.
    public private(set) var spectra: [[Double]]
    public private(set) var time: Double
    public private(set) var step: Int
    /// SBDF2's history: ρ̂^{n−1}, N̂^{n−1} and Δt_{n−1} (nil before the first step). A new state is written over ρ̂^{n−1}
    /// and the buffers swapped, so a step allocates nothing.
    public private(set) var older: [[Double]]
    public private(set) var olderRates: [[Double]]
    public private(set) var lastTimeStep: Double?
    private var rates: [[Double]]

    /// `spectra`: ρ̂_a at `time` (``DeanEquation/spectra(_:)``); `history`: SBDF2's (a restart's), else none.
    public init(equation: DeanEquation, scheme: Scheme, spectra: [[Double]], time: Double = 0, step: Int = 0,
                history: (spectra: [[Double]], rates: [[Double]], timeStep: Double)? = nil) {
        self.equation = equation
        self.scheme = scheme
        self.spectra = spectra
        self.time = time
        self.step = step
        let zero = spectra.map { [Double](repeating: 0, count: $0.count) }
        older = history?.spectra ?? zero
        olderRates = history?.rates ?? zero
        lastTimeStep = history?.timeStep
        rates = zero
    }

    /// The largest ratio of one step to the one before in ``advance(upTo:courant:)`` (variable-step SBDF2 is zero-stable
    /// below 1 + √2).
    public static let largestGrowth = 1.5

    /// Collective: one step of size `dt` from the current state (its explicit rates, then the implicit solve).
    public func advance(by dt: Double) {
        equation.rates(spectra, time: time, into: &rates)
        update(dt)
    }

    /// Collective: one step of at most `limit` (adaptive Δt, physics.md §7.2: the explicit part bounds the step): the
    /// explicit velocity crosses at most `courant` grid cells, Δt = min(limit, C / max_α max_x |u_α − f_α|/h_α), and
    /// grows at most ``largestGrowth``-fold over the previous step. Returns the step taken.
    public func advance(upTo limit: Double, courant: Double) -> Double {
        let speed = equation.rates(spectra, time: time, into: &rates, measuringSpeed: true)
        var dt = speed > 0 ? min(limit, courant / speed) : limit
        if let last = lastTimeStep { dt = min(dt, Self.largestGrowth * last) }
        update(dt)
        return dt
    }

    /// Local: the implicit solve of a step of `dt` with the rates of the current state.
    private func update(_ dt: Double) {
        let t = equation.temperature, k2 = equation.modes.squared
        for a in spectra.indices {
            spectra[a].withUnsafeBufferPointer { now in
                rates[a].withUnsafeBufferPointer { rate in
                    olderRates[a].withUnsafeBufferPointer { before in
                        older[a].withUnsafeMutableBufferPointer { out in
                            k2.withUnsafeBufferPointer { k2 in
                                if scheme == .sbdf2, let last = lastTimeStep {
                                    let w = dt / last, a0 = (1 + 2 * w) / (1 + w), a1 = 1 + w, a2 = w * w / (1 + w), b0 = 1 + w, b1 = w
                                    for m in 0..<(out.count / 2) {
                                        let denominator = a0 + dt * t * k2[m]
                                        for i in (2 * m)...(2 * m + 1) {
                                            out[i] = (a1 * now[i] - a2 * out[i] + dt * (b0 * rate[i] - b1 * before[i])) / denominator
                                        }
                                    }
                                } else {
                                    for m in 0..<(out.count / 2) {
                                        let denominator = 1 + dt * t * k2[m]
                                        for i in (2 * m)...(2 * m + 1) { out[i] = (now[i] + dt * rate[i]) / denominator }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        swap(&older, &spectra)
        swap(&olderRates, &rates)
        lastTimeStep = dt
        time += dt
        step += 1
    }
}
