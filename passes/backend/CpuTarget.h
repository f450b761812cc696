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

#include <string>

namespace tessel {

/// LLVM IR of `module` (LLVM dialect), optimized at -O3 for the host CPU,
/// to the object file `path`.
LogicalResult emitObject(ModuleOp module, const std::string &path);

/// Links `object` into the shared object `library` with the system's C
/// compiler driver, against the OpenMP runtime the compiled loops call.
LogicalResult linkLibrary(ModuleOp module, const std::string &object,
                          const std::string &library);

} // namespace tessel

#endif // TESSEL_PASSES_BACKEND_CPUTARGET_H
