//===- FakeCuda.cpp - a stand-in CUDA driver that runs on the CPU ---------===//
//
// Tests only. Built as `libcuda.so.1` in the test tree: with its directory
// in LD_LIBRARY_PATH, the runtime's driver loader (runtime/cuda/Driver.cpp)
// finds it in place of NVIDIA's. It implements the driver functions the
// runtime calls, on the CPU: "device memory" is host memory, and a
// "module" is a shared object of kernels compiled for the host (tesselc
// --cuda-emulate), each `void NAME(void **params, int64_t *ids)` run once
// per thread of each block. So the host code, the launch interface,
// argument passing, device buffers and the runtime's copies are tested end
// to end on a machine without a GPU; the kernels' PTX is not (ptxas and a
// real GPU check that).
//
// Threads of a block run one at a time. A kernel whose threads work
// together (barriers, shared memory, warp shuffles, ldmatrix, mma.sync:
// the emulated kernel exports NAME_cooperative) runs each thread of a block
// as a fiber: a thread that reaches a barrier or a warp-wide instruction
// leaves its operands and yields, and the last of its warp (or block) to
// arrive computes every thread's result, as the hardware does at once.
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

using CUresult = int;
constexpr CUresult kOk = 0, kInvalid = 1, kNotFound = 500;

struct Module {
  void *library;
};
using Kernel = void (*)(void **params, int64_t *ids);

/// Block and thread ids, sizes, and the block's shared memory address.
constexpr int kIds = 13;

/// Kernels whose threads work together (NAME_cooperative exported).
std::map<void *, bool> &cooperative() {
  static std::map<void *, bool> kernels;
  return kernels;
}

//===----------------------------------------------------------------------===//
// Fibers: the threads of one block
//===----------------------------------------------------------------------===//

/// What a lane leaves for (and finds after) a warp-wide instruction.
struct Lane {
  uint64_t in[12];
  uint32_t out[4];
};

struct Warp {
  Lane lanes[32];
  int arrived = 0;
  uint64_t generation = 0;
};

struct Fiber {
  ucontext_t context;
  int64_t ids[kIds];
  bool done = false;
};

/// The block being run.
struct BlockRun {
  Kernel kernel;
  void **params;
  std::vector<Fiber> fibers;
  std::vector<Warp> warps;
  ucontext_t scheduler;
  int current = 0;
  int threads = 0;
  int barrierArrived = 0;
  uint64_t barrierGeneration = 0;
  bool progress = false;
} *block = nullptr;

void yieldToScheduler() {
  swapcontext(&block->fibers[block->current].context, &block->scheduler);
}

void fiberMain() {
  Fiber &f = block->fibers[block->current];
  block->kernel(block->params, f.ids);
  f.done = true;
  block->progress = true;
}

int threadIndex() {
  const int64_t *ids = block->fibers[block->current].ids;
  return int(ids[3] + ids[6] * (ids[4] + ids[7] * ids[5]));
}

/// This thread's lane record; the thread waits until every thread of its
/// warp has arrived, and the last computes all the lanes' results.
Lane &warpExchange(void (*compute)(Lane *lanes)) {
  int t = threadIndex();
  Warp &w = block->warps[t / 32];
  int size = std::min(32, block->threads - t / 32 * 32);
  uint64_t generation = w.generation;
  block->progress = true;
  if (++w.arrived == size) {
    compute(w.lanes);
    w.arrived = 0;
    ++w.generation;
  } else {
    while (w.generation == generation)
      yieldToScheduler();
  }
  return w.lanes[t % 32];
}

Lane &myLane() {
  int t = threadIndex();
  return block->warps[t / 32].lanes[t % 32];
}

float asFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
float bf16ToFloat(uint16_t h) { return asFloat(uint32_t(h) << 16); }
float f16ToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f,
           mant = h & 0x3ff;
  if (exp == 0x1f)
    return asFloat(sign | 0x7f800000 | (mant << 13));
  if (exp == 0) {
    float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  }
  return asFloat(sign | ((exp + 112) << 23) | (mant << 13));
}

/// The element pair `half` of a packed register.
uint16_t halfOf(uint64_t reg, int half) { return uint16_t(reg >> (16 * half)); }

template <bool BF16> void computeMma(Lane *lanes) {
  auto value = [](uint64_t reg, int half) {
    return BF16 ? bf16ToFloat(halfOf(reg, half))
                : f16ToFloat(halfOf(reg, half));
  };
  // PTX's m16n8k16 fragments: lane = 4 * group + t.
  float a[16][16], b[16][8], c[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    const uint64_t *in = lanes[lane].in;
    for (int e = 0; e < 2; ++e) {
      a[g][2 * t + e] = value(in[0], e);
      a[g + 8][2 * t + e] = value(in[1], e);
      a[g][8 + 2 * t + e] = value(in[2], e);
      a[g + 8][8 + 2 * t + e] = value(in[3], e);
      b[2 * t + e][g] = value(in[4], e);
      b[8 + 2 * t + e][g] = value(in[5], e);
      c[g][2 * t + e] = asFloat(uint32_t(in[6 + e]));
      c[g + 8][2 * t + e] = asFloat(uint32_t(in[8 + e]));
    }
  }
  for (int lane = 0; lane < 32; ++lane) {
    int g = lane / 4, t = lane % 4;
    for (int r = 0; r < 2; ++r)
      for (int e = 0; e < 2; ++e) {
        int row = g + 8 * r, col = 2 * t + e;
        float acc = c[row][col];
        for (int k = 0; k < 16; ++k)
          acc += a[row][k] * b[k][col];
        std::memcpy(&lanes[lane].out[2 * r + e], &acc, 4);
      }
  }
}

template <bool Transpose> void computeLdmatrix(Lane *lanes) {
  int n = int(lanes[0].in[1]);
  uint32_t out[32][4];
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < n; ++i) {
      // Matrix i's rows are at the addresses of lanes 8i..8i+7.
      auto element = [&](int row, int col) {
        uint16_t h;
        std::memcpy(&h,
                    reinterpret_cast<const char *>(lanes[8 * i + row].in[0]) +
                        2 * col,
                    2);
        return uint32_t(h);
      };
      int g = lane / 4, t = lane % 4;
      out[lane][i] = Transpose
                         ? element(2 * t, g) | element(2 * t + 1, g) << 16
                         : element(g, 2 * t) | element(g, 2 * t + 1) << 16;
    }
  for (int lane = 0; lane < 32; ++lane)
    std::memcpy(lanes[lane].out, out[lane], sizeof(out[lane]));
}

void computeShuffleXor(Lane *lanes) {
  uint32_t out[32];
  for (int lane = 0; lane < 32; ++lane)
    out[lane] = uint32_t(lanes[lane ^ int(lanes[lane].in[1])].in[0]);
  for (int lane = 0; lane < 32; ++lane)
    lanes[lane].out[0] = out[lane];
}

/// Runs one block of `kernel`: its threads as fibers, round robin, until
/// all return. A round in which no thread moves is a deadlock (a barrier
/// some threads never reach).
void runBlock(BlockRun &run, const int64_t *blockIds, unsigned bx, unsigned by,
              unsigned bz) {
  static char *stacks = nullptr;
  static size_t stackCount = 0;
  constexpr size_t kStack = 256 * 1024;
  size_t n = size_t(bx) * by * bz;
  if (n > stackCount) {
    if (stacks)
      munmap(stacks, stackCount * kStack);
    stacks =
        static_cast<char *>(mmap(nullptr, n * kStack, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    stackCount = n;
  }
  run.threads = int(n);
  run.fibers.assign(n, Fiber());
  run.warps.assign((n + 31) / 32, Warp());
  run.barrierArrived = 0;
  for (size_t i = 0; i < n; ++i) {
    Fiber &f = run.fibers[i];
    std::memcpy(f.ids, blockIds, sizeof(f.ids));
    f.ids[3] = int64_t(i % bx);
    f.ids[4] = int64_t(i / bx % by);
    f.ids[5] = int64_t(i / (size_t(bx) * by));
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = stacks + i * kStack;
    f.context.uc_stack.ss_size = kStack;
    f.context.uc_link = &run.scheduler;
    makecontext(&f.context, fiberMain, 0);
  }
  block = &run;
  for (size_t live = n; live > 0;) {
    run.progress = false;
    live = 0;
    for (size_t i = 0; i < n; ++i) {
      if (run.fibers[i].done)
        continue;
      run.current = int(i);
      swapcontext(&run.scheduler, &run.fibers[i].context);
      live += !run.fibers[i].done;
    }
    if (live && !run.progress) {
      std::fprintf(stderr, "stand-in driver: a block's threads deadlocked "
                           "(a barrier not every thread reaches)\n");
      std::abort();
    }
  }
  block = nullptr;
}

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
/// Its cooperative kernels call this library's tessel_emu_* functions,
/// so this library is made global first, for the loader to find them.
CUresult moduleLoadData(void **module, const void *image) {
  Dl_info self;
  if (dladdr(reinterpret_cast<void *>(&moduleLoadData), &self) &&
      self.dli_fname)
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
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
  void *library = static_cast<Module *>(module)->library;
  void *f = dlsym(library, name);
  if (!f)
    return kNotFound;
  *function = f;
  cooperative()[f] =
      dlsym(library, (std::string(name) + "_cooperative").c_str()) != nullptr;
  return kOk;
}
CUresult funcSetAttribute(void *, int, int) { return kOk; }

CUresult launchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                      unsigned bx, unsigned by, unsigned bz,
                      unsigned sharedBytes, void *, void **params, void **) {
  auto kernel = reinterpret_cast<Kernel>(function);
  // Shared memory (only kernels whose threads work together have any)
  // starts as garbage (NaN bits), like fresh device memory.
  bool fibers = cooperative()[function];
  std::vector<char> shared(fibers ? sharedBytes + 16 : 0, char(0xff));
  int64_t ids[kIds] = {0,
                       0,
                       0,
                       0,
                       0,
                       0,
                       bx,
                       by,
                       bz,
                       gx,
                       gy,
                       gz,
                       int64_t(reinterpret_cast<uintptr_t>(shared.data()))};
  BlockRun run{kernel, params, {}, {}, {}, 0, 0, 0, 0, false};
  for (ids[2] = 0; ids[2] < gz; ++ids[2])
    for (ids[1] = 0; ids[1] < gy; ++ids[1])
      for (ids[0] = 0; ids[0] < gx; ++ids[0]) {
        if (fibers) {
          std::memset(shared.data(), 0xff, shared.size());
          runBlock(run, ids, bx, by, bz);
          continue;
        }
        for (ids[5] = 0; ids[5] < bz; ++ids[5])
          for (ids[4] = 0; ids[4] < by; ++ids[4])
            for (ids[3] = 0; ids[3] < bx; ++ids[3])
              kernel(params, ids);
      }
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

// What an emulated kernel calls where threads work together
// (tessel-gpu-emulate-kernels).

void tessel_emu_barrier() {
  int64_t generation = block->barrierGeneration;
  block->progress = true;
  if (++block->barrierArrived == block->threads) {
    block->barrierArrived = 0;
    ++block->barrierGeneration;
    return;
  }
  while (block->barrierGeneration == uint64_t(generation))
    yieldToScheduler();
}

float tessel_emu_shfl_xor(float value, int32_t offset) {
  Lane &lane = myLane();
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  lane.in[0] = bits;
  lane.in[1] = uint64_t(offset & 31);
  return asFloat(warpExchange(computeShuffleXor).out[0]);
}

void tessel_emu_ldmatrix(int64_t address, int64_t out, int32_t count,
                         int32_t transpose) {
  Lane &lane = myLane();
  lane.in[0] = uint64_t(address);
  lane.in[1] = uint64_t(count);
  Lane &done =
      warpExchange(transpose ? computeLdmatrix<true> : computeLdmatrix<false>);
  std::memcpy(reinterpret_cast<void *>(out), done.out, 4 * count);
}

/// One lane's mma.sync m16n8k16: its A, B and C registers in, D out.
static void mma(bool bf16, int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                int32_t b0, int32_t b1, float c0, float c1, float c2, float c3,
                int64_t out) {
  Lane &lane = myLane();
  int32_t regs[6] = {a0, a1, a2, a3, b0, b1};
  for (int i = 0; i < 6; ++i)
    lane.in[i] = uint32_t(regs[i]);
  float c[4] = {c0, c1, c2, c3};
  for (int i = 0; i < 4; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &c[i], 4);
    lane.in[6 + i] = bits;
  }
  Lane &done = warpExchange(bf16 ? computeMma<true> : computeMma<false>);
  std::memcpy(reinterpret_cast<void *>(out), done.out, 16);
}

void tessel_emu_mma_bf16(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                         int32_t b0, int32_t b1, float c0, float c1, float c2,
                         float c3, int64_t out) {
  mma(true, a0, a1, a2, a3, b0, b1, c0, c1, c2, c3, out);
}

void tessel_emu_mma_f16(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                        int32_t b0, int32_t b1, float c0, float c1, float c2,
                        float c3, int64_t out) {
  mma(false, a0, a1, a2, a3, b0, b1, c0, c1, c2, c3, out);
}

/// cp.async: `bytes` into `to`, the first `read` of them from `from`, the
/// rest zeros; done at once.
void tessel_emu_copy(int64_t to, int64_t from, int64_t bytes, int64_t read) {
  char *dst = reinterpret_cast<char *>(to);
  if (read > 0)
    std::memcpy(dst, reinterpret_cast<const char *>(from), size_t(read));
  std::memset(dst + read, 0, size_t(bytes - read));
}

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
