/* Measured memory read bandwidth: every thread sums its share of one large
 * float array (larger than the last-level cache) with vector loads, the
 * widest the compiler targets with -march=native; the best of 10 passes.
 * Prints GB/s for the thread count OMP_NUM_THREADS. What a matrix-vector
 * product that reads each weight once (decode) can reach at best.
 *
 *   cc -O2 -march=native -fopenmp bench/stream_read.c -o stream
 *   ./stream [MIB]        (default 1024)
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "vec.h"

int main(int argc, char **argv) {
  size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
  size_t count = mib * 1024 * 1024 / sizeof(vec);
  vec *data = aligned_alloc(64, count * sizeof(vec));
  if (!data) {
    fprintf(stderr, "stream_read: cannot allocate %zu MiB\n", mib);
    return 1;
  }
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < count; ++i)
    data[i] = (vec){0} + (float)(i & 7);
  double best = 1e30, sink = 0;
  for (int pass = 0; pass < 10; ++pass) {
    double start = omp_get_wtime(), total = 0;
#pragma omp parallel reduction(+ : total)
    {
      vec a = {0}, b = {0}, c = {0}, d = {0};
#pragma omp for schedule(static) nowait
      for (size_t i = 0; i < count / 4 * 4; i += 4) {
        a += data[i];
        b += data[i + 1];
        c += data[i + 2];
        d += data[i + 3];
      }
      vec s = a + b + c + d;
      for (int l = 0; l < LANES; ++l)
        total += s[l];
    }
    double seconds = omp_get_wtime() - start;
    sink += total;
    if (seconds < best)
      best = seconds;
  }
  printf("%d threads: %.2f GB/s read (%zu MiB; checksum %g)\n",
         omp_get_max_threads(), count * sizeof(vec) / best / 1e9, mib, sink);
  free(data);
  return 0;
}
