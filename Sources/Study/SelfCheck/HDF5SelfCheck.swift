import Formats
import Foundation
import Parallel

/// Parallel HDF5: a slab-distributed field written collectively and read back serially on rank 0
/// equals the gathered array exactly; an XDMF sidecar names the file, dataset and shape.
enum HDF5SelfCheck {
    static let fileName = "selfcheck.h5"

    /// Dataset and sidecar names for a grid of dimension `d`.
    static func dataset(_ dimension: Int) -> String { "/field\(dimension)d" }
    static func sidecar(_ dimension: Int) -> String { "selfcheck-\(dimension)d.xdmf" }

    static func run(_ decompositions: [SlabDecomposition], folder: String) throws -> [SelfCheck.Result] {
        let comm = decompositions[0].communicator
        let path = (folder as NSString).appendingPathComponent(fileName)
        let file = try FieldFile(path: path, communicator: comm, metadata: FileMetadata(
            configuration: FileMetadata.commandLine, ranks: comm.size, box: decompositions[0].box, strain: 0, words: ["creator": "stressflux \(BuildInfo.version) selfcheck"]))
        var locals: [[Double]] = []
        for d in decompositions {
            let planeSize = d.grid.planeSize
            let local = (d.start * planeSize..<(d.start + d.count) * planeSize).map { TestPattern.uniform($0, seed: 77) }
            try file.addGrid("selfcheck \(d.grid)", decomposition: d, shear: 0)
            try file.write(String(dataset(d.grid.dimension).dropFirst()), grid: "selfcheck \(d.grid)", quantity: "test pattern", unit: "1", values: local)
            locals.append(local)
        }
        try file.close(sidecars: decompositions.map { d in
            ((folder as NSString).appendingPathComponent(sidecar(d.grid.dimension)), ["selfcheck \(d.grid)"])
        })
        var results: [SelfCheck.Result] = []
        for (d, local) in zip(decompositions, locals) {
            let gathered = comm.gather(local, root: 0)
            let mismatch = try comm.agree { () throws -> Double in
                guard let gathered else { return 0 }
                let read = try HDF5File.openForReading(path: path).read(name: dataset(d.grid.dimension))
                guard read.extents == d.grid.extents else { return 1 }
                return zip(read.values, gathered).map { abs($0 - $1) }.max() ?? 1
            }
            results.append(.init(name: "hdf5 collective write, serial read \(d.grid.dimension)D \(d.grid)",
                                 error: comm.allreduce(mismatch, .max), tolerance: 0))
        }
        return results
    }
}
