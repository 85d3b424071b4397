import Foundation
import Parallel
import Particles
import TestSupport
import Testing
@testable import Formats

/// H5MD 1.1 as readers expect it (the layout of ``H5MDSnapshot``), on the MPI singleton; the 2-rank id ordering
/// and the other readers run in the integration tests.
@Suite(.serialized) struct H5MDSnapshotTests {
    /// A sheared snapshot whose rows are not in id order and whose positions left the box.
    static func sheared() -> ParticleSnapshot {
        var s = ParticleSnapshot(dimension: 2, box: [4, 5], step: 7, ids: [2, 0, 1], positions: [1.5, 5.5, 0.25, 0.5, 3.75, -0.25],
                                 images: [0, 0, 1, 0, 0, 0], species: [1, 0, 0], speciesNames: ["A", "B"], diameters: [1.4, 1, 1])
        s.strain = 0.3
        return s
    }

    /// Rows in id order, `id` [1, N], the box as a time series of edge vectors [1, d, d] with a₂ = (γ L_y, L_y),
    /// `unit` attributes, metadata on the root; read back, the configuration is the same up to the wrap (the
    /// unwrapped positions agree to rounding) with the exact strain.
    @Test func layoutAndRoundTrip() throws {
        let dir = try Scratch.folder("h5md")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.h5", s = Self.sheared()
        try H5MDSnapshot.write(local: s, communicator: .world, to: path, time: 0.07, config: "[system]\ndimension = 2")
        let file = try HDF5File.openForReading(path: path)
        #expect(try file.read(name: "/particles/all/id/value").extents == [1, 3])
        #expect(try file.read(name: "/particles/all/id/value").values == [0, 1, 2])
        let edges = try file.read(name: "/particles/all/box/edges/value")
        #expect(edges.extents == [1, 2, 2] && edges.values == [4, 0, 0.3 * 5, 5])
        #expect(file.readStringAttribute("unit", at: "/particles/all/box/edges/value") == "l0")
        #expect(file.readStringAttribute("unit", at: "/particles/all/diameter") == "l0")
        #expect(file.readStringAttribute("unit", at: "/particles/all/position/value") == nil, "MDAnalysis refuses reduced units there")
        #expect(file.readStringAttribute("stressflux_unit", at: "/particles/all/position/value") == "l0")
        #expect(file.readNumericAttribute("box") == [4, 5] && file.readNumericAttribute("strain") == [0.3])
        #expect(file.readStringAttribute("configuration") == "[system]\ndimension = 2")
        let back = try H5MDSnapshot.read(path: path)
        #expect(back.ids == [0, 1, 2] && back.strain == 0.3 && back.step == 7 && back.diameters == [1, 1, 1.4])
        let box = ShearedBox(back), original = ShearedBox(s)
        for k in 0..<s.count {  // row k of s holds id s.ids[k], row id of the sorted read
            let id = s.ids[k], a = original.unwrapped(s, k), b = box.unwrapped(back, id)
            #expect(abs(a.x - b.x) <= 1e-14 && abs(a.y - b.y) <= 1e-14, "id \(id): \(a) vs \(b)")
        }
    }

    /// A file of StressFlux before 0.1.1 (static `box/edges` [d], `id` [1, N, 1], rows in rank order, the strain only
    /// in `parameters/lees_edwards`) reads as before.
    @Test func earlierFilesStillRead() throws {
        let dir = try Scratch.folder("h5md-old")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.h5"
        let file = try HDF5File.create(path: path, communicator: .world)
        try file.writeReplicated("/particles/all/box/edges", shape: [2], values: [4.0, 5.0])
        try file.writeReplicated("/particles/all/position/value", shape: [1, 2, 2], values: [1.0, 2.0, 3.0, 4.0])
        try file.writeReplicated("/particles/all/image/value", shape: [1, 2, 2], values: [Int32(0), 1, 0, 0])
        try file.writeReplicated("/particles/all/id/value", shape: [1, 2, 1], values: [Int64(1), 0])
        try file.writeReplicated("/parameters/lees_edwards/strain", shape: [1], values: [0.25])
        try file.close()
        let s = try H5MDSnapshot.read(path: path)
        #expect(s.ids == [0, 1] && s.positions == [3, 4, 1, 2] && s.images == [0, 0, 0, 1] && s.strain == 0.25 && s.box == [4, 5])
    }
}
