//===- ParametersToArguments.cpp - parameters become function arguments --===//

#include "passes/codegen/common/Passes.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/MapVector.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELPARAMETERSTOARGUMENTS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct ParametersToArguments
    : tessel::impl::TesselParametersToArgumentsBase<ParametersToArguments> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Declaration order is the argument order.
    llvm::MapVector<StringAttr, tessel::ParameterOp> declared;
    for (auto param : module.getOps<tessel::ParameterOp>())
      declared[param.getSymNameAttr()] = param;

    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      // An entry point's inputs are read-only too: the runtime passes the
      // caller's data. Those a result updates in place (tessel.in_place:
      // decode's caches) are the exception: their buffers are written.
      if (func.isPublic()) {
        llvm::SmallDenseSet<int64_t> updated;
        for (unsigned r = 0; r < func.getNumResults(); ++r)
          if (auto arg = func.getResultAttrOfType<IntegerAttr>(
                  r, tessel::TesselDialect::InPlaceAttrHelper::getNameStr()))
            updated.insert(arg.getInt());
        for (unsigned i = 0; i < func.getNumArguments(); ++i)
          func.setArgAttr(i, "bufferization.writable",
                          BoolAttr::get(&getContext(), updated.contains(i)));
      }
      // Which parameters this function reads, in declaration order.
      llvm::SmallDenseSet<StringAttr> used;
      func.walk([&](tessel::GetParameterOp get) {
        used.insert(get.getNameAttr().getAttr());
      });
      llvm::DenseMap<StringAttr, BlockArgument> arguments;
      for (auto &[name, param] : declared) {
        if (!used.contains(name))
          continue;
        unsigned index = func.getNumArguments();
        auto nameAttr = StringAttr::get(&getContext(), name.getValue());
        if (failed(func.insertArgument(
                index, param.getType(),
                DictionaryAttr::get(
                    &getContext(),
                    {NamedAttribute(tessel::TesselDialect::ParameterAttrHelper(
                                        &getContext())
                                        .getName(),
                                    nameAttr),
                     // Compiled code only reads parameters, so the runtime can
                     // pass the same buffers to every call.
                     NamedAttribute(StringAttr::get(&getContext(),
                                                    "bufferization.writable"),
                                    BoolAttr::get(&getContext(), false))}),
                param.getLoc()))) {
          signalPassFailure();
          return;
        }
        arguments[name] = func.getArgument(index);
      }
      func.walk([&](tessel::GetParameterOp get) {
        get.replaceAllUsesWith(arguments[get.getNameAttr().getAttr()]);
        get.erase();
      });
      // Compiled entry points get a C interface (see
      // tessel-emit-entry-points).
      if (func.isPublic())
        func->setAttr("llvm.emit_c_interface", UnitAttr::get(&getContext()));
    }
    for (auto &[name, param] : declared)
      param.erase();
  }
};

} // namespace
