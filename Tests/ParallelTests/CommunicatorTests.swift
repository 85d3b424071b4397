import Testing
@testable import Parallel

/// The MPI singleton of `swift test` (size 1): collectives reduce to identities, and the typed
/// wrappers must pass values, arrays, strings and failures through unchanged. Multi-rank behaviour is
/// covered by the integration tests (`stressflux selfcheck` under mpirun -np 1, 2, 4).
@Suite(.serialized) struct CommunicatorTests {
    let comm = Communicator.world

    @Test func singletonHasOneRank() {
        #expect(comm.size == 1 && comm.rank == 0 && comm.isRoot)
        #expect(Communicator.libraryVersion.contains("MPI"))
    }

    @Test func reductionsAndGathersAreIdentitiesOnOneRank() {
        #expect(comm.allreduce(2.5, .sum) == 2.5)
        #expect(comm.allreduce(-3, .max) == -3)
        #expect(comm.allreduce([1.0, -2.0, 3.5], .product) == [1.0, -2.0, 3.5])
        #expect(comm.reduce(7, .sum) == 7)
        #expect(comm.allgather(4) == [4])
        #expect(comm.gather([1.5, 2.5]) == [1.5, 2.5])
        #expect(comm.allgather([Int]()) == [])
        #expect(comm.broadcast("ψ stress") == "ψ stress")
        #expect(comm.broadcast([3, 1, 2]) == [3, 1, 2])
        #expect(comm.sendrecv([1.0, 2.0], to: 0, receiving: 2, from: 0) == [1.0, 2.0])
    }

    @Test func agreePassesResultsAndFailures() throws {
        #expect(try comm.agree { 42 } == 42)
        struct Planted: ReportableError { var description: String { "where: what, fix" } }
        do {
            _ = try comm.agree { () throws -> Int in throw Planted() }
            Issue.record("agree swallowed a failure")
        } catch let failure as PeerFailure {
            #expect(failure.rank == 0 && failure.message == "where: what, fix")
        }
    }
}
