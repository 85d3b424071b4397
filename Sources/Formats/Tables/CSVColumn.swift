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
}

extension Array where Element == CSVColumn {
    /// The header line (without its newline).
    public var csvHeader: String { map(\.header).joined(separator: ",") }
}
