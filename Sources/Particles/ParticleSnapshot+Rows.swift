/// A snapshot as rows of doubles, for moving particles between ranks (gathering on one rank, routing to the
/// rank that writes their ids): per particle id, species, diameter, position, image, then forces and virials
/// when asked, then `extra` per-particle columns (each `width` values per particle, in row order). Ids,
/// species and images are whole numbers well below 2^53, exact in a double.
extension ParticleSnapshot {
    /// Per-particle columns carried beside the snapshot's own, `width` values per particle.
    public typealias ExtraColumns = [(width: Int, values: [Double])]

    /// Values per row.
    public static func rowStride(dimension d: Int, forces: Bool, virials: Bool, extra: [Int]) -> Int {
        3 + 2 * d + (forces ? d : 0) + (virials ? (d == 2 ? 3 : 6) : 0) + extra.reduce(0, +)
    }

    /// The rows of this snapshot's particles, in its order.
    public func rows(forces: Bool, virials: Bool, extra: ExtraColumns = []) -> [Double] {
        let d = dimension, c = d == 2 ? 3 : 6
        let stride = Self.rowStride(dimension: d, forces: forces, virials: virials, extra: extra.map(\.width))
        var rows = [Double](repeating: 0, count: count * stride)
        rows.withUnsafeMutableBufferPointer { out in
            for i in 0..<count {
                var at = i * stride
                func put(_ value: Double) { out[at] = value; at += 1 }
                put(Double(ids[i])); put(Double(species[i])); put(diameters[i])
                for a in 0..<d { put(positions[i * d + a]) }
                for a in 0..<d { put(Double(images[i * d + a])) }
                if forces { for a in 0..<d { put(self.forces![i * d + a]) } }
                if virials { for m in 0..<c { put(self.virials![i * c + m]) } }
                for column in extra { for k in 0..<column.width { put(column.values[i * column.width + k]) } }
            }
        }
        return rows
    }

    /// The snapshot of `rows` (made by ``rows(forces:virials:extra:)`` with the same options), sorted by id, with
    /// the box, step, strain and species names of `self`; and its extra columns in the same order.
    public func fromRows(_ rows: [Double], forces: Bool, virials: Bool, extraWidths: [Int] = []) -> (ParticleSnapshot, [[Double]]) {
        let d = dimension, c = virials ? (d == 2 ? 3 : 6) : 0, f = forces ? d : 0
        let stride = Self.rowStride(dimension: d, forces: forces, virials: virials, extra: extraWidths)
        let n = rows.count / stride
        let order = (0..<n).sorted { rows[$0 * stride] < rows[$1 * stride] }
        let column = { (start: Int, width: Int) in order.flatMap { r in rows[(r * stride + start)..<(r * stride + start + width)] } }
        var s = ParticleSnapshot(dimension: d, box: box, step: step, ids: column(0, 1).map { Int($0) }, positions: column(3, d),
                                 images: column(3 + d, d).map { Int32($0) }, species: column(1, 1).map { Int32($0) },
                                 speciesNames: speciesNames, diameters: column(2, 1))
        s.strain = strain
        if forces { s.forces = column(3 + 2 * d, d) }
        if virials { s.virials = column(3 + 2 * d + f, c) }
        var start = 3 + 2 * d + f + c, extra: [[Double]] = []
        for width in extraWidths {
            extra.append(column(start, width))
            start += width
        }
        return (s, extra)
    }
}

extension ParticleSnapshot {
    /// Particles [k·N/parts, (k+1)·N/parts) of this snapshot (in its order) with the same header: rank k's share
    /// of a configuration read in blocks.
    public func block(_ k: Int, of parts: Int) -> ParticleSnapshot {
        let lower = k * count / parts, upper = (k + 1) * count / parts, d = dimension
        var part = ParticleSnapshot(dimension: d, box: box, step: step, ids: Array(ids[lower..<upper]),
                                    positions: Array(positions[(lower * d)..<(upper * d)]), images: Array(images[(lower * d)..<(upper * d)]),
                                    species: Array(species[lower..<upper]), speciesNames: speciesNames, diameters: Array(diameters[lower..<upper]))
        part.strain = strain
        if let forces { part.forces = Array(forces[(lower * d)..<(upper * d)]) }
        if let virials {
            let c = virials.count / max(count, 1)
            part.virials = Array(virials[(lower * c)..<(upper * c)])
        }
        return part
    }

    /// The particles in the order `order` (a permutation of 0..<count), header unchanged.
    public func reordered(_ order: [Int]) -> ParticleSnapshot {
        let d = dimension
        var s = ParticleSnapshot(dimension: d, box: box, step: step, ids: order.map { ids[$0] },
                                 positions: order.flatMap { positions[($0 * d)..<(($0 + 1) * d)] },
                                 images: order.flatMap { images[($0 * d)..<(($0 + 1) * d)] }, species: order.map { species[$0] },
                                 speciesNames: speciesNames, diameters: order.map { diameters[$0] })
        s.strain = strain
        if let forces { s.forces = order.flatMap { forces[($0 * d)..<(($0 + 1) * d)] } }
        if let virials {
            let c = virials.count / max(count, 1)
            s.virials = order.flatMap { virials[($0 * c)..<(($0 + 1) * c)] }
        }
        return s
    }
}
