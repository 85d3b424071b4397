/// A column of a CSV table: a quantity and its unit, written `name [unit]` in the header (the name alone when
/// dimensionless or a label), the convention of every table StressFlux writes (units: physics.md §1.2).
public struct CSVColumn: Sendable, Equatable, ExpressibleByStringLiteral {
    public let name: String
    public let unit: String?

    public init(_ name: String, unit: String? = nil) {
        self.name = name
        self.unit = unit
    }

    public init(stringLiteral name: String) {
        self.init(name)
    }

    /// `name [unit]`, or `name`.
    public var header: String { unit.map { "\(name) [\($0)]" } ?? name }

    /// The reduced units of the tables (physics.md §1.2), for dimension `d` where it enters.
    public enum Unit {
        public static let length = "l0", energy = "V0", force = "V0/l0", time = "l0^2/(mu V0)", velocity = "mu V0/l0"
        public static func stress(dimension d: Int) -> String { "V0/l0^\(d)" }
    }
}

extension Array where Element == CSVColumn {
    /// The header line (without its newline).
    public var csvHeader: String { map(\.header).joined(separator: ",") }
}
