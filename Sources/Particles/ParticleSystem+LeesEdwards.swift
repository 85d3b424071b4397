/// Lees–Edwards images (physics.md §1.5b): the image above the box is shifted by +γ L_y along x
/// (``ParticleSnapshot/strain``). Wrapping applies it in ``wrapIntoBox()``, ghosts in ``ghostX(_:yShift:shift:)``.
extension ParticleSystem {
    /// γ L_y: the x shift of the periodic image above the box (Lees–Edwards, physics.md §1.5b).
    var leesEdwardsShift: Double { strain * box[Self.slabAxis] }

    /// The x of a ghost that is the image `yShift` (−L_y, 0 or L_y) away along y of a particle at `x`:
    /// shifted by the Lees–Edwards offset and wrapped into [0, L_x) (so that one minimum-image
    /// correction still suffices in the pair loop). Unsheared: `x` itself.
    @inline(__always)
    func ghostX(_ x: Double, yShift: Double, shift: Double) -> Double {
        guard yShift != 0 && shift != 0 else { return x }
        let length = box[0]
        var v = x + (yShift > 0 ? shift : -shift)
        v -= length * (v / length).rounded(.down)
        return v < length ? v : v - length
    }

    /// Changes the Lees–Edwards strain by `delta`; the caller moves the particles (an affine step in
    /// AQS, the drift of continuous shear). Ghosts take the new offset at the next refresh.
    public func shear(by delta: Double) {
        strain += delta
    }

    /// Collective: the affine simple-shear map x ← x + δγ (y − L_y/2) of every particle with the strain
    /// advanced by δγ (physics.md §1.5c), then ghosts or a rebuild.
    public func affineShear(by delta: Double) {
        let d = dimension, half = 0.5 * box[Self.slabAxis]
        positions.withUnsafeMutableBufferPointer { x in
            for i in 0..<localCount { x[i * d] += delta * (x[i * d + 1] - half) }
        }
        shear(by: delta)
        positionsChanged()
    }
}
