import Formats
import Foundation
import Parallel
import Particles

/// The mean velocity profile of a driven Brownian run (forcing or shear), `velocity_profile.csv`: in
/// `bins` slabs along y, the time average of the overdamped drift velocity v_i = F_i + f^e(x_i, t) +
/// γ̇ (y_i − L_y/2) e_x (physics.md §1.3 with μ = 1) over the particles in each slab, sampled at every
/// thermo line. The noise has zero mean, so this is the mean velocity without its variance; ideal
/// particles under forcing give the forcing profile itself (physics.md §1.5a: v = μ f^e).
///
/// The sums travel in the checkpoint, so a restarted run reports the whole run's profile (equal to
/// the uninterrupted one's up to the rounding of the reductions).
final class VelocityProfile {
    let bins: Int
    let dimension: Int
    let forcing: FourierForcing?
    let shearRate: Double
    /// Per bin: samples, then Σ v_a and Σ v_a² per component.
    private var sums: [Double]
    static let runStateKey = "velocity_profile"

    init(bins: Int, dimension: Int, forcing: FourierForcing?, shearRate: Double) {
        self.bins = bins
        self.dimension = dimension
        self.forcing = forcing
        self.shearRate = shearRate
        sums = [Double](repeating: 0, count: bins * (1 + 2 * dimension))
    }

    private var stride: Int { 1 + 2 * dimension }

    /// Local: adds this rank's owned particles, with forces F_i current, at `time`.
    func sample(_ system: ParticleSystem, time: Double) {
        let d = dimension, height = system.box[1], box = system.box
        var v = [Double](repeating: 0, count: d)
        for i in 0..<system.localCount {
            let y = system.positions[i * d + 1]
            let bin = min(bins - 1, max(0, Int((y - (y / height).rounded(.down) * height) / height * Double(bins))))
            for a in 0..<d { v[a] = system.forces[i * d + a] }
            v[0] += shearRate * (y - 0.5 * height)
            if let forcing {
                system.positions.withUnsafeBufferPointer { x in
                    v.withUnsafeMutableBufferPointer { forcing.add(at: x.baseAddress! + i * d, box: box, time: time, to: $0.baseAddress!) }
                }
            }
            sums[bin * stride] += 1
            for a in 0..<d {
                sums[bin * stride + 1 + a] += v[a]
                sums[bin * stride + 1 + d + a] += v[a] * v[a]
            }
        }
    }

    /// Collective: the sums over all ranks, for a checkpoint.
    func runState(_ communicator: Communicator) -> [String: [Double]] {
        [Self.runStateKey: communicator.allreduce(sums, .sum)]
    }

    /// Local: continues from a checkpoint's sums (kept on the root only, so that they count once).
    func restore(_ state: [String: [Double]], communicator: Communicator) {
        if communicator.isRoot, let saved = state[Self.runStateKey], saved.count == sums.count { sums = saved }
    }

    /// Collective: writes `path` on rank 0: y at the bin centre, samples, mean v_a and its standard error
    /// (samples taken as independent, so a lower bound where they are correlated).
    func write(to path: String, height: Double, communicator: Communicator) throws {
        let total = communicator.allreduce(sums, .sum), d = dimension
        try communicator.agree {
            guard communicator.isRoot else { return }
            let axes = ["x", "y", "z"].prefix(d)
            let velocity = ReducedUnit.velocity
            var text = (["bin", CSVColumn("y", unit: ReducedUnit.length), "samples"] + axes.map { CSVColumn("v_\($0)", unit: velocity) }
                + axes.map { CSVColumn("stderr_v_\($0)", unit: velocity) }).csvHeader + "\n"
            for b in 0..<bins {
                let n = total[b * stride], y = (Double(b) + 0.5) * height / Double(bins)
                let mean = (0..<d).map { n > 0 ? total[b * stride + 1 + $0] / n : 0 }
                let error = (0..<d).map { a -> Double in
                    guard n > 1 else { return 0 }
                    let variance = max(0, total[b * stride + 1 + d + a] / n - mean[a] * mean[a]) * n / (n - 1)
                    return (variance / n).squareRoot()
                }
                text += "\(b),\(y),\(Int(n))," + mean.map { "\($0)" }.joined(separator: ",") + ","
                    + error.map { "\($0)" }.joined(separator: ",") + "\n"
            }
            try AtomicFile.write(text, to: path)
        }
    }
}
