import Parallel

/// Neighbour-list rebuilds: wrap into the box, migrate to owners, sort in cell order, copy ghosts,
/// bin into cells, build full Verlet lists ordered by global id.
extension ParticleSystem {
    /// Collective: rebuilds everything that depends on which particle is where.
    public func rebuild() {
        timers.time(.neighborLists) {
            dropGhosts()
            wrapIntoBox()
        }
        timers.time(.migration) { migrate() }
        timers.time(.neighborLists) { sortByCell() }
        timers.time(.ghostExchange) { exchangeGhosts() }
        timers.time(.neighborLists) {
            buildNeighborList()
            packed = [Double](repeating: 0, count: 4 * (localCount + ghostCount + 1))
            pack(0..<(localCount + ghostCount), diameters: true)
            // The row that pads neighbour lists: so far away that it is never within any cutoff.
            packed.replaceSubrange((packed.count - 4)..., with: [Self.farAway, Self.farAway, Self.farAway, 1])
        }
        reference = Array(positions[0..<(localCount * dimension)])
        forces = [Double](repeating: 0, count: localCount * dimension)
        virials = []
        contactCounts = []
        hasVirials = false
        rebuilds += 1
    }

    func dropGhosts() {
        let n = localCount, d = dimension
        ids.removeSubrange(n...)
        species.removeSubrange(n...)
        diameters.removeSubrange(n...)
        positions.removeSubrange((n * d)...)
        ghostCount = 0
    }

    /// Maps positions into [0, L) per axis, counting the images crossed (``wrapLeesEdwards``).
    func wrapIntoBox() {
        let d = dimension, shift = leesEdwardsShift, box = box
        for i in 0..<localCount {
            wrapLeesEdwards(positions: &positions, images: &images, particle: i, dimension: d, box: box, shift: shift)
        }
    }

    /// Collective: sends particles whose y left this rank's slab to their owners.
    func migrate() {
        let d = dimension, me = decomposition.rank
        let w = carriedWidth, stride = 3 + 2 * d + w
        var rows: [Double] = [], destinations: [Int] = []
        var keep = 0
        for i in 0..<localCount {
            let owner = router.owner(of: positions[i * d + Self.slabAxis])
            if owner == me {
                move(from: i, to: keep)
                keep += 1
                continue
            }
            rows.append(Double(ids[i]))
            rows.append(Double(species[i]))
            rows.append(diameters[i])
            for a in 0..<d { rows.append(positions[i * d + a]) }
            for a in 0..<d { rows.append(Double(images[i * d + a])) }
            rows.append(contentsOf: carried[(i * w)..<((i + 1) * w)])
            destinations.append(owner)
        }
        truncate(to: keep)
        let arrived = router.route(rows: rows, destinations: destinations, stride: stride).rows
        for r in 0..<(arrived.count / stride) {
            let row = arrived[(r * stride)..<((r + 1) * stride)]
            let b = row.startIndex
            append(id: Int(row[b]), species: Int32(row[b + 1]), diameter: row[b + 2],
                   position: row[(b + 3)..<(b + 3 + d)],
                   image: ArraySlice(row[(b + 3 + d)..<(b + 3 + 2 * d)].map { Int32($0) }),
                   carrying: row[(b + 3 + 2 * d)..<(b + 3 + 2 * d + w)])
        }
    }

    private func move(from i: Int, to j: Int) {
        guard i != j else { return }
        let d = dimension
        ids[j] = ids[i]
        species[j] = species[i]
        diameters[j] = diameters[i]
        for a in 0..<d {
            positions[j * d + a] = positions[i * d + a]
            images[j * d + a] = images[i * d + a]
        }
        let w = carriedWidth
        for a in 0..<w { carried[j * w + a] = carried[i * w + a] }
    }

    private func truncate(to n: Int) {
        let d = dimension
        ids.removeSubrange(n...)
        species.removeSubrange(n...)
        diameters.removeSubrange(n...)
        positions.removeSubrange((n * d)...)
        images.removeSubrange((n * d)...)
        carried.removeSubrange((n * carriedWidth)...)
        localCount = n
    }

    /// Orders owned particles by cell, then by id, so that neighbours sit close in memory and the order
    /// (hence the rounding of per-rank sums such as the energy) depends only on where the particles are,
    /// not on how they arrived: a restarted run sums exactly as the uninterrupted one.
    func sortByCell() {
        let d = dimension
        let cells = CellList(dimension: d, box: box, boundedAxis: Self.slabAxis, bounded: decomposition.interval,
                             minimumSize: halo)
        positions.withUnsafeBufferPointer { cells.build(positions: $0, count: localCount) }
        let order = (0..<localCount).sorted {
            (cells.cellOfPoint[$0], ids[$0]) < (cells.cellOfPoint[$1], ids[$1])
        }
        ids = order.map { ids[$0] }
        species = order.map { species[$0] }
        diameters = order.map { diameters[$0] }
        positions = order.flatMap { i in positions[(i * d)..<((i + 1) * d)] }
        images = order.flatMap { i in images[(i * d)..<((i + 1) * d)] }
        let w = carriedWidth
        if w > 0 { carried = order.flatMap { i in carried[(i * w)..<((i + 1) * w)] } }
    }

    /// Collective: copies every owned particle within the halo of another rank's slab (or of this
    /// rank's own, across the periodic boundary) to that rank, shifted by the periodic image.
    func exchangeGhosts() {
        let d = dimension, y = Self.slabAxis
        var bySink: [Int: (indices: [Int32], shifts: [Double])] = [:]
        var rows: [Double] = [], destinations: [Int] = []
        for i in 0..<localCount {
            router.forEachGhostDestination(of: positions[i * d + y]) { rank, shift in
                bySink[rank, default: ([], [])].indices.append(Int32(i))
                bySink[rank, default: ([], [])].shifts.append(shift)
                rows.append(Double(ids[i]))
                rows.append(Double(species[i]))
                rows.append(diameters[i])
                rows.append(ghostX(positions[i * d], yShift: shift, shift: leesEdwardsShift))
                for a in 1..<d { rows.append(positions[i * d + a] + (a == y ? shift : 0)) }
                destinations.append(rank)
            }
        }
        let stride = 3 + d
        let received = router.route(rows: rows, destinations: destinations, stride: stride)
        ghostSends = bySink.keys.sorted().map { (peer: $0, indices: bySink[$0]!.indices, shifts: bySink[$0]!.shifts) }
        var first = localCount
        ghostReceives = []
        for (peer, count) in received.rowsBySource.enumerated() where count > 0 {
            ghostReceives.append((peer: peer, first: first, count: count))
            first += count
        }
        for r in 0..<(received.rows.count / stride) {
            let b = r * stride
            ids.append(Int(received.rows[b]))
            species.append(Int32(received.rows[b + 1]))
            diameters.append(received.rows[b + 2])
            positions.append(contentsOf: received.rows[(b + 3)..<(b + 3 + d)])
        }
        ghostCount = received.rows.count / stride
        releaseGhostBuffers()
        sendBuffers = ghostSends.map { .allocate(capacity: $0.indices.count * d) }
        receiveBuffers = ghostReceives.map { .allocate(capacity: $0.count * d) }
        ghostSendMessages = zip(ghostSends, sendBuffers).map { ($0.peer, UnsafeBufferPointer($1)) }
        ghostReceiveMessages = zip(ghostReceives, receiveBuffers).map { ($0.peer, $1) }
    }

    /// Full Verlet lists (both i–j and j–i) of pairs within cutoff + skin, each list sorted by the
    /// neighbours' global ids so that force sums run in an order that no decomposition changes.
    func buildNeighborList() {
        let d = dimension, n = localCount, total = localCount + ghostCount
        let lower = decomposition.interval.lower - halo, upper = decomposition.interval.upper + halo
        let cells = CellList(dimension: d, box: box, boundedAxis: Self.slabAxis, bounded: (lower, upper), minimumSize: halo)
        positions.withUnsafeBufferPointer { cells.build(positions: $0, count: total) }
        let cellStart = cells.cellStart, entries = cells.entries, cellOfPoint = cells.cellOfPoint
        var adjacent = [[Int]?](repeating: nil, count: cells.cellCount)
        let ratio = potential.cutoffRatio, skin = skin, periodic = box.enumerated().map { $0.offset != Self.slabAxis }
        var start = [Int32](repeating: 0, count: n + 1)
        var list: [Int32] = []
        list.reserveCapacity(n * 12)
        var candidates: [(id: Int, index: Int32)] = []
        positions.withUnsafeBufferPointer { x in
        diameters.withUnsafeBufferPointer { diameter in
        ids.withUnsafeBufferPointer { id in
            for i in 0..<n {
                candidates.removeAll(keepingCapacity: true)
                let cell = Int(cellOfPoint[i])
                if adjacent[cell] == nil { adjacent[cell] = cells.neighborCells(of: cell) }
                for c in adjacent[cell]! {
                    for e in Int(cellStart[c])..<Int(cellStart[c + 1]) {
                        let j = Int(entries[e])
                        guard j != i else { continue }
                        var r2 = 0.0
                        for a in 0..<d {
                            var dx = x[i * d + a] - x[j * d + a]
                            if periodic[a] {
                                if dx > 0.5 * box[a] { dx -= box[a] } else if dx < -0.5 * box[a] { dx += box[a] }
                            }
                            r2 += dx * dx
                        }
                        let reach = ratio * 0.5 * (diameter[i] + diameter[j]) + skin
                        if r2 < reach * reach { candidates.append((id[j], Int32(j))) }
                    }
                }
                candidates.sort { $0.id < $1.id }
                for c in candidates { list.append(c.index) }
                // Whole lane groups for the pair loop: the rest of the last one points at the far-away
                // row after the ghosts in ``packed``.
                while list.count % PairLanes.scalarCount != 0 { list.append(Int32(total)) }
                start[i + 1] = Int32(list.count)
            }
        }}}
        neighborStart = start
        neighbors = list
    }

    /// Collective: copies the current positions of owned particles into their ghost copies.
    public func refreshGhosts() {
        let d = dimension, y = Self.slabAxis, shift = leesEdwardsShift
        // Buffer pointers throughout: element access through the class's arrays would pay an exclusivity
        // (and uniqueness) check per coordinate.
        positions.withUnsafeBufferPointer { x in
            for (s, send) in ghostSends.enumerated() {
                let out = sendBuffers[s]
                send.indices.withUnsafeBufferPointer { indices in
                send.shifts.withUnsafeBufferPointer { shifts in
                    for k in 0..<indices.count {
                        let i = Int(indices[k]) &* d
                        out[k &* d] = ghostX(x[i], yShift: shifts[k], shift: shift)
                        for a in 1..<d { out[k &* d &+ a] = x[i &+ a] + (a == y ? shifts[k] : 0) }
                    }
                }}
            }
        }
        communicator.exchange(sends: ghostSendMessages, receives: ghostReceiveMessages, tag: 8201)
        positions.withUnsafeMutableBufferPointer { x in
            for (r, receive) in ghostReceives.enumerated() {
                (x.baseAddress! + receive.first * d).update(from: receiveBuffers[r].baseAddress!, count: receive.count * d)
            }
        }
        pack(localCount..<(localCount + ghostCount))
    }

    /// Copies the positions of `particles` into ``packed``, and their diameters with `diameters` (these
    /// change only at rebuilds).
    func pack(_ particles: Range<Int>, diameters withDiameters: Bool = false) {
        let d = dimension
        positions.withUnsafeBufferPointer { x in
        diameters.withUnsafeBufferPointer { diameter in
        packed.withUnsafeMutableBufferPointer { q in
            let rows = UnsafeMutableRawPointer(q.baseAddress!), from = UnsafeRawPointer(x.baseAddress!)
            for i in particles {
                // x and y in one 16-byte copy, then z
                let xy = from.loadUnaligned(fromByteOffset: 8 &* d &* i, as: SIMD2<Double>.self)
                rows.storeBytes(of: xy, toByteOffset: 32 &* i, as: SIMD2<Double>.self)
                if d == 3 { q[4 &* i &+ 2] = x[3 &* i &+ 2] }
            }
            if withDiameters { for i in particles { q[4 * i + 3] = diameter[i] } }
        }}}
    }

    /// Collective: after positions changed, rebuilds if any particle moved more than skin/2 since the
    /// last rebuild (decided on every rank alike), else refreshes the ghosts. Returns whether it rebuilt.
    /// A caller that already knows this rank's largest squared move since the last rebuild passes it.
    @discardableResult
    public func positionsChanged(largestSquaredMove: Double? = nil) -> Bool {
        let d = dimension, n = localCount
        let maxMove = largestSquaredMove ?? positions.withUnsafeBufferPointer { x in
            reference.withUnsafeBufferPointer { r in
                var largest = 0.0
                for i in 0..<n {
                    var m = 0.0
                    for a in 0..<d {
                        let dx = x[i * d + a] - r[i * d + a]
                        m += dx * dx
                    }
                    largest = max(largest, m)
                }
                return largest
            }
        }
        if timers.time(.reductions, { communicator.allreduce(maxMove, .max) }) > 0.25 * skin * skin {
            rebuild()
            return true
        }
        pack(0..<localCount)
        timers.time(.ghostExchange) { refreshGhosts() }
        return false
    }
}
