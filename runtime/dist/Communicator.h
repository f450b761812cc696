//===- Communicator.h - collectives for data-parallel training --*- C++ -*-===//
//
// The collectives ZeRO needs, over an existing communication library: Open
// MPI on the CPU (MpiCommunicator.cpp, built when Debian's libopenmpi-dev
// is found), and one process alone (every collective a copy). Every call
// counts the elements it moves in the ZeRO paper's units (an all-reduce of
// n elements is a reduce-scatter plus an all-gather: 2n; a reduce-scatter
// or an all-gather of n: n), so a step's volume can be compared with the
// paper's 2Ψ / 3Ψ.
//
// A rank that dies leaves the others waiting in a collective. Every
// collective here runs under a deadline (--comm-timeout): past it, the rank
// prints which collective of which step did not complete and exits 1, so no
// run hangs; Open MPI's launcher also ends the job when one process dies.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_DIST_COMMUNICATOR_H
#define TESSEL_RUNTIME_DIST_COMMUNICATOR_H

#include "runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tessel::dist {

/// Elements moved per kind of collective, since the last reset.
struct CommVolume {
  int64_t allReduce = 0, reduceScatter = 0, allGather = 0;
  /// Scalars reduced for global decisions (loss, gradient norm).
  int64_t scalars = 0;
  int64_t total() const { return allReduce + reduceScatter + allGather; }
};

class Communicator {
public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// "mpi" or "local".
  virtual const char *backend() const = 0;

  /// Sums `n` floats over the ranks, in place on every rank.
  Status allReduceSum(float *data, int64_t n);
  /// Sums `n` doubles (losses, norms: the same decisions on every rank).
  Status allReduceSum(double *data, int64_t n);
  /// Sums `data` (the same length on every rank) over the ranks and leaves
  /// rank r the part [offsets[r], offsets[r] + counts[r]) of the sum in
  /// `out`.
  Status reduceScatterSum(const float *data, float *out,
                          const std::vector<int64_t> &counts);
  /// Rank r's part [offsets[r], + counts[r]) of `data` is its own; after
  /// the call every rank holds every part (in place).
  Status allGather(float *data, const std::vector<int64_t> &counts);
  /// Waits for every rank.
  Status barrier();
  /// Ends every rank's process after a failure of this one (MPI_Abort), so
  /// the others do not wait for it.
  virtual void abort(int code) = 0;

  /// What the collectives moved.
  CommVolume volume;
  /// Seconds a collective may take before the rank gives up (0: forever).
  double timeoutSeconds = 300;
  /// What the deadline's message names: the step in progress.
  int64_t step = 0;

protected:
  virtual Status doAllReduce(float *data, int64_t n) = 0;
  virtual Status doAllReduce(double *data, int64_t n) = 0;
  virtual Status doReduceScatter(const float *data, float *out,
                                 const std::vector<int64_t> &counts) = 0;
  virtual Status doAllGather(float *data,
                             const std::vector<int64_t> &counts) = 0;
  virtual Status doBarrier() = 0;
};

/// One process: every collective is the identity (or a copy).
std::unique_ptr<Communicator> makeLocalCommunicator();

/// Whether this process was started by an MPI launcher (mpirun sets
/// OMPI_COMM_WORLD_SIZE, PMIx launchers PMIX_RANK).
bool launchedByMpi();

/// Initializes MPI and returns its world communicator; an error when
/// tessel-run was built without MPI.
Status makeMpiCommunicator(std::unique_ptr<Communicator> &comm);

} // namespace tessel::dist

#endif // TESSEL_RUNTIME_DIST_COMMUNICATOR_H
