import Foundation
import Testing
@testable import Study

/// The pieces of the event budget (physics.md §5.7) that need no particles: the ℓ → 0 fit of the flux fraction and the
/// step tolerance the event budget defaults to.
struct EventAnalysisTests {
    /// Φ_ℓ = a + bℓ exactly on the resolved scales: the fit returns a (1e-12), with an error bar from the change under
    /// a + bℓ² that is not zero (the two models differ on a line); a scale below d_s/4 = 0.25 and a non-finite Φ (a window
    /// whose σ̲ did not change) are left out, so a wild value there must not move the limit.
    @Test func fluxFractionLimit() {
        let scales = [0.125, 0.5, 1, 2, 4, 8], a = 0.3, b = -0.05
        var fractions = scales.map { a + b * $0 }
        fractions[0] = 1e6
        fractions[4] = .nan
        let limit = FluxFractionLimit(scales: scales, fractions: fractions, smallestDiameter: 1)
        #expect(abs(limit.value - a) < 1e-12, "a = \(limit.value)")
        #expect(limit.error > 0 && limit.scales == 4 && limit.range == 0.5...8, "\(limit.error), \(limit.scales) scales, \(limit.range)")
        #expect(FluxFractionLimit.advice(scales: [0.5, 1, 2, 4], smallestDiameter: 1) == nil, "4 scales over a ratio 8")
        #expect(FluxFractionLimit.advice(scales: [0.125, 1, 2, 4], smallestDiameter: 1) != nil, "3 resolved scales")
        #expect(FluxFractionLimit(scales: [1, 2], fractions: [1, 2], smallestDiameter: 1).value.isNaN, "two scales fit no limit with an error")
    }

    /// Overdamped AQS with `[analysis] scales` relaxes at step_tolerance 3e-3 unless told otherwise; without the analysis
    /// the default stays 1e-2, and a given value is kept.
    @Test func eventBudgetStepTolerance() throws {
        let base = "[system]\ndimension = 2\nparticles = 64\n[aqs]\nstep = 1e-4\nrelaxation = \"overdamped\"\n"
        #expect(try RunConfig(toml: base + "[analysis]\nscales = [2.0]\n", source: "t").aqs.stepTolerance == RunConfig.AQS.eventBudgetStepTolerance)
        #expect(try RunConfig(toml: base, source: "t").aqs.stepTolerance == 1e-2)
        #expect(try RunConfig(toml: base + "step_tolerance = 0.02\n[analysis]\nscales = [2.0]\n", source: "t").aqs.stepTolerance == 0.02)
    }

    /// `[events] budget`: implied by `[analysis] scales` in AQS, asked for in Brownian shear; each impossible combination is
    /// refused by one error naming its key (without shear there are no events; event windows need the quadrature's fields;
    /// AQS has no other use for the scales than the budget).
    @Test func brownianEventBudgetConfig() throws {
        let base = "[system]\ndimension = 2\nparticles = 64\n"
        func key(_ toml: String) -> String? {
            do { _ = try RunConfig(toml: base + toml, source: "t"); return nil } catch let StudyError.invalidOption(name, _, _) { return name } catch { return "\(error)" }
        }
        let sheared = "[shear]\nrate = 1e-4\n[analysis]\nscales = [2.0]\nevery = 0\n"
        #expect(try !RunConfig(toml: base + sheared, source: "t").analysesEvents, "Brownian shear measures events' budget only when asked")
        #expect(try RunConfig(toml: base + sheared + "[events]\nbudget = true\n", source: "t").analysesEvents)
        #expect(key("[events]\nbudget = true\n[analysis]\nscales = [2.0]\n") == "[events] budget", "no shear, no events")
        #expect(key(sheared.replacingOccurrences(of: "every = 0", with: "route = \"averages\"") + "[events]\nbudget = true\n") == "[analysis] route")
        #expect(key(sheared + "[events]\nbudget = true\nenabled = false\n") == "[events] enabled")
        #expect(key("[shear]\nrate = 1e-4\n[events]\nbudget = true\n") == "[analysis] scales", "a budget needs scales")
        #expect(key("[aqs]\nstep = 1e-4\nrelaxation = \"overdamped\"\n[events]\nbudget = false\n[analysis]\nscales = [2.0]\n") == "[events] budget")
    }

    /// `[events] predictor_windows` (physics.md §6.4): AQS with `budget = false` keeps the scales for the predictors; each
    /// impossible combination is one error naming its key (windows that are no lengths, no shear, events off, no scales,
    /// box means only).
    @Test func predictorWindowsConfig() throws {
        let base = "[system]\ndimension = 2\nparticles = 64\n"
        func key(_ toml: String) -> String? {
            do { _ = try RunConfig(toml: base + toml, source: "t"); return nil } catch let StudyError.invalidOption(name, _, _) { return name } catch { return "\(error)" }
        }
        let aqs = "[aqs]\nstep = 1e-4\n[analysis]\nscales = [1.0, 2.0]\n"
        #expect(key(aqs + "[events]\nbudget = false\npredictor_windows = [4.0, 8.0]\n") == nil, "predictors without the budget")
        #expect(try RunConfig(toml: base + aqs + "[events]\nbudget = false\npredictor_windows = [4.0]\n", source: "t").events.predictorWindows == [4])
        #expect(key(aqs + "[events]\nbudget = false\npredictor_windows = [0.0]\n") == "[events] predictor_windows")
        #expect(key("[analysis]\nscales = [1.0]\nevery = 10\n[events]\npredictor_windows = [4.0]\n") == "[events] predictor_windows", "no shear")
        #expect(key(aqs + "[events]\nbudget = false\nenabled = false\npredictor_windows = [4.0]\n") == "[events] enabled")
        #expect(key("[aqs]\nstep = 1e-4\n[events]\npredictor_windows = [4.0]\n") == "[analysis] scales")
        #expect(key(aqs + "route = \"averages\"\n[events]\nbudget = false\npredictor_windows = [4.0]\n") == "[analysis] route")
    }
}
