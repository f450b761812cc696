//===- MpiCommunicator.cpp - the collectives on Open MPI ------------------===//
//
// MPI_COMM_WORLD with errors returned (MPI_ERRORS_RETURN), so a failed
// collective is a one-line error instead of MPI's default abort. Counts are
// MPI ints: a collective of more elements than an int holds is split into
// parts that fit (all-reduce in consecutive parts; reduce-scatter and
// all-gather as one reduce or broadcast per rank's part, in pieces). The
// part size is INT_MAX, or TESSEL_MPI_MAX_COUNT where set (the tests set
// it small, to take the split paths without 8 GiB buffers).
//
//===----------------------------------------------------------------------===//

#include "runtime/dist/Communicator.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

// The C API only (Open MPI's deprecated C++ bindings need libmpi_cxx).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

namespace tessel::dist {

namespace {

Status check(int code, const char *what) {
  if (code == MPI_SUCCESS)
    return Status::ok();
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return errorf("MPI ", what, " failed: ", std::string(text, length));
}

/// The most elements one MPI call moves.
int64_t maxCount() {
  static const int64_t limit = [] {
    const char *text = std::getenv("TESSEL_MPI_MAX_COUNT");
    long long n = text ? std::atoll(text) : 0;
    return n >= 1 && n <= INT_MAX ? int64_t(n) : int64_t(INT_MAX);
  }();
  return limit;
}

/// `counts` and their offsets as MPI ints, when the whole buffer fits in
/// one call's counts; false when it must be split.
bool toInts(const std::vector<int64_t> &counts, std::vector<int> &ints,
            std::vector<int> &displacements) {
  ints.clear();
  displacements.clear();
  int64_t offset = 0;
  for (int64_t c : counts) {
    ints.push_back(int(c));
    displacements.push_back(int(offset));
    offset += c;
    if (offset > maxCount())
      return false;
  }
  return true;
}

/// Calls `part(begin, size)` over [0, n) in parts of at most maxCount().
template <typename Part> Status inParts(int64_t n, Part part) {
  for (int64_t begin = 0; begin < n; begin += maxCount())
    TESSEL_RETURN_IF_ERROR(part(begin, int(std::min(maxCount(), n - begin))));
  return Status::ok();
}

class MpiCommunicator : public Communicator {
public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  ~MpiCommunicator() override {
    if (!aborted)
      MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const char *backend() const override { return "mpi"; }
  void abort(int code) override {
    aborted = true;
    if (size_ > 1)
      MPI_Abort(MPI_COMM_WORLD, code);
    MPI_Finalize();
  }

protected:
  Status doAllReduce(float *data, int64_t n) override {
    return inParts(n, [&](int64_t begin, int size) {
      return check(MPI_Allreduce(MPI_IN_PLACE, data + begin, size, MPI_FLOAT,
                                 MPI_SUM, MPI_COMM_WORLD),
                   "all-reduce");
    });
  }
  Status doAllReduce(double *data, int64_t n) override {
    return inParts(n, [&](int64_t begin, int size) {
      return check(MPI_Allreduce(MPI_IN_PLACE, data + begin, size, MPI_DOUBLE,
                                 MPI_SUM, MPI_COMM_WORLD),
                   "all-reduce");
    });
  }
  Status doReduceScatter(const float *data, float *out,
                         const std::vector<int64_t> &counts) override {
    std::vector<int> ints, displacements;
    if (toInts(counts, ints, displacements))
      return check(MPI_Reduce_scatter(data, out, ints.data(), MPI_FLOAT,
                                      MPI_SUM, MPI_COMM_WORLD),
                   "reduce-scatter");
    // Too large for one call: rank q's part reduced onto rank q, in pieces.
    int64_t offset = 0;
    for (int q = 0; q < size_; ++q) {
      const float *part = data + offset;
      TESSEL_RETURN_IF_ERROR(inParts(counts[q], [&](int64_t begin, int size) {
        return check(MPI_Reduce(part + begin,
                                q == rank_ ? out + begin : nullptr, size,
                                MPI_FLOAT, MPI_SUM, q, MPI_COMM_WORLD),
                     "reduce-scatter (in parts)");
      }));
      offset += counts[q];
    }
    return Status::ok();
  }
  Status doAllGather(float *data, const std::vector<int64_t> &counts) override {
    std::vector<int> ints, displacements;
    if (toInts(counts, ints, displacements))
      return check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data,
                                  ints.data(), displacements.data(), MPI_FLOAT,
                                  MPI_COMM_WORLD),
                   "all-gather");
    // Too large for one call: rank q broadcasts its part, in pieces.
    int64_t offset = 0;
    for (int q = 0; q < size_; ++q) {
      float *part = data + offset;
      TESSEL_RETURN_IF_ERROR(inParts(counts[q], [&](int64_t begin, int size) {
        return check(
            MPI_Bcast(part + begin, size, MPI_FLOAT, q, MPI_COMM_WORLD),
            "all-gather (in parts)");
      }));
      offset += counts[q];
    }
    return Status::ok();
  }
  Status doBarrier() override {
    return check(MPI_Barrier(MPI_COMM_WORLD), "barrier");
  }

private:
  int rank_ = 0, size_ = 1;
  bool aborted = false;
};

} // namespace

Status makeMpiCommunicator(std::unique_ptr<Communicator> &comm) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // The compiled code's OpenMP threads never call MPI; only this thread.
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) !=
        MPI_SUCCESS)
      return errorf("MPI_Init failed");
  }
  comm = std::make_unique<MpiCommunicator>();
  return Status::ok();
}

} // namespace tessel::dist
