import Fields
import Parallel

/// The grids of a plan's scales, each with its decomposition and the two transforms the budget uses (the
/// deposition's and the bond integrals'), made once and shared by the scales on the same grid — and, in line
/// with `run`, by every analysis step (FFTW plans are not remade).
final class ScaleWorkspaces {
    /// One grid.
    struct Workspace {
        let decomposition: SlabDecomposition
        let fft: SlabFFT
        let work: SlabFFT
        let spacing: Double
        /// Points along x, y[, z].
        let points: [Int]
    }

    private var made: [[Int]: Workspace] = [:]
    let box: [Double]
    let effort: PlannerEffort
    let communicator: Communicator

    init(box: [Double], effort: PlannerEffort, communicator: Communicator) {
        self.box = box
        self.effort = effort
        self.communicator = communicator
    }

    /// Collective: the workspace of the grid of `points` (x, y[, z]; checked by ``MeasurementPlan``).
    func workspace(_ points: [Int]) throws -> Workspace {
        if let known = made[points] { return known }
        let extents = [points[1], points[0]] + points.dropFirst(2), gridBox = [box[1], box[0]] + box.dropFirst(2)
        let decomposition = try SlabDecomposition(grid: GridShape(extents), box: gridBox, communicator: communicator)
        let space = Workspace(decomposition: decomposition, fft: SlabFFT(decomposition: decomposition, effort: effort),
                              work: SlabFFT(decomposition: decomposition, effort: effort), spacing: gridBox[0] / Double(extents[0]), points: points)
        made[points] = space
        return space
    }
}
