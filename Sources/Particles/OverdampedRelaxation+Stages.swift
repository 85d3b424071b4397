import Parallel

/// The per-particle work of an RKC2 step (``OverdampedRelaxation``) on the owned particles of one rank. The memory of
/// the stages lives in ``ParticleSystem/carried`` (3d values per particle, travelling with it): D₀ = x_n − x, F_n, and
/// D₂ = Y_{j−2} − x, displacements from the current position x so that the wrapping of x at a rebuild leaves every
/// combination intact. Buffer pointers throughout: element access through the class would pay an exclusivity check each.
extension OverdampedRelaxation {
    struct Stages {
        let system: ParticleSystem
        let d: Int

        init(system: ParticleSystem) {
            self.system = system
            d = system.dimension
        }

        /// Local: F_n ← F (current), D₀ ← 0: the current state is x_n.
        func keepForces() {
            let n = system.localCount, d = d
            system.forces.withUnsafeBufferPointer { f in
                system.carried.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        for a in 0..<d {
                            c[3 * d * i + a] = 0
                            c[3 * d * i + d + a] = f[d * i + a]
                        }
                    }
                }
            }
        }

        /// Collective: the stages of one step of `dt` from x_n (forces F_n kept); ends at x_{n+1} with F(x_{n+1}) current.
        func advance(by dt: Double, with step: Chebyshev) {
            for j in 1...step.stages {
                // Y_j − Y_{j−1} = (1 − μ − ν) D₀ + ν D₂ + μ̃ Δt F(Y_{j−1}) + γ̃ Δt F_n  (stage 1: μ̃₁ Δt F_n)
                let keep = j == 1 ? 0 : 1 - step.mu[j] - step.nu[j], back = j == 1 ? 0 : step.nu[j]
                let force = j == 1 ? 0 : step.muTilde[j] * dt, start = j == 1 ? step.muTilde[1] * dt : step.gammaTilde[j] * dt
                let n = system.localCount, d = d
                system.forces.withUnsafeBufferPointer { f in
                    system.carried.withUnsafeMutableBufferPointer { c in
                        system.positions.withUnsafeMutableBufferPointer { x in
                            for i in 0..<n {
                                for a in 0..<d {
                                    let k = 3 * d * i + a
                                    let move = keep * c[k] + back * c[k + 2 * d] + force * f[d * i + a] + start * c[k + d]
                                    x[d * i + a] += move
                                    c[k] -= move
                                    c[k + 2 * d] = -move
                                }
                            }
                        }
                    }
                }
                system.positionsChanged()
                system.computeForces()
            }
        }

        /// Collective: the root mean square over all components of RKC's local error estimate (12 D₀ + 6Δt (F_n + F))/15
        /// and of the step's displacement D₀ (sums independent of the order, ``ReproducibleSum``). The mean square rather
        /// than the largest component: a contact that opens or closes inside a step (a kink of F) spikes one component.
        func errorAndDisplacement(dt: Double) -> (error: Double, displacement: Double) {
            let n = system.localCount, d = d
            let local = system.forces.withUnsafeBufferPointer { f in
                system.carried.withUnsafeBufferPointer { c in
                    var largest = (0.0, 0.0)
                    for i in 0..<n {
                        for a in 0..<d {
                            let k = 3 * d * i + a
                            let error = (12 * c[k] + 6 * dt * (c[k + d] + f[d * i + a])) / 15
                            largest = (max(largest.0, abs(error)), max(largest.1, abs(c[k])))
                        }
                    }
                    return [largest.0, largest.1]
                }
            }
            let bounds = system.timers.time(.reductions) { system.communicator.allreduce(local, .max) }
            let count = system.totalCount * d
            let sums = [ReproducibleSum(count: count, bound: bounds[0] * bounds[0]), ReproducibleSum(count: count, bound: bounds[1] * bounds[1])]
            let folds = system.forces.withUnsafeBufferPointer { f in
                system.carried.withUnsafeBufferPointer { c in
                    var e = (0.0, 0.0), m = (0.0, 0.0)
                    for i in 0..<n {
                        for a in 0..<d {
                            let k = 3 * d * i + a
                            let error = (12 * c[k] + 6 * dt * (c[k + d] + f[d * i + a])) / 15
                            sums[0].add(error * error, to: &e)
                            sums[1].add(c[k] * c[k], to: &m)
                        }
                    }
                    return [e.0, e.1, m.0, m.1]
                }
            }
            let total = system.timers.time(.reductions) { system.communicator.allreduce(folds, .sum) }
            let mean = { (k: Int) in (ReproducibleSum.value((total[k], total[k + 1])) / Double(count)).squareRoot() }
            return (mean(0), mean(2))
        }

        /// Collective: back to x_n (to round-off, the same on every rank); forces stale until the next evaluation.
        func goBack() {
            let n = system.localCount, d = d
            system.carried.withUnsafeMutableBufferPointer { c in
                system.positions.withUnsafeMutableBufferPointer { x in
                    for i in 0..<n {
                        for a in 0..<d {
                            x[d * i + a] += c[3 * d * i + a]
                            c[3 * d * i + a] = 0
                        }
                    }
                }
            }
            system.positionsChanged()
        }

        /// Collective: λ_max of the Hessian at x_n by a power iteration on force differences, F(x_n) − F(x_n + v) ≈ H v
        /// with max|v| = 10⁻⁶ ℓ₀, from a fixed pseudo-random vector of the particle ids (the same on every rank count), in
        /// the max norm (whose reduction is exact); at most 20 iterations, stopping at 1 % change. Returns the estimate
        /// and the force evaluations; leaves the system at x_n with stale forces.
        func spectralRadius() -> (Double, Int) {
            let n = system.localCount, d = d, size = 1e-6
            system.ids.withUnsafeBufferPointer { id in
                system.carried.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        for a in 0..<d { c[3 * d * i + 2 * d + a] = Self.jitter(id[i], a) }
                    }
                }
            }
            var estimate = 0.0, evaluations = 0
            var scale = size / 0.5  // the jitter's components lie in [−½, ½)
            for _ in 0..<20 {
                // x ← x_n + scale · v (v in D₂), tracked in D₀
                system.carried.withUnsafeMutableBufferPointer { c in
                    system.positions.withUnsafeMutableBufferPointer { x in
                        for i in 0..<n {
                            for a in 0..<d {
                                let k = 3 * d * i + a, move = scale * c[k + 2 * d] + c[k]
                                x[d * i + a] += move
                                c[k] -= move
                            }
                        }
                    }
                }
                system.positionsChanged()
                system.computeForces()
                evaluations += 1
                // v ← F_n − F (≈ H · scale v), its max norm over all ranks
                let local = system.forces.withUnsafeBufferPointer { f in
                    system.carried.withUnsafeMutableBufferPointer { c in
                        var largest = 0.0
                        for i in 0..<n {
                            for a in 0..<d {
                                let k = 3 * d * i + a
                                c[k + 2 * d] = c[k + d] - f[d * i + a]
                                largest = max(largest, abs(c[k + 2 * d]))
                            }
                        }
                        return largest
                    }
                }
                let norm = system.timers.time(.reductions) { system.communicator.allreduce(local, .max) }
                let previous = estimate
                estimate = norm / size
                guard norm > 0 else { break }
                scale = size / norm
                if abs(estimate - previous) <= 0.01 * estimate { break }
            }
            goBack()
            return (estimate, evaluations)
        }

        /// A fixed pseudo-random number in [−½, ½) of a particle id and a component (SplitMix64's finaliser).
        static func jitter(_ id: Int, _ component: Int) -> Double {
            var z = UInt64(truncatingIfNeeded: id) &* 4 &+ UInt64(component) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 53) - 0.5
        }
    }
}
