/// One rank's part in a periodic exchange of `width` ghost planes on each side of its slab along axis 0.
///
/// Rank r's local slots are `0..<(width + count + width)`: slot k holds global plane
/// `start − width + k` (taken periodically), so slots `0..<width` are the low ghosts, then the owned
/// planes, then the high ghosts. Every ghost plane comes straight from the rank that owns it, so a
/// halo wider than a neighbour's slab reaches past it to the ranks beyond, and a halo wider than the
/// whole box gets repeated periodic images — the ranks involved are all computed here, no forwarding.
/// A pure value computed from the ``SlabLayout``; ``HaloExchange`` executes it over MPI.
public struct HaloPlan: Hashable, Sendable {
    /// Planes copied between one owned range and one ghost range.
    public struct Run: Hashable, Sendable {
        /// First owned plane, as an index into the owner's slab (0 = its `start`).
        public let ownedPlane: Int
        /// First ghost slot on the receiving rank.
        public let ghostSlot: Int
        /// Planes in the run.
        public let length: Int
    }

    /// All runs between this rank and one peer, in the receiver's ghost-slot order: the order in
    /// which both sides pack and unpack one message. The peer may be this rank itself.
    public struct Transfer: Hashable, Sendable {
        public let peer: Int
        public let runs: [Run]
        /// Planes in the message.
        public var planes: Int { runs.reduce(0) { $0 + $1.length } }
    }

    public let rank: Int
    public let width: Int
    /// What this rank sends: its owned planes into each peer's ghost slots, peers in rank order.
    public let sends: [Transfer]
    /// What this rank receives: each peer's owned planes into its own ghost slots, peers in rank order.
    public let receives: [Transfer]

    /// - Throws: ``ParallelError/negativeHaloWidth(_:)``.
    public init(layout: SlabLayout, rank: Int, width: Int) throws {
        guard width >= 0 else { throw ParallelError.negativeHaloWidth(width) }
        self.rank = rank
        self.width = width
        self.receives = Self.transfers(into: rank, layout: layout, width: width)
            .map { Transfer(peer: $0.key, runs: $0.value) }.sorted { $0.peer < $1.peer }
        self.sends = (0..<layout.ranks).compactMap { receiver in
            let runs = Self.transfers(into: receiver, layout: layout, width: width)[rank] ?? []
            return runs.isEmpty ? nil : Transfer(peer: receiver, runs: runs)
        }
    }

    /// The runs filling `receiver`'s ghost slots, keyed by owning rank, each list in slot order.
    private static func transfers(into receiver: Int, layout: SlabLayout, width: Int) -> [Int: [Run]] {
        let start = layout.starts[receiver], count = layout.counts[receiver]
        var byOwner: [Int: [Run]] = [:]
        let ghostSlots = Array(0..<width) + Array((width + count)..<(2 * width + count))
        for slot in ghostSlots {
            let plane = layout.wrap(start - width + slot)
            let owner = layout.owner(ofPlane: plane)
            let ownedPlane = plane - layout.starts[owner]
            var runs = byOwner[owner, default: []]
            if let last = runs.last, last.ghostSlot + last.length == slot, last.ownedPlane + last.length == ownedPlane {
                runs[runs.count - 1] = Run(ownedPlane: last.ownedPlane, ghostSlot: last.ghostSlot, length: last.length + 1)
            } else {
                runs.append(Run(ownedPlane: ownedPlane, ghostSlot: slot, length: 1))
            }
            byOwner[owner] = runs
        }
        return byOwner
    }
}
