#if canImport(Glibc)
import Glibc
#endif

/// An MPI communicator: rank, size and the collectives StressFlux uses, typed over ``MPIScalar``.
///
/// ``world`` initialises MPI the first time it is touched, exactly once per process (a `static let`
/// runs its initialiser once, thread-safely), and registers `MPI_Finalize` to run at exit. Without
/// `mpirun` the process is an MPI singleton of size 1: that is the serial path, there is no `#if MPI`.
///
/// Every method marked *Collective* must be called by every rank of the communicator, in the same
/// order; a rank that fails before a collective must make the others fail too (``agree(_:)``) or
/// end the job (``abort(message:code:)``), never leave them waiting.
public final class Communicator: @unchecked Sendable {
    /// `MPI_COMM_WORLD`.
    public static let world = Communicator(handle: MPIRuntime.initialize())

    let handle: MPIHandle
    /// This process's rank in `0..<size`.
    public let rank: Int
    /// The number of ranks.
    public let size: Int

    init(handle: MPIHandle) {
        self.handle = handle
        self.rank = handle.rank
        self.size = handle.size
    }

    /// True on rank 0, which prints and writes rank-0-only outputs.
    public var isRoot: Bool { rank == 0 }

    /// The MPI library's own version line (`MPI_Get_library_version`).
    public static var libraryVersion: String { MPIRuntime.libraryVersion() }

    /// Collective: returns when every rank has entered it.
    public func barrier() { handle.barrier() }

    /// Prints `error: <message>` (one line, on this rank) and ends every rank of the job with `code`.
    /// For failures found on some ranks only, past the point where ``agree(_:)`` could help.
    public func abort(message: String, code: Int32 = 1) -> Never {
        handle.abort(message: message, code: code)
    }
}
