import Fields
import Foundation

/// What the stress budget measures and on which grids (physics.md §3.6, §4–6), validated once for `analyze` and
/// for the analysis in line with `run`: the scales, each with its own grid (its ℓ/h checked here and nowhere
/// else), the kernel, the route, a region, and the warnings to print.
public struct MeasurementPlan {
    /// The names a front end gives these parameters, for error messages (a command's options, a config's keys):
    /// the plan says which parameter is wrong, the front end says how the user spells it.
    public struct Names: Sendable {
        public var scales: String
        public var grid: String
        public var pointsPerEll: String
        public var allowCoarseGrid: String
        /// The pair-sum check, where the front end offers it.
        public var checkPairs: String?

        public init(scales: String, grid: String, pointsPerEll: String, allowCoarseGrid: String, checkPairs: String? = nil) {
            self.scales = scales
            self.grid = grid
            self.pointsPerEll = pointsPerEll
            self.allowCoarseGrid = allowCoarseGrid
            self.checkPairs = checkPairs
        }
    }

    /// One scale ℓ on its grid.
    public struct Scale: Sendable {
        public let ell: Double
        /// Grid points along x, y[, z].
        public let points: [Int]
        /// h, the same along every axis.
        public let spacing: Double
        /// ℓ/h.
        public var resolution: Double { ell / spacing }
    }

    public let scales: [Scale]
    public let kernel: any Kernel
    public let route: BudgetAnalysis.Route
    public let region: AnalysisRegion?
    /// Whether grids below ℓ/h = ``ResolutionFloor/floor`` were allowed (recorded in the outputs).
    public let allowCoarseGrid: Bool
    /// One line per scale below ℓ/h = ``ResolutionFloor/recommended``, for rank 0 to print.
    public let warnings: [String]
    /// Whether every scale is also evaluated by the pair sums (``PairSumCheck``), and the check's name for messages.
    public let checkPairs: Bool
    let checkName: String

    /// Validates the scales (positive, increasing) and picks each one's grid: `grid` (x, y[, z]) for all, or the
    /// coarsest FFT-friendly one with ℓ/h ≥ `pointsPerEll` (exactly one of the two), in `box` over `ranks` slabs.
    /// `checkPairs` adds the pair-sum check (``PairSumCheck``), which needs the Gaussian kernel.
    ///
    /// - Throws: ``StudyError/invalidOption(name:value:expected:)`` naming the parameter as `names` spell it.
    public init(scales ells: [Double], grid: [Int]?, pointsPerEll: Double?, kernel: any Kernel, route: BudgetAnalysis.Route,
                region: AnalysisRegion?, allowCoarseGrid: Bool, box: [Double], ranks: Int, names: Names,
                checkPairs: Bool = false) throws {
        let text = ells.map { "\($0)" }.joined(separator: ",")
        guard !ells.isEmpty, ells.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StudyError.invalidOption(name: names.scales, value: text, expected: "give positive scales, like 0.5,1,2")
        }
        guard zip(ells, ells.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StudyError.invalidOption(name: names.scales, value: text, expected: "give increasing scales without repeats, like 0.5,1,2")
        }
        guard (grid == nil) != (pointsPerEll == nil) else {
            throw StudyError.invalidOption(name: names.grid, value: grid.map { $0.map(String.init).joined(separator: "x") } ?? "none",
                                           expected: "give either \(names.grid) N or \(names.pointsPerEll) P, not both")
        }
        if let pointsPerEll, !(pointsPerEll >= 1 && pointsPerEll.isFinite) {
            throw StudyError.invalidOption(name: names.pointsPerEll, value: "\(pointsPerEll)",
                                           expected: "give ℓ/h ≥ 1 (5 keeps the residual near 1e-10, physics.md §3.6)")
        }
        checkName = names.checkPairs ?? "the pair-sum check"
        if checkPairs && !(kernel is GaussianKernel) {
            throw StudyError.invalidOption(name: checkName, value: kernel.name, expected: "the pair sums (physics.md §3.7b) need the Gaussian kernel")
        }
        var scales: [Scale] = [], warnings: [String] = []
        for ell in ells {
            let points = try grid ?? ScaleGrid.points(box: box, ell: ell, pointsPerEll: pointsPerEll!, ranks: ranks, names: names)
            try DensityDeposit.checkGrid(points, box: box, name: names.grid)
            let checked = try DepositionGrid(extents: [points[1], points[0]] + points.dropFirst(2), box: [box[1], box[0]] + box.dropFirst(2), scale: ell)
            if let warning = try ResolutionFloor.check(ell: ell, points: points, spacing: checked.spacing, box: box, ranks: ranks,
                                                       allowCoarse: allowCoarseGrid, names: names) {
                warnings.append("warning: " + warning)
            }
            scales.append(Scale(ell: ell, points: points, spacing: checked.spacing))
        }
        self.scales = scales
        self.kernel = kernel
        self.route = route
        self.region = region
        self.allowCoarseGrid = allowCoarseGrid
        self.warnings = warnings
        self.checkPairs = checkPairs
    }
}
