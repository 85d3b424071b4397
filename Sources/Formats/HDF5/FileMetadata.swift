/// What every HDF5 file of StressFlux records on its root group (design.md, "Conventions"), so that a file
/// says how it was made without its log: units, version, the configuration, the rank count, the box and strain,
/// and per command numbers such as the kernel and ℓ.
public struct FileMetadata: Sendable {
    /// The dimensionless units of every quantity (physics.md §1.2).
    public static let units = "lengths in l0 (small-particle diameter), energies in V0, time in l0^2/(mu V0), "
        + "forces in V0/l0, virials in V0, stress in V0/l0^d, T_v = kB T/V0"

    /// The TOML text of a run, or the command line of `deposit`/`analyze`.
    public var configuration: String
    public var ranks: Int
    /// (L_x, L_y[, L_z]) in ℓ₀.
    public var box: [Double]
    /// Lees–Edwards strain γ of the configuration (physics.md §1.5b).
    public var strain: Double
    /// Further numbers (scalar attributes), e.g. `scale` (ℓ), `grid_strain`.
    public var numbers: [String: Double]
    /// Further lists of numbers, e.g. `scales`.
    public var lists: [String: [Double]]
    /// Further words, e.g. `kernel`.
    public var words: [String: String]

    public init(configuration: String, ranks: Int, box: [Double], strain: Double,
                numbers: [String: Double] = [:], lists: [String: [Double]] = [:], words: [String: String] = [:]) {
        self.configuration = configuration
        self.ranks = ranks
        self.box = box
        self.strain = strain
        self.numbers = numbers
        self.lists = lists
        self.words = words
    }

    /// The command line of this process, for ``configuration``.
    public static var commandLine: String { CommandLine.arguments.joined(separator: " ") }

    /// Collective: the attributes on `object` (the root group by default) of a file being written.
    public func write(to file: HDF5File, at object: String = "/") throws {
        try file.writeAttribute("units", Self.units, at: object)
        try file.writeAttribute("stressflux_version", BuildInfo.version, at: object)
        try file.writeAttribute("configuration", configuration, at: object)
        try file.writeAttribute("ranks", integers: [ranks], scalar: true, at: object)
        try file.writeAttribute("dimension", integers: [box.count], scalar: true, at: object)
        try file.writeAttribute("box", doubles: box, at: object)
        try file.writeAttribute("strain", doubles: [strain], scalar: true, at: object)
        for (name, value) in numbers.sorted(by: { $0.key < $1.key }) { try file.writeAttribute(name, doubles: [value], scalar: true, at: object) }
        for (name, values) in lists.sorted(by: { $0.key < $1.key }) { try file.writeAttribute(name, doubles: values, at: object) }
        for (name, value) in words.sorted(by: { $0.key < $1.key }) { try file.writeAttribute(name, value, at: object) }
    }
}
