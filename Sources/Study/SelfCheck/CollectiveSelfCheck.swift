import Foundation
import Parallel

/// Reductions, broadcasts, gathers, sendrecv and agreement against closed forms, plus reductions of a
/// slab-distributed field whose results must not depend on the rank count.
enum CollectiveSelfCheck {
    static func run(_ d: SlabDecomposition) -> ([SelfCheck.Result], [String: Double]) {
        let comm = d.communicator, p = comm.size, r = comm.rank, last = p - 1
        var results: [SelfCheck.Result] = []
        /// Records `mismatch` (0 when right) reduced over ranks, tolerance 0: closed forms are exact.
        func exact(_ name: String, _ mismatch: Double) {
            results.append(.init(name: "collectives \(name)", error: comm.allreduce(mismatch, .max), tolerance: 0))
        }
        let rank1 = Double(r + 1)
        exact("allreduce sum Double", abs(comm.allreduce(rank1, .sum) - Double(p * (p + 1) / 2)))
        exact("allreduce max/min Double",
              abs(comm.allreduce(rank1, .max) - Double(p)) + abs(comm.allreduce(rank1, .min) - 1))
        exact("allreduce product Double", abs(comm.allreduce(2.0, .product) - pow(2, Double(p))))
        exact("allreduce sum/max Int", Double(abs(comm.allreduce(r + 1, .sum) - p * (p + 1) / 2)
                                              + abs(comm.allreduce(r, .max) - last)))
        let vector = comm.allreduce([Double(r), 1, -Double(r)], .sum)
        exact("allreduce sum buffer", zip(vector, [Double(p * last / 2), Double(p), -Double(p * last / 2)])
            .map { abs($0 - $1) }.max()!)
        let reduced = comm.reduce(r + 1, .sum, root: last)
        exact("reduce to last rank", r == last ? Double(abs(reduced! - p * (p + 1) / 2)) : (reduced == nil ? 0 : 1))
        exact("broadcast value", abs(comm.broadcast(Double(100 + r), root: last) - Double(100 + last)))
        exact("broadcast string", comm.broadcast("from rank \(r)", root: last) == "from rank \(last)" ? 0 : 1)
        exact("allgather", comm.allgather(r * r) == (0..<p).map { $0 * $0 } ? 0 : 1)
        // Variable-length gather: rank q sends q + 1 values 100q + i.
        let mine = (0...r).map { Double(100 * r + $0) }
        let expectedAll = (0..<p).flatMap { q in (0...q).map { Double(100 * q + $0) } }
        let gathered = comm.gather(mine, root: 0)
        exact("gather variable length", r == 0 ? (gathered == expectedAll ? 0 : 1) : (gathered == nil ? 0 : 1))
        exact("allgather variable length", comm.allgather(mine) == expectedAll ? 0 : 1)
        let ring = comm.sendrecv([r, 7], to: (r + 1) % p, receiving: 2, from: (r + last) % p)
        exact("sendrecv ring", ring == [(r + last) % p, 7] ? 0 : 1)
        exact("agree on a failure of the last rank", agreementMismatch(comm))
        exact("slab owner of coordinates and periodic images", ownershipMismatch(d))

        let (fieldResults, values) = distributedField(d)
        results += fieldResults.map { .init(name: "collectives \($0.name)", error: $0.error, tolerance: $0.tolerance) }
        return (results, values)
    }

    /// 0 when `agree` makes every rank throw the last rank's message, and passes results through otherwise.
    static func agreementMismatch(_ comm: Communicator) -> Double {
        struct Planted: ReportableError { var description: String }
        let last = comm.size - 1
        do {
            _ = try comm.agree { () throws -> Int in
                if comm.rank == last { throw Planted(description: "planted failure on rank \(last)") }
                return 1
            }
            return 1
        } catch let failure as PeerFailure {
            let passes = (try? comm.agree { comm.rank }) == comm.rank
            return failure.rank == last && failure.message == "planted failure on rank \(last)" && passes ? 0 : 1
        } catch {
            return 1
        }
    }

    /// 0 when this rank owns the start, middle and last plane of its interval and their periodic
    /// images one box length away, and its neighbours own the points just outside it.
    static func ownershipMismatch(_ d: SlabDecomposition) -> Double {
        let (lower, upper) = d.interval, h0 = d.spacing[0], l0 = d.box[0], p = d.communicator.size
        var mismatches = 0
        for x in [lower + 0.25 * h0, (lower + upper) / 2, upper - 0.25 * h0] {
            for image in [x, x - l0, x + l0, x + 3 * l0] where d.owner(ofCoordinate: image) != d.rank { mismatches += 1 }
        }
        if d.owner(ofCoordinate: upper + 0.25 * h0) != (d.rank + 1) % p { mismatches += 1 }
        if d.owner(ofCoordinate: lower - 0.25 * h0) != (d.rank + p - 1) % p { mismatches += 1 }
        return Double(mismatches)
    }

    /// Reductions and a gather of a field spread over the slabs; the values returned are compared
    /// between runs on different rank counts (summation order differs, so to rounding only).
    static func distributedField(_ d: SlabDecomposition) -> ([SelfCheck.Result], [String: Double]) {
        let comm = d.communicator, planeSize = d.grid.planeSize
        let global = (0..<d.grid.pointCount).map { TestPattern.uniform($0) }
        let local = Array(global[(d.start * planeSize)..<((d.start + d.count) * planeSize)])
        let sum = comm.allreduce(local.reduce(0, +), .sum)
        let maximum = comm.allreduce(local.max()!, .max)
        var mismatch = 0.0
        var checksum = 0.0
        if let all = comm.gather(local, root: 0) {
            mismatch = all == global ? 0 : 1  // the gathered field is the global field, bit for bit
            checksum = all.enumerated().reduce(0) { $0 + Double($1.offset % 97 + 1) * $1.element }
        }
        checksum = comm.broadcast(checksum, root: 0)
        let serialSum = global.reduce(0, +)
        let results: [SelfCheck.Result] = [
            .init(name: "gather of slab field equals the global field", error: comm.allreduce(mismatch, .max), tolerance: 0),
            .init(name: "sum of slab field vs serial sum (relative)",
                  error: abs(sum - serialSum) / global.reduce(0) { $0 + abs($1) }, tolerance: 1e-14),
            .init(name: "max of slab field vs serial max", error: abs(maximum - global.max()!), tolerance: 0),
        ]
        return (results, ["field_sum": sum, "field_max": maximum, "field_checksum": checksum])
    }
}
