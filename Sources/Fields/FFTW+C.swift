import CFFTW
import Parallel

// Every raw FFTW call of the Fields module is in this file.

/// FFTW's planner effort: how long it searches for a fast plan before the first transform.
public enum PlannerEffort: String, Sendable, CaseIterable {
    /// A heuristic plan, no timing (fast to create; tests and one-off transforms).
    case estimate
    /// FFTW_MEASURE: times candidate plans; the default for production runs.
    case measure
    /// FFTW_PATIENT: a wider search, worth it for long runs on a fixed grid.
    case patient

    var flags: UInt32 {
        switch self {
        case .estimate: return UInt32(FFTW_ESTIMATE)
        case .measure: return UInt32(FFTW_MEASURE)
        case .patient: return UInt32(FFTW_PATIENT)
        }
    }
}

/// The FFTW library's version string (e.g. `fftw-3.3.10-sse2-avx`).
public let fftwVersion = String(cString: sf_fftw_version())

/// Owns one FFTW-MPI plan and destroys it with the owner.
final class FFTWPlan {
    private let plan: fftw_plan

    private init(_ plan: fftw_plan?, what: String) {
        guard let plan else { fatalError("FFTW could not create a plan for \(what)") }
        self.plan = plan
    }

    /// Collective: an r2c plan from padded real rows to the complex slab, with axes 0 and 1 of the output
    /// swapped (FFTW_MPI_TRANSPOSED_OUT) when `transposed`: that saves the transform its last transpose.
    static func realToComplex(grid: GridShape, real: UnsafeMutablePointer<Double>, complex: UnsafeMutablePointer<Double>,
                              communicator: Communicator, effort: PlannerEffort, transposed: Bool) -> FFTWPlan {
        FFTWLayout.ensureInitialized()
        let p = fftw_mpi_plan_dft_r2c(Int32(grid.dimension), grid.extents, real,
                                      UnsafeMutableRawPointer(complex).assumingMemoryBound(to: fftw_complex.self),
                                      communicator.mpiComm, effort.flags | (transposed ? UInt32(FFTW_MPI_TRANSPOSED_OUT) : 0))
        return FFTWPlan(p, what: "r2c \(grid)")
    }

    /// Collective: the matching c2r plan (it overwrites the complex input).
    static func complexToReal(grid: GridShape, complex: UnsafeMutablePointer<Double>, real: UnsafeMutablePointer<Double>,
                              communicator: Communicator, effort: PlannerEffort, transposed: Bool) -> FFTWPlan {
        FFTWLayout.ensureInitialized()
        let p = fftw_mpi_plan_dft_c2r(Int32(grid.dimension), grid.extents,
                                      UnsafeMutableRawPointer(complex).assumingMemoryBound(to: fftw_complex.self),
                                      real, communicator.mpiComm, effort.flags | (transposed ? UInt32(FFTW_MPI_TRANSPOSED_IN) : 0))
        return FFTWPlan(p, what: "c2r \(grid)")
    }

    /// Collective: runs the plan on the arrays it was made for.
    func execute() { fftw_execute(plan) }

    deinit { fftw_destroy_plan(plan) }
}

/// Memory from `fftw_malloc` (aligned for SIMD), released with `fftw_free`.
func fftwAllocate(doubles count: Int) -> UnsafeMutableBufferPointer<Double> {
    let base = fftw_alloc_real(max(count, 1))!
    base.initialize(repeating: 0, count: max(count, 1))
    return UnsafeMutableBufferPointer(start: base, count: count)
}

func fftwFree(_ buffer: UnsafeMutableBufferPointer<Double>) {
    fftw_free(buffer.baseAddress)
}

/// FFTW wisdom on disk: plans measured once (FFTW_MEASURE or FFTW_PATIENT can take minutes on large grids)
/// are reused by later runs on the same grid and rank count.
public enum FFTWWisdom {
    /// Collective: rank 0 reads `path` (if it exists) and broadcasts it. Returns whether rank 0 read it.
    @discardableResult
    public static func load(path: String, communicator: Communicator) -> Bool {
        FFTWLayout.ensureInitialized()
        let read = communicator.isRoot && fftw_import_wisdom_from_filename(path) != 0
        fftw_mpi_broadcast_wisdom(communicator.mpiComm)
        return communicator.broadcast(read ? 1 : 0) == 1
    }

    /// Collective: gathers every rank's wisdom on rank 0, which writes `path`. Returns whether it was written.
    @discardableResult
    public static func save(path: String, communicator: Communicator) -> Bool {
        fftw_mpi_gather_wisdom(communicator.mpiComm)
        let written = communicator.isRoot && fftw_export_wisdom_to_filename(path) != 0
        return communicator.broadcast(written ? 1 : 0) == 1
    }
}

/// The transposed complex slab of an r2c transform (FFTW_MPI_TRANSPOSED_OUT): this rank's rows of axis 1
/// (`start`, `count`) and the complex values to allocate (at least the real side's).
func transposedSpectralSlab(grid: GridShape, communicator: Communicator) -> (start: Int, count: Int, allocation: Int) {
    FFTWLayout.ensureInitialized()
    var dims = grid.extents.map { Int($0) }
    dims[dims.count - 1] = dims[dims.count - 1] / 2 + 1
    var n0 = 0, start0 = 0, n1 = 0, start1 = 0
    let allocation = fftw_mpi_local_size_transposed(Int32(dims.count), dims, communicator.mpiComm, &n0, &start0, &n1, &start1)
    return (start1, n1, allocation)
}
