import Foundation
import Parallel
import TOMLKit

/// Every problem of a run, study or dean config at once (`stressflux validate`, issue 19 item 4). The config is read exactly
/// as `run`, `study` or `dean` reads it, so the rules live in one place (``RunConfig``, ``StudyConfig``, ``DeanConfig``); after each error the
/// key it names is taken out — its default then stands — or, when the key is not set (a required one missing), its
/// section, and the config is read again, until it reads cleanly, an error names nothing that can be taken out, or an
/// error comes back. A study's error about one run's scanned value takes that value's key out of `[study.scan]`.
public struct ConfigCheck: Sendable {
    /// One line per problem, `<key>: <what is wrong>, <what to do>`, in the order found.
    public private(set) var problems: [String] = []
    /// Which command reads the config: `study` (it has `[study]`), `dean` (it has `[grid]`, `[species]`, `[initial]` or `[compare]`) or `run`.
    public enum Kind: String, Sendable {
        case run, study, dean
    }
    public private(set) var kind = Kind.run
    public var isStudy: Bool { kind == .study }
    /// How many runs a study makes (nil while it has problems).
    public private(set) var runs: Int?

    /// Checks the TOML text `text`; `source` names the file in messages.
    public init(toml text: String, source: String) {
        let root: TOMLTable
        do { root = try RunConfig.table(toml: text, source: source) } catch {
            problems = ["\(error)"]
            return
        }
        kind = root["study"] != nil ? .study : ["grid", "species", "initial", "compare"].contains { root[$0] != nil } ? .dean : .run
        while true {
            do {
                switch kind {
                case .study:
                    let count = try StudyConfig(toml: root.convert(), source: source).members.count
                    if problems.isEmpty { runs = count }
                case .dean: _ = try DeanConfig(toml: root.convert(), source: source)
                case .run: _ = try RunConfig(toml: root.convert(), source: source)
                }
                return
            } catch {
                let line = "\(error)"
                guard !problems.contains(line) else { return }
                problems.append(line)
                guard error is ReportableError, Self.takeOut(named: line, from: root) else { return }
            }
        }
    }

    /// Reads and checks a config file.
    public init(contentsOf path: String) {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            self.init(toml: text, source: path)
        } else {
            self.init(unreadable: path)
        }
    }

    private init(unreadable path: String) {
        problems = ["\(StudyError.invalidOption(name: "config", value: path, expected: "cannot be read, check the path"))"]
    }

    /// Removes what the message `line` names (`[section] key …`, `[section] …`, `run NAME: [section] key …`) from `root`;
    /// false when it names nothing there.
    static func takeOut(named line: String, from root: TOMLTable) -> Bool {
        let pattern = #/^(?<run>run [^:]+: )?\[(?<section>[a-z_.]+)\](?: (?<key>[a-z_.]+)(?=[ :=]|$))?/#
        guard let match = line.firstMatch(of: pattern) else { return false }
        let section = match.section.split(separator: ".").map(String.init), key = match.key.map(String.init)
        // A run of a study refused its scanned value: take that value's key out of the scan.
        if match.run != nil, let key, let scan = root["study"]?.table?["scan"]?.table, let table = scan[section[0]]?.table,
           table.contains(key: key) {
            table.remove(at: key)
            if table.isEmpty { scan.remove(at: section[0]) }
            return true
        }
        var parent: TOMLTable? = nil, table: TOMLTable? = root
        for name in section {
            parent = table
            table = table?[name]?.table
        }
        guard let table, let parent else { return false }
        if let key, let path = Optional(key.split(separator: ".").map(String.init)), path.count <= 2 {
            let holder = path.count == 1 ? table : table[path[0]]?.table
            if let holder, holder.contains(key: path.last!) {
                holder.remove(at: path.last!)
                return true
            }
        }
        parent.remove(at: section.last!)
        return true
    }
}
