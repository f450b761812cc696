//===- InPlaceResults.cpp - results updated in place, dropped -------------===//

#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/ADT/BitVector.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELINPLACERESULTS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// `value` with memref.cast ops looked through, and scf.for results that
/// are their loop-carried buffer unchanged (the loop that writes each
/// sequence of a batch into its cache) traced to the loop's init.
Value uncast(Value value) {
  while (true) {
    if (auto cast = value.getDefiningOp<memref::CastOp>()) {
      value = cast.getSource();
      continue;
    }
    auto loop = value.getDefiningOp<scf::ForOp>();
    if (!loop)
      return value;
    unsigned index = cast<OpResult>(value).getResultNumber();
    if (uncast(loop.getYieldedValues()[index]) !=
        loop.getRegionIterArgs()[index])
      return value;
    value = loop.getInitArgs()[index];
  }
}

struct InPlaceResults : tessel::impl::TesselInPlaceResultsBase<InPlaceResults> {
  void runOnOperation() override {
    StringRef name = tessel::TesselDialect::InPlaceAttrHelper::getNameStr();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      llvm::BitVector dropped(func.getNumResults());
      SmallVector<func::ReturnOp> returns;
      for (unsigned r = 0; r < func.getNumResults(); ++r) {
        auto arg = func.getResultAttrOfType<IntegerAttr>(r, name);
        if (!arg)
          continue;
        // The returns, found once: a decode step updates dozens of caches.
        if (returns.empty())
          func.walk([&](func::ReturnOp ret) { returns.push_back(ret); });
        Value argument = func.getArgument(arg.getInt());
        for (func::ReturnOp ret : returns) {
          if (uncast(ret.getOperand(r)) == argument)
            continue;
          ret.emitError("result ")
              << r << " updates argument " << arg.getInt()
              << " in place, but bufferization returns a copy of it";
          return signalPassFailure();
        }
        dropped.set(r);
      }
      if (dropped.none())
        continue;
      for (func::ReturnOp ret : returns)
        ret->eraseOperands(dropped);
      if (failed(func.eraseResults(dropped)))
        return signalPassFailure();
    }
  }
};

} // namespace
