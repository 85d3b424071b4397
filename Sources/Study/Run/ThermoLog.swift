import Formats
import Foundation
import Particles

/// `thermo.csv`, written by rank 0: one line per thermo step, a header naming quantity and unit.
/// On restart the lines after the checkpoint's step are dropped, so the file reads as one run.
struct ThermoLog {
    let temperature: Double
    let log: StepLog

    init(path: String, dimension: Int, temperature: Double) {
        typealias U = ReducedUnit
        let stress = U.stress(dimension: dimension)
        self.temperature = temperature
        log = StepLog(path: path, columns: [
            CSVColumn("time", unit: U.time), CSVColumn("energy_per_particle", unit: U.energy), CSVColumn("pressure", unit: stress),
            CSVColumn("virial_pressure", unit: stress),
        ] + Thermo.componentNames(dimension: dimension).map { CSVColumn("sigma_\($0)", unit: stress) } + [
            "contacts_per_particle", CSVColumn("max_overlap", unit: "1 - r/sigma_ij"), CSVColumn("max_force", unit: U.force), "strain",
        ])
    }

    /// Starts the file, or on restart keeps its lines up to `step`.
    func begin(restartingAt step: Int?) throws {
        try log.begin(restartingAt: step)
    }

    /// One line; `strain` is the Lees–Edwards shear strain γ (0 without shear); `time` nil (an empty field) where
    /// the run has no time (AQS: its steps are strain steps).
    func append(_ thermo: Thermo, time: Double?, strain: Double) throws {
        let values = [Double(thermo.step), time ?? .nan, thermo.energyPerParticle, thermo.pressure(temperature: temperature),
                      thermo.virialPressure] + thermo.virialStress
            + [thermo.contactsPerParticle, thermo.maxOverlap, thermo.maxForce, strain]
        try log.append(step: thermo.step, values: values.dropFirst().map { $0.isNaN ? "" : "\($0)" })
    }
}
