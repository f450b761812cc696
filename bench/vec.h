/* The widest float vector the compiler targets with -march=native, for the
 * C measurements in bench/ (LANES may be given with -D). */
#ifndef TESSEL_BENCH_VEC_H
#define TESSEL_BENCH_VEC_H

#ifndef LANES
#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
#endif

typedef float vec __attribute__((vector_size(LANES * sizeof(float))));

#endif
