//===- LinearKernel.cpp - a linear layer as a tensor-core kernel ----------===//
//
// Writes each tessel.mma_linear on memrefs as one gpu.launch (the pass
// description in Passes.td says what it does). out = in · wᵀ: the input
// rows are mma.sync's A operand (row-major, K contiguous), the weight rows
// its B operand ("col": K contiguous per output column), both read from
// shared tiles by ldmatrix as FlashAttention.cpp reads Q and K.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/gpu/MmaOps.h"
#include "passes/codegen/gpu/Passes.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPULINEARKERNEL
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::mma;

namespace {

/// Output rows and columns of a block (4 warps of 16 rows, each all 64
/// columns), and the K slice of a step.
constexpr int64_t kRows = 64, kCols = 64, kDepth = 64, kThreads = 128;

struct LinearKernel : MmaOps {
  tessel::MmaLinearOp op;
  int64_t depth;    // K
  Value rows, cols; // M, N
  bool batched;     // input [B, M, K], init [B, M, N]
  Value tid, warp, lane, group, pair, rowBase, colBase, batch;

  LinearKernel(OpBuilder &b, Location loc, tessel::MmaLinearOp op)
      : MmaOps(b, loc, op.getMmaType()), op(op) {
    depth = cast<MemRefType>(op.getWeight().getType()).getShape()[1];
    batched = cast<MemRefType>(op.getInput().getType()).getRank() == 3;
  }

  /// `indices` of a row-major [M, .] (or [B, M, .]) buffer.
  SmallVector<Value> at(Value memref, Value row, Value col) {
    if (cast<MemRefType>(memref.getType()).getRank() == 3)
      return {batch, row, col};
    return {row, col};
  }

  /// Loads the 64 x 64 slice at (firstRow, k0) of `source` ([R, K], R =
  /// `limit` rows) into the shared tile `dst`, converted: each thread 8
  /// elements of a row, zeros past the end.
  void stage(Value dst, Value source, Value firstRow, Value limit, Value k0) {
    constexpr int64_t chunks = kDepth / 8;
    int64_t sw = swizzleWidth(chunks);
    auto sourceType = cast<MemRefType>(source.getType());
    Type from = sourceType.getElementType();
    // A buffer of its own (identity layout: device allocations and the
    // workspace's slots are aligned) is read 16 bytes at a time; a view
    // with an offset only as aligned as its elements.
    uint64_t sourceAlign = sourceType.getLayout().isIdentity() ? 16 : 0;
    auto fromType = VectorType::get({8}, from);
    auto toType = VectorType::get({8}, element);
    Value r0 = ix.div(tid, chunks), ch = ix.rem(tid, chunks);
    Value column = ix.add(k0, ix.mul(ch, 8));
    Value columnValid = ix.lt(column, ix.c(depth));
    Value phys = ix.mul(ix.xorI(ch, ix.rem(r0, sw)), 8);
    for (int64_t it = 0; it < kRows * chunks / kThreads; ++it) {
      // Rows kThreads / chunks apart: the same swizzle phase.
      Value r = ix.add(r0, it * (kThreads / chunks));
      Value row = ix.add(firstRow, r);
      Value valid =
          arith::AndIOp::create(b, loc, ix.lt(row, limit), columnValid);
      auto load = scf::IfOp::create(b, loc, TypeRange{fromType}, valid,
                                    /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&load.getThenRegion().front());
        Value v = vector::LoadOp::create(
            b, loc, fromType, source, at(source, row, column),
            /*nontemporal=*/false, llvm::MaybeAlign(sourceAlign));
        scf::YieldOp::create(b, loc, v);
        b.setInsertionPointToStart(&load.getElseRegion().front());
        Value zeros =
            arith::ConstantOp::create(b, loc, b.getZeroAttr(fromType));
        scf::YieldOp::create(b, loc, zeros);
      }
      // To the tensor cores' type, through f32 where neither is wider
      // (f16 and bf16).
      Value v = load.getResult(0);
      if (from != element && from.getIntOrFloatBitWidth() < 32)
        v = arith::ExtFOp::create(b, loc, VectorType::get({8}, f32), v);
      if (from != element)
        v = arith::TruncFOp::create(b, loc, toType, v);
      // 16-byte chunks at 16-byte offsets of the shared tile.
      vector::StoreOp::create(b, loc, v, dst,
                              ValueRange{ix.add(ix.mul(r, kDepth), phys)},
                              /*nontemporal=*/false, llvm::MaybeAlign(16));
    }
  }

  void build(gpu::LaunchOp launch);
};

void LinearKernel::build(gpu::LaunchOp launch) {
  Value zero = ix.f(0.0);
  tid = launch.getThreadIds().x;
  colBase = ix.mul(launch.getBlockIds().x, kCols);
  rowBase = ix.mul(launch.getBlockIds().y, kRows);
  batch = launch.getBlockIds().z;
  warp = ix.div(tid, 32);
  lane = ix.rem(tid, 32);
  group = ix.div(lane, 4);
  pair = ix.rem(lane, 4);

  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value smem = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr,
                      workgroup));
  int64_t tileBytes = kRows * kDepth * element.getIntOrFloatBitWidth() / 8;
  auto tileType =
      MemRefType::get({kRows * kDepth}, element, nullptr, workgroup);
  Value aTile =
      memref::ViewOp::create(b, loc, tileType, smem, ix.c(0), ValueRange{});
  Value bTile = memref::ViewOp::create(b, loc, tileType, smem, ix.c(tileBytes),
                                       ValueRange{});

  // ldmatrix offsets (MmaOps::swizzledOffsets): A rows by mi % 2, k halves
  // by mi / 2; B (weight rows are n) rows by mi / 2, k halves by mi % 2.
  int64_t sw = swizzleWidth(kDepth / 8);
  Value lo8 = ix.rem(lane, 8), mi = ix.div(lane, 8);
  Value aRow = ix.add(ix.add(ix.mul(warp, 16), lo8), ix.mul(ix.rem(mi, 2), 8));
  SmallVector<Value> aAt = swizzledOffsets(aRow, ix.div(lane, 16), kDepth, sw);
  SmallVector<Value> bAt = swizzledOffsets(
      ix.add(lo8, ix.mul(ix.div(lane, 16), 8)), ix.rem(mi, 2), kDepth, sw);

  SmallVector<Value> init(kCols / 2, zero);
  auto steps = scf::ForOp::create(
      b, loc, ix.c(0), ix.c((depth + kDepth - 1) / kDepth), ix.c(1), init,
      [&](OpBuilder &, Location, Value step, ValueRange in) {
        SmallVector<Value> acc(in.begin(), in.end());
        Value k0 = ix.mul(step, kDepth);
        stage(aTile, op.getInput(), rowBase, rows, k0);
        stage(bTile, op.getWeight(), colBase, cols, k0);
        gpu::BarrierOp::create(b, loc);
        for (int64_t t = 0; t < kDepth / 16; ++t) {
          SmallVector<Value> a =
              ldmatrix(aTile, swizzledAt(aAt, t, sw, kDepth, 0), false);
          for (int64_t p = 0; p < kCols / 16; ++p) {
            SmallVector<Value> w =
                ldmatrix(bTile, swizzledAt(bAt, t, sw, kDepth, 16 * p), false);
            mma(a, {w[0], w[1]}, MutableArrayRef<Value>(acc).slice(8 * p, 4));
            mma(a, {w[2], w[3]},
                MutableArrayRef<Value>(acc).slice(8 * p + 4, 4));
          }
        }
        // Every warp is done with the tiles before the next step's stores.
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, acc);
      });

  // acc (+ bias) into the rows and columns that exist.
  Type outElement = cast<MemRefType>(op.getInit().getType()).getElementType();
  for (int64_t rho = 0; rho < 2; ++rho) {
    Value row =
        ix.add(rowBase, ix.add(ix.add(ix.mul(warp, 16), group), 8 * rho));
    auto rowIf = scf::IfOp::create(b, loc, ix.lt(row, rows));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&rowIf.getThenRegion().front());
    for (int64_t n = 0; n < kCols / 8; ++n)
      for (int64_t e = 0; e < 2; ++e) {
        Value col = ix.add(colBase, ix.add(ix.mul(pair, 2), 8 * n + e));
        auto colIf = scf::IfOp::create(b, loc, ix.lt(col, cols));
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(&colIf.getThenRegion().front());
        Value x = steps.getResult(4 * n + 2 * rho + e);
        if (Value bias = op.getBias()) {
          Value bv = memref::LoadOp::create(b, loc, bias, col);
          if (bv.getType() != f32)
            bv = arith::ExtFOp::create(b, loc, f32, bv);
          x = arith::AddFOp::create(b, loc, x, bv);
        }
        if (outElement != f32)
          x = arith::TruncFOp::create(b, loc, outElement, x);
        memref::StoreOp::create(b, loc, x, op.getInit(),
                                at(op.getInit(), row, col));
      }
  }
}

LogicalResult lower(tessel::MmaLinearOp op) {
  if (!isa<MemRefType>(op.getInit().getType()))
    return op.emitError("tessel-gpu-linear-kernel runs after bufferization: "
                        "the op is on tensors");
  for (Value v : {op.getInput(), op.getWeight()}) {
    auto type = cast<MemRefType>(v.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1)
      return op.emitError("the linear kernel needs rows with unit stride, "
                          "got ")
             << type;
  }
  OpBuilder b(op);
  Location loc = op.getLoc();
  LinearKernel kernel(b, loc, op);
  Ix &ix = kernel.ix;
  int64_t r = cast<MemRefType>(op.getInput().getType()).getRank();
  kernel.rows = memref::DimOp::create(b, loc, op.getInput(), r - 2);
  kernel.cols = memref::DimOp::create(b, loc, op.getWeight(), 0);
  Value batches =
      r == 3 ? memref::DimOp::create(b, loc, op.getInput(), 0) : ix.c(1);
  int64_t shared =
      2 * kRows * kDepth * kernel.element.getIntOrFloatBitWidth() / 8;
  launchNamed(
      b, loc, "mma_linear",
      {ix.ceilDiv(kernel.cols, kCols), ix.ceilDiv(kernel.rows, kRows), batches},
      {ix.c(kThreads), ix.c(1), ix.c(1)}, kernel.i32(shared),
      [&](gpu::LaunchOp launch) { kernel.build(launch); });
  op.erase();
  return success();
}

struct LinearKernelPass
    : tessel::impl::TesselGpuLinearKernelBase<LinearKernelPass> {
  void runOnOperation() override {
    if (failed(lowerEach<tessel::MmaLinearOp>(getOperation(), lower)))
      signalPassFailure();
  }
};

} // namespace
