import Formats
import Foundation
import Parallel

/// `stressflux study`: the runs of a ``StudyConfig``, one after another on all ranks, each in `<study>/<run>/` as
/// `stressflux run` makes it, and `study.csv` across them.
///
/// Resumable: a run with `summary.json` (written last) is finished and skipped; one with `checkpoint.h5` and no summary
/// was interrupted and continues from its checkpoint (bit for bit, as `run --restart`); any other starts afresh. So a
/// study killed anywhere and started again gives the same outputs, `study.csv` included (it holds no timings). A run's
/// folder whose `config.toml` is not the run's own (the study's config changed since) stops the study with one line
/// before anything is written there.
public struct StudyRun {
    public let study: StudyConfig
    /// Folder against which the runs' relative `[system] input` is resolved.
    public let configFolder: String
    public let outputDirectory: String
    public let quiet: Bool
    public let communicator: Communicator

    public init(study: StudyConfig, configFolder: String, outputDirectory: String?, quiet: Bool, communicator: Communicator) {
        self.study = study
        self.configFolder = configFolder
        self.outputDirectory = outputDirectory ?? study.directory
        self.quiet = quiet
        self.communicator = communicator
    }

    /// How a run of the study starts.
    enum Start: Int {
        case fresh, restart, finished
    }

    private func path(_ components: String...) -> String {
        components.reduce(outputDirectory) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// Collective: every run, then `study.csv` (rewritten after each run, so it shows the progress). Returns the summaries.
    @discardableResult
    public func run() throws -> [SimulationRun.Summary] {
        var summaries: [SimulationRun.Summary] = []
        for (k, member) in study.members.enumerated() {
            let folder = path(member.name)
            let start = try communicator.agree { () throws -> Start in
                let files = FileManager.default
                // A folder left by another config is not this run's: neither skipped nor continued, and nothing overwritten.
                if let old = try? String(contentsOfFile: path(member.name, "config.toml"), encoding: .utf8), old != member.text {
                    throw StudyError.invalidOption(name: "run \(member.name)", value: "",
                                                   expected: "its folder \(folder) holds a run of another config (its config.toml differs): "
                                                       + "give the study another --output, or remove that folder to run it again")
                }
                if files.fileExists(atPath: path(member.name, "summary.json")) { return .finished }
                return files.fileExists(atPath: path(member.name, "checkpoint.h5")) ? .restart : .fresh
            }
            if communicator.isRoot && !quiet {
                Console.line("study: run \(k + 1)/\(study.members.count) \(member.name): "
                             + ["starting", "continuing from its checkpoint", "finished before, skipped"][start.rawValue])
            }
            let summary: SimulationRun.Summary
            if start == .finished {
                summary = try communicator.agree { try Self.summary(at: path(member.name, "summary.json")) }
            } else {
                try communicator.agree {
                    guard communicator.isRoot else { return }
                    do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                        throw FormatError.write(path: folder, reason: error.localizedDescription)
                    }
                    try AtomicFile.write(member.text, to: path(member.name, "config.toml"))
                }
                summary = try SimulationRun(config: member.config, configText: member.text, configFolder: configFolder, outputDirectory: folder,
                                            restart: start == .restart, quiet: quiet, communicator: communicator).run()
            }
            summaries.append(summary)
            try communicator.agree { if communicator.isRoot { try AtomicFile.write(table(summaries), to: path("study.csv")) } }
        }
        try communicator.agree { if communicator.isRoot { try conclude(summaries) } }
        return summaries
    }

    /// Rank 0: `roc.csv` and `roc_curves.csv` pooled over the runs' `predictors.csv` (physics.md §6.4), and the
    /// headline: events found, the ℓ → 0 limit of Φ_ℓ over the events that have it, the AUCs with their intervals.
    private func conclude(_ summaries: [SimulationRun.Summary]) throws {
        let files = study.members.map { path($0.name, EventPredictors.file) }.filter { FileManager.default.fileExists(atPath: $0) }
        let statistics = files.isEmpty ? nil : try PredictorStatistics(files: files)
        try statistics?.write(to: outputDirectory)
        let events = summaries.compactMap(\.events).reduce(0, +)
        var lines = ["study: \(summaries.count) runs, \(events) plastic events; outputs in \(outputDirectory)"]
        let limits = study.members.flatMap { member in
            (try? CSVTable(path: path(member.name, "events_anomaly.csv")))?.column("flux_fraction_limit").filter(\.isFinite) ?? []
        }
        if limits.isEmpty {
            lines.append("  flux fraction Phi_l -> 0: not measured ([events] budget = false: the budget through each event, physics.md 5.7, "
                         + "costs about a minute per event at N = 4096 on 2 ranks; examples/aqs-events-2d.toml measures it)")
        } else {
            let mean = limits.reduce(0, +) / Double(limits.count)
            let spread = limits.count > 1 ? (limits.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(limits.count - 1) / Double(limits.count)).squareRoot() : .nan
            lines.append(String(format: "  flux fraction Phi_l -> 0 (physics.md 5.7): %.3g +- %.2g over %d events (events_anomaly.csv)", mean, spread, limits.count))
            if let cancellation = windowCancellation() {
                lines.append(String(format: "    its denominator: |delta <sigma_l>_w| / |int <Q^flux_l>_w dt| = %.2g at the smallest l (median over events): "
                                    + "W_l and Q^flux_l cancel to that fraction, so Phi_l is a ratio to a small difference", cancellation))
            }
        }
        if let statistics {
            lines.append("  does a window's indicator single out the next event's core? AUC (0.5 = chance; roc.csv, physics.md 6.4):")
            lines += statistics.headline()
        }
        lines.forEach(Console.line)
    }

    /// The median over the events of |Δ⟨σ̲_ℓ⟩_w| / |∫⟨Q^flux_ℓ⟩_w dt| at the smallest ℓ (`events_budget.csv`): how far the
    /// resolved work and the flux cancel in the event's window, the conditioning of Φ_ℓ (physics.md §5.7).
    private func windowCancellation() -> Double? {
        let ratios = study.members.flatMap { member -> [Double] in
            guard let table = try? CSVTable(path: path(member.name, "events_budget.csv")) else { return [] }
            let ell = table.column("ell"), smallest = ell.min() ?? .nan
            return zip(ell, zip(table.column("delta_sigma_xy_region"), table.column("int_Qflux_xy_region")))
                .filter { $0.0 == smallest }.map { abs($0.1.0 / $0.1.1) }.filter(\.isFinite)
        }.sorted()
        return ratios.isEmpty ? nil : ratios[ratios.count / 2]
    }

    /// A finished run's `summary.json`.
    static func summary(at path: String) throws -> SimulationRun.Summary {
        guard let data = FileManager.default.contents(atPath: path),
              let summary = try? JSONDecoder().decode(SimulationRun.Summary.self, from: data) else {
            throw FormatError.badFile(path: path, format: "summary.json", reason: "cannot be read back: delete the run's folder to run it again")
        }
        return summary
    }

    /// `study.csv`: one row per run so far (a contract; README lists the columns).
    func table(_ summaries: [SimulationRun.Summary]) -> String {
        let d = summaries.first?.dimension ?? 2
        let columns: [CSVColumn] = ["run"] + study.keys.map { CSVColumn($0) } + [
            "particles", "last_step", "events", CSVColumn("energy_per_particle", unit: ReducedUnit.energy),
            CSVColumn("sigma_xy", unit: ReducedUnit.stress(dimension: d)), CSVColumn("virial_pressure", unit: ReducedUnit.stress(dimension: d)),
        ]
        let rows = zip(study.members, summaries).map { member, summary in
            ([member.name] + member.values + ["\(summary.particles)", "\(summary.lastStep)", summary.events.map { "\($0)" } ?? "",
                                               "\(summary.finalThermo.energyPerParticle)", "\(summary.finalThermo.shearStress)",
                                               "\(summary.finalThermo.virialPressure)"]).joined(separator: ",")
        }
        return ([columns.csvHeader] + rows).joined(separator: "\n") + "\n"
    }
}
