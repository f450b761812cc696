//===- ModelParts.h - which part of the model an op came from ---*- C++ -*-===//
//
// The frontend gives every op it builds a name location after the part of
// the model definition it came from (e.g. "layers.0.attention"); lowering
// keeps the location, so buffers and kernels can be traced back to it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_COMMON_MODELPARTS_H
#define TESSEL_PASSES_CODEGEN_COMMON_MODELPARTS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

#include <string>

namespace mlir::tessel {

/// The first name in `loc`; empty when it has none.
inline std::string modelPartOf(Location loc) {
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

} // namespace mlir::tessel

#endif // TESSEL_PASSES_CODEGEN_COMMON_MODELPARTS_H
