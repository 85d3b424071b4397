/// A time stepper of the Dean equation (physics.md §7): the deterministic ``IMEXStepper`` or the stochastic
/// ``DeanKawasakiStepper``, for the run loop that observes either.
public protocol DeanStepper: AnyObject {
    var time: Double { get }
    var step: Int { get }
    /// Collective: one step of size `dt`.
    func advance(by dt: Double)
    /// Collective: one step of at most `limit`, as short as the explicit velocity's `courant` number asks (the deterministic
    /// stepper; the Dean–Kawasaki one takes `limit`). Returns the step taken.
    func advance(upTo limit: Double, courant: Double) -> Double
    /// Collective: ρ_a at the owned samples (plane-major, unpadded).
    func currentDensities() -> [[Double]]
}

extension IMEXStepper: DeanStepper {
    public func currentDensities() -> [[Double]] { equation.densities(spectra) }
}

extension DeanKawasakiStepper: DeanStepper {
    public func currentDensities() -> [[Double]] { [density] }

    /// Euler–Maruyama at a fixed step (`[dynamics] adaptive` is refused for the stochastic equation).
    public func advance(upTo limit: Double, courant: Double) -> Double {
        advance(by: limit)
        return limit
    }
}
