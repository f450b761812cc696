//===- CpuTarget.h - the CPU backend ----------------------------*- C++ -*-===//
//
// What turns the CPU pipeline's output (the LLVM dialect) into code this
// machine runs. The GPU's backend (PTX, cubin) will sit beside it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_BACKEND_CPUTARGET_H
#define TESSEL_PASSES_BACKEND_CPUTARGET_H

#include "dialect/Support/LLVM.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/Timing.h"

#include <string>
#include <vector>

namespace tessel {

/// The CPU an artifact is compiled for, as its manifest records it.
struct CpuTargetInfo {
  std::string triple; ///< e.g. x86_64-pc-linux-gnu
  std::string name;   ///< LLVM's CPU name: znver4, x86-64-v3, ...
  /// The features of runtime/CpuFeatures.h's list the code may use: the
  /// loader refuses a CPU that lacks one.
  std::vector<std::string> features;
};

/// Checks that `cpu` ("native", or an LLVM CPU name of the host's
/// architecture such as x86-64-v3) is one LLVM can compile for.
LogicalResult checkCpuName(const std::string &cpu, std::string &error);

/// LLVM IR of `module` (LLVM dialect), optimized at -O3 for the CPU `cpu`
/// ("native": the host's, with every feature it has), to object code:
/// `path`, or, compiled on `threads` threads (0: the hardware threads;
/// fewer for a small module), files named after it; `objects` receives the
/// files to link. `info` says what it was compiled for.
/// Translation, optimization and code generation are timed under `timing`
/// when it is active.
LogicalResult emitObject(ModuleOp module, const std::string &path,
                         const std::string &cpu, unsigned threads,
                         CpuTargetInfo &info, std::vector<std::string> &objects,
                         mlir::TimingScope &timing);

/// Links `objects` into the shared object `library` with the system's C
/// compiler driver, against the OpenMP runtime the compiled loops call
/// when `openmp` (a GPU artifact's host code calls none).
LogicalResult linkLibrary(ModuleOp module,
                          const std::vector<std::string> &objects,
                          const std::string &library, bool openmp = true);

} // namespace tessel

#endif // TESSEL_PASSES_BACKEND_CPUTARGET_H
