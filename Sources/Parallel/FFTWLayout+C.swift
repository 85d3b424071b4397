import CFFTW

/// The part of FFTW-MPI that the slab layout needs: `fftw_mpi_init` and `fftw_mpi_local_size_many`.
/// Plans and transforms belong to `Fields`.
public enum FFTWLayout {
    private static let initialized: Bool = {
        _ = Communicator.world
        fftw_mpi_init()
        return true
    }()

    /// Calls `fftw_mpi_init` once per process (after `MPI_Init`); every FFTW-MPI user calls this first.
    public static func ensureInitialized() { _ = initialized }

    /// Collective: this rank's planes `(start, count)` along axis 0 and the number of complex elements
    /// FFTW asks it to allocate, for an r2c transform of `grid` in the non-transposed layout.
    static func localSlab(grid: GridShape, communicator: Communicator) -> (start: Int, count: Int, allocation: Int) {
        ensureInitialized()
        var complexDims = grid.extents
        complexDims[complexDims.count - 1] = complexDims[complexDims.count - 1] / 2 + 1
        var localN0 = 0, localStart = 0
        let allocation = fftw_mpi_local_size_many(Int32(complexDims.count), complexDims, 1,
                                                  Int(FFTW_MPI_DEFAULT_BLOCK), communicator.mpiComm,
                                                  &localN0, &localStart)
        return (localStart, localN0, allocation)
    }
}
