import CFFTW
import Foundation
import TestSupport

/// Exact isotropic fractional Brownian surfaces by Stein's (2002) circulant embedding, as physics.md §6.3(a) states
/// it: m × m samples on [0, 1]², 0 < H ≤ 0.75, with ½ E|B(x) − B(y)|² = |x − y|^{2H}. The complex 2D transforms
/// use serial FFTW directly (test code only; the project's transforms are the distributed r2c ones).
struct FractionalBrownianSurface {
    let m: Int
    let hurst: Double
    /// √(λ/n²) of the embedding, n = 4m.
    private let roots: [Double]
    private let c2: Double

    init(m: Int, hurst: Double) {
        self.m = m
        self.hurst = hurst
        let n = 4 * m, a = 2 * hurst, beta = a * (2 - a) / 18
        c2 = a / 2 - 2 * beta
        let c0 = beta + 1 - c2
        var values = [Double](repeating: 0, count: 2 * n * n)
        for i in 0..<n {
            for j in 0..<n {
                let dx = Double(min(i, n - i)) / Double(m), dy = Double(min(j, n - j)) / Double(m)
                let r = (dx * dx + dy * dy).squareRoot()
                values[2 * (i * n + j)] = r <= 1 ? c0 - pow(r, a) + c2 * r * r : r <= 2 ? beta * pow(2 - r, 3) / r : 0
            }
        }
        let eigenvalues = Self.transform(values, n: n)
        let real = stride(from: 0, to: eigenvalues.count, by: 2).map { eigenvalues[$0] }
        precondition(real.min()! >= -1e-8 * real.max()!, "the embedding is not positive definite")
        roots = real.map { (max($0, 0) / Double(n * n)).squareRoot() }
    }

    /// One realisation, row-major m × m (B at x = (i/m, j/m)).
    func sample(_ rng: inout SplitMix64) -> [Double] {
        let n = 4 * m
        func normal() -> Double {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        var values = [Double](repeating: 0, count: 2 * n * n)
        for k in 0..<(n * n) {
            values[2 * k] = roots[k] * normal()
            values[2 * k + 1] = roots[k] * normal()
        }
        let z = Self.transform(values, n: n)
        let (x1, x2) = (normal(), normal()), slope = (2 * c2).squareRoot()
        let origin = z[0]
        return (0..<(m * m)).map { k in
            let (i, j) = (k / m, k % m)
            return z[2 * (i * n + j)] - origin + slope * (x1 * Double(i) + x2 * Double(j)) / Double(m)
        }
    }

    /// The forward DFT of an n × n complex array (interleaved re, im).
    static func transform(_ values: [Double], n: Int) -> [Double] {
        let input = fftw_alloc_complex(n * n)!, output = fftw_alloc_complex(n * n)!
        defer {
            fftw_free(input)
            fftw_free(output)
        }
        let plan = fftw_plan_dft_2d(Int32(n), Int32(n), input, output, FFTW_FORWARD, FFTW_ESTIMATE)!
        defer { fftw_destroy_plan(plan) }
        UnsafeMutableRawPointer(input).copyMemory(from: values, byteCount: values.count * 8)
        fftw_execute(plan)
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(output).assumingMemoryBound(to: Double.self), count: 2 * n * n))
    }
}
