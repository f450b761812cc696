//===- Device.h - a CUDA artifact's GPU side --------------------*- C++ -*-===//
//
// The GPU a CUDA artifact runs on: its context (the device's primary one),
// the artifact's kernels (the cubin, or its PTX where the GPU is newer than
// the cubin's architecture), one stream, and Tessel's launch interface:
// the compiled host code calls three function pointers the Device sets
// (tessel_cuda_launch, tessel_cuda_alloc, tessel_cuda_free; see
// passes/codegen/gpu/LowerHost.cpp), which launch on that stream and take
// device memory. A launch that fails is remembered and reported by
// `finish`, after the entry point returns.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_CUDA_DEVICE_H
#define TESSEL_RUNTIME_CUDA_DEVICE_H

#include "runtime/Status.h"
#include "runtime/cuda/Driver.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tessel::cuda {

/// A kernel as the manifest lists it.
struct KernelSpec {
  std::string name;
  std::array<int64_t, 3> block = {1, 1, 1};
  int64_t dynamicSharedBytes = 0;
};

class Device {
public:
  ~Device();
  /// Opens device 0 for kernels compiled for sm_`sm` (`cubin`, with `ptx`
  /// for a newer GPU) and looks up each of `kernels`.
  static Status open(const std::string &cubin, const std::string &ptx, int sm,
                     const std::vector<KernelSpec> &kernels,
                     std::unique_ptr<Device> &device);
  /// Points the host code's launch interface in `library` at this device.
  Status bind(void *library, const std::string &where);
  const std::string &name() const { return deviceName; }

  /// Device memory.
  Status allocate(size_t bytes, CUdeviceptr &ptr);
  void release(CUdeviceptr ptr);
  Status upload(CUdeviceptr to, const void *from, size_t bytes);
  Status download(void *to, CUdeviceptr from, size_t bytes);
  /// Pinned host memory mapped into the device's address space at the same
  /// address (host code and kernels both read it).
  Status allocateMapped(size_t bytes, void *&ptr);
  void releaseMapped(void *ptr);

  /// Makes this device the one the host code's launches go to (the calling
  /// thread's).
  void makeCurrent();
  /// Waits for the launches of an entry point; the first launch or
  /// allocation that failed, if any, is the error.
  Status finish(const std::string &what);

  /// The time each kernel took, from CUDA events around its launches.
  struct KernelTime {
    int64_t launches = 0;
    double seconds = 0;
  };
  /// From now on, times every launch (an event before and after it).
  void startProfile() { profiling = true; }
  /// Per kernel, in manifest order, since startProfile.
  const std::vector<KernelTime> &kernelTimes() const { return times; }
  const std::vector<std::string> &kernels() const { return kernelNames; }

private:
  Device() = default;
  static void launch(int32_t kernel, int64_t gx, int64_t gy, int64_t gz,
                     int64_t bx, int64_t by, int64_t bz, int32_t sharedBytes,
                     void **params);
  static void *alloc(int64_t bytes);
  static void free(void *ptr);

  const Driver *driver = nullptr;
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  CUstream stream = nullptr;
  std::string deviceName;
  std::vector<CUfunction> functions;
  std::vector<std::string> kernelNames;
  /// The first failure since the last `finish`.
  std::string failure;
  bool profiling = false;
  std::vector<KernelTime> times;
  /// Launches timed since the last `finish`: kernel, start and end events.
  struct Timed {
    int32_t kernel;
    CUevent start, end;
  };
  std::vector<Timed> timed;
  /// Events to reuse.
  std::vector<CUevent> events;
  CUevent event();
};

} // namespace tessel::cuda

#endif // TESSEL_RUNTIME_CUDA_DEVICE_H
