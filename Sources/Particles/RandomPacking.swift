import Foundation

/// Random initial configurations at a packing fraction (physics.md §1.6 step 1; box from §1.4).
public enum Mixture: String, Sendable, Codable, CaseIterable {
    /// The standard 50:50 mixture of diameters 1.0 and 1.4 (ids below N/2 small), species "A", "B".
    case bidisperse
    /// All diameters 1.0, species "A".
    case monodisperse

    /// Diameter and species of particle `id` of `count`.
    public func particle(_ id: Int, of count: Int) -> (diameter: Double, species: Int32) {
        switch self {
        case .bidisperse: return id < count / 2 ? (1.0, 0) : (1.4, 1)
        case .monodisperse: return (1.0, 0)
        }
    }

    public var speciesNames: [String] { self == .bidisperse ? ["A", "B"] : ["A"] }
}

public enum RandomPacking {
    /// N particles placed uniformly (overlaps allowed) in the square or cubic box of side
    /// L = (Σ_i v_d (d_i/2)^d / φ)^{1/d}, v_2 = π, v_3 = 4π/3. Positions come from
    /// ``RandomStream/placement`` keyed by (seed, id): the same configuration on every rank. Only particles
    /// [k·N/parts, (k+1)·N/parts) are made (block `k` of `parts`, a rank's share), the box from all N.
    ///
    /// - Throws: ``ParticlesError/invalidParameter(name:value:expected:)`` for N < 1, φ outside (0, 1),
    ///   or a dimension other than 2 or 3.
    public static func make(dimension: Int, count: Int, packingFraction phi: Double, mixture: Mixture,
                            seed: UInt64, block k: Int = 0, of parts: Int = 1) throws -> ParticleSnapshot {
        guard dimension == 2 || dimension == 3 else {
            throw ParticlesError.invalidParameter(name: "[system] dimension", value: "\(dimension)", expected: "must be 2 or 3")
        }
        guard count >= 1 else {
            throw ParticlesError.invalidParameter(name: "[system] particles", value: "\(count)", expected: "must be at least 1")
        }
        guard phi > 0, phi < 1 else {
            throw ParticlesError.invalidParameter(name: "[system] packing_fraction", value: "\(phi)",
                                                  expected: "must lie strictly between 0 and 1 (0.90 in 2D and 0.70 in 3D are jammed)")
        }
        precondition(parts >= 1 && (0..<parts).contains(k), "block \(k) of \(parts)")
        let d = Double(dimension)
        let unitVolume = dimension == 2 ? Double.pi : 4 * Double.pi / 3
        var volume = 0.0
        for id in 0..<count { volume += unitVolume * pow(mixture.particle(id, of: count).diameter / 2, d) }
        let side = pow(volume / phi, 1 / d)
        let ids = Array((k * count / parts)..<((k + 1) * count / parts))
        let particles = ids.map { mixture.particle($0, of: count) }
        var positions: [Double] = []
        positions.reserveCapacity(ids.count * dimension)
        for id in ids {
            let w = RandomStream.placement.words(seed: seed, id: id, n: 0)
            let u = [w.0, w.1, w.2]
            for a in 0..<dimension { positions.append(RandomStream.unit(u[a]) * side) }
        }
        return ParticleSnapshot(dimension: dimension, box: Array(repeating: side, count: dimension), ids: ids,
                                positions: positions, images: Array(repeating: 0, count: ids.count * dimension),
                                species: particles.map(\.species), speciesNames: mixture.speciesNames,
                                diameters: particles.map(\.diameter))
    }
}
