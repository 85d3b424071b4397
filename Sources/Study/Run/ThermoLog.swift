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
                 "virial_pressure [V0/l0^\(dimension)]"] + stress + ["contacts_per_particle", "max_overlap", "max_force [V0/l0]"])
            .joined(separator: ",")
    }

    /// Starts the file, or on restart keeps its lines up to `step`.
    func begin(restartingAt step: Int?) throws {
        var lines = [header]
        if let step, let old = try? String(contentsOfFile: path, encoding: .utf8) {
            lines += old.split(separator: "\n").dropFirst().filter { line in
                Int(line.prefix { $0 != "," }).map { $0 <= step } ?? false
            }.map(String.init)
        }
        try write(lines.joined(separator: "\n") + "\n", append: false)
    }

    func append(_ thermo: Thermo, time: Double) throws {
        let values = [Double(thermo.step), time, thermo.energyPerParticle, thermo.pressure(temperature: temperature),
                      thermo.virialPressure] + thermo.virialStress + [thermo.contactsPerParticle, thermo.maxOverlap, thermo.maxForce]
        let line = values.enumerated().map { $0.offset == 0 ? String(thermo.step) : "\($0.element)" }.joined(separator: ",")
        try write(line + "\n", append: true)
    }

    private func write(_ text: String, append: Bool) throws {
        if append, let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            return
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw StudyError.write(path: path, reason: error.localizedDescription)
        }
    }
}
