/// Gathering the distributed particles into one ``ParticleSnapshot`` (for files written by one rank
/// and for tests). Memory on the root grows with N; parallel writers (H5MD) use ``localSnapshot()``.
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
        let local = localSnapshot(includeForces: includeForces)
        let d = dimension, c = includeForces && hasVirials ? tensorComponents : 0
        let stride = 3 + 2 * d + (includeForces ? d + c : 0)
        var rows: [Double] = []
        rows.reserveCapacity(local.count * stride)
        for i in 0..<local.count {
            rows.append(Double(local.ids[i]))
            rows.append(Double(local.species[i]))
            rows.append(local.diameters[i])
            rows.append(contentsOf: local.positions[(i * d)..<((i + 1) * d)])
            rows.append(contentsOf: local.images[(i * d)..<((i + 1) * d)].map(Double.init))
            if includeForces {
                rows.append(contentsOf: forces[(i * d)..<((i + 1) * d)])
                rows.append(contentsOf: virials[(i * c)..<((i + 1) * c)])  // none if c = 0
            }
        }
        guard let all = communicator.gather(rows, root: root) else { return nil }
        let count = all.count / stride
        let order = (0..<count).sorted { all[$0 * stride] < all[$1 * stride] }
        let column = { (offset: Int, width: Int) in order.flatMap { r in all[(r * stride + offset)..<(r * stride + offset + width)] } }
        var snapshot = ParticleSnapshot(
            dimension: d, box: box, step: step, ids: column(0, 1).map { Int($0) }, positions: column(3, d),
            images: column(3 + d, d).map { Int32($0) }, species: column(1, 1).map { Int32($0) },
            speciesNames: speciesNames, diameters: column(2, 1))
        snapshot.strain = strain
        if includeForces {
            snapshot.forces = column(3 + 2 * d, d)
            snapshot.virials = c > 0 ? column(3 + 3 * d, c) : nil
        }
        return snapshot
    }
}
