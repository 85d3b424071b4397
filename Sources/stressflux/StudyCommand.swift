import ArgumentParser
import Foundation
import Parallel
import Study

/// `stressflux study CONFIG.toml`: a scan of runs sharing one output tree (README: "Studies").
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run a study: the runs of a scan over seeds and run keys, one after another, resumable.",
        discussion: """
            The config is a run config plus [study]: seeds = [1, 2] and [study.scan] section.key = [values].
            Outputs: <output>/<run>/ as `stressflux run` makes it (with the run's config.toml), and <output>/study.csv.
            Started again, finished runs are skipped and an interrupted one continues from its checkpoint.
            """)

    @Argument(help: "Study config (TOML): a run config with a [study] section.")
    var config: String

    @Option(help: "Output folder (overrides [output] directory).")
    var output: String?

    @Flag(help: "No progress lines (each run's breakdown stays in its summary.json and timers.csv).")
    var quiet = false

    func run() throws {
        let communicator = Communicator.world
        let study = try communicator.agree { try StudyConfig(contentsOf: config) }
        let folder = (config as NSString).deletingLastPathComponent
        try StudyRun(study: study, configFolder: folder.isEmpty ? "." : folder, outputDirectory: output, quiet: quiet,
                     communicator: communicator).run()
    }
}
