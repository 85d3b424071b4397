import Foundation
import Parallel
import Particles

/// Particle snapshots in H5MD 1.1 (https://www.nongnu.org/h5md/h5md.html), written collectively with
/// parallel HDF5, one frame per file:
///
/// - `h5md/` version 1.1, `author`, `creator` (StressFlux and its version);
/// - `particles/all/box`: attributes `dimension`, `boundary` ("periodic" per axis), dataset `edges`;
/// - `particles/all/{position, image, id, force, virial}`: time-dependent elements (`step`, `time`,
///   `value` of shape [1, N, …]); `species` and `diameter`: time-independent datasets [N];
/// - `parameters/stressflux`: attributes `units`, `species_names`, `virial_components`, `ranks`, `config`;
/// - `parameters/run_state` (checkpoints only): what a restart needs besides the particles, e.g. the
///   plastic-event detector's history;
/// - `parameters/lees_edwards` (sheared boxes only): datasets `strain` (γ) and `offset` (γ L_y mod L_x): the
///   image above the box is shifted by +γ L_y along x; unwrapped x = x + n_x L_x + n_y γ L_y
///   (``ParticleSnapshot/strain``, physics.md §1.5b).
///
/// Rows are in rank order, not id order: the `id` element names each row's particle (readers sort).
/// Positions are wrapped into [0, L) with images; `virial` is the per-particle virial of physics.md §2.2.
public enum H5MDSnapshot {
    /// Units of every quantity, as written into each file (physics.md §1.2).
    public static let units = "lengths in l0 (small-particle diameter), energies in V0, time in l0^2/(mu V0), "
        + "forces in V0/l0, virials in V0, stress in V0/l0^d, T_v = kB T/V0"

    /// Collective: writes the owned particles of every rank to `path` (atomically: `<path>.partial`, then rename).
    public static func write(_ system: ParticleSystem, to path: String, time: Double, includeForces: Bool,
                             config: String = "", runState: [String: [Double]] = [:]) throws {
        try write(local: system.localSnapshot(includeForces: includeForces), communicator: system.communicator,
                  to: path, time: time, config: config, runState: runState)
    }

    /// A per-particle quantity written beside the standard elements as `particles/all/<name>` (a
    /// time-dependent element of `width` values per particle, in the snapshot's row order).
    public struct ParticleField: Sendable {
        public var name: String
        public var width: Int
        public var values: [Double]
        public init(name: String, width: Int, values: [Double]) {
            self.name = name
            self.width = width
            self.values = values
        }
    }

    /// Collective: every rank writes the rows of its `local` snapshot (one rank may hold all of them and
    /// the others none), forces and virials when the snapshot has them, `fields` per particle, and
    /// `runState` as datasets `parameters/run_state/<key>` (what a restart needs besides the particles).
    public static func write(local: ParticleSnapshot, communicator comm: Communicator, to path: String, time: Double,
                             config: String = "", fields: [ParticleField] = [], runState: [String: [Double]] = [:]) throws {
        let d = local.dimension, n = local.count, box = local.box
        let counts = comm.allgather(n)
        let total = counts.reduce(0, +), offset = counts[..<comm.rank].reduce(0, +)
        let wrapped = local.wrapped()  // positions drift out of the box between the engine's rebuilds
        let positions = wrapped.positions, images = wrapped.images
        let file = try HDF5File.create(path: path, communicator: comm)
        try file.createGroup("/h5md/author")
        try file.createGroup("/h5md/creator")
        try file.writeAttribute("version", integers: [1, 1], at: "/h5md")
        try file.writeAttribute("name", NSUserName(), at: "/h5md/author")
        try file.writeAttribute("name", "StressFlux", at: "/h5md/creator")
        try file.writeAttribute("version", BuildInfo.version, at: "/h5md/creator")
        try file.createGroup("/particles/all/box")
        try file.writeAttribute("dimension", integers: [d], at: "/particles/all/box")
        try file.writeAttribute("boundary", strings: Array(repeating: "periodic", count: d), at: "/particles/all/box")
        try file.writeReplicated("/particles/all/box/edges", shape: [d], values: box)
        if local.strain != 0 {
            let offset = (local.strain * box[1]).truncatingRemainder(dividingBy: box[0])
            try file.createGroup("/parameters/lees_edwards")
            try file.writeReplicated("/parameters/lees_edwards/strain", shape: [1], values: [local.strain])
            try file.writeReplicated("/parameters/lees_edwards/offset", shape: [1], values: [offset < 0 ? offset + box[0] : offset])
        }
        func element<T: HDF5Element>(_ name: String, _ values: [T], width: Int) throws {
            try file.writeReplicated("/particles/all/\(name)/step", shape: [1], values: [Int64(local.step)])
            try file.writeReplicated("/particles/all/\(name)/time", shape: [1], values: [time])
            try values.withUnsafeBufferPointer {
                try file.writeBlock("/particles/all/\(name)/value", shape: [1, total, width], start: [0, offset, 0],
                                    count: [1, n, width], values: $0)
            }
        }
        try element("position", positions, width: d)
        try element("image", images, width: d)
        try element("id", local.ids.map(Int64.init), width: 1)
        let withForces = comm.allreduce(local.forces == nil ? 0 : 1, .min) == 1
        if withForces {
            try element("force", local.forces!, width: d)
            if comm.allreduce(local.virials == nil ? 0 : 1, .min) == 1 { try element("virial", local.virials!, width: d == 2 ? 3 : 6) }
        }
        for field in fields { try element(field.name, field.values, width: field.width) }
        try local.species.withUnsafeBufferPointer {
            try file.writeBlock("/particles/all/species", shape: [total], start: [offset], count: [n], values: $0)
        }
        try local.diameters.withUnsafeBufferPointer {
            try file.writeBlock("/particles/all/diameter", shape: [total], start: [offset], count: [n], values: $0)
        }
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
    /// writers need `position`, `box/edges`; missing `id` means ids 0..N−1 in row order, missing
    /// `image` zeros (then every position must lie in the box), missing `species` 0, missing `diameter` 1.
    public static func read(path: String) throws -> ParticleSnapshot {
        let file = try HDF5File.openForReading(path: path)
        func need(_ name: String) throws -> (extents: [Int], values: [Double]) {
            guard file.contains(name) else {
                throw FormatError.badFile(path: path, format: "H5MD", reason: "no \(name) in the file, write snapshots with particles/all/position and box/edges")
            }
            return try file.read(name: name)
        }
        func lastFrame(_ data: (extents: [Int], values: [Double])) -> [Double] {
            guard data.extents.count == 3 else { return data.values }
            let frame = data.extents[1] * data.extents[2]
            return Array(data.values.suffix(frame))
        }
        let edges = try need("/particles/all/box/edges").values
        let d = edges.count
        let position = try need("/particles/all/position/value")
        let positions = lastFrame(position)
        let n = positions.count / d
        let optional = { (name: String, fallback: Double) -> [Double] in
            file.contains(name) ? ((try? file.read(name: name)).map(lastFrame) ?? []) : Array(repeating: fallback, count: n)
        }
        let ids = file.contains("/particles/all/id/value") ? optional("/particles/all/id/value", 0) : (0..<n).map(Double.init)
        let images = file.contains("/particles/all/image/value") ? optional("/particles/all/image/value", 0) : []
        let species = optional("/particles/all/species", 0)
        let diameters = optional("/particles/all/diameter", 1)
        guard ids.count == n, images.count == n * d || images.count == 0, species.count == n, diameters.count == n else {
            throw FormatError.badFile(path: path, format: "H5MD", reason: "particle elements disagree on the number of particles, check the file")
        }
        if images.isEmpty, let k = positions.indices.first(where: { !(positions[$0] >= -1e-9 * edges[$0 % d] && positions[$0] < edges[$0 % d] * (1 + 1e-9)) }) {
            // Without image counters a position outside the box is ambiguous (wrapped or not), and displacements between
            // snapshots would be wrong by whole box lengths.
            throw FormatError.badFile(path: path, format: "H5MD", reason: "particle \(Int(ids[k / d])) lies outside the box along axis \(k % d) "
                + "(\(positions[k]) not in [0, \(edges[k % d]))) and the file has no particles/all/image: wrap positions into the box and write their image counters")
        }
        let order = (0..<n).sorted { ids[$0] < ids[$1] }
        let speciesCount = Int(species.max() ?? 0) + 1
        var snapshot = ParticleSnapshot(
            dimension: d, box: edges, step: file.contains("/particles/all/position/step")
                ? Int((try file.read(name: "/particles/all/position/step")).values.last ?? 0) : 0,
            ids: order.map { Int(ids[$0]) }, positions: order.flatMap { positions[($0 * d)..<(($0 + 1) * d)] },
            images: order.flatMap { i in (0..<d).map { Int32(images.isEmpty ? 0 : images[i * d + $0]) } },
            species: order.map { Int32(species[$0]) },
            speciesNames: file.readStringArrayAttribute("species_names", at: "/parameters/stressflux") ?? (0..<speciesCount).map { String(UnicodeScalar(UInt8(65 + $0 % 26))) },
            diameters: order.map { diameters[$0] })
        if file.contains("/particles/all/force/value") {
            let forces = lastFrame(try file.read(name: "/particles/all/force/value"))
            snapshot.forces = order.flatMap { forces[($0 * d)..<(($0 + 1) * d)] }
        }
        if file.contains("/particles/all/virial/value") {
            let virials = lastFrame(try file.read(name: "/particles/all/virial/value"))
            let c = virials.count / max(n, 1)
            snapshot.virials = order.flatMap { virials[($0 * c)..<(($0 + 1) * c)] }
        }
        if file.contains("/parameters/lees_edwards/strain") {
            snapshot.strain = try file.read(name: "/parameters/lees_edwards/strain").values.first ?? 0
        }
        return snapshot
    }
}
