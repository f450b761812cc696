//===- FakeCuda.cpp - a stand-in CUDA driver that runs on the CPU ---------===//
//
// Tests only. Built as `libcuda.so.1` in the test tree: with its directory
// in LD_LIBRARY_PATH, the runtime's driver loader (runtime/cuda/Driver.cpp)
// finds it in place of NVIDIA's. It implements the driver functions the
// runtime calls, on the CPU: "device memory" is host memory, and a
// "module" is a shared object of kernels compiled for the host (tesselc
// --cuda-emulate), each `void NAME(void **params, int64_t *ids)` run once
// per thread of each block, one at a time. So the host code, the launch
// interface, argument passing, device buffers and the runtime's copies
// are tested end to end on a machine without a GPU; the kernels' PTX is
// not (ptxas and a real GPU check that).
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using CUresult = int;
constexpr CUresult kOk = 0, kInvalid = 1, kNotFound = 500;

struct Module {
  void *library;
};
using Kernel = void (*)(void **params, int64_t *ids);

CUresult init(unsigned) { return kOk; }
CUresult driverGetVersion(int *v) {
  *v = 12000;
  return kOk;
}
CUresult getErrorString(CUresult r, const char **text) {
  *text = r == kOk ? "no error" : "stand-in driver error";
  return kOk;
}
CUresult deviceGetCount(int *n) {
  *n = 1;
  return kOk;
}
CUresult deviceGet(int *d, int) {
  *d = 0;
  return kOk;
}
CUresult deviceGetName(char *name, int size, int) {
  std::snprintf(name, size, "Tessel's CPU stand-in for a GPU");
  return kOk;
}
CUresult deviceGetAttribute(int *value, int attribute, int) {
  // Compute capability 9.0; one multiprocessor.
  *value = attribute == 75 ? 9 : attribute == 76 ? 0 : 1;
  return kOk;
}
CUresult primaryCtxRetain(void **ctx, int) {
  static int context;
  *ctx = &context;
  return kOk;
}
CUresult ctxSetCurrent(void *) { return kOk; }
CUresult ctxSynchronize() { return kOk; }

/// The image is a shared object: written to an anonymous file and opened.
CUresult moduleLoadData(void **module, const void *image) {
  // The runtime passes the file's bytes; an ELF shared object's size is
  // where its section headers end.
  const auto *bytes = static_cast<const unsigned char *>(image);
  if (std::memcmp(bytes,
                  "\x7f"
                  "ELF",
                  4) != 0)
    return kInvalid;
  uint64_t shoff;
  uint16_t shentsize, shnum;
  std::memcpy(&shoff, bytes + 0x28, 8);
  std::memcpy(&shentsize, bytes + 0x3a, 2);
  std::memcpy(&shnum, bytes + 0x3c, 2);
  size_t size = shoff + size_t(shentsize) * shnum;
  int fd = memfd_create("tessel-emulated-kernels", 0);
  if (fd < 0 || write(fd, image, size) != ssize_t(size))
    return kInvalid;
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  close(fd);
  if (!library) {
    std::fprintf(stderr, "stand-in driver: %s\n", dlerror());
    return kInvalid;
  }
  *module = new Module{library};
  return kOk;
}
CUresult moduleGetFunction(void **function, void *module, const char *name) {
  void *f = dlsym(static_cast<Module *>(module)->library, name);
  if (!f)
    return kNotFound;
  *function = f;
  return kOk;
}
CUresult funcSetAttribute(void *, int, int) { return kOk; }

CUresult launchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                      unsigned bx, unsigned by, unsigned bz, unsigned, void *,
                      void **params, void **) {
  auto kernel = reinterpret_cast<Kernel>(function);
  int64_t ids[12] = {0, 0, 0, 0, 0, 0, bx, by, bz, gx, gy, gz};
  for (ids[2] = 0; ids[2] < gz; ++ids[2])
    for (ids[1] = 0; ids[1] < gy; ++ids[1])
      for (ids[0] = 0; ids[0] < gx; ++ids[0])
        for (ids[5] = 0; ids[5] < bz; ++ids[5])
          for (ids[4] = 0; ids[4] < by; ++ids[4])
            for (ids[3] = 0; ids[3] < bx; ++ids[3])
              kernel(params, ids);
  return kOk;
}

CUresult memAlloc(uint64_t *ptr, size_t bytes) {
  void *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p)
    return 2; // CUDA_ERROR_OUT_OF_MEMORY
  // Fresh device memory holds garbage: NaNs show a kernel that reads what
  // nothing wrote.
  std::memset(p, 0xff, bytes);
  *ptr = reinterpret_cast<uint64_t>(p);
  return kOk;
}
CUresult memFree(uint64_t ptr) {
  std::free(reinterpret_cast<void *>(ptr));
  return kOk;
}
CUresult memHostAlloc(void **ptr, size_t bytes, unsigned) {
  *ptr = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *ptr ? kOk : 2;
}
CUresult memFreeHost(void *ptr) {
  std::free(ptr);
  return kOk;
}
CUresult memHostGetDevicePointer(uint64_t *device, void *host, unsigned) {
  *device = reinterpret_cast<uint64_t>(host);
  return kOk;
}
CUresult memcpyHtoD(uint64_t to, const void *from, size_t bytes) {
  std::memcpy(reinterpret_cast<void *>(to), from, bytes);
  return kOk;
}
CUresult memcpyDtoH(void *to, uint64_t from, size_t bytes) {
  std::memcpy(to, reinterpret_cast<const void *>(from), bytes);
  return kOk;
}
CUresult streamCreate(void **stream, unsigned) {
  static int s;
  *stream = &s;
  return kOk;
}
CUresult streamSynchronize(void *) { return kOk; }
// Launches run when called, so an event records the time it is recorded at.
using Clock = std::chrono::steady_clock;
CUresult eventCreate(void **event, unsigned) {
  *event = new Clock::time_point();
  return kOk;
}
CUresult eventRecord(void *event, void *) {
  *static_cast<Clock::time_point *>(event) = Clock::now();
  return kOk;
}
CUresult eventSynchronize(void *) { return kOk; }
CUresult eventElapsedTime(float *ms, void *start, void *end) {
  *ms = std::chrono::duration<float, std::milli>(
            *static_cast<Clock::time_point *>(end) -
            *static_cast<Clock::time_point *>(start))
            .count();
  return kOk;
}

struct Entry {
  const char *name;
  void *function;
};
#define ENTRY(symbol, fn)                                                      \
  { symbol, reinterpret_cast<void *>(&fn) }
const Entry kEntries[] = {
    ENTRY("cuInit", init),
    ENTRY("cuDriverGetVersion", driverGetVersion),
    ENTRY("cuGetErrorString", getErrorString),
    ENTRY("cuDeviceGetCount", deviceGetCount),
    ENTRY("cuDeviceGet", deviceGet),
    ENTRY("cuDeviceGetName", deviceGetName),
    ENTRY("cuDeviceGetAttribute", deviceGetAttribute),
    ENTRY("cuDevicePrimaryCtxRetain", primaryCtxRetain),
    ENTRY("cuCtxSetCurrent", ctxSetCurrent),
    ENTRY("cuCtxSynchronize", ctxSynchronize),
    ENTRY("cuModuleLoadData", moduleLoadData),
    ENTRY("cuModuleGetFunction", moduleGetFunction),
    ENTRY("cuFuncSetAttribute", funcSetAttribute),
    ENTRY("cuLaunchKernel", launchKernel),
    ENTRY("cuMemAlloc", memAlloc),
    ENTRY("cuMemFree", memFree),
    ENTRY("cuMemHostAlloc", memHostAlloc),
    ENTRY("cuMemFreeHost", memFreeHost),
    ENTRY("cuMemHostGetDevicePointer", memHostGetDevicePointer),
    ENTRY("cuMemcpyHtoD", memcpyHtoD),
    ENTRY("cuMemcpyDtoH", memcpyDtoH),
    ENTRY("cuStreamCreate", streamCreate),
    ENTRY("cuStreamSynchronize", streamSynchronize),
    ENTRY("cuEventCreate", eventCreate),
    ENTRY("cuEventRecord", eventRecord),
    ENTRY("cuEventSynchronize", eventSynchronize),
    ENTRY("cuEventElapsedTime", eventElapsedTime),
};

} // namespace

extern "C" {

CUresult cuInit(unsigned flags) { return init(flags); }

CUresult cuGetProcAddress_v2(const char *symbol, void **pfn, int, uint64_t,
                             int *status) {
  for (const Entry &e : kEntries)
    if (std::strcmp(e.name, symbol) == 0) {
      *pfn = e.function;
      if (status)
        *status = 0;
      return kOk;
    }
  *pfn = nullptr;
  if (status)
    *status = 1;
  return kNotFound;
}

} // extern "C"
