//===- GatherKernels.cpp - one kernel module, a host off device memory ---===//

#include "passes/codegen/gpu/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUGATHERKERNELS
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// The kernel's body as text with a fixed name and no locations: equal
/// texts are the same kernel.
std::string bodyKey(gpu::GPUFuncOp kernel) {
  gpu::GPUFuncOp copy = kernel.clone();
  copy.setName("k");
  std::string text;
  llvm::raw_string_ostream os(text);
  copy->print(os, OpPrintingFlags().useLocalScope());
  copy->erase();
  return text;
}

/// Whether every use of `alloc` is one the host makes itself: filling or
/// reading it element by element, or reading it as a reshape's shape.
bool hostOnly(memref::AllocOp alloc) {
  for (OpOperand &use : alloc->getUses()) {
    Operation *user = use.getOwner();
    if (isa<memref::LoadOp, memref::DeallocOp>(user))
      continue;
    if (auto store = dyn_cast<memref::StoreOp>(user);
        store && store.getMemRef() == alloc.getResult())
      continue;
    if (auto reshape = dyn_cast<memref::ReshapeOp>(user);
        reshape && reshape.getShape() == alloc.getResult())
      continue;
    return false;
  }
  return true;
}

/// Whether `memref` is (a view of) an integer argument of its function:
/// token ids, positions and block tables, which the runtime places in
/// pinned host memory mapped into the device's address space, so that
/// host code can read them (to place a decode step's cache writes).
bool hostMapped(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  auto arg = dyn_cast<BlockArgument>(memref);
  return arg && isa<FunctionOpInterface>(arg.getOwner()->getParentOp()) &&
         cast<MemRefType>(arg.getType()).getElementType().isIntOrIndex();
}

/// "_NAME" for a kernel its pass named (a gpu.launch's `function`, as
/// tessel-gpu-flash-attention's "flash_attention"), so that profiles and
/// the manifest say what it computes; "" for outlining's ENTRY_kernel.
std::string purposeSuffix(StringRef name) {
  // Outlining makes names unique with "_N".
  StringRef base = name.rtrim("0123456789");
  if (base.size() != name.size() && base.ends_with("_"))
    name = base.drop_back();
  if (name.ends_with("_kernel"))
    return "";
  return ("_" + name).str();
}

struct GatherKernels : tessel::impl::TesselGpuGatherKernelsBase<GatherKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(gather(module)) || failed(placeHostBuffers(module)))
      signalPassFailure();
  }

  LogicalResult gather(ModuleOp module) {
    SmallVector<gpu::LaunchFuncOp> launches;
    for (auto func : module.getOps<func::FuncOp>())
      func.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto kernels =
        gpu::GPUModuleOp::create(b, module.getLoc(), "tessel_kernels");
    SymbolTable symbols(module);
    llvm::StringMap<StringAttr> byBody;
    llvm::StringMap<unsigned> perEntry;
    llvm::StringMap<int64_t> sharedBytes;
    b.setInsertionPointToStart(kernels.getBody());
    for (gpu::LaunchFuncOp launch : launches) {
      auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
          launch, launch.getKernel());
      if (!kernel)
        return launch.emitError("launches a kernel that does not exist: ")
               << launch.getKernel();
      std::string key = bodyKey(kernel);
      StringAttr name = byBody.lookup(key);
      if (!name) {
        auto entry = launch->getParentOfType<func::FuncOp>();
        unsigned &count = perEntry[entry.getSymName()];
        std::string fresh = (entry.getSymName() + "_k" + llvm::Twine(count++) +
                             purposeSuffix(kernel.getName()))
                                .str();
        gpu::GPUFuncOp moved = kernel.clone();
        moved.setName(fresh);
        b.insert(moved);
        name = moved.getNameAttr();
        byBody[key] = name;
      }
      launch.setKernelAttr(SymbolRefAttr::get(kernels.getNameAttr(),
                                              {FlatSymbolRefAttr::get(name)}));
      if (Value size = launch.getDynamicSharedMemorySize()) {
        std::optional<int64_t> bytes = getConstantIntValue(size);
        if (!bytes)
          return launch.emitError("a kernel's dynamic shared memory must be "
                                  "a constant");
        int64_t &most = sharedBytes[name.getValue()];
        most = std::max(most, *bytes);
      }
    }
    for (auto old :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      if (old != kernels)
        old.erase();
    // The kernels' order, which launches index, outlives the gpu.module
    // (gpu-module-to-binary replaces it).
    SmallVector<Attribute> names;
    for (auto kernel : kernels.getOps<gpu::GPUFuncOp>()) {
      int64_t bytes = sharedBytes.lookup(kernel.getName());
      names.push_back(bytes ? tessel::kernelEntry(kernel.getNameAttr(), bytes)
                            : static_cast<Attribute>(kernel.getNameAttr()));
    }
    tessel::TesselDialect::KernelsAttrHelper(&getContext())
        .setAttr(module, b.getArrayAttr(names));
    return success();
  }

  /// Host-only buffers onto the host stack; any other host access to a
  /// buffer is an access to device memory, which is an error.
  LogicalResult placeHostBuffers(ModuleOp module) {
    for (auto func : module.getOps<func::FuncOp>()) {
      SmallVector<memref::AllocOp> host;
      func.walk([&](memref::AllocOp alloc) {
        if (hostOnly(alloc))
          host.push_back(alloc);
      });
      for (memref::AllocOp alloc : host) {
        for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
          if (isa<memref::DeallocOp>(user))
            user->erase();
        OpBuilder b(alloc);
        auto stack = memref::AllocaOp::create(
            b, alloc.getLoc(), alloc.getType(), alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), alloc.getAlignmentAttr());
        alloc.replaceAllUsesWith(stack.getResult());
        alloc.erase();
      }
      // A workspace function (tessel-plan-buffers) writes its sizes into
      // its last argument, host memory the runtime passes.
      Value sizes;
      if (func.getSymName().ends_with("_workspace") &&
          func.getNumArguments() > 0)
        sizes = func.getArguments().back();
      WalkResult walk = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
        Value memref;
        if (auto load = dyn_cast<memref::LoadOp>(op))
          memref = load.getMemRef();
        else if (auto store = dyn_cast<memref::StoreOp>(op))
          memref = store.getMemRef();
        else if (isa<memref::CopyOp>(op) ||
                 op->getDialect()->getNamespace() == "linalg" ||
                 isa<scf::ParallelOp, scf::ForallOp>(op)) {
          op->emitError() << op->getName()
                          << " stays on the host but reads device memory: it "
                             "was not mapped to a GPU kernel";
          return WalkResult::interrupt();
        }
        if (memref && !memref.getDefiningOp<memref::AllocaOp>() &&
            memref != sizes &&
            !(isa<memref::LoadOp>(op) && hostMapped(memref))) {
          op->emitError("host code would dereference device memory: ")
              << op->getName();
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return failure();
    }
    return success();
  }
};

} // namespace
