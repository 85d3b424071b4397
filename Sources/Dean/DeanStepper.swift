/// A time stepper of the Dean equation (physics.md §7): the deterministic ``IMEXStepper`` or the stochastic
/// ``DeanKawasakiStepper``, for the run loop that observes either.
public protocol DeanStepper: AnyObject {
    var time: Double { get }
    var step: Int { get }
    /// Collective: one step of size `dt`.
    func advance(by dt: Double)
    /// Collective: ρ_a at the owned samples (plane-major, unpadded).
    func currentDensities() -> [[Double]]
}

extension IMEXStepper: DeanStepper {
    public func currentDensities() -> [[Double]] { equation.densities(spectra) }
}

extension DeanKawasakiStepper: DeanStepper {
    public func currentDensities() -> [[Double]] { [density] }
}
