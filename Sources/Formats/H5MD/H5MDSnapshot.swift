import Foundation
import Parallel
import Particles

/// Particle snapshots in H5MD 1.1 (https://www.nongnu.org/h5md/h5md.html), written collectively with
/// parallel HDF5, one frame per file:
///
/// - `h5md/` version 1.1, `author`, `creator` (StressFlux and its version), `modules/units` (system: our
///   reduced units, physics.md §1.2);
/// - `particles/all/box`: attributes `dimension`, `boundary` ("periodic" per axis); `edges` a time-dependent
///   element (`step`, `time`, `value`): the lengths [1, d] of an orthogonal box, or under Lees–Edwards strain γ
///   the edge vectors [1, d, d] (rows a₁ = (L_x, 0, 0), a₂ = (γ L_y, L_y, 0), a₃ = (0, 0, L_z)), the image
///   lattice of physics.md §1.5b, so readers that know triclinic boxes (MDAnalysis) see the shear;
/// - `particles/all/{position, image, force, virial}`: time-dependent elements, `value` [1, N, …]; `id` [1, N];
///   `species` and `diameter`: time-independent datasets [N];
/// - the root group: ``FileMetadata`` (units, version, configuration, ranks, box, strain);
/// - `parameters/stressflux`: attributes `units`, `species_names`, `virial_components`, `ranks`, `config`;
/// - `parameters/run_state` (checkpoints only): what a restart needs besides the particles, e.g. the
///   plastic-event detector's history;
/// - `parameters/lees_edwards` (sheared boxes only): datasets `strain` (γ, exact: the reader prefers it to the
///   edge vectors) and `offset` (γ L_y mod L_x); unwrapped x = x + n_x L_x + n_y γ L_y (``ParticleSnapshot/strain``).
///
/// Rows are in id order: each rank sends its particles to the rank that writes their block of ids, so no rank
/// holds them all. Positions are wrapped into [0, L) with images; `virial` is the per-particle virial of
/// physics.md §2.2.
///
/// Units: dimensionful datasets carry H5MD's `unit` attribute (`l0`, `V0`, …), except `position/value`,
/// `force/value` and the `time` datasets, which carry `stressflux_unit`: MDAnalysis 2.11 refuses any `unit` there
/// that is not a physical unit it knows (nm, ps, …), even with `convert_units=False`.
public enum H5MDSnapshot {
    /// Units of every quantity, as written into each file (physics.md §1.2).
    public static let units = FileMetadata.units

    typealias Unit = ReducedUnit.H5MD

    /// Collective: writes the owned particles of every rank to `path` (atomically: `<path>.partial`, then rename).
    public static func write(_ system: ParticleSystem, to path: String, time: Double, includeForces: Bool,
                             config: String = "", runState: [String: [Double]] = [:]) throws {
        try write(local: system.localSnapshot(includeForces: includeForces), communicator: system.communicator,
                  to: path, time: time, config: config, runState: runState)
    }

    /// A per-particle quantity written beside the standard elements as `particles/all/<name>` (a
    /// time-dependent element of `width` values per particle, in the snapshot's row order), with its H5MD unit
    /// (nil: dimensionless).
    public struct ParticleField: Sendable {
        public var name: String
        public var width: Int
        public var values: [Double]
        public var unit: String?
        public init(name: String, width: Int, values: [Double], unit: String?) {
            self.name = name
            self.width = width
            self.values = values
            self.unit = unit
        }
    }

    /// Collective: every rank writes the rows of its `local` snapshot (one rank may hold all of them and
    /// the others none), forces and virials when every rank's snapshot has them, `fields` per particle, and
    /// `runState` as datasets `parameters/run_state/<key>` (what a restart needs besides the particles).
    public static func write(local: ParticleSnapshot, communicator comm: Communicator, to path: String, time: Double,
                             config: String = "", fields: [ParticleField] = [], runState: [String: [Double]] = [:]) throws {
        let d = local.dimension, box = local.box
        let withForces = comm.allreduce(local.forces == nil ? 0 : 1, .min) == 1
        let withVirials = withForces && comm.allreduce(local.virials == nil ? 0 : 1, .min) == 1
        // Positions drift out of the box between the engine's rebuilds: wrap, then put the rows in id order.
        let (rows, rowFields) = inIDOrder(local.wrapped(), fields: fields, forces: withForces, virials: withVirials, communicator: comm)
        let n = rows.count, counts = comm.allgather(n)
        let total = counts.reduce(0, +), offset = counts[..<comm.rank].reduce(0, +)
        let file = try HDF5File.create(path: path, communicator: comm)
        try FileMetadata(configuration: config, ranks: comm.size, box: box, strain: local.strain).write(to: file)
        try file.createGroup("/h5md/author")
        try file.createGroup("/h5md/creator")
        try file.createGroup("/h5md/modules/units")
        try file.writeAttribute("version", integers: [1, 1], at: "/h5md")
        try file.writeAttribute("name", NSUserName(), at: "/h5md/author")
        try file.writeAttribute("name", "StressFlux", at: "/h5md/creator")
        try file.writeAttribute("version", BuildInfo.version, at: "/h5md/creator")
        try file.writeAttribute("version", integers: [1, 0], at: "/h5md/modules/units")
        try file.writeAttribute("system", "reduced: l0 = small-particle diameter, V0 = pair energy, mu = mobility (physics.md 1.2)",
                                at: "/h5md/modules/units")
        func element<T: HDF5Element>(_ name: String, _ values: [T], width: Int?, unit: String?, unitAttribute: String = "unit") throws {
            let group = "/particles/all/\(name)"
            try file.writeReplicated(group + "/step", shape: [1], values: [Int64(local.step)])
            try file.writeReplicated(group + "/time", shape: [1], values: [time])
            try file.writeAttribute("stressflux_unit", Unit.time, at: group + "/time")
            let shape = [1, total] + (width.map { [$0] } ?? []), block = [1, n] + (width.map { [$0] } ?? [])
            try values.withUnsafeBufferPointer {
                try file.writeBlock(group + "/value", shape: shape, start: [0, offset] + (width == nil ? [] : [0]), count: block, values: $0)
            }
            if let unit { try file.writeAttribute(unitAttribute, unit, at: group + "/value") }
        }
        try file.createGroup("/particles/all/box")
        try file.writeAttribute("dimension", integers: [d], at: "/particles/all/box")
        try file.writeAttribute("boundary", strings: Array(repeating: "periodic", count: d), at: "/particles/all/box")
        try file.writeReplicated("/particles/all/box/edges/step", shape: [1], values: [Int64(local.step)])
        try file.writeReplicated("/particles/all/box/edges/time", shape: [1], values: [time])
        try file.writeAttribute("stressflux_unit", Unit.time, at: "/particles/all/box/edges/time")
        if local.strain != 0 {
            var vectors = [Double](repeating: 0, count: d * d)
            for a in 0..<d { vectors[a * d + a] = box[a] }
            vectors[d] = local.strain * box[1]
            try file.writeReplicated("/particles/all/box/edges/value", shape: [1, d, d], values: vectors)
            let offset = (local.strain * box[1]).truncatingRemainder(dividingBy: box[0])
            try file.createGroup("/parameters/lees_edwards")
            try file.writeReplicated("/parameters/lees_edwards/strain", shape: [1], values: [local.strain])
            try file.writeReplicated("/parameters/lees_edwards/offset", shape: [1], values: [offset < 0 ? offset + box[0] : offset])
            try file.writeAttribute("unit", Unit.length, at: "/parameters/lees_edwards/offset")
        } else {
            try file.writeReplicated("/particles/all/box/edges/value", shape: [1, d], values: box)
        }
        try file.writeAttribute("unit", Unit.length, at: "/particles/all/box/edges/value")
        try element("position", rows.positions, width: d, unit: Unit.length, unitAttribute: "stressflux_unit")
        try element("image", rows.images, width: d, unit: nil)
        try element("id", rows.ids.map(Int64.init), width: nil, unit: nil)
        if withForces { try element("force", rows.forces!, width: d, unit: Unit.force, unitAttribute: "stressflux_unit") }
        if withVirials { try element("virial", rows.virials!, width: d == 2 ? 3 : 6, unit: Unit.energy) }
        for field in rowFields { try element(field.name, field.values, width: field.width, unit: field.unit) }
        try rows.species.withUnsafeBufferPointer {
            try file.writeBlock("/particles/all/species", shape: [total], start: [offset], count: [n], values: $0)
        }
        try rows.diameters.withUnsafeBufferPointer {
            try file.writeBlock("/particles/all/diameter", shape: [total], start: [offset], count: [n], values: $0)
        }
        try file.writeAttribute("unit", Unit.length, at: "/particles/all/diameter")
        try file.createGroup("/parameters/stressflux")
        let parameters = "/parameters/stressflux"
        try file.writeAttribute("units", units, at: parameters)
        try file.writeAttribute("species_names", strings: local.speciesNames, at: parameters)
        try file.writeAttribute("virial_components", strings: Thermo.componentNames(dimension: d), at: parameters)
        try file.writeAttribute("ranks", integers: [comm.size], at: parameters)
        try file.writeAttribute("config", config, at: parameters)
        if !runState.isEmpty {
            try file.createGroup("/parameters/run_state")
            for (key, values) in runState.sorted(by: { $0.key < $1.key }) {
                try file.writeReplicated("/parameters/run_state/\(key)", shape: [values.count], values: values)
            }
        }
        try file.close()
    }

    /// Collective: every rank's rows (and per-particle `fields`) moved to the rank that writes their ids, in blocks
    /// of the id range in rank order, and sorted by id: concatenated in rank order, the rows are in id order.
    static func inIDOrder(_ s: ParticleSnapshot, fields: [ParticleField], forces: Bool, virials: Bool,
                          communicator comm: Communicator) -> (ParticleSnapshot, [ParticleField]) {
        let span = max(comm.allreduce(s.ids.max() ?? -1, .max) + 1, 1), ranks = comm.size
        let widths = fields.map(\.width)
        let rows = s.rows(forces: forces, virials: virials, extra: fields.map { ($0.width, $0.values) })
        let destinations = s.ids.map { min(ranks - 1, $0 * ranks / span) }
        let stride = ParticleSnapshot.rowStride(dimension: s.dimension, forces: forces, virials: virials, extra: widths)
        let received = comm.route(rows: rows, destinations: destinations, stride: stride).rows
        let (sorted, extra) = s.fromRows(received, forces: forces, virials: virials, extraWidths: widths)
        return (sorted, zip(fields, extra).map { ParticleField(name: $0.name, width: $0.width, values: $1, unit: $0.unit) })
    }

    /// Local: the `parameters/run_state/<key>` datasets of a checkpoint that exist among `keys`.
    public static func readRunState(path: String, keys: [String]) throws -> [String: [Double]] {
        let file = try HDF5File.openForReading(path: path)
        var state: [String: [Double]] = [:]
        for key in keys where file.contains("/parameters/run_state/\(key)") {
            state[key] = try file.read(name: "/parameters/run_state/\(key)").values
        }
        return state
    }

    /// Local: reads an H5MD snapshot (the last frame of `particles/all`), sorted by id. Files from other
    /// writers need `position`, `box/edges` (a dataset [d], or a time-dependent element of lengths [frames, d]
    /// or edge vectors [frames, d, d] whose only tilt is a₂'s x component, read as the strain); missing `id` means
    /// ids 0..N−1 in row order, missing `image` zeros (then every position must lie in the box), missing
    /// `species` 0, missing `diameter` 1. Files of StressFlux before 0.1.1 (static `box/edges`, `id` [1, N, 1],
    /// rows in rank order) read the same.
    public static func read(path: String) throws -> ParticleSnapshot {
        let whole = try read(path: path, block: 0, of: 1)
        let order = (0..<whole.count).sorted { whole.ids[$0] < whole.ids[$1] }
        return whole.reordered(order)
    }

    /// Rows [k·N/parts, (k+1)·N/parts) of the last frame, in file order, with the whole header: rank k's block of a
    /// snapshot read by hyperslabs, no rank reading more than its share of the particle data. The file's layout as
    /// ``read(path:)`` describes it. Local without `communicator`; with it, collective: every rank of `communicator`
    /// (rank k of parts) reads its block by collective MPI-IO transfers, and every check that depends on a rank's own
    /// rows comes after the last of them, so a failing rank never leaves the others waiting.
    public static func read(path: String, block k: Int, of parts: Int, communicator: Communicator? = nil) throws -> ParticleSnapshot {
        let file = try communicator.map { try HDF5File.openForReading(path: path, communicator: $0) } ?? HDF5File.openForReading(path: path)
        func bad(_ reason: String) -> FormatError { .badFile(path: path, format: "H5MD", reason: reason) }
        guard file.contains("/particles/all/position/value") else {
            throw bad("no /particles/all/position/value in the file, write snapshots with particles/all/position and box/edges")
        }
        let shape = try file.extents(of: "/particles/all/position/value")
        guard shape.count == 3, shape[2] == 2 || shape[2] == 3, shape[0] >= 1 else {
            throw bad("particles/all/position/value has shape \(shape), expected [frames, N, d] with d = 2 or 3")
        }
        let n = shape[1], d = shape[2], rows = (k * n / parts)..<((k + 1) * n / parts)
        var strain = 0.0, edges: [Double]
        if file.contains("/particles/all/box/edges/value") {
            let value = try file.read(name: "/particles/all/box/edges/value")
            let frame = Array(value.values.suffix(value.extents.count == 3 ? d * d : d))
            if value.extents.count == 3 {
                guard value.extents.suffix(2) == [d, d] else { throw bad("box/edges/value has shape \(value.extents), expected [frames, \(d), \(d)]") }
                edges = (0..<d).map { frame[$0 * d + $0] }
                let tilts = (0..<(d * d)).filter { $0 % (d + 1) != 0 && $0 != d && frame[$0] != 0 }
                guard tilts.isEmpty else {
                    throw bad("the box is tilted other than by a shear along x with gradient along y (edge vectors \(frame)), StressFlux reads Lees–Edwards boxes only")
                }
                strain = frame[d] / edges[1]
            } else {
                guard value.extents.last == d else { throw bad("box/edges/value has shape \(value.extents), expected [frames, \(d)]") }
                edges = frame
            }
        } else {
            guard file.contains("/particles/all/box/edges") else { throw bad("no /particles/all/box/edges in the file, write the box") }
            edges = try file.read(name: "/particles/all/box/edges").values
            guard edges.count == d else { throw bad("box/edges has \(edges.count) values for \(d)-dimensional positions") }
        }
        /// This block's rows of a per-particle element of `width` values per particle: the last frame of a time series
        /// (`…/value`, [frames, N(, w)]) or a time-independent dataset ([N(, w)]); nil when absent.
        func element(_ name: String, width: Int) throws -> [Double]? {
            guard file.contains(name) else { return nil }
            let extents = try file.extents(of: name), series = name.hasSuffix("/value")
            let axis = series ? 1 : 0
            guard extents.count > axis, extents[axis] == n, extents[(axis + 1)...].reduce(1, *) == width else {
                throw bad("\(name) has shape \(extents): the particle elements disagree on the number of particles (\(n)), check the file")
            }
            return try file.read(name: name, rows: rows, axis: axis, leading: series ? [extents[0] - 1] : [])
        }
        let positions = try element("/particles/all/position/value", width: d)!
        let ids = try element("/particles/all/id/value", width: 1) ?? rows.map(Double.init)
        let images = try element("/particles/all/image/value", width: d)
        let species = try element("/particles/all/species", width: 1) ?? rows.map { _ in 0 }
        let diameters = try element("/particles/all/diameter", width: 1) ?? rows.map { _ in 1 }
        let forces = try element("/particles/all/force/value", width: d)
        let virials = file.contains("/particles/all/virial/value")
            ? try element("/particles/all/virial/value", width: try file.extents(of: "/particles/all/virial/value").last!) : nil
        if images == nil, let j = positions.indices.first(where: { !(positions[$0] >= -1e-9 * edges[$0 % d] && positions[$0] < edges[$0 % d] * (1 + 1e-9)) }) {
            // Without image counters a position outside the box is ambiguous (wrapped or not), and displacements between
            // snapshots would be wrong by whole box lengths.
            throw bad("particle \(Int(ids[j / d])) lies outside the box along axis \(j % d) "
                + "(\(positions[j]) not in [0, \(edges[j % d]))) and the file has no particles/all/image: wrap positions into the box and write their image counters")
        }
        let names = file.readStringArrayAttribute("species_names", at: "/parameters/stressflux")
        let speciesCount = names?.count ?? Int(species.max() ?? 0) + 1  // of this block: ``SnapshotFormat`` agrees on all ranks'
        var snapshot = ParticleSnapshot(
            dimension: d, box: edges, step: file.contains("/particles/all/position/step")
                ? Int((try file.read(name: "/particles/all/position/step")).values.last ?? 0) : 0,
            ids: ids.map { Int($0) }, positions: positions,
            images: images.map { $0.map { Int32($0) } } ?? Array(repeating: 0, count: rows.count * d),
            species: species.map { Int32($0) },
            speciesNames: names ?? (0..<speciesCount).map { String(UnicodeScalar(UInt8(65 + $0 % 26))) },
            diameters: diameters)
        snapshot.forces = forces
        snapshot.virials = virials
        snapshot.strain = file.contains("/parameters/lees_edwards/strain")
            ? try file.read(name: "/parameters/lees_edwards/strain").values.first ?? 0 : strain
        return snapshot
    }
}
