//===- Driver.cpp - the CUDA driver, loaded at run time -------------------===//

#include "runtime/cuda/Driver.h"

#include <dlfcn.h>

#include <mutex>

namespace tessel::cuda {

namespace {

/// The driver API version whose entry points are asked for: CUDA 12.0's,
/// which drivers of CUDA 12 and 13 both provide.
constexpr int kApiVersion = 12000;
constexpr CUresult kStubLibrary = 34, kNoDevice = 100;

using GetProcAddress = CUresult (*)(const char *symbol, void **pfn,
                                    int cudaVersion, uint64_t flags,
                                    int *symbolStatus);

Status open(Driver &d) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return errorf("no NVIDIA driver on this machine (", dlerror(),
                  "); a CUDA artifact runs on a machine with an NVIDIA GPU "
                  "and its driver");
  // cuInit first, by its plain symbol: the toolkit's stub library has one
  // that fails with CUDA_ERROR_STUB_LIBRARY (its cuGetProcAddress finds
  // nothing).
  auto init = reinterpret_cast<CUresult (*)(unsigned)>(dlsym(lib, "cuInit"));
  if (!init)
    return errorf("libcuda.so.1 has no cuInit: not an NVIDIA driver");
  CUresult r = init(0);
  if (r == kStubLibrary)
    return errorf("libcuda.so.1 is the CUDA toolkit's stub library, not a "
                  "driver; a CUDA artifact runs on a machine with an NVIDIA "
                  "GPU and its driver");
  if (r == kNoDevice)
    return errorf("the NVIDIA driver sees no GPU (cuInit: "
                  "CUDA_ERROR_NO_DEVICE)");
  auto get =
      reinterpret_cast<GetProcAddress>(dlsym(lib, "cuGetProcAddress_v2"));
  if (!get)
    return errorf("the NVIDIA driver's libcuda.so.1 is older than CUDA 12 "
                  "(no cuGetProcAddress_v2); update the driver");
  std::string missing;
  auto find = [&](auto &fn, const char *name) {
    void *p = nullptr;
    int status = 0;
    if (get(name, &p, kApiVersion, 0, &status) != kSuccess || !p)
      missing += missing.empty() ? name : std::string(", ") + name;
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
  find(d.init, "cuInit");
  find(d.driverGetVersion, "cuDriverGetVersion");
  find(d.getErrorString, "cuGetErrorString");
  find(d.deviceGetCount, "cuDeviceGetCount");
  find(d.deviceGet, "cuDeviceGet");
  find(d.deviceGetName, "cuDeviceGetName");
  find(d.deviceGetAttribute, "cuDeviceGetAttribute");
  find(d.primaryCtxRetain, "cuDevicePrimaryCtxRetain");
  find(d.ctxSetCurrent, "cuCtxSetCurrent");
  find(d.ctxSynchronize, "cuCtxSynchronize");
  find(d.moduleLoadData, "cuModuleLoadData");
  find(d.moduleGetFunction, "cuModuleGetFunction");
  find(d.funcSetAttribute, "cuFuncSetAttribute");
  find(d.launchKernel, "cuLaunchKernel");
  find(d.memAlloc, "cuMemAlloc");
  find(d.memFree, "cuMemFree");
  find(d.memHostAlloc, "cuMemHostAlloc");
  find(d.memFreeHost, "cuMemFreeHost");
  find(d.memHostGetDevicePointer, "cuMemHostGetDevicePointer");
  find(d.memcpyHtoD, "cuMemcpyHtoD");
  find(d.memcpyDtoH, "cuMemcpyDtoH");
  find(d.streamCreate, "cuStreamCreate");
  find(d.streamSynchronize, "cuStreamSynchronize");
  find(d.eventCreate, "cuEventCreate");
  find(d.eventRecord, "cuEventRecord");
  find(d.eventSynchronize, "cuEventSynchronize");
  find(d.eventElapsedTime, "cuEventElapsedTime");
  if (!missing.empty())
    return errorf("the NVIDIA driver lacks ", missing,
                  " (a driver for CUDA 12 or later is needed)");
  if (r != kSuccess)
    return errorf(d.describe(r, "cuInit"));
  return Status::ok();
}

} // namespace

std::string Driver::describe(CUresult result, const std::string &what) const {
  const char *text = nullptr;
  if (!getErrorString || getErrorString(result, &text) != kSuccess || !text)
    text = "unknown error";
  return what + ": CUDA error " + std::to_string(result) + ": " + text;
}

Status loadDriver(const Driver *&driver) {
  static Driver d{};
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] { status = open(d); });
  driver = status.isOk() ? &d : nullptr;
  return status;
}

} // namespace tessel::cuda
