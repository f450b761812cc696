//===- Device.cpp - a CUDA artifact's GPU side ----------------------------===//

#include "runtime/cuda/Device.h"

#include "runtime/Files.h"

#include <dlfcn.h>

namespace tessel::cuda {

namespace {

/// The device the calling thread's host code launches on.
thread_local Device *current = nullptr;

} // namespace

Device::~Device() {
  // The primary context stays with the process; the module and stream go
  // with it.
}

Status Device::open(const std::string &cubin, const std::string &ptx, int sm,
                    const std::vector<KernelSpec> &kernels,
                    std::unique_ptr<Device> &device) {
  const Driver *d = nullptr;
  TESSEL_RETURN_IF_ERROR(loadDriver(d));
  std::unique_ptr<Device> dev(new Device());
  dev->driver = d;
  auto check = [&](CUresult r, const char *what) -> Status {
    return r == kSuccess ? Status::ok() : errorf(d->describe(r, what));
  };
  int count = 0;
  TESSEL_RETURN_IF_ERROR(check(d->deviceGetCount(&count), "cuDeviceGetCount"));
  if (count < 1)
    return errorf("the NVIDIA driver sees no GPU");
  CUdevice handle = 0;
  TESSEL_RETURN_IF_ERROR(check(d->deviceGet(&handle, 0), "cuDeviceGet"));
  char name[256] = {0};
  TESSEL_RETURN_IF_ERROR(check(d->deviceGetName(name, sizeof(name) - 1, handle),
                               "cuDeviceGetName"));
  int major = 0, minor = 0;
  TESSEL_RETURN_IF_ERROR(
      check(d->deviceGetAttribute(&major, kAttrMajor, handle),
            "cuDeviceGetAttribute"));
  TESSEL_RETURN_IF_ERROR(
      check(d->deviceGetAttribute(&minor, kAttrMinor, handle),
            "cuDeviceGetAttribute"));
  dev->deviceName = std::string(name) + " (sm_" + std::to_string(major) +
                    std::to_string(minor) + ")";
  int have = major * 10 + minor;
  if (have < sm)
    return errorf("the artifact's kernels are for sm_", sm, "; ",
                  dev->deviceName, " is older; recompile with --sm=", have);
  TESSEL_RETURN_IF_ERROR(check(d->primaryCtxRetain(&dev->context, handle),
                               "cuDevicePrimaryCtxRetain"));
  TESSEL_RETURN_IF_ERROR(
      check(d->ctxSetCurrent(dev->context), "cuCtxSetCurrent"));
  // A cubin runs on its architecture's major version at the same or a
  // later minor; a newer major compiles the PTX instead.
  bool useCubin = major == sm / 10;
  std::string image;
  TESSEL_RETURN_IF_ERROR(readFile(useCubin ? cubin : ptx, image));
  if (!useCubin)
    image.push_back('\0');
  TESSEL_RETURN_IF_ERROR(
      check(d->moduleLoadData(&dev->module, image.data()),
            useCubin ? "cuModuleLoadData (cubin)" : "cuModuleLoadData (PTX)"));
  for (const KernelSpec &k : kernels) {
    CUfunction f = nullptr;
    TESSEL_RETURN_IF_ERROR(
        check(d->moduleGetFunction(&f, dev->module, k.name.c_str()),
              ("cuModuleGetFunction " + k.name).c_str()));
    if (k.dynamicSharedBytes > 48 * 1024)
      TESSEL_RETURN_IF_ERROR(
          check(d->funcSetAttribute(f, kFuncMaxDynamicShared,
                                    static_cast<int>(k.dynamicSharedBytes)),
                ("cuFuncSetAttribute " + k.name).c_str()));
    dev->functions.push_back(f);
    dev->kernelNames.push_back(k.name);
  }
  TESSEL_RETURN_IF_ERROR(
      check(d->streamCreate(&dev->stream, 0), "cuStreamCreate"));
  device = std::move(dev);
  return Status::ok();
}

Status Device::bind(void *library, const std::string &where) {
  struct Slot {
    const char *name;
    void *value;
  } slots[] = {{"tessel_cuda_launch", reinterpret_cast<void *>(&launch)},
               {"tessel_cuda_alloc", reinterpret_cast<void *>(&alloc)},
               {"tessel_cuda_free", reinterpret_cast<void *>(&Device::free)}};
  for (const Slot &slot : slots) {
    auto **pointer = static_cast<void **>(dlsym(library, slot.name));
    if (!pointer)
      return errorf(where, ": has no ", slot.name,
                    " (not host code of a CUDA artifact?); recompile the "
                    "model");
    *pointer = slot.value;
  }
  return Status::ok();
}

void Device::makeCurrent() {
  current = this;
  driver->ctxSetCurrent(context);
}

void Device::launch(int32_t kernel, int64_t gx, int64_t gy, int64_t gz,
                    int64_t bx, int64_t by, int64_t bz, int32_t sharedBytes,
                    void **params) {
  Device *dev = current;
  if (!dev || !dev->failure.empty())
    return;
  if (kernel < 0 || size_t(kernel) >= dev->functions.size()) {
    dev->failure = "launch of kernel " + std::to_string(kernel) +
                   ", which the manifest does not list";
    return;
  }
  // An empty grid (a dimension of size 0) launches nothing.
  if (gx <= 0 || gy <= 0 || gz <= 0)
    return;
  if (gy > 65535 || gz > 65535 || gx > 2147483647) {
    dev->failure = "kernel " + dev->kernelNames[kernel] + ": grid " +
                   std::to_string(gx) + " x " + std::to_string(gy) + " x " +
                   std::to_string(gz) + " exceeds the GPU's limits";
    return;
  }
  CUevent start = nullptr, end = nullptr;
  if (dev->profiling) {
    start = dev->event();
    end = dev->event();
    if (start)
      dev->driver->eventRecord(start, dev->stream);
  }
  CUresult r = dev->driver->launchKernel(
      dev->functions[kernel], unsigned(gx), unsigned(gy), unsigned(gz),
      unsigned(bx), unsigned(by), unsigned(bz), unsigned(sharedBytes),
      dev->stream, params, nullptr);
  if (r != kSuccess)
    dev->failure =
        dev->driver->describe(r, "cuLaunchKernel " + dev->kernelNames[kernel]);
  if (start && end) {
    dev->driver->eventRecord(end, dev->stream);
    dev->timed.push_back({kernel, start, end});
  }
}

CUevent Device::event() {
  if (!events.empty()) {
    CUevent e = events.back();
    events.pop_back();
    return e;
  }
  CUevent e = nullptr;
  return driver->eventCreate(&e, 0) == kSuccess ? e : nullptr;
}

void *Device::alloc(int64_t bytes) {
  Device *dev = current;
  if (!dev)
    return nullptr;
  CUdeviceptr ptr = 0;
  if (bytes > 0) {
    Status st = dev->allocate(size_t(bytes), ptr);
    if (!st.isOk() && dev->failure.empty())
      dev->failure = st.message();
  }
  return reinterpret_cast<void *>(ptr);
}

void Device::free(void *ptr) {
  if (current && ptr)
    current->release(reinterpret_cast<CUdeviceptr>(ptr));
}

Status Device::allocate(size_t bytes, CUdeviceptr &ptr) {
  // Launches already queued may still read what is freed and reallocated:
  // the stream's order covers it (allocation and free synchronize).
  CUresult r = driver->memAlloc(&ptr, bytes);
  if (r != kSuccess)
    return errorf(driver->describe(r, "cuMemAlloc of " + std::to_string(bytes) +
                                          " bytes"));
  return Status::ok();
}

void Device::release(CUdeviceptr ptr) {
  if (ptr)
    driver->memFree(ptr);
}

Status Device::upload(CUdeviceptr to, const void *from, size_t bytes) {
  CUresult r = bytes ? driver->memcpyHtoD(to, from, bytes) : kSuccess;
  return r == kSuccess ? Status::ok()
                       : errorf(driver->describe(r, "cuMemcpyHtoD"));
}

Status Device::download(void *to, CUdeviceptr from, size_t bytes) {
  CUresult r = bytes ? driver->memcpyDtoH(to, from, bytes) : kSuccess;
  return r == kSuccess ? Status::ok()
                       : errorf(driver->describe(r, "cuMemcpyDtoH"));
}

Status Device::allocateMapped(size_t bytes, void *&ptr) {
  CUresult r = driver->memHostAlloc(&ptr, std::max<size_t>(bytes, 8),
                                    kHostAllocPortable | kHostAllocDeviceMap);
  if (r != kSuccess)
    return errorf(driver->describe(r, "cuMemHostAlloc"));
  // With unified addressing (every 64-bit platform CUDA 12 supports) the
  // device sees the block at the host's address; host code relies on it.
  CUdeviceptr onDevice = 0;
  r = driver->memHostGetDevicePointer(&onDevice, ptr, 0);
  if (r != kSuccess || onDevice != reinterpret_cast<CUdeviceptr>(ptr)) {
    driver->memFreeHost(ptr);
    ptr = nullptr;
    return errorf("pinned host memory is not at the same address on the GPU "
                  "(no unified addressing)");
  }
  return Status::ok();
}

void Device::releaseMapped(void *ptr) {
  if (ptr)
    driver->memFreeHost(ptr);
}

Status Device::finish(const std::string &what) {
  CUresult r = driver->streamSynchronize(stream);
  times.resize(functions.size());
  for (const Timed &t : timed) {
    float ms = 0;
    if (driver->eventElapsedTime(&ms, t.start, t.end) == kSuccess) {
      ++times[t.kernel].launches;
      times[t.kernel].seconds += ms / 1e3;
    }
    events.push_back(t.start);
    events.push_back(t.end);
  }
  timed.clear();
  std::string failed = failure;
  failure.clear();
  if (!failed.empty())
    return errorf(what, ": ", failed);
  if (r != kSuccess)
    return errorf(what, ": ", driver->describe(r, "a kernel failed"));
  return Status::ok();
}

} // namespace tessel::cuda
