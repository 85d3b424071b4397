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
        carried = []
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
        let withForces = communicator.allreduce(forces == nil ? 0 : 1, .min) == 1
        let withVirials = withForces && communicator.allreduce(virials == nil ? 0 : 1, .min) == 1
        guard let all = communicator.gather(rows(forces: withForces, virials: withVirials), root: root) else { return nil }
        return fromRows(all, forces: withForces, virials: withVirials).0
    }
}
