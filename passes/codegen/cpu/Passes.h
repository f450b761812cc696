//===- Passes.h - CPU codegen passes ----------------------------*- C++ -*-===//
//
// Register tiles and vector FMAs, the OpenMP schedule, polynomial math and
// sequential inner loops: choices made for the host CPU.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_CPU_PASSES_H
#define TESSEL_PASSES_CODEGEN_CPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace tessel {

#define GEN_PASS_DECL
#include "passes/codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/codegen/cpu/Passes.h.inc"

} // namespace tessel

#endif // TESSEL_PASSES_CODEGEN_CPU_PASSES_H
