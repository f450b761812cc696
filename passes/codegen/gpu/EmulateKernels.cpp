//===- EmulateKernels.cpp - kernels as host functions, for tests ----------===//

#include "passes/codegen/gpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUEMULATEKERNELS
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// Block id, thread id, block size and grid size (x, y, z each), then the
/// block's shared memory.
constexpr unsigned kIds = 13;

/// The functions of the stand-in driver (test/fakecuda) that emulate what
/// threads of a warp or a block do together.
func::FuncOp runtimeFunction(ModuleOp module, StringRef name,
                             FunctionType type) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto f = func::FuncOp::create(b, module.getLoc(), name, type);
  f.setPrivate();
  return f;
}

/// Rewrites the ops of `func` that threads do together (barriers, warp
/// shuffles, ldmatrix, mma.sync) into calls of the stand-in driver, which
/// runs a block's threads as fibers; cp.async becomes a synchronous copy
/// (its waits nothing) and shared memory the block's buffer the driver
/// passes. Returns whether any was found.
FailureOr<bool> emulateCollectives(func::FuncOp func, ModuleOp module,
                                   Value sharedAddress) {
  MLIRContext *ctx = func.getContext();
  // Shared memory is host memory here.
  AttrTypeReplacer replacer;
  replacer.addReplacement([](MemRefType t) -> std::optional<Type> {
    if (!isa_and_nonnull<gpu::AddressSpaceAttr>(t.getMemorySpace()))
      return std::nullopt;
    return MemRefType::get(t.getShape(), t.getElementType(), t.getLayout());
  });
  replacer.recursivelyReplaceElementsIn(func, /*replaceAttrs=*/false,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<gpu::BarrierOp, gpu::ShuffleOp, gpu::DynamicSharedMemoryOp,
            nvgpu::LdMatrixOp, nvgpu::DeviceAsyncCopyOp,
            nvgpu::DeviceAsyncCreateGroupOp, nvgpu::DeviceAsyncWaitOp,
            NVVM::CpAsyncCommitGroupOp, NVVM::CpAsyncWaitGroupOp, NVVM::MmaOp>(
            op))
      ops.push_back(op);
    else if (auto trunc = dyn_cast<arith::TruncFOp>(op);
             trunc && getElementTypeOrSelf(trunc.getType()).isBF16())
      ops.push_back(op);
  });
  if (ops.empty())
    return false;
  OpBuilder b(ctx);
  Type i32 = b.getI32Type(), i64 = b.getI64Type(), f32 = b.getF32Type();
  auto call = [&](Location loc, StringRef name, ValueRange args,
                  TypeRange results = {}) {
    func::FuncOp f = runtimeFunction(
        module, name, b.getFunctionType(args.getTypes(), results));
    return func::CallOp::create(b, loc, f, args);
  };
  auto constI32 = [&](Location loc, int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  // The address of memref[indices], as an i64.
  auto address = [&](Location loc, Value memref, ValueRange indices) {
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value at = meta.getOffset();
    for (auto [i, stride] : llvm::zip(indices, meta.getStrides()))
      at = arith::AddIOp::create(b, loc, at,
                                 arith::MulIOp::create(b, loc, i, stride));
    int64_t bytes =
        cast<MemRefType>(memref.getType()).getElementTypeBitWidth() / 8;
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    Value byteOffset = arith::MulIOp::create(
        b, loc, at, arith::ConstantIndexOp::create(b, loc, bytes));
    return arith::IndexCastOp::create(
        b, loc, i64, arith::AddIOp::create(b, loc, base, byteOffset));
  };
  // A scratch buffer the driver writes `count` values of `type` into.
  auto scratch = [&](Location loc, int64_t count, Type type) {
    Value buffer =
        memref::AllocaOp::create(b, loc, MemRefType::get({count}, type));
    return std::make_pair(
        buffer,
        address(loc, buffer, {arith::ConstantIndexOp::create(b, loc, 0)}));
  };
  // A packed operand of mma.sync as an i32.
  auto asI32 = [&](Location loc, Value v) -> Value {
    if (v.getType() == i32)
      return v;
    Value cast =
        vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), v);
    return vector::ExtractOp::create(b, loc, cast, 0);
  };

  for (Operation *op : ops) {
    b.setInsertionPoint(op);
    Location loc = op->getLoc();
    if (isa<gpu::BarrierOp>(op)) {
      call(loc, "tessel_emu_barrier", {});
    } else if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
      if (shuffle.getMode() != gpu::ShuffleMode::XOR ||
          shuffle.getValue().getType() != f32)
        return op->emitError("emulation runs f32 xor shuffles only");
      Value r = call(loc, "tessel_emu_shfl_xor",
                     {shuffle.getValue(), shuffle.getOffset()}, {f32})
                    .getResult(0);
      shuffle.getShuffleResult().replaceAllUsesWith(r);
      shuffle.getValid().replaceAllUsesWith(
          arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
    } else if (auto smem = dyn_cast<gpu::DynamicSharedMemoryOp>(op)) {
      // A memref descriptor around the driver's buffer.
      auto ptr = LLVM::LLVMPointerType::get(ctx);
      auto array = LLVM::LLVMArrayType::get(i64, 1);
      auto desc =
          LLVM::LLVMStructType::getLiteral(ctx, {ptr, ptr, i64, array, array});
      Value address =
          arith::IndexCastOp::create(b, loc, i64, sharedAddress).getResult();
      Value p = LLVM::IntToPtrOp::create(b, loc, ptr, address);
      Value d = LLVM::UndefOp::create(b, loc, desc);
      auto i64c = [&](int64_t v) -> Value {
        return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
      };
      d = LLVM::InsertValueOp::create(b, loc, d, p, ArrayRef<int64_t>{0});
      d = LLVM::InsertValueOp::create(b, loc, d, p, ArrayRef<int64_t>{1});
      d = LLVM::InsertValueOp::create(b, loc, d, i64c(0), ArrayRef<int64_t>{2});
      d = LLVM::InsertValueOp::create(b, loc, d, i64c(int64_t(1) << 40),
                                      ArrayRef<int64_t>{3, 0});
      d = LLVM::InsertValueOp::create(b, loc, d, i64c(1),
                                      ArrayRef<int64_t>{4, 0});
      Value m = UnrealizedConversionCastOp::create(b, loc, smem.getType(), d)
                    .getResult(0);
      smem.getResult().replaceAllUsesWith(m);
    } else if (auto ld = dyn_cast<nvgpu::LdMatrixOp>(op)) {
      int64_t n = ld.getNumTiles();
      auto [buffer, out] = scratch(loc, n, i32);
      call(loc, "tessel_emu_ldmatrix",
           {address(loc, ld.getSrcMemref(), ld.getIndices()), out,
            constI32(loc, n), constI32(loc, ld.getTranspose())});
      Value regs = vector::LoadOp::create(
          b, loc, VectorType::get({n}, i32), buffer,
          ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
      // Register i is row i of the result (no shape_cast: the host's
      // vector lowering takes 1-D pieces).
      auto resType = cast<VectorType>(ld.getType());
      Value result = arith::ConstantOp::create(b, loc, b.getZeroAttr(resType));
      for (int64_t i = 0; i < n; ++i) {
        Value reg = vector::ExtractOp::create(b, loc, regs, i);
        Value one =
            vector::BroadcastOp::create(b, loc, VectorType::get({1}, i32), reg);
        Value row = vector::BitCastOp::create(
            b, loc, VectorType::get({2}, resType.getElementType()), one);
        result = vector::InsertOp::create(b, loc, row, result, i);
      }
      ld.getResult().replaceAllUsesWith(result);
    } else if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op)) {
      int64_t bytes =
          cast<MemRefType>(copy.getDst().getType()).getElementTypeBitWidth() /
          8;
      Value total = arith::ConstantIndexOp::create(
          b, loc, copy.getDstElements().getSExtValue());
      Value read = copy.getSrcElements() ? copy.getSrcElements() : total;
      auto toBytes = [&](Value elements) -> Value {
        return arith::IndexCastOp::create(
            b, loc, i64,
            arith::MulIOp::create(
                b, loc, elements,
                arith::ConstantIndexOp::create(b, loc, bytes)));
      };
      // A row that is not read may lie outside its buffer: only an address.
      call(loc, "tessel_emu_copy",
           {address(loc, copy.getDst(), copy.getDstIndices()),
            address(loc, copy.getSrc(), copy.getSrcIndices()), toBytes(total),
            toBytes(read)});
    } else if (auto mma = dyn_cast<NVVM::MmaOp>(op)) {
      Type a = getElementTypeOrSelf(mma.getOperandA()[0].getType());
      bool bf16 = mma.getMultiplicandAPtxType() == NVVM::MMATypes::bf16;
      if (mma.getShape().getM() != 16 || mma.getShape().getN() != 8 ||
          mma.getShape().getK() != 16 || mma.getOperandA().size() != 4 ||
          mma.getOperandC().size() != 4 || (!bf16 && !a.isF16()))
        return op->emitError("emulation runs m16n8k16 bf16/f16 mma.sync only");
      SmallVector<Value> args;
      for (Value v : mma.getOperandA())
        args.push_back(asI32(loc, v));
      for (Value v : mma.getOperandB())
        args.push_back(asI32(loc, v));
      for (Value v : mma.getOperandC()) {
        if (v.getType() != f32)
          return op->emitError("emulation runs f32 accumulators only");
        args.push_back(v);
      }
      auto [buffer, out] = scratch(loc, 4, f32);
      args.push_back(out);
      call(loc, bf16 ? "tessel_emu_mma_bf16" : "tessel_emu_mma_f16", args);
      for (OpOperand &use : llvm::make_early_inc_range(mma->getUses())) {
        auto extract = dyn_cast<LLVM::ExtractValueOp>(use.getOwner());
        if (!extract || extract.getPosition().size() != 1)
          return op->emitError("emulation takes mma.sync's results by "
                               "llvm.extractvalue");
        b.setInsertionPoint(extract);
        Value at =
            arith::ConstantIndexOp::create(b, loc, extract.getPosition()[0]);
        extract.getResult().replaceAllUsesWith(
            memref::LoadOp::create(b, loc, buffer, at));
        extract.erase();
      }
    } else if (auto trunc = dyn_cast<arith::TruncFOp>(op)) {
      // f32 -> bf16 rounded to nearest even, in integers (the host's
      // compiler runtime may lack __truncsfbf2).
      Type in = trunc.getIn().getType();
      if (getElementTypeOrSelf(in) != f32)
        return op->emitError("emulation truncates f32 to bf16 only");
      auto like = [&](Type element) -> Type {
        if (auto v = dyn_cast<VectorType>(in))
          return v.clone(element);
        return element;
      };
      auto splat = [&](Type type, int64_t v) -> Value {
        Type element = getElementTypeOrSelf(type);
        TypedAttr attr = b.getIntegerAttr(element, v);
        if (auto vt = dyn_cast<VectorType>(type))
          attr = DenseElementsAttr::get(vt, attr);
        return arith::ConstantOp::create(b, loc, attr);
      };
      Type i32s = like(i32), i16s = like(b.getI16Type());
      Value bits = arith::BitcastOp::create(b, loc, i32s, trunc.getIn());
      Value lsb = arith::AndIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, bits, splat(i32s, 16)),
          splat(i32s, 1));
      Value rounded = arith::AddIOp::create(
          b, loc, bits,
          arith::AddIOp::create(b, loc, lsb, splat(i32s, 0x7fff)));
      Value high = arith::TruncIOp::create(
          b, loc, i16s,
          arith::ShRUIOp::create(b, loc, rounded, splat(i32s, 16)));
      trunc.getResult().replaceAllUsesWith(
          arith::BitcastOp::create(b, loc, trunc.getType(), high));
    }
  }
  // Erase in reverse, so that group tokens go before the copies making them.
  for (Operation *op : llvm::reverse(ops)) {
    if (!op->use_empty())
      return op->emitError("emulation cannot replace this op's results");
    op->erase();
  }
  return true;
}

/// `kernel` as a host function in `into`: its arguments, then block id,
/// thread id, block size and grid size, x, y and z each, and the address
/// of the block's shared memory.
LogicalResult emulate(gpu::GPUFuncOp kernel, ModuleOp into) {
  OpBuilder b = OpBuilder::atBlockEnd(into.getBody());
  Location loc = kernel.getLoc();
  SmallVector<Type> inputs(kernel.getArgumentTypes());
  inputs.append(kIds, b.getIndexType());
  auto func = func::FuncOp::create(b, loc, kernel.getName(),
                                   b.getFunctionType(inputs, {}));
  Block *entry = func.addEntryBlock();
  if (!kernel.getBody().hasOneBlock())
    return kernel.emitError("an emulated kernel has one block");
  IRMapping map;
  Block &body = kernel.getBody().front();
  for (auto [from, to] : llvm::zip(body.getArguments(), entry->getArguments()))
    map.map(from, to);
  unsigned extra = body.getNumArguments();
  auto id = [&](unsigned group, gpu::Dimension d) {
    return entry->getArgument(extra + 3 * group + static_cast<unsigned>(d));
  };
  b.setInsertionPointToEnd(entry);
  for (Operation &op : body) {
    if (auto ret = dyn_cast<gpu::ReturnOp>(op)) {
      func::ReturnOp::create(b, ret.getLoc());
      continue;
    }
    if (auto v = dyn_cast<gpu::BlockIdOp>(op)) {
      map.map(v.getResult(), id(0, v.getDimension()));
      continue;
    }
    if (auto v = dyn_cast<gpu::ThreadIdOp>(op)) {
      map.map(v.getResult(), id(1, v.getDimension()));
      continue;
    }
    if (auto v = dyn_cast<gpu::BlockDimOp>(op)) {
      map.map(v.getResult(), id(2, v.getDimension()));
      continue;
    }
    if (auto v = dyn_cast<gpu::GridDimOp>(op)) {
      map.map(v.getResult(), id(3, v.getDimension()));
      continue;
    }
    b.clone(op, map);
  }
  FailureOr<bool> cooperative =
      emulateCollectives(func, into, entry->getArgument(extra + 12));
  if (failed(cooperative))
    return failure();
  if (*cooperative) {
    // The driver runs this kernel's threads as fibers.
    b.setInsertionPoint(func);
    auto type = MemRefType::get({}, b.getI8Type());
    memref::GlobalOp::create(
        b, loc, (kernel.getName() + "_cooperative").str(),
        b.getStringAttr("public"), type,
        DenseElementsAttr::get(RankedTensorType::get({}, b.getI8Type()),
                               b.getI8IntegerAttr(1)),
        /*constant=*/true, IntegerAttr());
  }
  WalkResult unsupported = func.walk([](Operation *op) {
    if (isa<gpu::GPUDialect, NVVM::NVVMDialect, nvgpu::NVGPUDialect>(
            op->getDialect())) {
      op->emitError() << op->getName()
                      << " cannot run in an emulated kernel (the stand-in "
                         "driver has no emulation of it)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(unsupported.wasInterrupted());
}

struct EmulateKernels
    : tessel::impl::TesselGpuEmulateKernelsBase<EmulateKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("tessel_kernels");
    if (!kernels)
      return;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto host = ModuleOp::create(b, module.getLoc(),
                                 StringRef("tessel_kernels_emulated"));
    for (auto kernel : kernels.getOps<gpu::GPUFuncOp>())
      if (failed(emulate(kernel, host)))
        return signalPassFailure();
  }
};

} // namespace
