// Errors of the GSD reader and writer (GSDFileLayer.swift has the format).


import Foundation
import Parallel
import Particles
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors

/// Bad input or failed I/O met by ``GSDWriter`` and ``GSDReader``; one-line messages
/// `<path>: <what is wrong>, <what to do>`. Frame numbers are 0-based, as in gsd and HOOMD.
public enum GSDError: ReportableError, Equatable, Sendable {
    /// The file is not a GSD file at all (too short, or no GSD magic number).
    case notGSD(path: String, reason: String)
    /// The GSD file layer version is not 2.x.
    case unsupportedVersion(path: String, major: Int, minor: Int)
    /// The file is a GSD file of another schema than `hoomd`.
    case wrongSchema(path: String, schema: String)
    /// The file is cut short or its header, index or name list are inconsistent.
    case corrupt(path: String, reason: String)
    /// A frame lacks a chunk that has no usable default (e.g. `particles/position`, with N > 0).
    case missingChunk(path: String, frame: Int, name: String)
    /// A chunk has the wrong type or shape, or values outside the schema's range.
    case badChunk(path: String, frame: Int, name: String, reason: String)
    /// The frame's box has non-zero xz or yz tilt factors (StressFlux reads only xy, its Lees–Edwards strain).
    case tiltedBox(path: String, frame: Int, xy: Double, xz: Double, yz: Double)
    /// The requested frame is not in the file.
    case noSuchFrame(path: String, frame: Int, frameCount: Int)
    /// A snapshot handed to the writer is inconsistent (counts that disagree, bad box, …).
    case invalidSnapshot(path: String, reason: String)
    /// A system call on the file failed.
    case io(path: String, operation: String, reason: String)
    /// ``GSDWriter/append(_:)`` after ``GSDWriter/close()``.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case .notGSD(let path, let reason):
            return "\(path): not a GSD file (\(reason)), check the path or write the file with StressFlux or HOOMD-blue"
        case .unsupportedVersion(let path, let major, let minor):
            if major < 2 {
                return "\(path): GSD file layer version \(major).\(minor) is too old (StressFlux reads 2.x), "
                    + "upgrade it in place with gsd: python3 -c \"import gsd.fl; gsd.fl.open('\(path)', 'r+').upgrade()\""
            }
            return "\(path): GSD file layer version \(major).\(minor) is newer than StressFlux reads (2.x), "
                + "update StressFlux or re-write the file with a gsd that writes file layer 2.x"
        case .wrongSchema(let path, let schema):
            return "\(path): GSD schema is '\(schema)', not 'hoomd', give a HOOMD-schema trajectory (HOOMD-blue, gsd.hoomd or StressFlux)"
        case .corrupt(let path, let reason):
            return "\(path): truncated or corrupt GSD file (\(reason)), re-copy or re-write the file"
        case .missingChunk(let path, let frame, let name):
            return "\(path): frame \(frame) has no chunk \(name) (nor does frame 0 with the same N), "
                + "write the frame with \(name)"
        case .badChunk(let path, let frame, let name, let reason):
            return "\(path): chunk \(name) of frame \(frame) \(reason), re-write the file following the HOOMD schema"
        case .tiltedBox(let path, let frame, let xy, let xz, let yz):
            return "\(path): frame \(frame) has a box tilted in xz or yz (xy \(xy), xz \(xz), yz \(yz)), "
                + "StressFlux reads only the xy tilt (Lees–Edwards shear): write the trajectory with xz = yz = 0"
        case .noSuchFrame(let path, let frame, let frameCount):
            if frameCount == 0 {
                return "\(path): the file has no frames, write at least one frame into it"
            }
            return "\(path): no frame \(frame) (the file has \(frameCount) frames), ask for a frame in 0..<\(frameCount)"
        case .invalidSnapshot(let path, let reason):
            return "\(path): cannot write the snapshot (\(reason)), fix the snapshot before writing it"
        case .io(let path, let operation, let reason):
            return "\(path): could not \(operation) (\(reason)), check that the folder exists, is writable and has free space"
        case .writerClosed(let path):
            return "\(path): the GSD writer is already closed, open a new GSDWriter to write more frames"
        }
    }
}
