import ArgumentParser
import Parallel
import Study

/// `stressflux dean CONFIG.toml`: the Dean equation on the slabs (physics.md §7; README "The Dean equation").
struct DeanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dean",
        abstract: "Solve the Dean equation (physics.md 7.2) or the Dean-Kawasaki equation (7.3) on the slabs of one grid.",
        discussion: """
            Sections: [grid] dimension, points, box; [potential] kind (gem4, gaussian, harmonic, hertzian, ideal), epsilon, sigma; [species] names, diameters, fractions;
            [dynamics] dt, steps or time, temperature, scheme (sbdf1, sbdf2), adaptive, courant, stochastic (Dean-Kawasaki), seed;
            [initial] kind (mode, noise, white, file, particles), mean, amplitude, wavevector, cutoff, seed, file, dataset, scale;
            [forcing] as for run; [analysis] scales, kernel, every; [compare] trajectory, scales;
            [output] directory, thermo_every, fields_every, checkpoint_every.
            Outputs: dean.csv (step, time, mass, min_rho, max_rho, free_energy, rho_variance), fields-<step>.h5 + .xmf (rho),
            budget.csv ([analysis]), compare.csv ([compare]: the particles of a run against the NDE), checkpoint.h5, summary.json.
            """)

    @Argument(help: "Config file (TOML).")
    var config: String

    @Option(help: "Output folder (overrides [output] directory).")
    var output: String?

    @Flag(help: "Continue from checkpoint.h5 in the output folder, bit for bit (a deterministic run on as many ranks as wrote it).")
    var restart = false

    @Flag(help: "No progress lines.")
    var quiet = false

    func run() throws {
        let communicator = Communicator.world
        let settings = try communicator.agree { try DeanConfig(contentsOf: config) }
        try DeanRun(config: settings, outputDirectory: output, restart: restart, quiet: quiet, communicator: communicator).run()
    }
}
