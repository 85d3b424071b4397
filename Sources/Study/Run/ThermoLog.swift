import Formats
import Foundation
import Particles

/// `thermo.csv`, written by rank 0: one line per thermo step, a header naming quantity and unit.
/// On restart the lines after the checkpoint's step are dropped, so the file reads as one run.
struct ThermoLog {
    let path: String
    let dimension: Int
    let temperature: Double

    var header: String {
        let stress = Thermo.componentNames(dimension: dimension).map { "sigma_\($0) [V0/l0^\(dimension)]" }
        return (["step", "time [l0^2/(mu V0)]", "energy_per_particle [V0]", "pressure [V0/l0^\(dimension)]",
                 "virial_pressure [V0/l0^\(dimension)]"] + stress + ["contacts_per_particle", "max_overlap [1 - r/sigma_ij]", "max_force [V0/l0]", "strain"])
            .joined(separator: ",")
    }

    /// Starts the file, or on restart keeps its lines up to `step`.
    func begin(restartingAt step: Int?) throws {
        try StepLog(path: path, header: header).begin(restartingAt: step)
    }

    /// One line; `strain` is the Lees–Edwards shear strain γ (0 without shear); `time` nil (an empty field) where
    /// the run has no time (AQS: its steps are strain steps).
    func append(_ thermo: Thermo, time: Double?, strain: Double) throws {
        let values = [Double(thermo.step), time ?? .nan, thermo.energyPerParticle, thermo.pressure(temperature: temperature),
                      thermo.virialPressure] + thermo.virialStress
            + [thermo.contactsPerParticle, thermo.maxOverlap, thermo.maxForce, strain]
        try StepLog(path: path, header: header).append(step: thermo.step, values: values.dropFirst().map { $0.isNaN ? "" : "\($0)" })
    }
}
