import Parallel

/// A deposition of weighted points onto a slab-decomposed grid, c(x_n) = Σ_i c_i G_ℓ(x_n − x_i)
/// (physics.md §3.3–3.4), whichever route computes it. Points may be passed on any rank: each route
/// sends them to the owner of their y first.
public protocol PointDeposition: AnyObject {
    var grid: DepositionGrid { get }
    var kernel: any Kernel { get }
    /// ℓ.
    var scale: Double { get }
    /// The reduced Lees–Edwards strain γ' of the grid's sheared coordinates x' = x − γ' y
    /// (``DepositionGrid/reducedStrain(_:)``).
    var strain: Double { get }
    var decomposition: SlabDecomposition { get }

    /// Collective: Σ_i c_i G_ℓ(x_n − x_i) for points (physical order x, y[, z]) with `components` values each
    /// (c_i of point i at `values[i·components ..< (i+1)·components]`, e.g. a force or a bond tensor);
    /// returns this rank's owned samples per component, plane-major without padding (plane, row, column).
    func deposit(positions: [Double], values: [Double], components: Int) throws -> [[Double]]

    /// Collective: Σ_i ∫₀¹ dλ c_i G_ℓ(x_n − x_i − λ r_i) over segments, the λ-integral by `rule` on [0, 1];
    /// returned as ``deposit(positions:values:components:)`` does. By default each node x_i + λ_q r_i is
    /// deposited as a point with weight w_q c_i.
    func deposit(segments: SegmentBatch, rule: GaussLegendre) throws -> [[Double]]

    /// Collective: the deposited field of the particles at `positions` with one weight each, written into
    /// the owned planes of `fft.real`.
    func deposit(positions: [Double], weights: [Double], into fft: SlabFFT) throws
}

extension PointDeposition {
    public func deposit(segments: SegmentBatch, rule: GaussLegendre) throws -> [[Double]] {
        let d = segments.dimension, c = segments.components
        var points: [Double] = [], values: [Double] = []
        points.reserveCapacity(segments.count * rule.nodes.count * d)
        values.reserveCapacity(segments.count * rule.nodes.count * c)
        for b in 0..<segments.count {
            for (lambda, weight) in zip(rule.nodes, rule.weights) {
                for a in 0..<d { points.append(segments.origins[b * d + a] + lambda * segments.vectors[b * d + a]) }
                for k in 0..<c { values.append(weight * segments.values[b * c + k]) }
            }
        }
        return try deposit(positions: points, values: values, components: c)
    }

    public func deposit(positions: [Double], weights: [Double], into fft: SlabFFT) throws {
        fft.loadSamples(try deposit(positions: positions, values: weights, components: 1)[0])
    }
}

extension GhostedField {
    /// Local: the owned planes of every component, plane-major without ghosts.
    func ownedComponents() -> [[Double]] {
        let owned = decomposition.count * planeLength, first = width * planeLength, componentStride = slots * planeLength
        return (0..<components).map { c in Array(storage[(c * componentStride + first)..<(c * componentStride + first + owned)]) }
    }
}

/// Segments x_i + λ r_i, λ ∈ [0, 1], each with `components` values: the bonds of the Hardy stress.
public struct SegmentBatch: Sendable {
    /// x_i, d values each (physical order).
    public var origins: [Double]
    /// r_i, d values each.
    public var vectors: [Double]
    /// `components` values each.
    public var values: [Double]
    public let components: Int
    public let dimension: Int

    public init(origins: [Double], vectors: [Double], values: [Double], components: Int, dimension: Int) {
        precondition(origins.count == vectors.count && values.count * dimension == origins.count * components, "segment arrays disagree")
        self.origins = origins
        self.vectors = vectors
        self.values = values
        self.components = components
        self.dimension = dimension
    }

    public var count: Int { origins.count / dimension }
}
