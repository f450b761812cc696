//===- OpenMPSchedule.cpp - dynamic schedules for coarse tiles ------------===//

#include "passes/codegen/cpu/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELCPUOPENMPSCHEDULE
#include "passes/codegen/cpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct OpenMPSchedule
    : tessel::impl::TesselCpuOpenMPScheduleBase<OpenMPSchedule> {
  void runOnOperation() override {
    // Steps are func.func or, once converted, llvm.func.
    tessel::TesselDialect::DynamicScheduleAttrHelper dynamic(&getContext());
    getOperation()->walk([&](Operation *func) {
      if (!isa<func::FuncOp, LLVM::LLVMFuncOp>(func) ||
          !dynamic.isAttrPresent(func))
        return;
      func->walk([&](omp::WsloopOp loop) {
        loop.setScheduleKind(omp::ClauseScheduleKind::Dynamic);
      });
    });
  }
};

} // namespace
