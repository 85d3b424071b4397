import Particles

/// Versions recorded in every output's metadata and printed by `stressflux info`.
public enum BuildInfo {
    /// Pairs the pair loop evaluates at once: 8 on AVX-512 builds, else 4 (scripts/arch-flags.sh).
    public static let pairLanes = PairLanes.scalarCount

    /// StressFlux's own version.
    public static let version = "0.1.1"

    /// The Swift compiler release this binary was built with (major.minor).
    public static var swiftVersion: String {
        #if compiler(>=6.5)
        return "6.5 or later"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }
}
