import ArgumentParser
import Formats
import Study

/// `stressflux`: the command-line face of StressFlux (design.md, module `stressflux`).
struct StressFluxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stressflux",
        abstract: "MPI simulations and coarse-grained stress budgets of soft amorphous solids.",
        discussion: """
            Run under mpirun for more than one rank, e.g.
              mpirun -np 4 stressflux selfcheck
            Errors are printed as one line on rank 0 and every rank exits non-zero.
            """,
        version: BuildInfo.version,
        subcommands: [InfoCommand.self, RunCommand.self, StudyCommand.self, DeanCommand.self, ValidateCommand.self, EvaluateCommand.self, DepositCommand.self, AnalyzeCommand.self, SelfCheckCommand.self]
    )
}
