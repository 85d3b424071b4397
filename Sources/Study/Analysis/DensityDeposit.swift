import Fields
import Formats
import Foundation
import Parallel
import Particles

/// `stressflux deposit`: the coarse-grained densities ρ̄_ℓ (all particles and each species) of one
/// configuration on a grid (physics.md §3.3–3.4, §4.1), written as parallel HDF5 with an XDMF sidecar
/// and a JSON report. Every rank reads its block of the file and hands it to the deposition, which routes
/// the particles to the owners of their y; the Hardy stress takes the bonds of each slab's particles from
/// the particle engine's own pair search (``ParticleSystem/forEachInteractingPair(_:)``).
public struct DensityDeposit {
    public enum Method: String, CaseIterable, Codable, Sendable {
        /// Spread with a narrow Gaussian, FFT, multiply by Ĝ and deconvolve (the default: any ℓ at the cost of
        /// ~20 nodes per axis per point and two FFTs, the spectral sums to 1e-12, §3.3).
        case gridded
        /// Footprint deposition with per-particle renormalisation and the reverse halo exchange (§3.4): the
        /// sampled-kernel reference, (2Rℓ/h)^d nodes per point.
        case real
        /// Direct spectral sums, exact for resolved modes, O(N M^d): small systems and checks (§3.3).
        case spectral
    }

    /// `deposit.json`; its keys are a contract for other tools.
    public struct Report: Codable, Sendable {
        public var N: Int
        public var dimension: Int
        /// Box (x, y[, z]).
        public var box: [Double]
        /// Grid points along x, y[, z].
        public var grid: [Int]
        public var spacing: Double
        public var kernel: String
        public var scale: Double
        public var method: String
        /// The input's Lees–Edwards strain and the reduced one γ' of the grid's sheared coordinates x' = x − γ' y.
        public var strain: Double
        public var grid_strain: Double
        /// ∫ρ̄_ℓ for all particles, then per species (equal to the counts up to rounding).
        public var mass: [String: Double]
        /// With a potential (`--stress`): σ^vir = Σ_{i<j} r_ij ⊗ ∇V / |Ω| and the box average of the
        /// deposited Hardy stress σ^H_ℓ (equal up to rounding, physics.md §2.3), keyed xx, yy, xy[, zz, xz, yz].
        public var virial_stress: [String: Double]?
        public var hardy_stress_average: [String: Double]?
        /// With `--stress`: the box average of the deposited per-particle virials Σ_i s_i G_ℓ(x − x_i) / |Ω|,
        /// also equal to σ^vir.
        public var virial_density_average: [String: Double]?
        /// The gridded method's spreading Gaussian: its variance τ/h², nodes per axis and error bound (relative).
        public var spreading: [String: Double]?
        /// λ nodes deposited for the Hardy stress (bonds × nodes per bond), with `--stress`.
        public var hardy_nodes: Int?
        /// Wall times, slowest rank: `fft_pair` (one r2c + c2r on the grid without the 1/N pass, timed as
        /// FFTW-MPI's floor is: the floor of any spectral step),
        /// `density` (the deposition of `rho`), `hardy` (σ^H_ℓ), `multiscale_per_scale` (one Gaussian refilter).
        public var timings_seconds: [String: Double]
        public var ranks: Int
        public var seconds: Double
        public var units = "lengths in l0, densities in 1/l0^d"
        /// ℓ/h of the grid, and whether grids below ℓ/h = 3 were allowed (``ResolutionFloor``).
        public var resolution: Double
        public var allow_coarse_grid: Bool
        public var stressflux = BuildInfo.version
    }

    /// This rank's block of the configuration (``SnapshotFormat/readBlock(_:dimension:typeDiameters:communicator:)``).
    public let block: ParticleSnapshot
    public let kernel: any Kernel
    public let scale: Double
    /// Grid points along x, y[, z].
    public let points: [Int]
    public let method: Method
    /// With a potential, also the Hardy stress σ^H_ℓ and the force density Σ_i F_i G_ℓ(x − x_i).
    public let potential: AnyPairPotential?
    /// FFTW planner effort, and a wisdom file read before planning and written after.
    public var effort = PlannerEffort.measure
    public var wisdom: String?
    /// Larger Gaussian scales filled from the deposit at `scale` by the multi-scale pass (``GaussianScales``),
    /// written as `rho_ell<ℓ>`.
    public var extraScales: [Double] = []
    /// Accept grids below ℓ/h = ``ResolutionFloor/floor`` (recorded in the outputs).
    public var allowCoarseGrid = false
    /// How the front end spells `--grid` and friends, for messages.
    public let names: MeasurementPlan.Names
    public let communicator: Communicator

    public init(block: ParticleSnapshot, kernel: any Kernel, scale: Double, points: [Int], method: Method,
                potential: AnyPairPotential? = nil, names: MeasurementPlan.Names, communicator: Communicator) {
        self.potential = potential
        self.block = block
        self.names = names
        self.kernel = kernel
        self.scale = scale
        self.points = points
        self.method = method
        self.communicator = communicator
    }

    /// Collective: deposits and writes `density.h5` (datasets `rho` and `rho_<species>`, grid axes
    /// (y, x[, z]); with a potential also `sigma_<ab>` and `force_<a>`), `density.xmf` and `deposit.json`
    /// into `directory`; returns the report.
    @discardableResult
    public func run(directory: String) throws -> Report {
        let s = block, d = s.dimension, particleCount = communicator.allreduce(s.count, .sum)
        try Self.checkGrid(points, box: s.box, name: names.grid)
        let extents = [points[1], points[0]] + points.dropFirst(2), gridBox = [s.box[1], s.box[0]] + s.box.dropFirst(2)
        let decomposition = try SlabDecomposition(grid: GridShape(extents), box: gridBox, communicator: communicator)
        if let wisdom { FFTWWisdom.load(path: wisdom, communicator: communicator) }
        let fft = SlabFFT(decomposition: decomposition, effort: effort)
        if let wisdom { FFTWWisdom.save(path: wisdom, communicator: communicator) }
        let deposition: (any PointDeposition)? = switch method {
        case .gridded: try GriddedDeposition(fft: fft, kernel: kernel, scale: scale, strain: s.strain)
        case .real: try RealSpaceDeposition(decomposition: decomposition, kernel: kernel, scale: scale, strain: s.strain)
        case .spectral: nil
        }
        let depositionGrid = try DepositionGrid(extents: extents, box: gridBox, scale: scale)  // the same checks for the spectral path
        let sheared = depositionGrid.reducedStrain(s.strain)
        if let warning = try ResolutionFloor.check(ell: scale, points: points, spacing: depositionGrid.spacing, box: s.box,
                                                   ranks: communicator.size, allowCoarse: allowCoarseGrid, names: names), communicator.isRoot {
            Console.error("warning: " + warning)
        }
        if let bad = extraScales.first(where: { !($0 > scale) }) ?? (extraScales.isEmpty || kernel is GaussianKernel ? nil : extraScales[0]) {
            throw StudyError.invalidOption(name: names.scales, value: "\(bad)",
                                           expected: "the multi-scale pass needs --kernel gauss (Gaussians compose) and scales above --scale \(scale)")
        }
        /// Collective: the wall time of `body` on the slowest rank.
        func timed(_ body: () throws -> Void) rethrows -> Double {
            let start = Date()
            try body()
            return communicator.allreduce(Date().timeIntervalSince(start), .max)
        }
        var timings: [String: Double] = [:], hardyNodes: Int?
        // As FFTW-MPI's floor is timed (../shared/anchors): one warm-up pair, then the pairs alone (1/N folded elsewhere).
        for i in fft.real.indices { fft.real[i] = sin(0.001 * Double(i)) }
        fft.forward()
        fft.inverse()
        timings["fft_pair"] = timed { for _ in 0..<3 { fft.forward(); fft.inverse(normalised: false) } } / 3
        let positions = s.positions
        let groups: [(String, [Double])] = [("rho", s.species.map { _ in 1.0 })]
            + s.speciesNames.indices.map { a in ("rho_\(s.speciesNames[a])", s.species.map { $0 == Int32(a) ? 1.0 : 0.0 }) }
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let file = try FieldFile(path: path("density.h5"), communicator: communicator, metadata: FileMetadata(
            configuration: FileMetadata.commandLine, ranks: communicator.size, box: s.box, strain: s.strain,
            numbers: ["scale": scale, "grid_strain": sheared, "spacing": depositionGrid.spacing, "allow_coarse_grid": allowCoarseGrid ? 1 : 0],
            lists: extraScales.isEmpty ? [:] : ["scales": extraScales.sorted()],
            words: ["kernel": kernel.name, "method": method.rawValue, "axes": d == 2 ? "y, x" : "y, x, z",
                    "coordinates": sheared == 0 ? "x' = x" : "sheared: x' = x - grid_strain * y (the Lees-Edwards strain reduced by whole Lx/Ly)"]))
        let gridName = "rho_l, l = \(scale)"
        try file.addGrid(gridName, decomposition: decomposition, shear: sheared)
        let h = depositionGrid.spacing, cell = pow(h, Double(d)), clock = Date()
        var mass: [String: Double] = [:]
        let densityUnit = ReducedUnit.density(dimension: d), stressUnit = ReducedUnit.stress(dimension: d)
        func write(_ name: String, _ owned: [Double], _ quantity: String, _ unit: String) throws {
            try file.write(name, grid: gridName, quantity: quantity, unit: unit, values: owned)
        }
        var total: [Double] = []
        for (name, weights) in groups {
            let seconds = try timed {
                if let deposition {
                    try deposition.deposit(positions: positions, weights: weights, into: fft)
                } else {
                    try SpectralDeposition.deposit(positions: positions, weights: weights, kernel: kernel, scale: scale,
                                                   strain: s.strain, into: fft)
                }
            }
            if name == "rho" { timings["density"] = seconds }
            let owned = fft.ownedSamples()
            if name == "rho" { total = owned }
            mass[name] = communicator.allreduce(owned.reduce(0, +), .sum) * cell
            try write(name, owned, name == "rho" ? "number density rho_l at scale l" : "number density of species \(name.dropFirst(4)) at scale l", densityUnit)
        }
        var perScale: [Double] = []
        for ell in extraScales.sorted() {
            perScale.append(timed {
                fft.loadSamples(total)
                GaussianScales.refilter(fft, from: scale, to: ell, strain: sheared)
            })
            try write("rho_ell\(ell)", fft.ownedSamples(), "number density at scale \(ell)", densityUnit)
        }
        if !perScale.isEmpty { timings["multiscale_per_scale"] = perScale.reduce(0, +) / Double(perScale.count) }
        var virial: [String: Double]?, hardy: [String: Double]?, perParticle: [String: Double]?
        if let potential {
            guard let deposition else {
                throw StudyError.invalidOption(name: "--method", value: "spectral", expected: "the Hardy stress (--stress) needs point deposition, use --method gridded or real")
            }
            let bonds = Self.bonds(try ParticleSystem(block: s, potential: potential, skin: 0, communicator: communicator))
            let components = Thermo.componentNames(dimension: d), volume = s.volume
            var stress: [[Double]] = []
            timings["hardy"] = try timed {
                stress = try HardyStress.deposit(origins: bonds.origins, vectors: bonds.vectors, tensors: bonds.tensors, with: deposition)
            }
            let longest = HardyStress.longestBond(vectors: bonds.vectors, dimension: d, communicator: communicator)
            hardyNodes = communicator.allreduce(bonds.vectors.count / d, .sum) * HardyStress.lambdaNodes(longestBond: longest, deposition: deposition)
            let sums = communicator.allreduce((0..<components.count).map { k in
                stride(from: k, to: bonds.tensors.count, by: components.count).reduce(0) { $0 + bonds.tensors[$1] }
            }, .sum)
            let averages = communicator.allreduce(stress.map { $0.reduce(0, +) * cell / volume }, .sum)
            virial = Dictionary(uniqueKeysWithValues: zip(components, sums.map { $0 / volume }))
            hardy = Dictionary(uniqueKeysWithValues: zip(components, averages))
            for (k, name) in components.enumerated() { try write("sigma_\(name)", stress[k], "filtered Hardy stress sigma^H_l, component \(name)", stressUnit) }
            let forces = try deposition.deposit(positions: bonds.forcePoints, values: bonds.forces, components: d)
            for a in 0..<d { try write("force_\(["x", "y", "z"][a])", forces[a], "force density sum_i F_i G_l(x - x_i), component \(["x", "y", "z"][a])", ReducedUnit.forceDensity(dimension: d)) }
            let virialField = try deposition.deposit(positions: bonds.forcePoints, values: bonds.virials, components: components.count)
            for (k, name) in components.enumerated() { try write("virial_\(name)", virialField[k], "per-particle virial density sum_i s_i G_l(x - x_i), component \(name)", stressUnit) }
            perParticle = Dictionary(uniqueKeysWithValues: zip(components, communicator.allreduce(virialField.map { $0.reduce(0, +) * cell / volume }, .sum)))
        }
        try file.close(sidecars: [(path("density.xmf"), nil)])
        let seconds = communicator.allreduce(Date().timeIntervalSince(clock), .max)
        let report = Report(N: particleCount, dimension: d, box: s.box, grid: points, spacing: h, kernel: kernel.name, scale: scale,
                            method: method.rawValue, strain: s.strain, grid_strain: sheared, mass: mass, virial_stress: virial, hardy_stress_average: hardy, virial_density_average: perParticle,
                            spreading: (deposition as? GriddedDeposition).map { ["variance_h2": $0.spreading.variance, "nodes_per_axis": Double($0.spreading.span), "error_bound": $0.spreading.aliasingBound] },
                            hardy_nodes: hardyNodes, timings_seconds: timings, ranks: communicator.size, seconds: seconds,
                            resolution: scale / h, allow_coarse_grid: allowCoarseGrid)
        try communicator.agree {
            guard communicator.isRoot else { return }
            try JSONReport.write(report, to: path("deposit.json"))
        }
        return report
    }

    /// Checks `--grid` (points along x, y[, z]) against the box: one extent per axis and one spacing for all.
    /// - Throws: ``StudyError/invalidOption(name:value:expected:)`` naming a grid that would do.
    static func checkGrid(_ points: [Int], box: [Double], name: String) throws {
        let d = box.count
        guard points.count == d else {
            throw StudyError.invalidOption(name: name, value: points.map(String.init).joined(separator: "x"),
                                           expected: "give \(d) extents (x, y\(d == 3 ? ", z" : "")) or one for every axis")
        }
        let spacings = zip(box, points).map { $0 / Double($1) }
        guard spacings.allSatisfy({ abs($0 / spacings[0] - 1) <= 1e-9 }) else {
            throw StudyError.invalidOption(
                name: name, value: points.map(String.init).joined(separator: "x"),
                expected: "spacings " + spacings.map { String(format: "%.4g", $0) }.joined(separator: ", ") + " differ: the grid must match the box "
                    + box.map { String(format: "%.6g", $0) }.joined(separator: " x ") + ", e.g. "
                    + box.map { String(Int(($0 / spacings[0]).rounded())) }.joined(separator: "x"))
        }
    }

    /// The bonds of `system`'s owned particles (each i with its neighbours j of larger id in contact range, the
    /// engine's pairs) as origins x_i, vectors r_ij = x_j − x_i and tensors r_ij ⊗ ∇V(r_ij) in
    /// ``Thermo/componentNames(dimension:)`` order; and for the owned particles (at `forcePoints`) their forces
    /// F_i and per-particle virials s_i = ½ Σ_j r_ij ⊗ ∇V(r_ij) (physics.md §2.2), from the engine's thermo.
    static func bonds(_ system: ParticleSystem) -> (origins: [Double], vectors: [Double], tensors: [Double], forcePoints: [Double],
                                                    forces: [Double], virials: [Double]) {
        system.computeForces(thermo: true, perParticleVirials: true)
        let d = system.dimension, ids = system.ids, x = system.positions
        let pairs: [(Int, Int)] = d == 2 ? [(0, 0), (1, 1), (0, 1)] : [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
        var origins: [Double] = [], vectors: [Double] = [], tensors: [Double] = []
        system.forEachInteractingPair { i, j, r, _, forceOverR in
            guard ids[j] > ids[i] else { return }
            origins += x[(i * d)..<((i + 1) * d)]
            for a in 0..<d { vectors.append(r[a]) }
            for (a, b) in pairs { tensors.append(-forceOverR * r[a] * r[b]) }
        }
        return (origins, vectors, tensors, Array(x[0..<(system.localCount * d)]), system.forces, system.virials)
    }
}
