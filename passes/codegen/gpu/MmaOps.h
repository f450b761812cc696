//===- MmaOps.h - building tensor-core kernels ------------------*- C++ -*-===//
//
// What the GPU kernels on tensor cores (FlashAttention.cpp, MmaLinear.cpp)
// build alike: index arithmetic, swizzled shared tiles and their ldmatrix
// offsets, and the warp's fragment operations (ldmatrix, mma.sync m16n8k16
// with f32 accumulators, shuffles). The fragment layouts are PTX's (lane =
// 4 * group + t, "group" a row, "t" a column pair):
//
//   A (16 x 16, row-major): a0 = (group, 2t..2t+1), a1 = (group + 8, 2t..),
//                           a2 = (group, 8 + 2t..), a3 = (group + 8, 8 + 2t..)
//   B (16 x 8, k x n):      b0 = (k = 2t..2t+1, n = group), b1 = (8 + 2t..,
//   group) C, D (16 x 8, f32):     c0, c1 = (group, 2t..2t+1), c2, c3 = (group
//   + 8, ..)
//
// and ldmatrix.x4 gives register i of each lane the pair that lane holds
// in the i-th 8 x 8 matrix, whose 8 row addresses lanes 8i..8i+7 supply.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_GPU_MMAOPS_H
#define TESSEL_PASSES_CODEGEN_GPU_MMAOPS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace mlir::gpu {
class LaunchOp;
} // namespace mlir::gpu

#include <algorithm>

namespace tessel::mma {

using mlir::ArrayRef;
using mlir::Location;
using mlir::MutableArrayRef;
using mlir::OpBuilder;
using mlir::SmallVector;
using mlir::Type;
using mlir::Value;
namespace arith = mlir::arith;

/// Index arithmetic and constants at one insertion point.
struct Ix {
  OpBuilder &b;
  Location loc;

  /// Sizes and offsets here are non-negative and far from overflowing:
  /// saying so lets LLVM fold (x + 8 * k) / 8 and keep addresses as a base
  /// and constant offsets.
  static constexpr arith::IntegerOverflowFlags kExact =
      arith::IntegerOverflowFlags::nsw | arith::IntegerOverflowFlags::nuw;

  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) {
    return arith::AddIOp::create(b, loc, x, y, kExact);
  }
  Value add(Value x, int64_t y) { return y ? add(x, c(y)) : x; }
  /// x + y where either may be negative.
  Value addSigned(Value x, Value y) {
    return arith::AddIOp::create(b, loc, x, y,
                                 arith::IntegerOverflowFlags::nsw);
  }
  Value sub(Value x, Value y) {
    return arith::SubIOp::create(b, loc, x, y,
                                 arith::IntegerOverflowFlags::nsw);
  }
  Value mul(Value x, Value y) {
    return arith::MulIOp::create(b, loc, x, y, kExact);
  }
  Value mul(Value x, int64_t y) { return mul(x, c(y)); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value div(Value x, int64_t y) { return div(x, c(y)); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value rem(Value x, int64_t y) { return rem(x, c(y)); }
  Value xorI(Value x, int64_t y) {
    return y ? arith::XOrIOp::create(b, loc, x, c(y)).getResult() : x;
  }
  Value xorI(Value x, Value y) { return arith::XOrIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
  /// ceil(x / y) for x >= 0.
  Value ceilDiv(Value x, int64_t y) { return div(add(x, y - 1), y); }
  /// min(max(x, 0), hi).
  Value clamp(Value x, Value hi) { return min(max(x, c(0)), hi); }
  Value f(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
};

/// The swizzle width of a shared tile whose rows are `chunks` 16-byte
/// chunks: chunk c of row r is stored at c ^ (r % width). 8 rows that
/// ldmatrix reads at one column then fall in 8 different bank groups
/// (fewer when a row has fewer than 8 chunks).
inline int64_t swizzleWidth(int64_t chunks) {
  return std::min<int64_t>(8, chunks & -chunks);
}

/// The tensor cores' input type a pass option names ("bf16" or "f16"), or
/// an error on `scope` naming `pass`.
mlir::FailureOr<Type> mmaElementType(mlir::Operation *scope,
                                     llvm::StringRef pass,
                                     llvm::StringRef name);

/// Calls `lower` on every OpTy under `root` (collected first: `lower`
/// replaces them); fails at the first that fails.
template <typename OpTy>
mlir::LogicalResult
lowerEach(mlir::Operation *root,
          llvm::function_ref<mlir::LogicalResult(OpTy)> lower) {
  SmallVector<OpTy> ops;
  root->walk([&](OpTy op) { ops.push_back(op); });
  for (OpTy op : ops)
    if (mlir::failed(lower(op)))
      return mlir::failure();
  return mlir::success();
}

/// A gpu.launch whose outlined kernel is named `name` (the kernels' names
/// then say what they compute: tessel-gpu-gather-kernels keeps it as a
/// suffix), its body what `build` makes inside it, then its terminator.
void launchNamed(OpBuilder &b, Location loc, llvm::StringRef name,
                 ArrayRef<Value> grid, ArrayRef<Value> block, Value sharedBytes,
                 llvm::function_ref<void(mlir::gpu::LaunchOp)> build);

/// A warp's fragment operations on `element` (bf16 or f16) tiles.
struct MmaOps {
  OpBuilder &b;
  Location loc;
  Ix ix;
  Type element, f32;

  MmaOps(OpBuilder &b, Location loc, Type element)
      : b(b), loc(loc), ix{b, loc}, element(element), f32(b.getF32Type()) {}

  Value i32(int64_t v);

  /// ldmatrix.x4 at `tileBuffer`[at]: 4 registers of 2 packed elements.
  SmallVector<Value> ldmatrix(Value tileBuffer, Value at, bool transpose);

  /// A vector<2 x element> as the register mma.sync takes: an i32 for
  /// bf16, the vector itself for f16.
  Value packed(Value pairV);

  /// Two f32 as one packed register of `element`.
  Value pack(Value x, Value y);

  /// acc += a * b on one m16n8k16 tile.
  void mma(ArrayRef<Value> a, ArrayRef<Value> bRegs,
           MutableArrayRef<Value> acc);

  Value shuffleXor(Value v, int64_t offset);

  /// A lane's ldmatrix offsets into a swizzled tile of rows of `width`
  /// elements: the lane gives the address of `row`, chunk 2t + x (x is 0
  /// or 1, by lane). That chunk is at (2t + x) ^ (row % sw) = (2t - u) +
  /// ((x ^ (row % sw)) ^ u) with u = 2t % sw: one offset per u, the rest a
  /// constant the load takes as an immediate.
  SmallVector<Value> swizzledOffsets(Value row, Value x, int64_t width,
                                     int64_t sw);

  /// The element offset of chunk 2t (+ the lane's x) of `row + rowStep`,
  /// from swizzledOffsets' `byU`.
  Value swizzledAt(ArrayRef<Value> byU, int64_t t, int64_t sw, int64_t width,
                   int64_t rowStep);
};

} // namespace tessel::mma

#endif // TESSEL_PASSES_CODEGEN_GPU_MMAOPS_H
