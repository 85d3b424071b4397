import Foundation
import Parallel

/// The smooth region of a plastic event for its budget (physics.md §5.7): the Gaussian window
/// w(x) ∝ exp(−|x − c|²/(2 R²)) centred on the event's centroid c with width R (its |u|⁴-weighted radius of gyration),
/// nearest images under Lees–Edwards, normalised on the grid so that Σ_samples w = 1: ⟨X⟩_w = Σ w X is a weighted
/// mean (⟨1⟩_w = 1), and d⟨σ̲_ℓ⟩_w/dt = ⟨W_ℓ⟩_w + ⟨Q^flux_ℓ⟩_w − ⟨∇·J̄_ℓ⟩_w, the last term being ∫∂_k w J̄_k, the
/// stress carried across the window's edge.
public struct EventWindow: Codable, Sendable {
    public var center: [Double]
    public var width: Double

    public init(center: [Double], width: Double) {
        self.center = center
        self.width = width
    }

    /// Collective: the weights of this rank's owned samples (all ranks' sum to 1).
    func weights(decomposition: SlabDecomposition, spacing h: Double, strain: Double, box: [Double], communicator: Communicator) -> [Double] {
        let r2 = GridSeparations(from: center, decomposition: decomposition, spacing: h, strain: strain, box: box).squaredDistances
        let raw = r2.map { exp(-$0 / (2 * width * width)) }
        let total = communicator.allreduce(raw.reduce(0, +), .sum)
        return raw.map { $0 / total }
    }
}
