// Open MPI's predefined handles are macros over global objects, which Swift cannot import.
// Each is re-exported here as a static inline function named after the MPI constant.
#ifndef STRESSFLUX_CMPI_SHIM_H
#define STRESSFLUX_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm sf_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype sf_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype sf_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype sf_mpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype sf_mpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Op sf_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op sf_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op sf_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op sf_mpi_prod(void) { return MPI_PROD; }
static inline void *sf_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *sf_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *sf_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Request sf_mpi_request_null(void) { return MPI_REQUEST_NULL; }

#endif
