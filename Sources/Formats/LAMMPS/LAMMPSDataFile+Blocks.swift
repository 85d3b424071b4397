import Parallel
import Particles

/// Reading a data file in blocks, every rank its own atom lines (physics-free plumbing for
/// ``SnapshotFormat/readBlock(_:dimension:typeDiameters:communicator:)``).
extension LAMMPSDataFile {
    /// Atoms as read from some atom lines, in line order: `atoms.ids` are the LAMMPS ids, `lines` the 1-based line
    /// numbers (for the message about a repeated id).
    struct AtomBlock {
        var atoms: ParticleSnapshot
        var lines: [Int]

        /// The atoms in order of LAMMPS id, numbered `firstID`, `firstID + 1`, …: particle k of the file is the atom
        /// with the k-th smallest LAMMPS id.
        /// - Throws: ``LAMMPSDataError/duplicateID(path:line:id:firstLine:)`` for the smallest id given twice,
        ///   naming its two earliest lines.
        func inIDOrder(path: String, firstID: Int) throws -> ParticleSnapshot {
            let ids = atoms.ids
            let order = ids.indices.sorted { (ids[$0], lines[$0]) < (ids[$1], lines[$1]) }
            for (a, b) in zip(order, order.dropFirst()) where ids[a] == ids[b] {
                throw LAMMPSDataError.duplicateID(path: path, line: lines[b], id: ids[b], firstLine: lines[a])
            }
            var sorted = atoms.reordered(order)
            sorted.ids = Array(firstID..<(firstID + order.count))
            return sorted
        }
    }

    /// Collective: this rank's share of the atoms of `path`, numbered as ``read(path:dimension:diameters:)`` numbers
    /// them (0-based rank of the LAMMPS id), with the whole header on every rank. Each rank keeps and parses only its
    /// block of atom lines (``excerpt(path:block:of:)``); the atoms then go to the rank that owns their range of
    /// LAMMPS ids (splitters from a regular sample of every rank's sorted ids), which orders them and numbers them
    /// after the ranks before it. A rank ends up with a contiguous range of ids, about N/P of them.
    ///
    /// Errors are the whole file's: the lowest failing rank's first error is the file's first in line order, and
    /// the smallest repeated id lies on the lowest rank that finds a repeat.
    /// - Throws: ``PeerFailure`` carrying the ``LAMMPSDataError`` message, on every rank.
    public static func readBlock(path: String, dimension: Int, diameters: [Int: Double] = [:],
                                 communicator: Communicator) throws -> ParticleSnapshot {
        precondition(dimension == 2 || dimension == 3, "dimension must be 2 or 3, got \(dimension)")
        let (rank, size) = (communicator.rank, communicator.size)
        let read = try communicator.agree {
            var reader = Reader(path: path, excerpt: try excerpt(path: path, block: rank, of: size), dimension: dimension)
            return try reader.block(typeDiameters: diameters)
        }
        let sorted = read.atoms.ids.sorted()
        let samples = (1..<size).compactMap { sorted.isEmpty ? nil : sorted[$0 * sorted.count / size] }
        let pooled = communicator.allgather(samples).sorted()
        let splitters = (1..<size).compactMap { pooled.isEmpty ? nil : pooled[$0 * pooled.count / size] }
        let owners = read.atoms.ids.map { id in  // the number of splitters ≤ id
            var (low, high) = (0, splitters.count)
            while low < high {
                let middle = (low + high) / 2
                if splitters[middle] <= id { low = middle + 1 } else { high = middle }
            }
            return low
        }
        let lines = read.lines.map(Double.init)
        let rows = read.atoms.rows(forces: false, virials: false, extra: [(1, lines)])
        let stride = ParticleSnapshot.rowStride(dimension: dimension, forces: false, virials: false, extra: [1])
        let arrived = communicator.route(rows: rows, destinations: owners, stride: stride).rows
        let (atoms, extra) = read.atoms.fromRows(arrived, forces: false, virials: false, extraWidths: [1])
        let firstID = communicator.allgather(atoms.count).prefix(rank).reduce(0, +)
        return try communicator.agree {
            try AtomBlock(atoms: atoms, lines: extra[0].map { Int($0) }).inIDOrder(path: path, firstID: firstID)
        }
    }
}
