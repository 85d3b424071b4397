import CHDF5
import CMPI
import Foundation
import Parallel

// Every raw HDF5 call of StressFlux is in this file.

/// The HDF5 library's version, e.g. `1.10.8`.
public var hdf5Version: String {
    var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
    H5get_libversion(&major, &minor, &release)
    return "\(major).\(minor).\(release)"
}

/// An HDF5 file, written collectively through MPI-IO or read serially.
///
/// A file being written lives at `<path>.partial` until ``close()`` renames it to `path`, so a run that
/// dies mid-write never leaves a truncated file under the final name.
public final class HDF5File {
    public let path: String
    private var id: hid_t
    private let communicator: Communicator?

    private static let silenced: Void = {
        H5Eset_auto2(sf_h5e_default(), nil, nil)  // errors become StudyError lines, not HDF5 stack dumps
    }()

    private init(path: String, id: hid_t, communicator: Communicator?) {
        self.path = path
        self.id = id
        self.communicator = communicator
    }

    /// Collective: creates (or truncates) `<path>.partial` for parallel writing by every rank of `communicator`.
    public static func create(path: String, communicator: Communicator) throws -> HDF5File {
        _ = silenced
        let id = try communicator.agree { () throws -> hid_t in
            let fapl = H5Pcreate(sf_h5p_file_access())
            defer { H5Pclose(fapl) }
            H5Pset_fapl_mpio(fapl, communicator.mpiComm, sf_mpi_info_null())
            let id = H5Fcreate(path + ".partial", sf_h5f_acc_trunc(), sf_h5p_default(), fapl)
            guard id >= 0 else { throw StudyError.hdf5(path: path, operation: "create the file") }
            return id
        }
        return HDF5File(path: path, id: id, communicator: communicator)
    }

    /// Local: opens a finished file for reading on this rank alone.
    public static func openForReading(path: String) throws -> HDF5File {
        _ = silenced
        let id = H5Fopen(path, sf_h5f_acc_rdonly(), sf_h5p_default())
        guard id >= 0 else { throw StudyError.hdf5(path: path, operation: "open the file for reading") }
        return HDF5File(path: path, id: id, communicator: nil)
    }

    /// Collective: writes a field distributed in slabs along axis 0 as dataset `name` of shape `grid`.
    /// Each rank passes its planes `[start, start + planes)` as contiguous values, C order, no padding.
    public func writeSlabs(name: String, grid: GridShape, start: Int, planes: Int,
                           values: UnsafeBufferPointer<Double>) throws {
        guard let communicator else { preconditionFailure("\(path) was opened for reading") }
        precondition(values.count == planes * grid.planeSize, "slab values do not match the grid")
        try communicator.agree {
            var dims = grid.extents.map { hsize_t($0) }
            let fileSpace = H5Screate_simple(Int32(dims.count), &dims, nil)
            defer { H5Sclose(fileSpace) }
            let dataset = H5Dcreate2(id, name, sf_h5t_native_double(), fileSpace,
                                     sf_h5p_default(), sf_h5p_default(), sf_h5p_default())
            guard dataset >= 0 else { throw StudyError.hdf5(path: path, operation: "create dataset \(name)") }
            defer { H5Dclose(dataset) }
            var offset = [hsize_t](repeating: 0, count: dims.count)
            var count = dims
            offset[0] = hsize_t(start)
            count[0] = hsize_t(planes)
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &offset, nil, &count, nil)
            let memorySpace = H5Screate_simple(Int32(count.count), &count, nil)
            defer { H5Sclose(memorySpace) }
            let transfer = H5Pcreate(sf_h5p_dataset_xfer())
            defer { H5Pclose(transfer) }
            H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE)
            guard H5Dwrite(dataset, sf_h5t_native_double(), memorySpace, fileSpace, transfer, values.baseAddress) >= 0
            else { throw StudyError.hdf5(path: path, operation: "write dataset \(name)") }
        }
    }

    /// Collective for files being written (every rank passes the same value); local for files being read.
    /// Writes a string attribute on the root group.
    public func writeAttribute(_ name: String, _ value: String) throws {
        let body = {
            let type = H5Tcopy(sf_h5t_c_s1())
            defer { H5Tclose(type) }
            H5Tset_size(type, max(value.utf8.count, 1))
            let space = H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            let attribute = H5Acreate2(self.id, name, type, space, sf_h5p_default(), sf_h5p_default())
            guard attribute >= 0 else { throw StudyError.hdf5(path: self.path, operation: "create attribute \(name)") }
            defer { H5Aclose(attribute) }
            var bytes = Array(value.utf8)
            if bytes.isEmpty { bytes = [0] }
            guard H5Awrite(attribute, type, bytes) >= 0 else {
                throw StudyError.hdf5(path: self.path, operation: "write attribute \(name)")
            }
        }
        if let communicator { try communicator.agree(body) } else { try body() }
    }

    /// Local: the shape and values (C order) of dataset `name`.
    public func read(name: String) throws -> (extents: [Int], values: [Double]) {
        let dataset = H5Dopen2(id, name, sf_h5p_default())
        guard dataset >= 0 else { throw StudyError.hdf5(path: path, operation: "open dataset \(name)") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        var values = [Double](repeating: 0, count: dims.reduce(1) { $0 * Int($1) })
        guard H5Dread(dataset, sf_h5t_native_double(), sf_h5s_all(), sf_h5s_all(), sf_h5p_default(), &values) >= 0 else {
            throw StudyError.hdf5(path: path, operation: "read dataset \(name)")
        }
        return (dims.map { Int($0) }, values)
    }

    /// Collective for files being written: flushes, closes and moves `<path>.partial` to `path`.
    public func close() throws {
        guard id >= 0 else { return }
        let closed = H5Fclose(id)
        id = -1
        guard let communicator else { return }
        try communicator.agree {
            guard closed >= 0 else { throw StudyError.hdf5(path: path, operation: "close the file") }
        }
        try communicator.agree {
            guard communicator.isRoot else { return }
            let partial = path + ".partial"
            let fd = open(partial, O_RDONLY)
            if fd >= 0 { fsync(fd); Foundation.close(fd) }
            guard rename(partial, path) == 0 else {
                throw StudyError.write(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    deinit {
        if id >= 0 { H5Fclose(id) }
    }
}
