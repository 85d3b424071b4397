/// Executes a ``HaloPlan`` over MPI for fields of one shape, with message buffers allocated once.
///
/// Each exchange posts one non-blocking receive and one send per peer, then waits for all; data for
/// this rank's own ghosts (one rank, or a halo that wraps onto its own slab) is copied directly.
public final class HaloExchange {
    public let plan: HaloPlan
    let communicator: Communicator
    let valuesPerPlane: Int
    let components: Int
    private let sendBuffers: [UnsafeMutableBufferPointer<Double>]
    private let receiveBuffers: [UnsafeMutableBufferPointer<Double>]
    private static let fillTag = 7101, accumulateTag = 7102

    init(plan: HaloPlan, communicator: Communicator, valuesPerPlane: Int, components: Int) {
        self.plan = plan
        self.communicator = communicator
        self.valuesPerPlane = valuesPerPlane
        self.components = components
        let size = { (t: HaloPlan.Transfer) in t.planes * valuesPerPlane * components }
        sendBuffers = plan.sends.map { .allocate(capacity: size($0)) }
        receiveBuffers = plan.receives.map { .allocate(capacity: size($0)) }
    }

    deinit {
        sendBuffers.forEach { $0.deallocate() }
        receiveBuffers.forEach { $0.deallocate() }
    }

    /// Collective: owned planes → ghost slots everywhere.
    func fill(_ field: GhostedField) {
        precondition(field.planeLength == valuesPerPlane && field.components == components)
        let me = communicator.rank
        for (transfer, buffer) in zip(plan.sends, sendBuffers) where transfer.peer != me {
            pack(transfer, from: field, into: buffer) { $0.ownedPlane + field.width }
        }
        communicator.handle.exchange(
            sends: zip(plan.sends, sendBuffers).filter { $0.0.peer != me }.map { ($0.0.peer, UnsafeBufferPointer($0.1)) },
            receives: zip(plan.receives, receiveBuffers).filter { $0.0.peer != me }.map { ($0.0.peer, $0.1) },
            tag: Self.fillTag)
        for (transfer, buffer) in zip(plan.receives, receiveBuffers) {
            if transfer.peer == me {
                copyLocal(transfer, in: field)
            } else {
                unpack(transfer, from: buffer, into: field, adding: false) { $0.ghostSlot }
            }
        }
    }

    /// Collective: ghost slots → added into their owners' planes, contributions added in peer-rank order
    /// (so the result is deterministic for a given rank count); ghosts are zeroed afterwards.
    func accumulate(_ field: GhostedField) {
        precondition(field.planeLength == valuesPerPlane && field.components == components)
        let me = communicator.rank
        // The roles swap: what this rank received in `fill` it now sends back, and vice versa.
        for (transfer, buffer) in zip(plan.receives, receiveBuffers) where transfer.peer != me {
            pack(transfer, from: field, into: buffer) { $0.ghostSlot }
        }
        communicator.handle.exchange(
            sends: zip(plan.receives, receiveBuffers).filter { $0.0.peer != me }.map { ($0.0.peer, UnsafeBufferPointer($0.1)) },
            receives: zip(plan.sends, sendBuffers).filter { $0.0.peer != me }.map { ($0.0.peer, $0.1) },
            tag: Self.accumulateTag)
        for (transfer, buffer) in zip(plan.sends, sendBuffers) {
            if transfer.peer == me {
                addLocal(transfer, in: field)
            } else {
                unpack(transfer, from: buffer, into: field, adding: true) { $0.ownedPlane + field.width }
            }
        }
        let ghosts = Array(0..<field.width) + Array(field.ownedSlots.upperBound..<field.slots)
        for c in 0..<components {
            for slot in ghosts { field.plane(slot: slot, component: c).update(repeating: 0) }
        }
    }

    /// Packs the planes of `transfer`, component-major then run order, starting at `slot(run)`.
    private func pack(_ transfer: HaloPlan.Transfer, from field: GhostedField,
                      into buffer: UnsafeMutableBufferPointer<Double>, slot: (HaloPlan.Run) -> Int) {
        var offset = 0
        for c in 0..<components {
            for run in transfer.runs {
                for p in 0..<run.length {
                    let source = field.plane(slot: slot(run) + p, component: c)
                    (buffer.baseAddress! + offset).update(from: source.baseAddress!, count: valuesPerPlane)
                    offset += valuesPerPlane
                }
            }
        }
    }

    /// Inverse of ``pack``: copies or adds the message into the planes starting at `slot(run)`.
    private func unpack(_ transfer: HaloPlan.Transfer, from buffer: UnsafeMutableBufferPointer<Double>,
                        into field: GhostedField, adding: Bool, slot: (HaloPlan.Run) -> Int) {
        var offset = 0
        for c in 0..<components {
            for run in transfer.runs {
                for p in 0..<run.length {
                    let target = field.plane(slot: slot(run) + p, component: c)
                    for e in 0..<valuesPerPlane {
                        target[e] = adding ? target[e] + buffer[offset + e] : buffer[offset + e]
                    }
                    offset += valuesPerPlane
                }
            }
        }
    }

    /// This rank's own ghosts from its own planes.
    private func copyLocal(_ transfer: HaloPlan.Transfer, in field: GhostedField) {
        for c in 0..<components {
            for run in transfer.runs {
                for p in 0..<run.length {
                    let source = field.plane(slot: run.ownedPlane + field.width + p, component: c)
                    field.plane(slot: run.ghostSlot + p, component: c).baseAddress!
                        .update(from: source.baseAddress!, count: valuesPerPlane)
                }
            }
        }
    }

    /// This rank's own ghosts added into its own planes.
    private func addLocal(_ transfer: HaloPlan.Transfer, in field: GhostedField) {
        for c in 0..<components {
            for run in transfer.runs {
                for p in 0..<run.length {
                    let source = field.plane(slot: run.ghostSlot + p, component: c)
                    let target = field.plane(slot: run.ownedPlane + field.width + p, component: c)
                    for e in 0..<valuesPerPlane { target[e] += source[e] }
                }
            }
        }
    }
}
