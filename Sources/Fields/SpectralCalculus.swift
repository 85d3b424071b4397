/// Spectral derivatives of fields given as owned samples (``SlabFFT/ownedSamples()`` layout), with one
/// ``SlabFFT`` as workspace (physics.md §3.2: exact on the grid's trigonometric polynomial, Nyquist zeroed).
/// Components are in physical order (x, y[, z]); symmetric tensors in the order xx, yy, xy (2D) or
/// xx, yy, zz, xy, xz, yz (3D). Every call is collective (forward and inverse transforms).
public struct SpectralCalculus {
    public let fft: SlabFFT
    /// Lees–Edwards strain γ of a grid in sheared coordinates (x' = x − γ y): ∂_y = ∂_{y'} − γ ∂_{x'} and
    /// |k| is the lab wavenumber (physics.md §1.5).
    public let strain: Double
    /// Grid axis of each physical axis: x → 1, y → 0 (the slab axis), z → 2.
    static let gridAxis = [1, 0, 2]

    public init(fft: SlabFFT, strain: Double = 0) {
        self.fft = fft
        self.strain = strain
    }

    public var dimension: Int { fft.extents.count }

    /// Collective: ∂f/∂x_a for physical axis `a` (lab derivative).
    public func derivative(_ f: [Double], axis a: Int) -> [Double] {
        let along = gridDerivative(f, gridAxis: Self.gridAxis[a])
        guard a == 1 && strain != 0 else { return along }
        let across = gridDerivative(f, gridAxis: Self.gridAxis[0])
        return zip(along, across).map { $0 - strain * $1 }
    }

    private func gridDerivative(_ f: [Double], gridAxis: Int) -> [Double] {
        fft.loadSamples(f)
        fft.forward()
        fft.differentiate(axis: gridAxis)
        fft.inverse()
        return fft.ownedSamples()
    }

    /// Collective: ∇f, physical components.
    public func gradient(_ f: [Double]) -> [[Double]] { (0..<dimension).map { derivative(f, axis: $0) } }

    /// Collective: ∇·v = Σ_a ∂_a v_a.
    public func divergence(vector v: [[Double]]) -> [Double] {
        precondition(v.count == dimension, "one component per axis")
        var result = [Double](repeating: 0, count: v[0].count)
        for a in 0..<dimension { add(derivative(v[a], axis: a), to: &result) }
        return result
    }

    /// Index of σ_ab among the symmetric tensor's components.
    public static func tensorComponent(_ a: Int, _ b: Int, dimension d: Int) -> Int {
        if a == b { return a }
        let (p, q) = (min(a, b), max(a, b))
        return d == 2 ? 2 : (p == 0 ? 2 + q : 5)
    }

    /// Collective: (∇·σ)_b = Σ_a ∂_a σ_ab of a symmetric tensor (divergence on the first index, physics.md §2.3).
    public func divergence(tensor sigma: [[Double]]) -> [[Double]] {
        let d = dimension
        precondition(sigma.count == (d == 2 ? 3 : 6), "symmetric tensor components")
        return (0..<d).map { b in
            var result = [Double](repeating: 0, count: sigma[0].count)
            for a in 0..<d { add(derivative(sigma[Self.tensorComponent(a, b, dimension: d)], axis: a), to: &result) }
            return result
        }
    }

    /// Collective: ∇²f = −|k|² f̂.
    public func laplacian(_ f: [Double]) -> [Double] {
        fft.loadSamples(f)
        fft.forward()
        fft.multiply(strain: strain) { -$0 * $0 }
        fft.inverse()
        return fft.ownedSamples()
    }

    private func add(_ values: [Double], to sum: inout [Double]) {
        for k in sum.indices { sum[k] += values[k] }
    }
}
