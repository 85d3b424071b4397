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
        move(field, outgoing: (plan.sends, sendBuffers), incoming: (plan.receives, receiveBuffers),
             from: { $0.ownedPlane + field.width }, to: { $0.ghostSlot }, adding: false, tag: Self.fillTag)
    }

    /// Collective: ghost slots → added into their owners' planes, contributions added in peer-rank order
    /// (so the result is deterministic for a given rank count); ghosts are zeroed afterwards.
    func accumulate(_ field: GhostedField) {
        // The roles swap: what this rank received in `fill` it now sends back, and vice versa.
        move(field, outgoing: (plan.receives, receiveBuffers), incoming: (plan.sends, sendBuffers),
             from: { $0.ghostSlot }, to: { $0.ownedPlane + field.width }, adding: true, tag: Self.accumulateTag)
        let ghosts = Array(0..<field.width) + Array(field.ownedSlots.upperBound..<field.slots)
        for c in 0..<components {
            for slot in ghosts { field.plane(slot: slot, component: c).update(repeating: 0) }
        }
    }

    private typealias Side = (transfers: [HaloPlan.Transfer], buffers: [UnsafeMutableBufferPointer<Double>])

    /// Packs `outgoing` from the slots `from(run)`, exchanges one message per peer, then writes (or adds)
    /// `incoming` into the slots `to(run)`; a transfer with this rank itself is applied directly.
    private func move(_ field: GhostedField, outgoing: Side, incoming: Side, from: (HaloPlan.Run) -> Int,
                      to: (HaloPlan.Run) -> Int, adding: Bool, tag: Int) {
        precondition(field.planeLength == valuesPerPlane && field.components == components)
        let me = communicator.rank
        let sends = zip(outgoing.transfers, outgoing.buffers).filter { $0.0.peer != me }
        let receives = zip(incoming.transfers, incoming.buffers).filter { $0.0.peer != me }
        for (transfer, buffer) in sends { pack(transfer, from: field, into: buffer, slot: from) }
        communicator.handle.exchange(sends: sends.map { ($0.0.peer, UnsafeBufferPointer($0.1)) },
                                     receives: receives.map { ($0.0.peer, $0.1) }, tag: tag)
        for (transfer, buffer) in zip(incoming.transfers, incoming.buffers) {
            if transfer.peer == me {
                applyLocal(transfer, in: field, from: from, to: to, adding: adding)
            } else {
                unpack(transfer, from: buffer, into: field, adding: adding, slot: to)
            }
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

    /// A transfer between this rank and itself (one rank, or a halo wrapping onto its own slab).
    private func applyLocal(_ transfer: HaloPlan.Transfer, in field: GhostedField, from: (HaloPlan.Run) -> Int,
                            to: (HaloPlan.Run) -> Int, adding: Bool) {
        for c in 0..<components {
            for run in transfer.runs {
                for p in 0..<run.length {
                    let source = field.plane(slot: from(run) + p, component: c)
                    let target = field.plane(slot: to(run) + p, component: c)
                    for e in 0..<valuesPerPlane { target[e] = adding ? target[e] + source[e] : source[e] }
                }
            }
        }
    }
}
