/// Deterministic test data for the self-checks: values that depend only on global indices, never on
/// the rank count, so every decomposition sees the same global field.
enum TestPattern {
    /// A uniform value in [−1, 1) from a 64-bit index (SplitMix64 finaliser).
    static func uniform(_ index: Int, seed: UInt64 = 0x5EED) -> Double {
        var z = UInt64(bitPattern: Int64(index)) &+ seed &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1.0p-52 - 1
    }

    /// An exactly representable label of (plane, component, element): sums of labels are exact.
    static func label(plane: Int, component: Int, element: Int, planeLength: Int) -> Double {
        Double((plane * 8 + component) * planeLength + element)
    }
}
