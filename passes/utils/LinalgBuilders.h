//===- LinalgBuilders.h - IR-building helpers of the passes -----*- C++ -*-===//
//
// Shapes with dynamic sizes, empty and filled tensors, f32 compute inside
// reduced-precision bodies, and a compact way to write a linalg.generic.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_UTILS_LINALGBUILDERS_H
#define TESSEL_PASSES_UTILS_LINALGBUILDERS_H

#include "dialect/Support/LLVM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace tessel::builders {

using mlir::utils::IteratorType;

/// A tensor.empty of `type` whose dynamic sizes are taken from `sizes`
/// (which has one entry per dimension).
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  mlir::ArrayRef<OpFoldResult> sizes);

/// A tensor of `type` and `sizes` filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   mlir::ArrayRef<OpFoldResult> sizes, double value);

/// `value` as `type`: a tensor.cast where they differ only in which sizes
/// are static.
Value castTo(OpBuilder &b, Location loc, Value value, RankedTensorType type);

/// The f32 tensor `acc` as `type`: converted to its element type (f16,
/// bf16; rounded to nearest even) by a linalg.generic when that is not f32,
/// then castTo.
Value castFromF32(OpBuilder &b, Location loc, Value acc, RankedTensorType type);

/// Element conversions inside bodies: computations run in f32.
Value toF32(OpBuilder &b, Location loc, Value v);
Value fromF32(OpBuilder &b, Location loc, Value v, Type elementType);
Value f32(OpBuilder &b, Location loc, double value);
/// linalg.index of loop dimension `dim`, as an index value.
Value loopIndex(OpBuilder &b, Location loc, int64_t dim);

using BodyBuilder =
    std::function<void(OpBuilder &, Location, ValueRange /*block args*/)>;

/// linalg.generic with `inputs` and `outputs` (one map each, in that order)
/// over `iterators`; returns its results.
mlir::ValueRange generic(OpBuilder &b, Location loc, ValueRange inputs,
                         ValueRange outputs, mlir::ArrayRef<AffineMap> maps,
                         mlir::ArrayRef<IteratorType> iterators,
                         const BodyBuilder &body);

/// `rank` iterators: all parallel, or parallel with the listed reductions.
SmallVector<IteratorType> iterators(int64_t rank,
                                    mlir::ArrayRef<int64_t> reductions = {});

/// The map (d0, ..., d{rank-1}) -> (d{dims[0]}, d{dims[1]}, ...); a negative
/// entry becomes the constant 0 (a broadcast size-1 dimension).
AffineMap projection(mlir::MLIRContext *context, int64_t rank,
                     mlir::ArrayRef<int64_t> dims);

/// The map from `rank` loops to an operand of type `operand` that
/// broadcasts to them by NumPy's rules: its dimensions align with the last
/// loops, and a static size-1 dimension reads index 0.
AffineMap broadcastMap(mlir::MLIRContext *context, int64_t rank,
                       RankedTensorType operand);

/// [begin, begin + 1, ..., end - 1].
SmallVector<int64_t> range(int64_t begin, int64_t end);

/// acc[out] += f32(lhs[lhsMap]) * f32(rhs[rhsMap]) over `iterators`: the
/// multiply-accumulate body of every contraction; returns the f32 result.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value acc, mlir::ArrayRef<AffineMap> maps,
                         mlir::ArrayRef<IteratorType> iterators);

/// One attention logit inside a generic body: `scale * qk` (no multiply when
/// the scale is 1), plus `bias`
/// when given (converted to f32), and, when `shift` is given, -inf where the
/// key is not visible to the query: `queryAndKey()` builds their positions
/// (after the arithmetic above), and the key is visible iff key <= query +
/// shift (shift = T - S aligns the causal diagonal at the bottom right).
Value attentionLogit(OpBuilder &b, Location loc, Value qk, double scale,
                     Value bias, Value shift,
                     llvm::function_ref<std::pair<Value, Value>()> queryAndKey);

/// min(block, end - start), the rows of the tile at `start`, as a plain
/// affine.min (nothing composed: usable while a loop is being built).
Value tileRows(OpBuilder &b, Location loc, Value start, Value end,
               int64_t block);
/// A tensor.extract_slice of `source` with unit strides, of type `shape`
/// (rank-reduced where `shape` drops unit dimensions).
Value sliceOf(OpBuilder &b, Location loc, Value source,
              mlir::ArrayRef<OpFoldResult> offsets,
              mlir::ArrayRef<OpFoldResult> sizes,
              mlir::ArrayRef<int64_t> shape);
/// tensor[indices] of an integer tensor (positions, block tables) as an
/// index value.
Value extractIndex(OpBuilder &b, Location loc, Value tensor,
                   ValueRange indices);

/// `m`, or 0 where `m` is -inf (a row of online softmax that has seen no
/// visible key), so that exp(x - m) stays 0 instead of NaN.
Value safeMax(OpBuilder &b, Location loc, Value m);

/// exp(d) for f32 `d` as exp2(d log2(e)): tessel-cpu-approximate-math's exp2 is
/// the cheaper polynomial. Used where d is a difference x - max(x), small
/// and exactly computed, so the multiplication costs no accuracy.
Value expViaExp2(OpBuilder &b, Location loc, Value d);

} // namespace tessel::builders

#endif // TESSEL_PASSES_UTILS_LINALGBUILDERS_H
