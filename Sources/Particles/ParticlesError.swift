import Parallel

/// Bad input met by the particle engine; one-line messages `<where>: <what is wrong>, <what to do>`.
public enum ParticlesError: ReportableError, Equatable, Sendable {
    case boxTooSmall(axis: String, length: Double, halo: Double)
    case invalidParameter(name: String, value: String, expected: String)
    case inconsistentSnapshot(String)

    public var description: String {
        switch self {
        case .boxTooSmall(let axis, let length, let halo):
            return "box length \(length) along \(axis): less than twice the pair cutoff + skin \(halo), "
                + "use a larger box (more particles) or a smaller skin"
        case .invalidParameter(let name, let value, let expected):
            return "\(name) = \(value): \(expected)"
        case .inconsistentSnapshot(let what):
            return "configuration: \(what), check the input file"
        }
    }
}
