/// A failure on one rank, made known to every rank by ``Communicator/agree(_:)``.
/// Its description is the failing rank's own one-line message, so rank 0 can print it.
public struct PeerFailure: Error, CustomStringConvertible, Sendable {
    /// The lowest rank whose work failed.
    public let rank: Int
    /// That rank's error message.
    public let message: String
    public var description: String { message }
}

extension Communicator {
    /// Collective: runs `body` on every rank, then agrees on the outcome, so that a failure on some
    /// ranks never leaves the others waiting in a later collective.
    ///
    /// If `body` throws on any rank, every rank throws a ``PeerFailure`` carrying the message of the
    /// lowest failing rank; otherwise each rank gets its own result. Costs one allreduce of an `Int`.
    public func agree<T>(_ body: () throws -> T) throws -> T {
        let outcome = Result(catching: body)
        var localFailure = Int.max
        if case .failure = outcome { localFailure = rank }
        let failedRank = allreduce(localFailure, .min)
        if failedRank == Int.max { return try outcome.get() }
        var message = ""
        if rank == failedRank, case .failure(let error) = outcome { message = String(describing: error) }
        throw PeerFailure(rank: failedRank, message: broadcast(message, root: failedRank))
    }
}
