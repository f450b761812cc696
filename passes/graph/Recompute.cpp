//===- Recompute.cpp - recompute forward activations in the backward ------===//
//
// Activation checkpointing on the `grads` entry point: the forward ops of a
// chosen group (a layer's attention sublayer, or its whole block) are
// copied in front of the layer's backward ops, and the backward reads the
// copies. The forward values then die at their last forward use. See the
// pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"
#include "runtime/Enums.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELRECOMPUTE
#include "passes/graph/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// The name of the part of the model `loc` was built for: the outermost
/// NameLoc's name ("layers.3.attention"), or "".
StringRef partName(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName().getValue();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (StringRef name = partName(inner); !name.empty())
        return name;
  return "";
}

/// The layer `name` belongs to ("layers.3.mlp" -> 3), or -1.
int64_t layerOf(StringRef name) {
  if (!name.consume_front("layers."))
    return -1;
  int64_t layer;
  StringRef rest = name.take_until([](char c) { return c == '.'; });
  if (rest.getAsInteger(10, layer))
    return -1;
  return layer;
}

/// Ops every group may read as they are: parameters and constants.
bool isFree(Operation *op) {
  return isa<tessel::GetParameterOp, arith::ConstantOp>(op);
}

struct RecomputePass : tessel::impl::TesselRecomputeBase<RecomputePass> {
  using TesselRecomputeBase::TesselRecomputeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    std::optional<tessel::RecomputeSchedule> parsed =
        tessel::parseRecomputeSchedule(schedule);
    if (!parsed) {
      func.emitError() << "unknown recomputation schedule '" << schedule
                       << "' (expected none, attention, blocks or blocks:K)";
      return signalPassFailure();
    }
    tessel::EntryPointKindAttr kind =
        tessel::TesselDialect::EntryPointAttrHelper(func.getContext())
            .getAttr(func);
    if (parsed->layers == 0 || !kind ||
        kind.getValue() != tessel::EntryPointKind::Grads || func.isExternal())
      return;
    Block &body = func.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());

    // The forward ops: what the loss (result 0) and the parameter updates
    // depend on.
    llvm::DenseSet<Operation *> forward;
    SmallVector<Value> worklist;
    worklist.push_back(ret.getOperand(0));
    for (unsigned i = 1; i < ret.getNumOperands(); ++i)
      if (func.getResultAttr(
              i, tessel::TesselDialect::UpdateAttrHelper::getNameStr()))
        worklist.push_back(ret.getOperand(i));
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val().getDefiningOp();
      if (!op || !forward.insert(op).second)
        continue;
      llvm::append_range(worklist, op->getOperands());
    }

    // The groups, in block order: layer -> its recomputed ops.
    llvm::MapVector<int64_t, SmallVector<Operation *>> groups;
    for (Operation &op : body.without_terminator()) {
      if (!forward.contains(&op) || isFree(&op))
        continue;
      StringRef part = partName(op.getLoc());
      int64_t layer = layerOf(part);
      if (layer < 0 || layer >= parsed->layers)
        continue;
      if (parsed->attentionOnly &&
          !part.starts_with(
              ("layers." + llvm::Twine(layer) + ".attention").str()))
        continue;
      groups[layer].push_back(&op);
    }

    OpBuilder b(func.getContext());
    for (auto &[layer, ops] : groups)
      recompute(b, ops, forward);
  }

  /// Copies `ops` (one group, in block order) before the first backward op
  /// that reads one of their internal values, and points the backward's
  /// reads there.
  void recompute(OpBuilder &b, ArrayRef<Operation *> ops,
                 const llvm::DenseSet<Operation *> &forward) {
    llvm::DenseSet<Operation *> group(ops.begin(), ops.end());
    // Internal values: read by no forward op outside the group. Those the
    // backward reads are the ones to recompute.
    SmallVector<Value> recomputed;
    Operation *first = nullptr;
    for (Operation *op : ops)
      for (Value v : op->getResults()) {
        bool output = false, backward = false;
        for (Operation *user : v.getUsers()) {
          if (group.contains(user))
            continue;
          if (forward.contains(user))
            output = true;
          else
            backward = true;
        }
        if (output || !backward)
          continue;
        recomputed.push_back(v);
        for (Operation *user : v.getUsers())
          if (!forward.contains(user) &&
              (!first || user->isBeforeInBlock(first)))
            first = user;
      }
    if (recomputed.empty())
      return;

    // The copy, reading its activation inputs through barriers.
    b.setInsertionPoint(first);
    IRMapping mapping;
    SmallVector<Operation *> barriers;
    for (Operation *op : ops)
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (mapping.contains(operand) || (def && group.contains(def)) ||
            (def && isFree(def)))
          continue;
        // Integer inputs (token ids, positions) are small and cheap: only
        // float activations need a copy to keep the recomputation apart.
        auto type = dyn_cast<RankedTensorType>(operand.getType());
        if (!type || !isa<FloatType>(type.getElementType()))
          continue;
        barriers.push_back(
            tessel::RecomputeBarrierOp::create(b, operand.getLoc(), operand));
        mapping.map(operand, barriers.back()->getResult(0));
      }
    SmallVector<Operation *> copies;
    for (Operation *op : ops)
      copies.push_back(b.clone(*op, mapping));
    for (Value v : recomputed)
      v.replaceUsesWithIf(mapping.lookup(v), [&](OpOperand &use) {
        return !forward.contains(use.getOwner()) &&
               !group.contains(use.getOwner());
      });
    // Copies the backward does not read (a block's output, batch norm's
    // running statistics), then barriers nothing reads any more.
    for (Operation *copy : llvm::reverse(copies))
      if (copy->use_empty() && isOpTriviallyDead(copy))
        copy->erase();
    for (Operation *barrier : barriers)
      if (barrier->use_empty())
        barrier->erase();
  }
};

} // namespace

std::optional<tessel::RecomputeSchedule>
tessel::parseRecomputeSchedule(llvm::StringRef text) {
  RecomputeSchedule s;
  if (text == "none")
    return s;
  if (text == "attention") {
    s.attentionOnly = true;
    s.layers = INT64_MAX;
    return s;
  }
  if (text == "blocks") {
    s.layers = INT64_MAX;
    return s;
  }
  if (text.consume_front("blocks:") && !text.getAsInteger(10, s.layers) &&
      s.layers >= 0)
    return s;
  return std::nullopt;
}
