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

/// Element types of datasets, with their HDF5 memory types.
public protocol HDF5Element: Numeric {
    static var hdf5Type: hid_t { get }
}
extension Double: HDF5Element { public static var hdf5Type: hid_t { sf_h5t_native_double() } }
extension Int64: HDF5Element { public static var hdf5Type: hid_t { sf_h5t_native_int64() } }
extension Int32: HDF5Element { public static var hdf5Type: hid_t { sf_h5t_native_int32() } }

/// An HDF5 file, written collectively through MPI-IO, read serially, or read collectively through MPI-IO (every rank its
/// hyperslab of the same datasets).
///
/// A file being written lives at `<path>.partial` until ``close()`` renames it to `path`, so a run that
/// dies mid-write never leaves a truncated file under the final name.
public final class HDF5File {
    public let path: String
    private var id: hid_t
    private let communicator: Communicator?
    /// The ranks that opened a file for collective reading: its hyperslab reads are collective MPI-IO transfers.
    private var readers: Communicator?

    private static let silenced: Void = {
        H5Eset_auto2(sf_h5e_default(), nil, nil)  // errors become FormatError lines, not HDF5 stack dumps
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
            guard id >= 0 else { throw FormatError.hdf5(path: path, operation: "create the file") }
            return id
        }
        return HDF5File(path: path, id: id, communicator: communicator)
    }

    /// Collective: opens a finished file for reading by every rank of `communicator` through MPI-IO. Every rank must then
    /// make the same calls in the same order (dataset opens and ``read(name:rows:axis:leading:)`` are collective, an empty
    /// block included) until the file is released.
    public static func openForReading(path: String, communicator: Communicator) throws -> HDF5File {
        _ = silenced
        let access = H5Pcreate(sf_h5p_file_access())
        defer { H5Pclose(access) }
        H5Pset_fapl_mpio(access, communicator.mpiComm, sf_mpi_info_null())
        let id = H5Fopen(path, sf_h5f_acc_rdonly(), access)
        let opened = communicator.allreduce(id >= 0 ? 1 : 0, .min) == 1
        guard opened else {
            if id >= 0 { H5Fclose(id) }
            throw FormatError.hdf5(path: path, operation: "open the file for reading")
        }
        let file = HDF5File(path: path, id: id, communicator: nil)
        file.readers = communicator
        return file
    }

    /// Local: opens a finished file for reading on this rank alone.
    public static func openForReading(path: String) throws -> HDF5File {
        _ = silenced
        let id = H5Fopen(path, sf_h5f_acc_rdonly(), sf_h5p_default())
        guard id >= 0 else { throw FormatError.hdf5(path: path, operation: "open the file for reading") }
        return HDF5File(path: path, id: id, communicator: nil)
    }

    /// Collective: writes a field distributed in slabs along axis 0 as dataset `name` of shape `grid`.
    /// Each rank passes its planes `[start, start + planes)` as contiguous values, C order, no padding.
    public func writeSlabs(name: String, grid: GridShape, start: Int, planes: Int,
                           values: UnsafeBufferPointer<Double>) throws {
        precondition(values.count == planes * grid.planeSize, "slab values do not match the grid")
        try writeBlock(name, shape: grid.extents, start: [start] + Array(repeating: 0, count: grid.dimension - 1),
                       count: [planes] + grid.extents.dropFirst(), values: values)
    }

    /// Collective for files being written (every rank passes the same value): a string attribute on the
    /// object at `object` (a group or dataset path).
    public func writeAttribute(_ name: String, _ value: String, at object: String = "/") throws {
        try writeAttribute(name, strings: [value], scalar: true, at: object)
    }

    /// Collective for files being written: a fixed-length string array attribute (scalar if `scalar`).
    public func writeAttribute(_ name: String, strings: [String], scalar: Bool = false, at object: String = "/") throws {
        try collectively {
            let width = max(strings.map(\.utf8.count).max() ?? 1, 1)
            let type = H5Tcopy(sf_h5t_c_s1())
            defer { H5Tclose(type) }
            H5Tset_size(type, width)
            var dims = [hsize_t(strings.count)]
            let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            var bytes = [UInt8](repeating: 0, count: width * strings.count)
            for (k, text) in strings.enumerated() {
                for (b, byte) in text.utf8.enumerated() { bytes[k * width + b] = byte }
            }
            try self.attribute(name, at: object, type: type, space: space) { H5Awrite($0, type, bytes) }
        }
    }

    /// Collective for files being written: an integer array attribute (int64; a scalar if `scalar`).
    public func writeAttribute(_ name: String, integers: [Int], scalar: Bool = false, at object: String = "/") throws {
        try collectively {
            var dims = [hsize_t(integers.count)]
            let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            let values = integers.map(Int64.init)
            try self.attribute(name, at: object, type: sf_h5t_native_int64(), space: space) {
                H5Awrite($0, sf_h5t_native_int64(), values)
            }
        }
    }

    /// Collective for files being written: a float64 array attribute (a scalar if `scalar`).
    public func writeAttribute(_ name: String, doubles: [Double], scalar: Bool = false, at object: String = "/") throws {
        try collectively {
            var dims = [hsize_t(doubles.count)]
            let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            try self.attribute(name, at: object, type: sf_h5t_native_double(), space: space) {
                H5Awrite($0, sf_h5t_native_double(), doubles)
            }
        }
    }

    /// Local: a numeric attribute of `object` as doubles, or nil when absent.
    public func readNumericAttribute(_ name: String, at object: String = "/") -> [Double]? {
        guard H5Aexists_by_name(id, object, name, sf_h5p_default()) > 0 else { return nil }
        let attribute = H5Aopen_by_name(id, object, name, sf_h5p_default(), sf_h5p_default())
        guard attribute >= 0 else { return nil }
        defer { H5Aclose(attribute) }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        var values = [Double](repeating: 0, count: max(Int(H5Sget_simple_extent_npoints(space)), 1))
        guard H5Aread(attribute, sf_h5t_native_double(), &values) >= 0 else { return nil }
        return values
    }

    private func attribute(_ name: String, at object: String, type: hid_t, space: hid_t,
                           write: (hid_t) -> herr_t) throws {
        let attribute = H5Acreate_by_name(id, object, name, type, space, sf_h5p_default(), sf_h5p_default(), sf_h5p_default())
        guard attribute >= 0 else { throw FormatError.hdf5(path: path, operation: "create attribute \(object) \(name)") }
        defer { H5Aclose(attribute) }
        guard write(attribute) >= 0 else { throw FormatError.hdf5(path: path, operation: "write attribute \(object) \(name)") }
    }

    /// Collective for files being written: a group at `group`, with any missing parents.
    public func createGroup(_ group: String) throws {
        try collectively {
            let links = H5Pcreate(sf_h5p_link_create())
            defer { H5Pclose(links) }
            H5Pset_create_intermediate_group(links, 1)
            let g = H5Gcreate2(self.id, group, links, sf_h5p_default(), sf_h5p_default())
            guard g >= 0 else { throw FormatError.hdf5(path: self.path, operation: "create group \(group)") }
            H5Gclose(g)
        }
    }

    /// Collective: dataset `name` (parents created) of `shape`; this rank writes the block at `start` of
    /// extent `count` (C order) from `values`. A rank with an empty block writes nothing.
    public func writeBlock<T: HDF5Element>(_ name: String, shape: [Int], start: [Int], count: [Int],
                                           values: UnsafeBufferPointer<T>) throws {
        guard let communicator else { preconditionFailure("\(path) was opened for reading") }
        precondition(values.count == count.reduce(1, *), "block values do not match the block")
        try communicator.agree {
            var dims = shape.map { hsize_t($0) }
            let fileSpace = H5Screate_simple(Int32(dims.count), &dims, nil)
            defer { H5Sclose(fileSpace) }
            let links = H5Pcreate(sf_h5p_link_create())
            defer { H5Pclose(links) }
            H5Pset_create_intermediate_group(links, 1)
            let dataset = H5Dcreate2(id, name, T.hdf5Type, fileSpace, links, sf_h5p_default(), sf_h5p_default())
            guard dataset >= 0 else { throw FormatError.hdf5(path: path, operation: "create dataset \(name)") }
            defer { H5Dclose(dataset) }
            var offset = start.map { hsize_t($0) }, extent = count.map { hsize_t(max($0, 1)) }
            var memoryDims = [hsize_t(max(values.count, 1))]
            let memorySpace = H5Screate_simple(1, &memoryDims, nil)
            defer { H5Sclose(memorySpace) }
            if values.isEmpty {
                H5Sselect_none(fileSpace)
                H5Sselect_none(memorySpace)
            } else {
                H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &offset, nil, &extent, nil)
            }
            let transfer = H5Pcreate(sf_h5p_dataset_xfer())
            defer { H5Pclose(transfer) }
            H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE)
            let dummy = [T](repeating: .zero, count: 1)
            let status = dummy.withUnsafeBufferPointer { d in
                H5Dwrite(dataset, T.hdf5Type, memorySpace, fileSpace, transfer, values.baseAddress ?? d.baseAddress)
            }
            guard status >= 0 else { throw FormatError.hdf5(path: path, operation: "write dataset \(name)") }
        }
    }

    /// Collective: a small dataset whose values every rank holds alike; rank 0 writes it.
    public func writeReplicated<T: HDF5Element>(_ name: String, shape: [Int], values: [T]) throws {
        guard let communicator else { preconditionFailure("\(path) was opened for reading") }
        let mine = communicator.isRoot ? values : []
        try mine.withUnsafeBufferPointer {
            try writeBlock(name, shape: shape, start: Array(repeating: 0, count: shape.count),
                           count: communicator.isRoot ? shape : Array(repeating: 0, count: shape.count), values: $0)
        }
    }

    /// Local: a string attribute of `object` (the first string of an array), or nil when absent.
    public func readStringAttribute(_ name: String, at object: String = "/") -> String? {
        readStringArrayAttribute(name, at: object)?.first
    }

    /// Local: a string array attribute of `object` (fixed-length strings), or nil when absent.
    public func readStringArrayAttribute(_ name: String, at object: String = "/") -> [String]? {
        guard H5Aexists_by_name(id, object, name, sf_h5p_default()) > 0 else { return nil }
        let attribute = H5Aopen_by_name(id, object, name, sf_h5p_default(), sf_h5p_default())
        guard attribute >= 0 else { return nil }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
        defer { H5Tclose(type); H5Sclose(space) }
        let width = H5Tget_size(type), count = max(Int(H5Sget_simple_extent_npoints(space)), 1)
        let memoryType = H5Tcopy(sf_h5t_c_s1())
        defer { H5Tclose(memoryType) }
        H5Tset_size(memoryType, width)
        var bytes = [UInt8](repeating: 0, count: width * count)
        guard H5Aread(attribute, memoryType, &bytes) >= 0 else { return nil }
        return (0..<count).map { k in String(decoding: bytes[(k * width)..<((k + 1) * width)].prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Local: whether a link (group or dataset) exists at `name`.
    public func contains(_ name: String) -> Bool {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += "/" + part
            guard H5Lexists(id, prefix, sf_h5p_default()) > 0 else { return false }
        }
        return true
    }

    private func collectively(_ body: () throws -> Void) throws {
        if let communicator { try communicator.agree(body) } else { try body() }
    }

    /// Local: the shape and values (C order) of dataset `name`.
    public func read(name: String) throws -> (extents: [Int], values: [Double]) {
        try withDataset(name) { dataset, _, dims in
            var values = [Double](repeating: 0, count: dims.reduce(1) { $0 * Int($1) })
            guard H5Dread(dataset, sf_h5t_native_double(), sf_h5s_all(), sf_h5s_all(), sf_h5p_default(), &values) >= 0 else {
                throw FormatError.hdf5(path: path, operation: "read dataset \(name)")
            }
            return (dims.map { Int($0) }, values)
        }
    }

    /// The extents of dataset `name`, without reading it.
    public func extents(of name: String) throws -> [Int] {
        try withDataset(name) { _, _, dims in dims.map { Int($0) } }
    }

    /// `body` with dataset `name` open: its handle, its file space and its extents.
    private func withDataset<T>(_ name: String, _ body: (hid_t, hid_t, [hsize_t]) throws -> T) throws -> T {
        let dataset = H5Dopen2(id, name, sf_h5p_default())
        guard dataset >= 0 else { throw FormatError.hdf5(path: path, operation: "open dataset \(name)") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        var dims = [hsize_t](repeating: 0, count: Int(H5Sget_simple_extent_ndims(space)))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return try body(dataset, space, dims)
    }

    /// Local: rows `rows` along `axis` of dataset `name`, at index `leading` of every axis before it (the last frame
    /// of a time series: axis 1, leading [frames − 1]), all of every axis after it; values in C order. A hyperslab
    /// read: each rank reads its block of a large dataset, never the whole.
    public func read(name: String, rows: Range<Int>, axis: Int, leading: [Int]) throws -> [Double] {
        precondition(leading.count == axis, "one leading index per axis before the row axis")
        return try withDataset(name) { dataset, space, dims in
            guard dims.count > axis, rows.upperBound <= Int(dims[axis]) else {
                throw FormatError.hdf5(path: path, operation: "read rows \(rows) of \(name) (shape \(dims))")
            }
            var values = [Double](repeating: 0, count: rows.count * dims[(axis + 1)...].reduce(1) { $0 * Int($1) })
            guard !values.isEmpty || readers != nil else { return [] }
            var offset = leading.map { hsize_t($0) } + [hsize_t(rows.lowerBound)] + dims[(axis + 1)...].map { _ in 0 }
            var count = leading.map { _ in hsize_t(1) } + [hsize_t(rows.count)] + Array(dims[(axis + 1)...])
            var memoryDims = [hsize_t(max(values.count, 1))]
            let memory = H5Screate_simple(1, &memoryDims, nil)
            defer { H5Sclose(memory) }
            if values.isEmpty {  // a rank with no rows still takes part in the collective read
                H5Sselect_none(space)
                H5Sselect_none(memory)
            } else {
                H5Sselect_hyperslab(space, H5S_SELECT_SET, &offset, nil, &count, nil)
            }
            let transfer = H5Pcreate(sf_h5p_dataset_xfer())
            defer { H5Pclose(transfer) }
            if readers != nil { H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE) }
            var scratch = 0.0
            let status = values.isEmpty ? H5Dread(dataset, sf_h5t_native_double(), memory, space, transfer, &scratch)
                : H5Dread(dataset, sf_h5t_native_double(), memory, space, transfer, &values)
            guard status >= 0 else {
                throw FormatError.hdf5(path: path, operation: "read rows \(rows) of \(name)")
            }
            return values
        }
    }

    /// Collective for files being written: flushes, closes and moves `<path>.partial` to `path`.
    public func close() throws {
        guard id >= 0 else { return }
        let closed = H5Fclose(id)
        id = -1
        guard let communicator else { return }
        try communicator.agree {
            guard closed >= 0 else { throw FormatError.hdf5(path: path, operation: "close the file") }
        }
        try communicator.agree {
            guard communicator.isRoot else { return }
            try AtomicFile.commit(partial: path + ".partial", to: path)
        }
    }

    deinit {
        if id >= 0 { H5Fclose(id) }
    }
}
