//===- MpiCommunicator.cpp - the collectives on Open MPI ------------------===//
//
// MPI_COMM_WORLD with errors returned (MPI_ERRORS_RETURN), so a failed
// collective is a one-line error instead of MPI's default abort. Counts are
// MPI ints: a collective of more than 2^31 - 1 elements per rank is an
// error (it would be split into parts).
//
//===----------------------------------------------------------------------===//

#include "runtime/dist/Communicator.h"

#include <climits>

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

Status toInts(const std::vector<int64_t> &counts, std::vector<int> &ints,
              std::vector<int> &displacements) {
  ints.clear();
  displacements.clear();
  int64_t offset = 0;
  for (int64_t c : counts) {
    if (c < 0 || c > INT_MAX || offset > INT_MAX)
      return errorf("MPI collective of ", c, " elements at offset ", offset,
                    ": above MPI's int counts");
    ints.push_back(int(c));
    displacements.push_back(int(offset));
    offset += c;
  }
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
    if (n > INT_MAX)
      return errorf("MPI all-reduce of ", n,
                    " elements: above MPI's int "
                    "counts");
    return check(MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_FLOAT, MPI_SUM,
                               MPI_COMM_WORLD),
                 "all-reduce");
  }
  Status doAllReduce(double *data, int64_t n) override {
    return check(MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_DOUBLE, MPI_SUM,
                               MPI_COMM_WORLD),
                 "all-reduce");
  }
  Status doReduceScatter(const float *data, float *out,
                         const std::vector<int64_t> &counts) override {
    std::vector<int> ints, displacements;
    TESSEL_RETURN_IF_ERROR(toInts(counts, ints, displacements));
    return check(MPI_Reduce_scatter(data, out, ints.data(), MPI_FLOAT, MPI_SUM,
                                    MPI_COMM_WORLD),
                 "reduce-scatter");
  }
  Status doAllGather(float *data, const std::vector<int64_t> &counts) override {
    std::vector<int> ints, displacements;
    TESSEL_RETURN_IF_ERROR(toInts(counts, ints, displacements));
    return check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data,
                                ints.data(), displacements.data(), MPI_FLOAT,
                                MPI_COMM_WORLD),
                 "all-gather");
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
