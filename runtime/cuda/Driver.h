//===- Driver.h - the CUDA driver, loaded at run time -----------*- C++ -*-===//
//
// The runtime talks to the CUDA driver API without linking it: `libcuda.so.1`
// is opened with dlopen when a CUDA artifact is loaded, and each function is
// looked up through the driver's own `cuGetProcAddress` (which picks the
// versioned entry point, e.g. cuMemAlloc_v2). A machine without a driver
// (or with the toolkit's stub library) gets one line that says so.
//
// The few driver types are declared here, so the runtime builds without
// the CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_CUDA_DRIVER_H
#define TESSEL_RUNTIME_CUDA_DRIVER_H

#include "runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessel::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = uint64_t;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult kSuccess = 0;
/// cuDeviceGetAttribute's compute capability and multiprocessor count.
constexpr int kAttrMultiprocessors = 16;
constexpr int kAttrMajor = 75, kAttrMinor = 76;
/// cuFuncSetAttribute: the dynamic shared memory a launch may ask for.
constexpr int kFuncMaxDynamicShared = 8;
/// cuMemHostAlloc: pinned and mapped into the device's address space.
constexpr unsigned kHostAllocPortable = 1, kHostAllocDeviceMap = 2;

/// The driver functions the runtime calls.
struct Driver {
  CUresult (*init)(unsigned flags);
  CUresult (*driverGetVersion)(int *version);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int ordinal);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*deviceGetAttribute)(int *, int attribute, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*ctxSynchronize)();
  CUresult (*moduleLoadData)(CUmodule *, const void *image);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *name);
  CUresult (*funcSetAttribute)(CUfunction, int attribute, int value);
  CUresult (*launchKernel)(CUfunction, unsigned gx, unsigned gy, unsigned gz,
                           unsigned bx, unsigned by, unsigned bz,
                           unsigned sharedBytes, CUstream, void **params,
                           void **extra);
  CUresult (*memAlloc)(CUdeviceptr *, size_t bytes);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memHostAlloc)(void **, size_t bytes, unsigned flags);
  CUresult (*memFreeHost)(void *);
  CUresult (*memHostGetDevicePointer)(CUdeviceptr *, void *, unsigned flags);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*streamCreate)(CUstream *, unsigned flags);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*eventCreate)(CUevent *, unsigned flags);
  CUresult (*eventRecord)(CUevent, CUstream);
  CUresult (*eventSynchronize)(CUevent);
  CUresult (*eventElapsedTime)(float *, CUevent, CUevent);

  /// "what: CUDA_ERROR_...: the driver's description" for a failed call.
  std::string describe(CUresult result, const std::string &what) const;
};

/// The driver, opened and initialized once per process. The error says
/// why there is none: no libcuda.so.1, the toolkit's stub library, no
/// device, or a driver too old for cuGetProcAddress.
Status loadDriver(const Driver *&driver);

} // namespace tessel::cuda

#endif // TESSEL_RUNTIME_CUDA_DRIVER_H
