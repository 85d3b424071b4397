import TOMLKit

/// Typed, checked access to one `[section]` of a TOML config: every key read is recorded, and
/// ``finish()`` rejects keys nobody read (typos), so no setting is silently ignored.
struct ConfigTable {
    let section: String
    /// How errors name the table: `[section]`, or e.g. `[forcing] modes[0]`.
    private let label: String
    private let table: TOMLTable?
    private var used: Set<String> = []

    init(_ root: TOMLTable, section: String) throws {
        self.section = section
        label = "[\(section)]"
        guard let value = root[section] else {
            self.table = nil
            return
        }
        guard let table = value.table else {
            throw StudyError.invalidOption(name: "[\(section)]", value: "", expected: "must be a table, write it as a [\(section)] header")
        }
        self.table = table
    }

    /// An inline table inside a section (an element of an array of tables), named `label` in errors.
    init(_ table: TOMLTable, label: String) {
        section = label
        self.label = label
        self.table = table
    }

    /// An array of inline tables, like `modes = [{ component = "x", amplitude = 0.1 }]`.
    mutating func tables(_ key: String) throws -> [TOMLTable] {
        used.insert(key)
        guard let v = table?[key] else { return [] }
        guard let array = v.array, array.allSatisfy({ $0.table != nil }) else {
            throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be an array of inline tables, like [{ key = value }, …]")
        }
        return array.map { $0.table! }
    }

    /// A table inside the section, like `[study.scan]`, or nil when absent.
    mutating func subtable(_ key: String) throws -> TOMLTable? {
        used.insert(key)
        guard let v = table?[key] else { return nil }
        guard let t = v.table else {
            throw StudyError.invalidOption(name: field(key), value: "", expected: "must be a table, write it as a [\(section).\(key)] header")
        }
        return t
    }

    /// Whether the section sets `key` (without reading it).
    func has(_ key: String) -> Bool { table?[key] != nil }

    private func field(_ key: String) -> String { "\(label) \(key)" }

    mutating func int(_ key: String, default value: Int) throws -> Int {
        used.insert(key)
        guard let v = table?[key] else { return value }
        guard let i = v.int else { throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be an integer") }
        return i
    }

    mutating func seed(_ key: String, default value: UInt64) throws -> UInt64 {
        let n = try int(key, default: Int(value))
        guard n >= 0 else { throw StudyError.invalidOption(name: field(key), value: "= \(n)", expected: "seeds are zero or positive integers") }
        return UInt64(n)
    }

    mutating func double(_ key: String, default value: Double) throws -> Double {
        used.insert(key)
        guard let v = table?[key] else { return value }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be a number")
    }

    mutating func bool(_ key: String, default value: Bool) throws -> Bool {
        used.insert(key)
        guard let v = table?[key] else { return value }
        guard let b = v.bool else { throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be true or false") }
        return b
    }

    mutating func string(_ key: String, default value: String?) throws -> String? {
        used.insert(key)
        guard let v = table?[key] else { return value }
        guard let s = v.string else { throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be a string in quotes") }
        return s
    }

    mutating func strings(_ key: String, default value: [String]) throws -> [String] {
        used.insert(key)
        guard let v = table?[key] else { return value }
        guard let array = v.array, array.allSatisfy({ $0.string != nil }) else {
            throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be an array of strings, like [\"h5md\", \"gsd\"]")
        }
        return array.map { $0.string! }
    }

    mutating func doubles(_ key: String, default value: [Double]) throws -> [Double] {
        used.insert(key)
        guard let v = table?[key] else { return value }
        let numbers = v.array?.map { $0.double ?? $0.int.map(Double.init) }
        guard let numbers, numbers.allSatisfy({ $0 != nil }) else {
            throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be an array of numbers, like [1.0, 1.4]")
        }
        return numbers.map { $0! }
    }

    /// Whole numbers: an array of integers, or one integer standing for `repeated` equal ones (`grid = 128`).
    mutating func ints(_ key: String, repeated: Int, default value: [Int]?) throws -> [Int]? {
        used.insert(key)
        guard let v = table?[key] else { return value }
        if let i = v.int { return Array(repeating: i, count: repeated) }
        guard let array = v.array, array.allSatisfy({ $0.int != nil }) else {
            throw StudyError.invalidOption(name: field(key), value: "\(v)", expected: "must be an integer or an array of integers, like 128 or [128, 64]")
        }
        return array.map { $0.int! }
    }

    /// A string naming a case of `E`.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, default value: E) throws -> E where E.RawValue == String {
        guard let text = try string(key, default: nil) else { return value }
        guard let e = E(rawValue: text) else {
            throw StudyError.invalidOption(name: field(key), value: "\"\(text)\"",
                                           expected: "must be one of " + E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return e
    }

    /// Throws for the first key of the section that no accessor asked for.
    func finish() throws {
        guard let table else { return }
        if let unknown = table.keys.sorted().first(where: { !used.contains($0) }) {
            throw StudyError.invalidOption(name: field(unknown), value: "", expected: "unknown key, valid keys are " + used.sorted().joined(separator: ", "))
        }
    }
}
