import Foundation
import Parallel

/// Grid fields in one parallel HDF5 file with its XDMF sidecar (ParaView, VisIt): `deposit`'s `density.h5`,
/// `analyze`'s `analysis.h5`, the self-check's `selfcheck.h5`.
///
/// Every rank writes its own slab planes; nothing is gathered. Datasets keep the storage order of the slabs,
/// (y, x[, z]) (design.md, "Decomposition"), each with attributes `quantity`, `unit` and `grid`; the root
/// carries ``FileMetadata``. A grid whose nodes need explicit lab coordinates (3D, or sheared: stored in
/// x' = x − γ' y, physics.md §1.5b) gets the dataset `/geometry/grid<k>` of shape extents + [3] holding each
/// node's (x, y, z), so the sidecar places every value where it is in the lab (``XDMFSidecar``).
public final class FieldFile {
    public let path: String
    private let file: HDF5File
    private let communicator: Communicator
    private var grids: [(name: String, grid: XDMFSidecar.Grid)] = []
    private var fields: [String: [XDMFSidecar.Field]] = [:]
    private var decompositions: [String: SlabDecomposition] = [:]

    /// Collective: creates `path` (atomically, ``HDF5File``) with `metadata` on its root.
    public init(path: String, communicator: Communicator, metadata: FileMetadata) throws {
        self.path = path
        self.communicator = communicator
        file = try HDF5File.create(path: path, communicator: communicator)
        try metadata.write(to: file)
    }

    private var fileName: String { (path as NSString).lastPathComponent }

    /// Whether grid `name` has been declared.
    public func contains(grid name: String) -> Bool { decompositions[name] != nil }

    /// Collective: declares grid `name` on the slabs of `decomposition` (extents and box in storage order
    /// (y, x[, z])), whose x axis is sheared as x' = x − `shear` · y (0: a periodic orthogonal grid).
    public func addGrid(_ name: String, decomposition: SlabDecomposition, shear: Double) throws {
        precondition(!contains(grid: name), "grid \(name) declared twice")
        let extents = decomposition.grid.extents, spacing = decomposition.spacing, d = extents.count
        var coordinates: (file: String, dataset: String)?
        if XDMFSidecar.Grid.needsCoordinates(dimension: d, shear: shear) {
            let dataset = "/geometry/grid\(grids.count)"
            let planeSize = decomposition.grid.planeSize
            var xyz = [Double](repeating: 0, count: decomposition.count * planeSize * 3)
            for p in 0..<decomposition.count {
                let y = Double(decomposition.start + p) * spacing[0]
                for q in 0..<planeSize {
                    let i = d == 2 ? q : q / extents[2], k = d == 2 ? 0 : q % extents[2]
                    let node = (p * planeSize + q) * 3
                    xyz[node] = Double(i) * spacing[1] + shear * y
                    xyz[node + 1] = y
                    xyz[node + 2] = Double(k) * (d == 3 ? spacing[2] : 0)
                }
            }
            try xyz.withUnsafeBufferPointer {
                try file.writeBlock(dataset, shape: extents + [3], start: [decomposition.start] + Array(repeating: 0, count: d),
                                    count: [decomposition.count] + extents.dropFirst() + [3], values: $0)
            }
            try file.writeAttribute("grid", name, at: dataset)
            try file.writeAttribute("quantity", "lab coordinates (x, y, z) of the grid nodes", at: dataset)
            try file.writeAttribute("unit", "l0", at: dataset)
            coordinates = (fileName, dataset)
        }
        decompositions[name] = decomposition
        grids.append((name, XDMFSidecar.Grid(name: name, extents: extents, spacing: spacing, coordinates: coordinates, fields: [])))
    }

    /// Collective: dataset `/<name>` on `grid`: every rank passes its own planes, C order.
    public func write(_ name: String, grid: String, quantity: String, unit: String, values: [Double]) throws {
        guard let decomposition = decompositions[grid] else { preconditionFailure("grid \(grid) not declared") }
        let dataset = "/" + name
        try values.withUnsafeBufferPointer {
            try file.writeSlabs(name: dataset, grid: decomposition.grid, start: decomposition.start, planes: decomposition.count, values: $0)
        }
        try file.writeAttribute("quantity", quantity, at: dataset)
        try file.writeAttribute("unit", unit, at: dataset)
        try file.writeAttribute("grid", grid, at: dataset)
        fields[grid, default: []].append(.init(name: name, file: fileName, dataset: dataset))
    }

    /// Collective: closes the HDF5 file, then rank 0 writes one XDMF sidecar per entry of `sidecars` (its path
    /// and the grids it shows, all grids when nil).
    public func close(sidecars: [(path: String, grids: [String]?)]) throws {
        try file.close()
        try communicator.agree {
            guard communicator.isRoot else { return }
            for sidecar in sidecars {
                let shown = grids.filter { sidecar.grids?.contains($0.name) ?? true }.map { entry in
                    XDMFSidecar.Grid(name: entry.name, extents: entry.grid.extents, spacing: entry.grid.spacing,
                                     coordinates: entry.grid.coordinates, fields: fields[entry.name] ?? [])
                }
                try XDMFSidecar(grids: shown).write(to: sidecar.path)
            }
        }
    }
}
