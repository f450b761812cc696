//===- Passes.h - codegen passes every target shares ------------*- C++ -*-===//
//
// Parameters as arguments, the memory plan, step outlining and the uniform
// entry points: what a compiled artifact looks like to the runtime, whatever
// the target.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_COMMON_PASSES_H
#define TESSEL_PASSES_CODEGEN_COMMON_PASSES_H

#include "mlir/Pass/Pass.h"

namespace tessel {

#define GEN_PASS_DECL
#include "passes/codegen/common/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/codegen/common/Passes.h.inc"

} // namespace tessel

#endif // TESSEL_PASSES_CODEGEN_COMMON_PASSES_H
