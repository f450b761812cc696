//===- Communicator.cpp - counting, deadlines, one process ----------------===//

#include "runtime/dist/Communicator.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numeric>
#include <thread>
#include <unistd.h>

namespace tessel::dist {

namespace {

/// One thread per process that ends it when a collective outlives its
/// deadline: the message says which collective, which step and which rank
/// waited, then the process exits 1 (a blocked MPI call cannot be
/// cancelled, and the launcher then ends the job).
class Watchdog {
public:
  static Watchdog &get() {
    static Watchdog *watchdog = new Watchdog(); // never destroyed: detached
    return *watchdog;
  }
  void arm(double seconds, std::string what) {
    if (!(seconds > 0))
      return;
    std::lock_guard<std::mutex> lock(mutex);
    deadline = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(seconds));
    description = std::move(what);
    armed = true;
    wake.notify_one();
  }
  void disarm() {
    std::lock_guard<std::mutex> lock(mutex);
    armed = false;
  }

private:
  Watchdog() {
    std::thread([this] { watch(); }).detach();
  }
  void watch() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      if (!armed) {
        wake.wait(lock);
        continue;
      }
      if (wake.wait_until(lock, deadline) == std::cv_status::timeout && armed &&
          std::chrono::steady_clock::now() >= deadline) {
        std::fprintf(stderr,
                     "tessel-run: %s did not complete in time; "
                     "another rank died or hangs\n",
                     description.c_str());
        std::fflush(stderr);
        _exit(1);
      }
    }
  }
  std::mutex mutex;
  std::condition_variable wake;
  std::chrono::steady_clock::time_point deadline;
  std::string description;
  bool armed = false;
};

/// Arms the watchdog for the duration of one collective.
class Deadline {
public:
  Deadline(const Communicator &comm, const char *what)
      : active(comm.size() > 1) {
    if (active)
      Watchdog::get().arm(comm.timeoutSeconds,
                          "rank " + std::to_string(comm.rank()) + ": " + what +
                              " of step " + std::to_string(comm.step));
  }
  ~Deadline() {
    if (active)
      Watchdog::get().disarm();
  }

private:
  bool active;
};

class LocalCommunicator : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  const char *backend() const override { return "local"; }
  void abort(int) override {}

protected:
  Status doAllReduce(float *, int64_t) override { return Status::ok(); }
  Status doAllReduce(double *, int64_t) override { return Status::ok(); }
  Status doReduceScatter(const float *data, float *out,
                         const std::vector<int64_t> &counts) override {
    if (out != data && counts[0] > 0)
      std::memmove(out, data, sizeof(float) * counts[0]);
    return Status::ok();
  }
  Status doAllGather(float *, const std::vector<int64_t> &) override {
    return Status::ok();
  }
  Status doBarrier() override { return Status::ok(); }
};

} // namespace

Status Communicator::allReduceSum(float *data, int64_t n) {
  volume.allReduce += 2 * n;
  Deadline deadline(*this, "an all-reduce");
  return doAllReduce(data, n);
}

Status Communicator::allReduceSum(double *data, int64_t n) {
  volume.scalars += n;
  Deadline deadline(*this, "an all-reduce of the loss and norm");
  return doAllReduce(data, n);
}

Status Communicator::reduceScatterSum(const float *data, float *out,
                                      const std::vector<int64_t> &counts) {
  if (counts.size() != size_t(size()))
    return errorf("reduce-scatter: ", counts.size(), " counts for ", size(),
                  " ranks");
  volume.reduceScatter +=
      std::accumulate(counts.begin(), counts.end(), int64_t(0));
  Deadline deadline(*this, "a reduce-scatter");
  return doReduceScatter(data, out, counts);
}

Status Communicator::allGather(float *data,
                               const std::vector<int64_t> &counts) {
  if (counts.size() != size_t(size()))
    return errorf("all-gather: ", counts.size(), " counts for ", size(),
                  " ranks");
  volume.allGather += std::accumulate(counts.begin(), counts.end(), int64_t(0));
  Deadline deadline(*this, "an all-gather");
  return doAllGather(data, counts);
}

Status Communicator::barrier() {
  Deadline deadline(*this, "a barrier");
  return doBarrier();
}

std::unique_ptr<Communicator> makeLocalCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

bool launchedByMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") ||
         std::getenv("PMI_SIZE");
}

#ifndef TESSEL_HAVE_MPI
Status makeMpiCommunicator(std::unique_ptr<Communicator> &) {
  return errorf("this tessel-run was built without MPI (Debian: "
                "libopenmpi-dev); data-parallel training needs it");
}
#endif

} // namespace tessel::dist
