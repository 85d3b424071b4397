import Foundation

/// The grid a kernel deposits onto, checked against the kernel and scale (physics.md §3.2, §3.6): grid
/// axes (y, x[, z]) as the slab decomposition orders them (axis 0 = y, the slab axis), one spacing h for
/// every axis, node n at x = n h.
public struct DepositionGrid: Sendable {
    public let extents: [Int]
    /// Box edge lengths in grid-axis order (L_y, L_x[, L_z]).
    public let box: [Double]
    /// h.
    public let spacing: Double

    /// - Throws: ``FieldsError/invalidParameter(name:value:expected:)`` when the spacings differ between
    ///   axes (relative 1e-9), ℓ ≤ 0, or ℓ/h < 1 (naming the grid that would do).
    public init(extents: [Int], box: [Double], scale ell: Double) throws {
        let spacings = zip(box, extents).map { $0 / Double($1) }
        let h = spacings[0]
        guard spacings.allSatisfy({ abs($0 / h - 1) <= 1e-9 }) else {
            let suggestion = box.map { String(Int(($0 / h).rounded())) }.joined(separator: "x")
            throw FieldsError.invalidParameter(name: "--grid", value: extents.map(String.init).joined(separator: "x"),
                                               expected: "spacings \(spacings) differ: the grid must match the box aspect "
                                                   + "\(box.map { String(format: "%.6g", $0) }.joined(separator: " x ")), e.g. \(suggestion)")
        }
        guard ell > 0, ell.isFinite else {
            throw FieldsError.invalidParameter(name: "scale ℓ", value: "\(ell)", expected: "must be positive")
        }
        guard ell / h >= 1 else {
            let needed = box.map { String(Int(($0 / ell).rounded(.up))) }.joined(separator: "x")
            throw FieldsError.invalidParameter(name: "scale ℓ", value: "\(ell)",
                                               expected: "ℓ/h = \(String(format: "%.3g", ell / h)) < 1 on this grid (h = \(String(format: "%.4g", h))): "
                                                   + "use a grid of at least \(needed) (ℓ/h ≥ 5 is the default accuracy, physics.md §3.6)")
        }
        self.extents = extents
        self.box = box
        spacing = h
    }

    public var dimension: Int { extents.count }

    /// A Lees–Edwards strain reduced by whole L_x/L_y to |γ'| ≤ L_x/(2L_y): the same image lattice, and the
    /// least sheared grid coordinates x' = x − γ' y (a large γ would need a grid finer along y by 1 + |γ|).
    public func reducedStrain(_ strain: Double) -> Double {
        let turns = box[1] / box[0]  // L_x/L_y (grid axes are y, x)
        return strain - (strain / turns).rounded() * turns
    }
    /// Points in one plane of axis 0.
    public var planeLength: Int { extents.dropFirst().reduce(1, *) }
}
