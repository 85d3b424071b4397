/// The units of every file StressFlux writes: the paper's reduced units (physics.md §1.2), lengths in ℓ₀, energies
/// in V₀, time in ℓ₀²/(μV₀). Spelled as in our CSV headers and field files; ``H5MD`` spells them in H5MD's unit
/// grammar (unit symbols with signed powers).
public enum ReducedUnit {
    public static let length = "l0", energy = "V0", force = "V0/l0", time = "l0^2/(mu V0)", velocity = "mu V0/l0"
    public static func stress(dimension d: Int) -> String { "V0/l0^\(d)" }
    public static func density(dimension d: Int) -> String { "1/l0^\(d)" }
    public static func forceDensity(dimension d: Int) -> String { "V0/l0^\(d + 1)" }
    /// A stress per unit time: the budget's terms.
    public static func stressRate(dimension d: Int) -> String { "V0/l0^\(d) per l0^2/(mu V0)" }

    /// The same units in H5MD's grammar (h5md/modules/units).
    public enum H5MD {
        public static let length = "l0", energy = "V0", force = "V0 l0-1", time = "l0+2 mu-1 V0-1", area = "l0+2"
    }
}
