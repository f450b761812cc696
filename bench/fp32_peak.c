/* Measured fp32 FMA peak of this CPU: every thread runs independent chains
 * of vector FMAs (enough chains to hide the FMA latency), the widest
 * vectors the compiler targets with -march=native. Prints GFLOP/s for the
 * thread count OMP_NUM_THREADS.
 *
 *   cc -O2 -march=native -fopenmp bench/fp32_peak.c -o peak && ./peak
 */
#include <omp.h>
#include <stdio.h>

#include "vec.h"
enum { CHAINS = 16, STEPS = 20000000 };

int main(void) {
  double best = 0;
  for (int trial = 0; trial < 3; ++trial) {
    double start = omp_get_wtime();
    float sink = 0;
#pragma omp parallel reduction(+ : sink)
    {
      vec acc[CHAINS], a, b;
      for (int l = 0; l < LANES; ++l) {
        a[l] = 1.0f + 1e-7f * l;
        b[l] = 1e-8f;
      }
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = a * (float)c;
      for (long i = 0; i < STEPS / CHAINS; ++i) {
#pragma GCC unroll 16
        for (int c = 0; c < CHAINS; ++c)
          acc[c] = acc[c] * a + b;
        __asm__ volatile("" : "+v"(a)); /* keep the loop honest */
      }
      for (int c = 0; c < CHAINS; ++c)
        for (int l = 0; l < LANES; ++l)
          sink += acc[c][l];
    }
    double seconds = omp_get_wtime() - start;
    double flops = 2.0 * LANES * (double)(STEPS / CHAINS) * CHAINS *
                   omp_get_max_threads();
    if (flops / seconds > best)
      best = flops / seconds;
    if (sink == 12345.0f)
      printf("!");
  }
  printf("fp32 peak: %.1f GFLOP/s (%d threads, %d-lane FMAs)\n", best * 1e-9,
         omp_get_max_threads(), LANES);
  return 0;
}
