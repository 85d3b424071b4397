import Fields
import Parallel

/// The arithmetic every budget assembles its terms with (physics.md §5.1, §5.4): tensor fields are arrays of
/// components in ``SpectralCalculus`` order (2D: xx, yy, xy), each as owned samples; a flux is one such tensor per
/// direction k.
enum BudgetAlgebra {
    /// Local: the linear combination Σ_n c_n T_n of tensor fields T_n of equal shape (at least one term).
    static func combination(_ terms: [(factor: Double, field: [[Double]])]) -> [[Double]] {
        let first = terms[0].field.map { $0.map { terms[0].factor * $0 } }
        return terms.dropFirst().reduce(first) { total, term in
            zip(total, term.field).map { zip($0, $1).map { $0 + term.factor * $1 } }
        }
    }

    /// Collective: (∇·J)_ij = Σ_k ∂_k J_kij, spectrally.
    static func divergence(flux: [[[Double]]], calculus: SpectralCalculus) -> [[Double]] {
        let components = flux[0].count, zero = [Double](repeating: 0, count: flux[0][0].count)
        return (0..<components).map { m in
            flux.indices.map { k in calculus.derivative(flux[k][m], axis: k) }.reduce(zero) { zip($0, $1).map { $0 + $1 } }
        }
    }

    /// Collective: the relative RMS closure residual of physics.md §5.4, ε = sqrt(Σ_c w_c ⟨R_c²⟩ / Σ_c w_c ⟨S_c²⟩) with
    /// R = rate − source, S = source (the budget's right side), weight 1 on the d diagonal components and 2 on the
    /// off-diagonal ones (each stands for two entries of the tensor).
    static func relativeResidual(rate: [[Double]], source: [[Double]], dimension d: Int, communicator: Communicator) -> Double {
        var sums = [0.0, 0.0]
        for m in source.indices {
            let weight: Double = m < d ? 1 : 2
            for k in source[m].indices {
                let r = rate[m][k] - source[m][k]
                sums[0] += weight * r * r
                sums[1] += weight * source[m][k] * source[m][k]
            }
        }
        let total = communicator.allreduce(sums, .sum)
        return (total[0] / total[1]).squareRoot()
    }
}
