import ArgumentParser
import Formats
import Foundation
import Parallel
import Particles
import Study

/// `stressflux evaluate INPUT`: forces, energy and virial stress of one configuration, to compare with
/// another code.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate one configuration: writes DIR/state.h5 (H5MD with forces and per-particle virials) and DIR/thermo.json.")

    @OptionGroup var configuration: ConfigurationOptions

    @OptionGroup var pair: PotentialOptions

    @Option(help: "Output folder.")
    var output: String

    @Option(help: "Verlet skin of the neighbour lists (only --repeat sees it: the lists then hold pairs within cutoff + skin, as in a run).")
    var skin = 0.0

    @Option(help: "Time this many more force evaluations (the force-only loop of a run) and print ns per particle.")
    var `repeat` = 0

    /// `thermo.json`; its keys are a contract for other tools.
    struct Report: Codable {
        let N: Int
        let dimension: Int
        let box: [Double]
        let potential: String
        let potential_energy: Double
        let potential_energy_per_particle: Double
        let virial_stress: [String: Double]
        let pressure: Double
        let max_force: Double
        let contacts: Int
        let contacts_per_particle: Double
        let max_overlap: Double
        /// Wall time of one force evaluation per particle, slowest rank (with --repeat only).
        let force_evaluation_ns_per_particle: Double?
        let units: String
        let stressflux: String
    }

    func run() throws {
        let communicator = Communicator.world
        let potential = try pair.chosen()
        let block = try configuration.readBlock(communicator)
        try ConfigurationOptions.makeFolder(output, communicator)
        guard skin >= 0, `repeat` >= 0 else {
            throw StudyError.invalidOption(name: skin < 0 ? "--skin" : "--repeat", value: skin < 0 ? "\(skin)" : "\(`repeat`)",
                                           expected: "must be zero or positive")
        }
        let system = try ParticleSystem(block: block, potential: potential, skin: skin, communicator: communicator)
        let thermo = system.computeForces(thermo: true, perParticleVirials: true)!
        var nanoseconds: Double?
        if `repeat` > 0 {
            let clock = ContinuousClock.now
            for _ in 0..<`repeat` { system.computeForces() }
            let elapsed = ContinuousClock.now - clock
            let seconds = communicator.allreduce(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, .max)
            nanoseconds = seconds * 1e9 / Double(`repeat` * system.totalCount)
        }
        try H5MDSnapshot.write(system, to: (output as NSString).appendingPathComponent("state.h5"), time: 0, includeForces: true,
                               config: "stressflux evaluate \(configuration.input) --potential \(pair.potential) --epsilon \(pair.epsilon)")
        let names = Thermo.componentNames(dimension: system.dimension)
        let contactCount = Int((thermo.contactsPerParticle * Double(thermo.particles)).rounded()) / 2
        let report = Report(N: thermo.particles, dimension: system.dimension, box: system.box, potential: pair.potential,
                            potential_energy: thermo.potentialEnergy, potential_energy_per_particle: thermo.energyPerParticle,
                            virial_stress: Dictionary(uniqueKeysWithValues: zip(names, thermo.virialStress)),
                            pressure: thermo.virialPressure, max_force: thermo.maxForce, contacts: contactCount,
                            contacts_per_particle: thermo.contactsPerParticle, max_overlap: thermo.maxOverlap,
                            force_evaluation_ns_per_particle: nanoseconds, units: H5MDSnapshot.units, stressflux: BuildInfo.version)
        try communicator.agree {
            guard communicator.isRoot else { return }
            try JSONReport.write(report, to: (output as NSString).appendingPathComponent("thermo.json"))
            print("N = \(report.N), U = \(report.potential_energy), P = \(report.pressure), max|F| = \(report.max_force), contacts = \(report.contacts)")
            if let nanoseconds { print(String(format: "force evaluation: %.2f ns per particle (%d repetitions)", nanoseconds, `repeat`)) }
        }
    }
}
