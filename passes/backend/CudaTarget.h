//===- CudaTarget.h - the CUDA backend --------------------------*- C++ -*-===//
//
// What turns the CUDA pipeline's kernels (PTX in a gpu.binary) into the
// files of a CUDA artifact: the PTX, a cubin assembled by the toolkit's
// ptxas, and what ptxas reports of each kernel.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_BACKEND_CUDATARGET_H
#define TESSEL_PASSES_BACKEND_CUDATARGET_H

#include "dialect/Support/LLVM.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tessel {

/// One kernel of a CUDA artifact, as its manifest records it.
struct CudaKernelInfo {
  std::string name;
  std::array<int64_t, 3> block = {1, 1, 1}; ///< Threads per block (.maxntid).
  int64_t registers = 0;                    ///< Per thread.
  int64_t sharedBytes = 0;                  ///< Static shared memory per block.
  int64_t dynamicSharedBytes = 0;           ///< Asked for by its launches.
  int64_t stackBytes = 0;                   ///< Local stack frame per thread.
  int64_t spillStores = 0, spillLoads = 0;  ///< Bytes.
};

/// Checks that `toolkit` has what a CUDA compile needs: libdevice (linked
/// into the kernels for exp, tanh, erf, ...) and ptxas; otherwise `error`
/// says, in one line, what is missing.
LogicalResult checkCudaToolkit(const std::string &toolkit, std::string &error);

/// Takes the PTX of `@tessel_kernels` out of `module` (the gpu.binary is
/// erased) and checks that it calls no function left unresolved (a
/// libdevice `__nv_*` function the link did not provide).
LogicalResult takePtx(ModuleOp module, std::string &ptx);

/// Each kernel's name and block size, from the PTX's `.entry` and
/// `.maxntid` directives.
std::vector<CudaKernelInfo> kernelsOfPtx(llvm::StringRef ptx);

/// Assembles `ptxPath` for sm_`sm` with the toolkit's ptxas into
/// `cubinPath`, filling each kernel's registers, shared memory, stack and
/// spills from ptxas's report (`-v`).
LogicalResult assembleCubin(ModuleOp module, const std::string &toolkit, int sm,
                            const std::string &ptxPath,
                            const std::string &cubinPath,
                            std::vector<CudaKernelInfo> &kernels);

/// Tests only (tesselc --cuda-emulate): takes the kernels compiled for the
/// host (`@tessel_kernels_emulated`, LLVM dialect) out of `module` into
/// `kernels`, and gives each kernel NAME the entry point the test suite's
/// stand-in driver calls once per thread: `void NAME(void **params,
/// int64_t *ids)`, with `params` as cuLaunchKernel takes them and `ids`
/// the block id, thread id, block size and grid size (x, y, z each).
LogicalResult takeEmulatedKernels(ModuleOp module,
                                  mlir::OwningOpRef<ModuleOp> &kernels);

} // namespace tessel

#endif // TESSEL_PASSES_BACKEND_CUDATARGET_H
