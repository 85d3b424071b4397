import Parallel

/// Distributed real-to-complex FFTs of one grid on its slab decomposition (FFTW-MPI), with plans made
/// once and reused.
///
/// Conventions (physics.md §3.2): the forward transform is F_m = Σ_n f_n e^{−i k_m·x_n} (unnormalised);
/// ``inverse()`` divides by the number of grid points, so `forward(); inverse()` is the identity.
///
/// Layouts on rank r, with `local = decomposition.count` planes and `nc = n_last/2 + 1`:
/// - ``real``: `local × n1 [× n2]` samples, the last axis padded to `2·nc` doubles (FFTW's r2c rows);
///   index with ``realIndex(_:_:_:)``.
/// - ``spectral``: complex values as interleaved (re, im) doubles. Transposed (the default, FFTW_MPI_TRANSPOSED_OUT/IN,
///   one global transpose fewer per transform): axes 0 and 1 swapped, this rank's rows of axis 1 (the last axis
///   in 2D) × n0 [× nc]. Otherwise `local × [n1 ×] nc` with axis 0 distributed as in ``real``. Either way the
///   modes are visited with ``forEachMode(_:)``, which gives each mode's global indices.
public final class SlabFFT {
    public let decomposition: SlabDecomposition
    /// Complex points along the last axis, n_last/2 + 1.
    public let spectralLastExtent: Int
    /// Doubles per padded real row, 2·(n_last/2 + 1).
    public let paddedRowLength: Int
    public let real: UnsafeMutableBufferPointer<Double>
    public let spectral: UnsafeMutableBufferPointer<Double>
    /// Whether ``spectral`` holds axes 0 and 1 swapped (FFTW_MPI_TRANSPOSED_OUT/IN): each transform then
    /// skips one global transpose. Its modes are visited through ``forEachMode(_:)`` whatever the layout.
    public let transposed: Bool
    /// This rank's rows of axis 1 in the transposed spectral layout (start, count).
    let spectralRows: (start: Int, count: Int)
    private let forwardPlan: FFTWPlan
    private let inversePlan: FFTWPlan

    /// Collective: allocates the arrays and plans both directions, with the transposed spectral layout
    /// unless `transposed` is false.
    public init(decomposition: SlabDecomposition, effort: PlannerEffort = .measure, transposed: Bool = true) {
        let grid = decomposition.grid
        self.decomposition = decomposition
        self.transposed = transposed
        spectralLastExtent = grid.extents[grid.dimension - 1] / 2 + 1
        paddedRowLength = 2 * spectralLastExtent
        let slab = transposedSpectralSlab(grid: grid, communicator: decomposition.communicator)
        spectralRows = (slab.start, slab.count)
        let allocation = transposed ? max(slab.allocation, decomposition.fftwComplexAllocation) : decomposition.fftwComplexAllocation
        real = fftwAllocate(doubles: 2 * allocation)
        spectral = fftwAllocate(doubles: 2 * allocation)
        // Planning with FFTW_MEASURE overwrites the arrays; they are fresh here.
        forwardPlan = .realToComplex(grid: grid, real: real.baseAddress!, complex: spectral.baseAddress!,
                                     communicator: decomposition.communicator, effort: effort, transposed: transposed)
        inversePlan = .complexToReal(grid: grid, complex: spectral.baseAddress!, real: real.baseAddress!,
                                     communicator: decomposition.communicator, effort: effort, transposed: transposed)
    }

    deinit {
        fftwFree(real)
        fftwFree(spectral)
    }

    /// The grid's extents.
    public var extents: [Int] { decomposition.grid.extents }

    /// Index into ``real`` of local plane `i0` (0-based in this slab), row `i1`, column `i2`
    /// (in 2D, `i1` is the column and `i2` must be 0).
    public func realIndex(_ i0: Int, _ i1: Int, _ i2: Int = 0) -> Int {
        extents.count == 2 ? i0 * paddedRowLength + i1 : (i0 * extents[1] + i1) * paddedRowLength + i2
    }


    /// Collective: ``real`` → ``spectral``. May overwrite ``real``.
    public func forward() { forwardPlan.execute() }

    /// Collective: ``spectral`` → ``real``, divided by the number of grid points unless `normalised` is false
    /// (then the caller has folded 1/N into a spectral multiplication and saves a pass over the grid).
    /// Overwrites ``spectral``.
    public func inverse(normalised: Bool = true) {
        inversePlan.execute()
        guard normalised else { return }
        let scale = 1 / Double(decomposition.grid.pointCount)
        for i in real.indices { real[i] *= scale }
    }
}
