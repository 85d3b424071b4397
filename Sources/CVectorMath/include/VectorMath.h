// Vector math that the Swift standard library lowers lane by lane: SIMD4<Double>.squareRoot() becomes
// four scalar square roots (each with a libm errno check), while the pair loop needs one vsqrtpd.
// ext_vector_type(4) and (8) doubles import into Swift as SIMD4<Double> and SIMD8<Double>; the functions inline into the caller.
#ifndef STRESSFLUX_VECTOR_MATH_H
#define STRESSFLUX_VECTOR_MATH_H

typedef double sf_double4 __attribute__((ext_vector_type(4)));
typedef double sf_double8 __attribute__((ext_vector_type(8)));

/// Correctly rounded square root of each lane (IEEE 754, the same bits as the scalar sqrt).
static inline __attribute__((always_inline)) sf_double4 sf_sqrt4(sf_double4 x) {
    return __builtin_elementwise_sqrt(x);
}

/// ``sf_sqrt4`` on eight lanes (the Gaussian noise's Box–Muller radius).
static inline __attribute__((always_inline)) sf_double8 sf_sqrt8(sf_double8 x) {
    return __builtin_elementwise_sqrt(x);
}

#endif
