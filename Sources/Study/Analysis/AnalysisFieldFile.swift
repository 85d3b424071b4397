import Fields
import Formats
import Foundation
import Parallel

/// The fields of one budget analysis (`analysis.h5` of `analyze`, `analysis-<step>.h5` in line with `run`) with the
/// plan's metadata: one grid block per distinct grid, declared by the first field written on it, in the sheared
/// coordinates x' = x − γ' y of the grid (γ' the Lees–Edwards strain reduced by whole L_x/L_y, physics.md §1.5b).
struct AnalysisFieldFile {
    let file: FieldFile
    let strain: Double

    /// Collective: creates the file at `path`; `numbers` and `words` add to the plan's metadata.
    init(path: String, plan: MeasurementPlan, particles: SlabParticles, numbers: [String: Double] = [:], words: [String: String] = [:],
         communicator: Communicator) throws {
        strain = particles.strain
        file = try FieldFile(path: path, communicator: communicator, metadata: FileMetadata(
            configuration: FileMetadata.commandLine, ranks: communicator.size, box: particles.box, strain: particles.strain,
            numbers: numbers.merging(["allow_coarse_grid": plan.allowCoarseGrid ? 1 : 0]) { a, _ in a }, lists: ["scales": plan.scales.map(\.ell)],
            words: words.merging(["kernel": plan.kernel.name, "route": plan.route.rawValue, "axes": particles.dimension == 2 ? "y, x" : "y, x, z",
                                  "coordinates": "sheared grids: x' = x - g y, g the Lees-Edwards strain reduced by whole Lx/Ly (datasets /geometry/grid<k> hold each node's lab x, y, z)"]) { a, _ in a }))
    }

    /// Collective when called: writes a field on `space`'s grid, declaring the grid on first use.
    func sink(_ space: ScaleWorkspaces.Workspace) -> ScaleAnalysis.FieldSink {
        let grid = "budget on " + space.points.map(String.init).joined(separator: "x"), file = file, strain = strain
        return { name, values, quantity, unit in
            if !file.contains(grid: grid) {  // the reduction depends on the box alone: any scale ≥ h will do
                let sheared = try DepositionGrid(extents: space.decomposition.grid.extents, box: space.decomposition.box, scale: space.spacing)
                    .reducedStrain(strain)
                try file.addGrid(grid, decomposition: space.decomposition, shear: sheared)
            }
            try file.write(name, grid: grid, quantity: quantity, unit: unit, values: values)
        }
    }

    /// Collective: closes the file and writes its XDMF sidecar at `sidecar`.
    func close(sidecar: String) throws { try file.close(sidecars: [(sidecar, nil)]) }
}
