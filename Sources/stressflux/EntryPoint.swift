import ArgumentParser
import Foundation
import Parallel

/// Our own `main` (style.md §11): parse on every rank, print on rank 0 only, and make every rank
/// exit with the same status, so no rank waits in a collective for one that failed.
@main
enum EntryPoint {
    static func main() {
        let communicator = Communicator.world  // MPI_Init, once; MPI_Finalize runs at exit
        do {
            var command = try StressFluxCommand.parseAsRoot()
            try command.run()
            Console.flush()
            exit(0)
        } catch {
            let failure = CommandLineFailure(error)
            if communicator.isRoot { failure.print() }
            Console.flush()
            exit(failure.exitCode)
        }
    }
}
