import ArgumentParser
import Fields
import Particles
import Study

/// `--potential` and `--epsilon`, shared by the commands that evaluate pair forces of a configuration.
struct PotentialOptions: ParsableArguments {
    @Option(help: "Pair potential: harmonic, hertzian or wca.")
    var potential = "harmonic"

    @Option(help: "Potential amplitude ε.")
    var epsilon = 1.0

    /// - Throws: a one-line error naming `--potential` for an unknown name.
    func chosen() throws -> AnyPairPotential {
        guard let kind = PotentialKind(rawValue: potential) else {
            throw StudyError.invalidOption(name: "--potential", value: potential, expected: "must be harmonic, hertzian or wca")
        }
        return kind.potential(epsilon: epsilon)
    }
}

/// `--kernel`, shared by the commands that coarse-grain.
struct KernelOptions: ParsableArguments {
    @Option(help: "Kernel: gauss, bump<n> (bump4, bump8, …) or mollifier (physics.md §3.1).")
    var kernel = "gauss"

    func chosen(dimension: Int) throws -> any Kernel { try KernelChoice.kernel(named: kernel, dimension: dimension) }
}
