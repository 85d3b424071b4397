/// The element types that StressFlux sends through MPI, each mapped to one MPI datatype in
/// `MPI+C.swift`. `Int` is 64-bit on every platform we build for and travels as `MPI_INT64_T`.
public protocol MPIScalar: Numeric, Comparable, Sendable, BitwiseCopyable {
    static var mpiKind: MPIScalarKind { get }
}

/// The MPI datatype of an ``MPIScalar``.
public enum MPIScalarKind: Sendable {
    case double, int64, int32, uint8
}

extension Double: MPIScalar { public static var mpiKind: MPIScalarKind { .double } }
extension Int: MPIScalar { public static var mpiKind: MPIScalarKind { .int64 } }
extension Int32: MPIScalar { public static var mpiKind: MPIScalarKind { .int32 } }
extension UInt8: MPIScalar { public static var mpiKind: MPIScalarKind { .uint8 } }

/// A reduction operator (`MPI_SUM`, `MPI_MAX`, `MPI_MIN`, `MPI_PROD`).
public enum ReductionOp: Sendable {
    case sum, max, min, product
}
