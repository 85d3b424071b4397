import CMPI
#if canImport(Glibc)
import Glibc
#endif

// Every raw MPI call of StressFlux is in this file. Buffers may be nil when their count is zero
// (MPI ignores the address then). MPI's default error handler
// (MPI_ERRORS_ARE_FATAL) ends the job on any failed call, so the wrappers below need not throw;
// `check` still turns an unexpected return code into a one-line abort rather than a silent error.

/// A raw communicator handle. Only this module's `MPI+C.swift` touches its C type.
struct MPIHandle: @unchecked Sendable {
    let comm: MPI_Comm
}

enum MPIRuntime {
    /// Initialises MPI (thread level `MPI_THREAD_SERIALIZED`) and registers `MPI_Finalize` at exit.
    static func initialize() -> MPIHandle {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 { MPI_Finalize() }
            }
        }
        return MPIHandle(comm: sf_mpi_comm_world())
    }

    /// `MPI_Get_library_version`, first line only.
    static func libraryVersion() -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var length: Int32 = 0
        MPI_Get_library_version(&buffer, &length)
        let text = String(decoding: buffer.prefix(Int(length)).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                          as: UTF8.self)
        let firstLine = text.split(whereSeparator: \.isNewline).first ?? Substring(text)
        return String(firstLine.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

extension MPIScalarKind {
    var datatype: MPI_Datatype {
        switch self {
        case .double: return sf_mpi_double()
        case .int64: return sf_mpi_int64()
        case .int32: return sf_mpi_int32()
        case .uint8: return sf_mpi_uint8()
        }
    }
}

extension ReductionOp {
    var op: MPI_Op {
        switch self {
        case .sum: return sf_mpi_sum()
        case .max: return sf_mpi_max()
        case .min: return sf_mpi_min()
        case .product: return sf_mpi_prod()
        }
    }
}

/// MPI counts are C `int`: larger messages must be split by the caller.
private func mpiCount(_ n: Int, _ call: String) -> Int32 {
    guard let count = Int32(exactly: n) else {
        fatalError("\(call): \(n) elements exceed MPI's int count; split the message")
    }
    return count
}

private func check(_ code: Int32, _ call: String, _ handle: MPIHandle) {
    guard code != MPI_SUCCESS else { return }
    var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &buffer, &length)
    let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    handle.abort(message: "MPI: \(call) failed (\(text)), this is a bug or a broken MPI installation", code: 2)
}

extension MPIHandle {
    var rank: Int {
        var r: Int32 = 0
        MPI_Comm_rank(comm, &r)
        return Int(r)
    }

    var size: Int {
        var s: Int32 = 0
        MPI_Comm_size(comm, &s)
        return Int(s)
    }

    func barrier() {
        check(MPI_Barrier(comm), "MPI_Barrier", self)
    }

    /// Prints `error: <message>` on this rank's standard error and ends every rank of the job.
    func abort(message: String, code: Int32) -> Never {
        Console.flush()
        Console.error("error: \(message)")
        MPI_Abort(comm, code)
        exit(code)
    }

    /// `MPI_Allreduce`; a nil `send` reduces `recv` in place.
    func allreduce(_ send: UnsafeRawPointer?, _ recv: UnsafeMutableRawPointer?, count: Int,
                   _ kind: MPIScalarKind, _ op: ReductionOp) {
        check(MPI_Allreduce(send ?? UnsafeRawPointer(sf_mpi_in_place()), recv,
                            mpiCount(count, "MPI_Allreduce"), kind.datatype, op.op, comm),
              "MPI_Allreduce", self)
    }

    /// `MPI_Reduce` to `root`; `recv` is written on the root only.
    func reduce(_ send: UnsafeRawPointer?, _ recv: UnsafeMutableRawPointer?, count: Int,
                _ kind: MPIScalarKind, _ op: ReductionOp, root: Int) {
        check(MPI_Reduce(send, recv, mpiCount(count, "MPI_Reduce"), kind.datatype, op.op, Int32(root), comm),
              "MPI_Reduce", self)
    }

    func broadcast(_ buffer: UnsafeMutableRawPointer, count: Int, _ kind: MPIScalarKind, root: Int) {
        check(MPI_Bcast(buffer, mpiCount(count, "MPI_Bcast"), kind.datatype, Int32(root), comm), "MPI_Bcast", self)
    }

    func allgather(_ send: UnsafeRawPointer?, count: Int, _ recv: UnsafeMutableRawPointer?, _ kind: MPIScalarKind) {
        let n = mpiCount(count, "MPI_Allgather")
        check(MPI_Allgather(send, n, kind.datatype, recv, n, kind.datatype, comm), "MPI_Allgather", self)
    }

    /// `MPI_Gatherv` (root receives `counts[r]` elements from rank r at `displacements[r]`).
    func gatherv(_ send: UnsafeRawPointer?, count: Int, _ recv: UnsafeMutableRawPointer?,
                 counts: [Int], displacements: [Int], _ kind: MPIScalarKind, root: Int) {
        let c = counts.map { mpiCount($0, "MPI_Gatherv") }
        let d = displacements.map { mpiCount($0, "MPI_Gatherv") }
        check(MPI_Gatherv(send, mpiCount(count, "MPI_Gatherv"), kind.datatype, recv, c, d, kind.datatype,
                          Int32(root), comm), "MPI_Gatherv", self)
    }

    /// `MPI_Allgatherv`.
    func allgatherv(_ send: UnsafeRawPointer?, count: Int, _ recv: UnsafeMutableRawPointer?,
                    counts: [Int], displacements: [Int], _ kind: MPIScalarKind) {
        let c = counts.map { mpiCount($0, "MPI_Allgatherv") }
        let d = displacements.map { mpiCount($0, "MPI_Allgatherv") }
        check(MPI_Allgatherv(send, mpiCount(count, "MPI_Allgatherv"), kind.datatype, recv, c, d, kind.datatype, comm),
              "MPI_Allgatherv", self)
    }

    func alltoall(_ send: UnsafeRawPointer?, _ recv: UnsafeMutableRawPointer?, count: Int, _ kind: MPIScalarKind) {
        let n = mpiCount(count, "MPI_Alltoall")
        check(MPI_Alltoall(send, n, kind.datatype, recv, n, kind.datatype, comm), "MPI_Alltoall", self)
    }

    func alltoallv(_ send: UnsafeRawPointer?, sendCounts: [Int], sendDisplacements: [Int],
                   _ recv: UnsafeMutableRawPointer?, recvCounts: [Int], recvDisplacements: [Int],
                   _ kind: MPIScalarKind) {
        let c = { (v: [Int]) in v.map { mpiCount($0, "MPI_Alltoallv") } }
        check(MPI_Alltoallv(send, c(sendCounts), c(sendDisplacements), kind.datatype,
                            recv, c(recvCounts), c(recvDisplacements), kind.datatype, comm), "MPI_Alltoallv", self)
    }

    func sendrecv(_ send: UnsafeRawPointer?, sendCount: Int, to dest: Int,
                  _ recv: UnsafeMutableRawPointer?, recvCount: Int, from source: Int,
                  tag: Int, _ kind: MPIScalarKind) {
        check(MPI_Sendrecv(send, mpiCount(sendCount, "MPI_Sendrecv"), kind.datatype, Int32(dest), Int32(tag),
                           recv, mpiCount(recvCount, "MPI_Sendrecv"), kind.datatype, Int32(source), Int32(tag),
                           comm, sf_mpi_status_ignore()), "MPI_Sendrecv", self)
    }

    /// Posts every receive, then every send, without blocking, and waits for all of them:
    /// one message per peer, so the pairing never depends on arrival order.
    func exchange(sends: [(peer: Int, buffer: UnsafeBufferPointer<Double>)],
                  receives: [(peer: Int, buffer: UnsafeMutableBufferPointer<Double>)], tag: Int) {
        guard !sends.isEmpty || !receives.isEmpty else { return }
        // The requests on the stack: the ghost refresh calls this every step.
        withUnsafeTemporaryAllocation(of: MPI_Request?.self, capacity: sends.count + receives.count) { requests in
            let request = requests.baseAddress!
            for (i, r) in receives.enumerated() {
                check(MPI_Irecv(r.buffer.baseAddress, mpiCount(r.buffer.count, "MPI_Irecv"), sf_mpi_double(),
                                Int32(r.peer), Int32(tag), comm, request + i), "MPI_Irecv", self)
            }
            for (i, s) in sends.enumerated() {
                check(MPI_Isend(s.buffer.baseAddress, mpiCount(s.buffer.count, "MPI_Isend"), sf_mpi_double(),
                                Int32(s.peer), Int32(tag), comm, request + receives.count + i), "MPI_Isend", self)
            }
            check(MPI_Waitall(Int32(requests.count), request, sf_mpi_statuses_ignore()), "MPI_Waitall", self)
        }
    }
}

extension Communicator {
    /// The raw `MPI_Comm`, for the other C-library wrappers of this package (FFTW-MPI plans,
    /// parallel HDF5 file access). Never call MPI through it.
    package var mpiComm: MPI_Comm { handle.comm }
}
