//===- ModelParts.h - which part of the model an op came from ---*- C++ -*-===//
//
// The frontend gives every op it builds a name location after the part of
// the model definition it came from (e.g. "layers.0.attention"); lowering
// keeps the location, so buffers and steps can be traced back to it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_COMMON_MODELPARTS_H
#define TESSEL_PASSES_CODEGEN_COMMON_MODELPARTS_H

#include "dialect/Support/LLVM.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

#include <string>

namespace tessel {

/// The first name in `loc`; empty when it has none.
inline std::string modelPartOf(Location loc) {
  std::string name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<mlir::NameLoc>(inner)) {
      name = named.getName().str();
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  return name;
}

} // namespace tessel

#endif // TESSEL_PASSES_CODEGEN_COMMON_MODELPARTS_H
