import ArgumentParser
import Foundation
import Parallel
import Study

/// `stressflux run CONFIG.toml`: a simulation (README lists the config keys and units).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a simulation: prepare (random placement + FIRE, or an input file), then overdamped Brownian dynamics.",
        discussion: "Outputs go to [output] directory or --output: thermo.csv, minimized.h5, snapshot-<step>.h5, checkpoint.h5, final.h5, summary.json.")

    @Argument(help: "Config file (TOML) with [system], [potential], [dynamics], [minimize], [output].")
    var config: String

    @Option(help: "Output folder (overrides [output] directory).")
    var output: String?

    @Flag(help: "Continue from checkpoint.h5 in the output folder, bit for bit.")
    var restart = false

    @Flag(help: "No progress lines and no time breakdown at the end (it stays in summary.json and timers.csv).")
    var quiet = false

    func run() throws {
        let communicator = Communicator.world
        let (settings, text) = try communicator.agree { () throws -> (RunConfig, String) in
            let settings = try RunConfig(contentsOf: config)
            return (settings, (try? String(contentsOfFile: config, encoding: .utf8)) ?? "")
        }
        let folder = (config as NSString).deletingLastPathComponent
        try SimulationRun(config: settings, configText: text, configFolder: folder.isEmpty ? "." : folder,
                          outputDirectory: output, restart: restart, quiet: quiet, communicator: communicator).run()
    }
}
