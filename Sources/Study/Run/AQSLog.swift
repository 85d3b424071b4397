import Formats
import Foundation
import Particles

/// `aqs.csv`, written by rank 0: one line per AQS step (physics.md §1.5c), the relaxed state after it and how it
/// was relaxed; the overdamped columns (§5.7) are empty under FIRE. On restart the lines after the checkpoint's step
/// are dropped, so the file reads as one run.
struct AQSLog {
    let log: StepLog

    init(path: String, dimension: Int) {
        typealias U = ReducedUnit
        let stress = U.stress(dimension: dimension)
        log = StepLog(path: path, columns: [
            "strain", CSVColumn("sigma_xy", unit: stress), CSVColumn("virial_pressure", unit: stress),
            CSVColumn("energy_per_particle", unit: U.energy), "fire_iterations", "fire_converged", CSVColumn("max_force", unit: U.force),
            CSVColumn("relaxation_time", unit: U.time), "overdamped_steps", CSVColumn("dissipated_energy", unit: U.energy), "force_evaluations",
        ])
    }

    /// Starts the file, or on restart keeps its lines up to `step`.
    func begin(restartingAt step: Int?) throws {
        try log.begin(restartingAt: step)
    }

    /// The line of `record` (`fire_iterations` 0 for the overdamped flow).
    func append(_ record: AQSDriver.Record) throws {
        let relaxed = record.relaxed
        var values = [record.strain, record.shearStress, record.pressure, record.energyPerParticle].map { "\($0)" }
        values += ["\(relaxed.iterations)", relaxed.converged ? "1" : "0", "\(relaxed.maxForce)"]
        if let flow = relaxed.overdamped {
            values += ["\(flow.time)", "\(flow.steps)", "\(flow.dissipatedEnergy)"]
        } else {
            values += ["", "", ""]
        }
        values.append("\(relaxed.forceEvaluations)")
        try log.append(step: record.step, values: values)
    }
}
