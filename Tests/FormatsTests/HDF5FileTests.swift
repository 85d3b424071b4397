import Foundation
import TestSupport
import Testing
import Parallel
@testable import Formats

/// Parallel HDF5 through `CHDF5` on the MPI singleton (the 2- and 4-rank collective writes run in the
/// integration tests), and the XDMF sidecar that points at the data.
@Suite(.serialized) struct HDF5FileTests {
    static func folder() throws -> String { try Scratch.folder("stressflux-hdf5") }

    /// A slab written collectively and read back serially is bit-for-bit the same array, and the
    /// file appears under its final name only once closed.
    @Test(arguments: [[6, 5], [4, 3, 5]])
    func writeThenReadIsExact(extents: [Int]) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let grid = try GridShape(extents)
        let path = dir + "/field.h5"
        let values = (0..<grid.pointCount).map { sin(Double($0) * 0.731) * 1e3 + Double($0) }
        let file = try HDF5File.create(path: path, communicator: .world)
        try file.writeAttribute("units", "lengths in l0")
        try values.withUnsafeBufferPointer {
            try file.writeSlabs(name: "/rho", grid: grid, start: 0, planes: extents[0], values: $0)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        try file.close()
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        let read = try HDF5File.openForReading(path: path).read(name: "/rho")
        #expect(read.extents == extents)
        #expect(read.values == values)
    }

    @Test func missingFilesAndDatasetsGiveOneLineErrors() throws {
        #expect(throws: FormatError.hdf5(path: "/nonexistent/x.h5", operation: "open the file for reading")) {
            try HDF5File.openForReading(path: "/nonexistent/x.h5")
        }
        #expect(throws: PeerFailure.self) {
            try HDF5File.create(path: "/nonexistent/dir/x.h5", communicator: .world)
        }
    }

    /// The sidecar parses as XML and names the grid's shape and the dataset: a periodic 2D grid is one layer of a
    /// `3DCoRectMesh` (a `2DCoRectMesh` lands in ParaView's Y–Z plane), a 3D grid a `3DSMesh` with the nodes' lab
    /// coordinates (its storage order (y, x, z) is not XDMF's (z, y, x)).
    @Test func xdmfSidecarNamesShapeAndDataset() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let flat = XDMFSidecar.Grid(name: "rho & co", extents: [16, 8], spacing: [0.5, 0.25], coordinates: nil,
                                    fields: [.init(name: "rho", file: "field.h5", dataset: "/rho")])
        try XDMFSidecar(grids: [flat]).write(to: dir + "/flat.xdmf")
        let parsed = try XDMFSummary(path: dir + "/flat.xdmf")
        #expect(parsed.topology == "3DCoRectMesh")
        #expect(parsed.topologyDimensions == "1 16 8")
        #expect(parsed.attributeDimensions == ["1 16 8"])
        #expect(parsed.hdfPaths == ["field.h5:/rho"])
        #expect(parsed.gridName == "rho & co")
        let solid = XDMFSidecar.Grid(name: "g", extents: [32, 16, 8], spacing: [0.5, 0.25, 0.125], coordinates: ("field.h5", "/geometry/grid0"),
                                     fields: [.init(name: "rho", file: "field.h5", dataset: "/rho")])
        try XDMFSidecar(grids: [solid]).write(to: dir + "/solid.xdmf")
        let parsed3 = try XDMFSummary(path: dir + "/solid.xdmf")
        #expect(parsed3.topology == "3DSMesh" && parsed3.topologyDimensions == "32 16 8")
        let xml = try String(contentsOfFile: dir + "/solid.xdmf", encoding: .utf8)
        #expect(parsed3.hdfPaths == ["field.h5:/rho"] && xml.contains("field.h5:/geometry/grid0"))
    }
}
