import Testing
@testable import Study

/// The study config (issue 19 item 1): the runs a scan makes and the errors a bad one gives.
struct StudyConfigTests {
    static let base = "[system]\ndimension = 2\nparticles = 64\n[output]\ndirectory = \"s\"\n"

    /// Two scanned keys and two seeds: 2 × 3 × 2 runs, the keys by section (dynamics before system), the seeds fastest, each named by what
    /// it sets and carrying its values in its own config (both seeds set, the placement's and the noise's).
    @Test func scanMakesEveryCombination() throws {
        let study = try StudyConfig(toml: Self.base + "[study]\nseeds = [3, 4]\n[study.scan]\nsystem.packing_fraction = [0.85, 0.9]\n"
                                    + "dynamics.temperature = [0.0, 1e-5, 0.001]\n", source: "t")
        #expect(study.keys == ["temperature", "packing_fraction", "seed"] && study.members.count == 12 && study.directory == "s")
        let last = try #require(study.members.last)
        #expect(study.members[0].name == "temperature-0.0_packing_fraction-0.85_seed-3" && last.name == "temperature-0.001_packing_fraction-0.9_seed-4")
        #expect(last.values == ["0.001", "0.9", "4"])
        #expect(last.config.system.packingFraction == 0.9 && last.config.dynamics.temperature == 0.001)
        #expect(last.config.system.seed == 4 && last.config.dynamics.seed == 4)
    }

    /// One line naming the key: a scanned value a run refuses names the run; unknown [study] keys, an empty scan, a key
    /// scanned in two sections and a study without [study] are refused.
    @Test func badStudiesNameTheirKey() {
        func key(_ toml: String) -> String? {
            do { _ = try StudyConfig(toml: Self.base + toml, source: "t"); return nil } catch let StudyError.invalidOption(name, _, _) { return name } catch { return "\(error)" }
        }
        #expect(key("[study.scan]\nsystem.packing_fraction = [0.9, 1.2]\n") == "run packing_fraction-1.2: [system] packing_fraction")
        #expect(key("[study]\nseedz = [1]\n") == "[study] seedz")
        #expect(key("[study.scan]\nsystem.packing_fraction = []\n") == "[study.scan] system.packing_fraction")
        #expect(key("[study.scan]\nsystem.seed = [1]\ndynamics.seed = [2]\n") == "[study.scan] seed")
        #expect(key("") == "[study]")
        #expect(key("[study]\nseeds = [1, 1]\n") == "[study] seeds")
    }

    /// `validate`'s check of a study: a bad base value and a bad scanned value are both found (the scanned one named by
    /// its run), and after them the config reads, so the check ends there; a clean study reports its run count.
    @Test func checkFindsBaseAndScanProblems() {
        let check = ConfigCheck(toml: Self.base + "[study]\nseeds = [1]\n[study.scan]\nsystem.packing_fraction = [0.9, 1.2]\n"
                                + "[dynamics]\ndt = 0.0\n", source: "t")
        #expect(check.isStudy && check.runs == nil && check.problems.count == 2, "\(check.problems)")
        #expect(check.problems.first?.hasPrefix("run packing_fraction-0.9_seed-1: [dynamics] dt") == true)
        #expect(check.problems.last?.hasPrefix("run packing_fraction-1.2_seed-1: [system] packing_fraction") == true)
        let clean = ConfigCheck(toml: Self.base + "[study]\nseeds = [1, 2]\n", source: "t")
        #expect(clean.problems.isEmpty && clean.runs == 2)
    }
}
