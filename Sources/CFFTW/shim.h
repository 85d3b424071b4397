// FFTW with its MPI interface. fftw3-mpi has no pkg-config file; mpi.h is found through the
// include path of CMPI, on which every target that uses CFFTW also depends.
#ifndef STRESSFLUX_CFFTW_SHIM_H
#define STRESSFLUX_CFFTW_SHIM_H
#include <fftw3-mpi.h>

/// `fftw_version` is an array of unknown size, which Swift cannot import.
static inline const char *sf_fftw_version(void) { return fftw_version; }

#endif
