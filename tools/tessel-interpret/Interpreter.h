//===- Interpreter.h - reference interpreter of tessel IR -------*- C++ -*-===//
//
// Walks a function op by op and evaluates each with the MLIR-free reference
// kernels of runtime/reference. This walker is the only part of the
// interpreter that knows about MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_TOOLS_TESSEL_INTERPRET_INTERPRETER_H
#define TESSEL_TOOLS_TESSEL_INTERPRET_INTERPRETER_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <string>
#include <vector>

namespace tessel {

/// Checks that `tensor` can be passed where `type` is expected (dtype, rank,
/// static dimensions). A bf16 parameter also accepts f32 values, which are
/// rounded, since NumPy has no bfloat16. On failure, returns what differs.
Status checkArgument(const Tensor &tensor, mlir::Type type);

/// Where `tessel.get_parameter` finds values.
struct ParameterOptions {
  /// A directory holding `<name>.npy` per parameter; empty for none.
  std::string directory;
  /// Initializes parameters the directory lacks, as declared; none if unset.
  std::optional<uint64_t> seed;
};

/// Evaluates `func` on `inputs` (already checked with checkArgument) and
/// appends one tensor per result to `outputs`. Errors are emitted at the
/// location of the op that failed.
mlir::LogicalResult interpret(mlir::func::FuncOp func,
                              std::vector<Tensor> inputs,
                              const ParameterOptions &parameters,
                              std::vector<Tensor> &outputs);

} // namespace tessel

#endif // TESSEL_TOOLS_TESSEL_INTERPRET_INTERPRETER_H
