import TOMLKit

/// A study (`stressflux study`, issue 19): a scan of `run` configurations that share one output tree. The config is a
/// run config (every section as `stressflux run` reads it: the base) plus a `[study]` section:
///
///     [study]
///     seeds = [1, 2]                              # an ensemble: [system] seed and [dynamics] seed of each run
///     [study.scan]
///     system.packing_fraction = [0.88, 0.90]      # any run key, "section.key" = the values to take
///
/// The runs are every combination of the scanned values (keys sorted by section, then key, as TOML tables hold them; the
/// last varying fastest) and the seeds (fastest of all), each named by what it sets (`packing_fraction-0.88_seed-1`) and validated as a run config
/// before any runs, so a bad value stops the study at once, naming the run.
public struct StudyConfig: Sendable {
    /// One run of the study.
    public struct Member: Sendable {
        /// The run's folder under the study's, made of the scanned keys and values.
        public var name: String
        /// The scanned values, as written in the run's config (`study.csv` columns after `run`).
        public var values: [String]
        /// The run's own config: the base with the scanned values set (written to `<run>/config.toml`).
        public var text: String
        public var config: RunConfig
    }

    /// The scanned keys (`seed` for the seeds), in the members' order of `values`.
    public var keys: [String]
    public var members: [Member]
    /// The base's `[output] directory`: the study's folder.
    public var directory: String

    /// One scanned key: the sections it is set in (the seeds: `[system]` and `[dynamics]`), its name, its values (copied
    /// out of the document: a TOMLValue points into it).
    struct Axis {
        var sections: [String]
        var key: String
        var values: [any TOMLValueConvertible]
    }

    /// Parses the base and the scan; `source` names the file in error messages.
    public init(toml text: String, source: String) throws {
        let root = try RunConfig.table(toml: text, source: source)
        guard let study = root["study"]?.table else {
            throw StudyError.invalidOption(name: "[study]", value: "", expected: "a study config needs a [study] section with seeds and/or [study.scan]")
        }
        let axes = try Self.axes(study)
        root.remove(at: "study")
        let base = root.convert()
        keys = axes.map(\.key)
        // Every combination: the first axis slowest, the seeds (the last axis) fastest.
        var combinations: [[(axis: Axis, value: any TOMLValueConvertible)]] = [[]]
        for axis in axes {
            combinations = combinations.flatMap { c in axis.values.map { c + [(axis, $0)] } }
        }
        members = try combinations.map { try Self.member(base: base, settings: $0, source: source) }
        directory = members[0].config.output.directory
    }

    /// The scanned keys of `[study]` (its `[study.scan]` keys sorted by section and key, then the seeds), checked.
    static func axes(_ study: TOMLTable) throws -> [Axis] {
        var section = ConfigTable(study, label: "[study]")
        let seeds = try section.ints("seeds", repeated: 1, default: []) ?? []
        guard seeds.allSatisfy({ $0 >= 0 }), Set(seeds).count == seeds.count else {
            throw StudyError.invalidOption(name: "[study] seeds", value: "= \(seeds)", expected: "must be distinct integers ≥ 0, like [1, 2, 3]")
        }
        var axes: [Axis] = []
        for (name, keys) in try section.subtable("scan").map({ scan in scan.keys.map { ($0, scan[$0]?.table) } }) ?? [] {
            guard let keys else {
                throw StudyError.invalidOption(name: "[study.scan] \(name)", value: "",
                                               expected: "name a run key as section.key = [values], like system.packing_fraction = [0.88, 0.9]")
            }
            for key in keys.keys {
                let field = "[study.scan] \(name).\(key)"
                guard let values = keys[key]?.array.map(Array.init), !values.isEmpty else {
                    throw StudyError.invalidOption(name: field, value: "", expected: "must be a non-empty array of the values to scan")
                }
                axes.append(Axis(sections: [name], key: key, values: try values.map { value in
                    guard let copy = Self.copy(value) else {
                        throw StudyError.invalidOption(name: field, value: "\(value)", expected: "scan numbers, strings or booleans")
                    }
                    return copy
                }))
            }
        }
        try section.finish()
        if !seeds.isEmpty {
            if let seed = axes.first(where: { $0.key == "seed" }) {
                throw StudyError.invalidOption(name: "[study.scan] \(seed.sections[0]).seed", value: "", expected: "[study] seeds sets the seeds: scan them there")
            }
            axes.append(Axis(sections: ["system", "dynamics"], key: "seed", values: seeds))
        }
        guard !axes.isEmpty else {
            throw StudyError.invalidOption(name: "[study]", value: "", expected: "scans nothing: give seeds = [...] or [study.scan] section.key = [values]")
        }
        if let twice = Dictionary(grouping: axes.map(\.key), by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw StudyError.invalidOption(name: "[study.scan] \(twice)", value: "", expected: "is scanned in two sections: the runs' names would clash")
        }
        return axes
    }

    /// The run of the base config `base` with `settings`, named by them and validated (errors name the run).
    static func member(base: String, settings: [(axis: Axis, value: any TOMLValueConvertible)], source: String) throws -> Member {
        let table = try RunConfig.table(toml: base, source: source)
        for (axis, value) in settings {
            for name in axis.sections {
                let section = table[name]?.table ?? TOMLTable()
                section[axis.key] = value
                table[name] = section
            }
        }
        let values = settings.map { word($0.value) }
        let name = zip(settings, values).map { "\($0.axis.key)-\($1)" }.joined(separator: "_")
        let text = table.convert() + "\n"  // a text file, as config.toml is written and compared
        do {
            return Member(name: name, values: values, text: text, config: try RunConfig(toml: text, source: source))
        } catch let StudyError.invalidOption(field, value, expected) {
            throw StudyError.invalidOption(name: "run \(name): \(field)", value: value, expected: expected)
        }
    }

    /// Reads a study config file.
    public init(contentsOf path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StudyError.invalidOption(name: "config", value: path, expected: "cannot be read, check the path")
        }
        try self.init(toml: text, source: path)
    }

    /// A scalar of the document as a Swift value (nil for arrays, tables and dates).
    static func copy(_ value: any TOMLValueConvertible) -> (any TOMLValueConvertible)? {
        if let i = value.int { return i }
        if let d = value.double { return d }
        if let s = value.string { return s }
        return value.bool
    }

    /// A scanned value as it names a run and fills a `study.csv` cell: numbers as Swift prints them, strings bare.
    static func word(_ value: any TOMLValueConvertible) -> String {
        value.int.map { "\($0)" } ?? value.double.map { "\($0)" } ?? value.string ?? value.bool.map { "\($0)" } ?? ""
    }
}
