// Parallel HDF5 (Debian's openmpi flavour). Its property-list classes, native types and flags
// are macros over library globals, which Swift cannot import: each is a static inline here.
#ifndef STRESSFLUX_CHDF5_SHIM_H
#define STRESSFLUX_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t sf_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t sf_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t sf_h5p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t sf_h5s_all(void) { return H5S_ALL; }
static inline hid_t sf_h5e_default(void) { return H5E_DEFAULT; }
static inline MPI_Info sf_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline hid_t sf_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sf_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t sf_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t sf_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t sf_h5t_c_s1(void) { return H5T_C_S1; }
static inline unsigned sf_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned sf_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }

#endif
