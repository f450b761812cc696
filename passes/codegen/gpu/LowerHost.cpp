//===- LowerHost.cpp - host side of GPU code to LLVM, Tessel's launches ---===//

#include "passes/codegen/gpu/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/ADT/StringMap.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPULOWERHOST
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kLaunch = "tessel_cuda_launch";
constexpr llvm::StringLiteral kAlloc = "tessel_cuda_alloc";
constexpr llvm::StringLiteral kFree = "tessel_cuda_free";

/// A global function pointer of the compiled code, null until the runtime
/// sets it.
void addPointer(ModuleOp module, StringRef name) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto global = LLVM::GlobalOp::create(
      b, module.getLoc(), ptr,
      /*isConstant=*/false, LLVM::Linkage::External, name, Attribute());
  b.setInsertionPointToStart(&global.getInitializerRegion().emplaceBlock());
  LLVM::ReturnOp::create(b, module.getLoc(),
                         LLVM::ZeroOp::create(b, module.getLoc(), ptr));
}

/// The value of the global function pointer `name`.
Value loadPointer(OpBuilder &b, Location loc, StringRef name) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  return LLVM::LoadOp::create(b, loc, ptr,
                              LLVM::AddressOfOp::create(b, loc, ptr, name));
}

/// gpu.launch_func as a call of `tessel_cuda_launch` with the kernel's
/// index and an array of pointers to its arguments, on the stack for the
/// call's duration.
struct LaunchToCall : ConvertOpToLLVMPattern<gpu::LaunchFuncOp> {
  LaunchToCall(const LLVMTypeConverter &converter,
               const llvm::StringMap<int32_t> &indices)
      : ConvertOpToLLVMPattern(converter), indices(indices) {}

  LogicalResult
  matchAndRewrite(gpu::LaunchFuncOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getAsyncToken() || !op.getAsyncDependencies().empty() ||
        op.hasClusterSize())
      return rewriter.notifyMatchFailure(op, "async or clustered launch");
    auto found = indices.find(op.getKernelName().getValue());
    if (found == indices.end())
      return op.emitError("launches a kernel outside @tessel_kernels");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i32 = rewriter.getI32Type();
    auto i64 = rewriter.getI64Type();

    SmallVector<Value> args = getTypeConverter()->promoteOperands(
        loc, op.getKernelOperands(), adaptor.getKernelOperands(), rewriter);
    SmallVector<Type> types;
    for (Value arg : args)
      types.push_back(arg.getType());
    auto record = LLVM::LLVMStructType::getLiteral(ctx, types);
    auto slots =
        LLVM::LLVMArrayType::get(ptr, std::max<size_t>(args.size(), 1));

    Value stack = LLVM::StackSaveOp::create(rewriter, loc, ptr);
    Value one = LLVM::ConstantOp::create(rewriter, loc, i64, 1);
    Value values = LLVM::AllocaOp::create(rewriter, loc, ptr, record, one);
    Value params = LLVM::AllocaOp::create(rewriter, loc, ptr, slots, one);
    for (auto [i, arg] : llvm::enumerate(args)) {
      Value field = LLVM::GEPOp::create(
          rewriter, loc, ptr, record, values,
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      LLVM::StoreOp::create(rewriter, loc, arg, field);
      Value slot = LLVM::GEPOp::create(
          rewriter, loc, ptr, slots, params,
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      LLVM::StoreOp::create(rewriter, loc, field, slot);
    }
    Value shared = adaptor.getDynamicSharedMemorySize();
    if (!shared)
      shared = LLVM::ConstantOp::create(rewriter, loc, i32, 0);
    SmallVector<Value> operands = {
        loadPointer(rewriter, loc, kLaunch),
        LLVM::ConstantOp::create(rewriter, loc, i32, found->second),
        adaptor.getGridSizeX(),
        adaptor.getGridSizeY(),
        adaptor.getGridSizeZ(),
        adaptor.getBlockSizeX(),
        adaptor.getBlockSizeY(),
        adaptor.getBlockSizeZ(),
        shared,
        params};
    auto type = LLVM::LLVMFunctionType::get(
        LLVM::LLVMVoidType::get(ctx),
        {i32, i64, i64, i64, i64, i64, i64, i32, ptr});
    LLVM::CallOp::create(rewriter, loc, type, operands);
    LLVM::StackRestoreOp::create(rewriter, loc, stack);
    rewriter.eraseOp(op);
    return success();
  }

  const llvm::StringMap<int32_t> &indices;
};

/// Gives the allocation functions that MemRefToLLVM's generic lowering
/// declares bodies that call the runtime's device allocator.
void defineAllocators(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  auto forward = [&](StringRef name, StringRef pointer) {
    auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (!func || !func.isExternal())
      return;
    func.setLinkage(LLVM::Linkage::Internal);
    OpBuilder b(ctx);
    Block *block = func.addEntryBlock(b);
    b.setInsertionPointToStart(block);
    Location loc = func.getLoc();
    SmallVector<Value> operands = {loadPointer(b, loc, pointer)};
    llvm::append_range(operands, block->getArguments());
    auto call = LLVM::CallOp::create(b, loc, func.getFunctionType(), operands);
    LLVM::ReturnOp::create(b, loc, call.getResults());
  };
  forward("_mlir_memref_to_llvm_alloc", kAlloc);
  forward("_mlir_memref_to_llvm_free", kFree);
}

struct LowerHost : tessel::impl::TesselGpuLowerHostBase<LowerHost> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    llvm::StringMap<int32_t> indices;
    if (ArrayAttr kernels =
            tessel::TesselDialect::KernelsAttrHelper(ctx).getAttr(module))
      for (Attribute entry : kernels)
        indices[tessel::kernelName(entry)] = indices.size();
    for (StringRef name : {kLaunch, kAlloc, kFree})
      addPointer(module, name);

    LowerToLLVMOptions options(ctx);
    options.useGenericFunctions = true;
    LLVMTypeConverter converter(ctx, options);
    RewritePatternSet patterns(ctx);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns);
    index::populateIndexToLLVMConversionPatterns(converter, patterns);
    populateMathToLLVMConversionPatterns(converter, patterns);
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns);
    ub::populateUBToLLVMConversionPatterns(converter, patterns);
    patterns.add<LaunchToCall>(converter, indices);

    LLVMConversionTarget target(*ctx);
    target.addLegalOp<ModuleOp>();
    target.addLegalOp<gpu::GPUModuleOp, gpu::BinaryOp>();
    target.markOpRecursivelyLegal<gpu::GPUModuleOp>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    // Anything of the host left unconverted would reach LLVM IR.
    WalkResult left = module.walk([&](Operation *op) {
      if (isa<gpu::GPUModuleOp, gpu::BinaryOp>(op))
        return WalkResult::skip();
      if (isa<ModuleOp, UnrealizedConversionCastOp>(op) ||
          isa<LLVM::LLVMDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError("host code left unlowered for the GPU target: ")
          << op->getName();
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      return signalPassFailure();
    defineAllocators(module);
  }
};

} // namespace
