import Parallel

/// Snapshots of the distributed particles: this rank's own (for parallel writers such as H5MD and for
/// putting a state back), or all of them gathered on one rank (for files written by one rank, event
/// analysis and tests; memory on the root grows with N).
extension ParticleSystem {
    /// Local: this rank's owned particles as a snapshot (positions as stored: wrapped at the last rebuild).
    public func localSnapshot(includeForces: Bool = false) -> ParticleSnapshot {
        let n = localCount, d = dimension
        var s = ParticleSnapshot(dimension: d, box: box, step: step, ids: Array(ids[0..<n]),
                                 positions: Array(positions[0..<(n * d)]), images: images, species: Array(species[0..<n]),
                                 speciesNames: speciesNames, diameters: Array(diameters[0..<n]))
        s.strain = strain
        if includeForces {
            s.forces = forces
            s.virials = hasVirials ? virials : nil
        }
        return s
    }

    /// Collective: every particle, sorted by id, on `root`; nil on the other ranks.
    public func gatherSnapshot(includeForces: Bool = false, root: Int = 0) -> ParticleSnapshot? {
        localSnapshot(includeForces: includeForces).gathered(on: communicator, root: root)
    }

    /// Collective: puts back the state of a ``localSnapshot()`` taken earlier on this rank (positions,
    /// images, strain, step), then rebuilds. Forces and virials are stale until the next evaluation.
    public func restore(_ local: ParticleSnapshot) {
        dropGhosts()
        let d = dimension
        localCount = 0
        ids = []; species = []; diameters = []; positions = []; images = []
        if carriesVelocities { velocities = [] }
        for i in 0..<local.count {
            append(id: local.ids[i], species: local.species[i], diameter: local.diameters[i],
                   position: local.positions[(i * d)..<((i + 1) * d)], image: local.images[(i * d)..<((i + 1) * d)])
        }
        strain = local.strain
        step = local.step
        rebuild()
    }
}

extension ParticleSnapshot {
    /// Collective: the rows of every rank's snapshot (forces and virials when all have them), sorted by
    /// id, on `root`; nil on the other ranks.
    public func gathered(on communicator: Communicator, root: Int = 0) -> ParticleSnapshot? {
        let d = dimension, withForces = communicator.allreduce(forces == nil ? 0 : 1, .min) == 1
        let c = withForces && communicator.allreduce(virials == nil ? 0 : 1, .min) == 1 ? (d == 2 ? 3 : 6) : 0
        let stride = 3 + 2 * d + (withForces ? d + c : 0)
        var rows: [Double] = []
        rows.reserveCapacity(count * stride)
        for i in 0..<count {
            rows.append(Double(ids[i]))
            rows.append(Double(species[i]))
            rows.append(diameters[i])
            rows.append(contentsOf: positions[(i * d)..<((i + 1) * d)])
            rows.append(contentsOf: images[(i * d)..<((i + 1) * d)].map(Double.init))
            if withForces {
                rows.append(contentsOf: forces![(i * d)..<((i + 1) * d)])
                if c > 0 { rows.append(contentsOf: virials![(i * c)..<((i + 1) * c)]) }
            }
        }
        guard let all = communicator.gather(rows, root: root) else { return nil }
        let n = all.count / stride
        let order = (0..<n).sorted { all[$0 * stride] < all[$1 * stride] }
        let column = { (offset: Int, width: Int) in order.flatMap { r in all[(r * stride + offset)..<(r * stride + offset + width)] } }
        var snapshot = ParticleSnapshot(
            dimension: d, box: box, step: step, ids: column(0, 1).map { Int($0) }, positions: column(3, d),
            images: column(3 + d, d).map { Int32($0) }, species: column(1, 1).map { Int32($0) },
            speciesNames: speciesNames, diameters: column(2, 1))
        snapshot.strain = strain
        if withForces {
            snapshot.forces = column(3 + 2 * d, d)
            snapshot.virials = c > 0 ? column(3 + 3 * d, c) : nil
        }
        return snapshot
    }
}
