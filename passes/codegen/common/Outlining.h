//===- Outlining.h - ops moved into functions, one per body -*- C++ -*-===//
//
// Two passes move ops out of an entry point into functions of their own: on
// tensors, so that tiling and bufferization see each distinct op once
// (tessel-share-tensor-steps), and on buffers, the steps of the schedule
// (tessel-outline-steps). Both pass an op's values the same way and keep one
// function per distinct body.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_COMMON_OUTLINING_H
#define TESSEL_PASSES_CODEGEN_COMMON_OUTLINING_H

#include "dialect/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

namespace tessel {

/// What ops moved into a function need from where they were: the values
/// they use that none of them defines (operands first, then those their
/// regions use from above, op by op), split into constants, which the
/// function rebuilds, and the rest, its arguments.
struct Captures {
  SmallVector<mlir::Value> args;
  SmallVector<mlir::Operation *> constants;
};

inline Captures captureValues(ArrayRef<mlir::Operation *> ops) {
  llvm::SetVector<mlir::Value> used;
  for (mlir::Operation *op : ops) {
    for (mlir::Value operand : op->getOperands())
      used.insert(operand);
    mlir::getUsedValuesDefinedAbove(op->getRegions(), used);
  }
  Captures captures;
  for (mlir::Value v : used) {
    if (llvm::is_contained(ops, v.getDefiningOp()))
      continue;
    mlir::Operation *def = v.getDefiningOp();
    if (def && def->hasTrait<mlir::OpTrait::ConstantLike>())
      captures.constants.push_back(def);
    else
      captures.args.push_back(v);
  }
  return captures;
}

/// Gives `func` (whose arguments are `captures.args`'s types) its body: the
/// constants and `ops`, cloned onto its arguments. Returns the clone of the
/// last of `ops`; `b` is left at the end of the body, for the terminator.
inline mlir::Operation *cloneIntoBody(mlir::func::FuncOp func,
                                      const Captures &captures,
                                      ArrayRef<mlir::Operation *> ops,
                                      mlir::OpBuilder &b) {
  mlir::Block *body = func.addEntryBlock();
  mlir::IRMapping map;
  map.map(captures.args, body->getArguments());
  b.setInsertionPointToStart(body);
  for (mlir::Operation *constant : captures.constants)
    b.clone(*constant, map);
  mlir::Operation *last = nullptr;
  for (mlir::Operation *op : ops)
    last = b.clone(*op, map);
  return last;
}

/// The functions an outlining pass takes ops out of: the module's entry
/// points (public, defined, one block).
inline SmallVector<mlir::func::FuncOp> entryPoints(mlir::ModuleOp module) {
  SmallVector<mlir::func::FuncOp> entries;
  for (auto func : module.getOps<mlir::func::FuncOp>())
    if (func.isPublic() && !func.isExternal() && func.getBody().hasOneBlock())
      entries.push_back(func);
  return entries;
}

/// The functions an outlining pass made, by a hash of their type and the op
/// they hold: a new function equivalent to one of them (the same body,
/// locations aside, on the same types, with the same attributes) is
/// replaced by the earlier one.
class DistinctFunctions {
public:
  /// The function made before that is equivalent to `func`, which holds
  /// `work`; or null, and `func` is recorded.
  mlir::func::FuncOp findOrRecord(mlir::func::FuncOp func,
                                  mlir::Operation *work) {
    llvm::hash_code key = llvm::hash_combine(
        func.getFunctionType(),
        mlir::OperationEquivalence::computeHash(
            work, mlir::OperationEquivalence::ignoreHashValue,
            mlir::OperationEquivalence::ignoreHashValue,
            mlir::OperationEquivalence::IgnoreLocations));
    SmallVector<mlir::func::FuncOp, 1> &bucket = made[key];
    for (mlir::func::FuncOp other : bucket)
      if (other.getFunctionType() == func.getFunctionType() &&
          other->getDiscardableAttrDictionary() ==
              func->getDiscardableAttrDictionary() &&
          mlir::OperationEquivalence::isRegionEquivalentTo(
              &other.getBody(), &func.getBody(),
              mlir::OperationEquivalence::IgnoreLocations))
        return other;
    bucket.push_back(func);
    return nullptr;
  }

private:
  llvm::DenseMap<llvm::hash_code, SmallVector<mlir::func::FuncOp, 1>> made;
};

} // namespace tessel

#endif // TESSEL_PASSES_CODEGEN_COMMON_OUTLINING_H
