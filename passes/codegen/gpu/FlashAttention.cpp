//===- FlashAttention.cpp - attention as a tensor-core kernel -------------===//
//
// Writes each tessel.mma_attention on memrefs as one gpu.launch: the
// FlashAttention-2 forward pass on mma.sync m16n8k16. The pass description
// (Passes.td) says what the kernel does; this file is how. Register
// fragments are lists of SSA values unrolled here, in C++: a warp's 16
// query rows, its S tile (16 x 64) and its output (16 x Dv) never touch
// memory. The fragment operations and layouts are MmaOps.h's.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/gpu/MmaOps.h"
#include "passes/codegen/gpu/Passes.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

#include <cmath>
#include <limits>

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUFLASHATTENTION
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::mma;

namespace {

/// Query rows of a block (4 warps of 16) and keys of a tile.
constexpr int64_t kRows = 64, kKeys = 64, kWarps = 4;
constexpr int64_t kThreads = 32 * kWarps;

/// The kernel's builder: the static shape and the launch's values; the
/// fragment operations are MmaOps'.
struct FlashKernel : MmaOps {
  tessel::MmaAttentionOp op;
  int64_t d, dv;
  bool causal;
  /// The logits' scale, and what exp2 multiplies them by: scale * log2(e)
  /// (exp(scale * (s - m)) = exp2(c * s - c * m)), or log2(e) where a bias
  /// is added to scaled logits first.
  double scale, c;
  /// Per-sequence positions ([B, S]), a position bias's positions and its
  /// per-distance table, or null.
  Value positions, biasQuery, biasKey, biasTable;
  bool alibi;
  /// Query heads (static where ALiBi needs its slopes).
  int64_t heads;

  // Launch values.
  Value tid, warp, lane, group, pair, tile, head, batch;
  Value seq, len, groupSize, rows;
  /// The end of the keys any row of this block sees.
  Value keyEnd;
  /// The bias table's row length, 2L + 1 (computed outside the launch: a
  /// memref.dim inside it whose index constant is hoisted out takes it as
  /// a kernel argument, and a dynamic dim index makes a local array).
  Value tableWidth;
  Value qTile, kTile, vTile;

  FlashKernel(OpBuilder &b, Location loc, tessel::MmaAttentionOp op)
      : MmaOps(b, loc,
               cast<MemRefType>(op.getQuery().getType()).getElementType()),
        op(op) {
    d = cast<MemRefType>(op.getQuery().getType()).getShape()[3];
    dv = cast<MemRefType>(op.getValue().getType()).getShape()[3];
    causal = op.getCausal();
    positions = op.getPositions();
    biasQuery = op.getBiasQueryPositions();
    biasKey = op.getBiasKeyPositions();
    biasTable = op.getBiasTable();
    alibi = op.getAlibi();
    heads = cast<MemRefType>(op.getQuery().getType()).getShape()[1];
    scale = op.getScale().convertToDouble();
    c = (biasQuery ? 1.0 : scale) / std::log(2.0);
  }

  /// memref[indices], an i64, as an index.
  Value loadIndex(Value memref, ValueRange indices) {
    Value v = memref::LoadOp::create(b, loc, memref, indices);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }

  /// ALiBi's -m_h for query head `h` (Press et al.: for H a power of two
  /// m_h = 2^(-8 (h + 1) / H); otherwise the slopes of the largest power of
  /// two n below H, then every other slope of 2n).
  Value negativeSlope(Value h) {
    int64_t n = 1;
    while (n * 2 <= heads)
      n *= 2;
    auto toF32 = [&](Value x) -> Value {
      Value i = arith::IndexCastOp::create(b, loc, b.getI32Type(), x);
      return arith::SIToFPOp::create(b, loc, f32, i);
    };
    Value hf = toF32(h);
    // h < n: -8 (h + 1) / n; else -4 (2 (h - n) + 1) / n.
    Value first = arith::MulFOp::create(
        b, loc, arith::AddFOp::create(b, loc, hf, ix.f(1.0)),
        ix.f(-8.0 / double(n)));
    Value rest = arith::MulFOp::create(
        b, loc,
        arith::AddFOp::create(b, loc,
                              arith::MulFOp::create(b, loc, hf, ix.f(2.0)),
                              ix.f(1.0 - 2.0 * double(n))),
        ix.f(-4.0 / double(n)));
    Value exponent =
        arith::SelectOp::create(b, loc, ix.lt(h, ix.c(n)), first, rest);
    return arith::NegFOp::create(b, loc, exp2(exponent));
  }

  /// Issues the cp.async copies of one 64-row tile into `dst` (`width`
  /// elements a row): each thread copies 16-byte chunks; `source(r)` gives
  /// row r's memref, indices up to the last, and whether it exists (rows
  /// that do not are zero-filled: cp.async reads none of their bytes).
  void stage(Value dst, int64_t width,
             function_ref<std::tuple<Value, SmallVector<Value>, Value>(Value)>
                 source) {
    int64_t chunks = width / 8, sw = swizzleWidth(chunks);
    // Where a row's chunks divide the block, each thread copies the same
    // chunk of rows `rowsPerStep` apart: one base address, constant steps.
    bool even = kThreads % chunks == 0;
    int64_t rowsPerStep = even ? kThreads / chunks : 0;
    Value firstRow = even ? ix.div(tid, chunks) : Value();
    Value chunk = even ? ix.rem(tid, chunks) : Value();
    for (int64_t it = 0; it < kRows * chunks / kThreads; ++it) {
      Value r, ch;
      if (even) {
        r = ix.add(firstRow, it * rowsPerStep);
        ch = chunk;
      } else {
        Value idx = ix.add(tid, it * kThreads);
        r = ix.div(idx, chunks);
        ch = ix.rem(idx, chunks);
      }
      auto [src, indices, valid] = source(r);
      indices.push_back(ix.mul(ch, 8));
      Value phys = ix.xorI(ch, even && (it * rowsPerStep) % sw == 0
                                   ? ix.rem(firstRow, sw)
                                   : ix.rem(r, sw));
      Value count = ix.select(valid, ix.c(8), ix.c(0));
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dst,
          ValueRange{ix.add(ix.mul(r, width), ix.mul(phys, 8))}, src, indices,
          b.getIndexAttr(8), count, b.getUnitAttr());
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }

  void waitAll() {
    NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
    gpu::BarrierOp::create(b, loc);
  }

  /// Key tile j's rows of `buffer` (K or V) into `dst`; keys no row of the
  /// block sees are zeros (a decode step's cache past its positions may
  /// hold anything, and 0 * NaN would reach O).
  void stageKeys(Value dst, Value buffer, int64_t width, Value j) {
    stage(dst, width, [&](Value r) {
      Value key = ix.add(ix.mul(j, kKeys), r);
      return std::make_tuple(buffer, SmallVector<Value>{batch, head, key},
                             ix.lt(key, keyEnd));
    });
  }

  /// The sum (or max) of `v` over the 4 lanes that share a row.
  Value quad(Value v, bool isMax) {
    for (int64_t offset : {1, 2}) {
      Value other = shuffleXor(v, offset);
      v = isMax ? arith::MaximumFOp::create(b, loc, v, other).getResult()
                : arith::AddFOp::create(b, loc, v, other).getResult();
    }
    return v;
  }

  Value exp2(Value x) { return math::Exp2Op::create(b, loc, x); }

  void build(gpu::LaunchOp launch);
};

void FlashKernel::build(gpu::LaunchOp launch) {
  Value negInf = ix.f(-std::numeric_limits<double>::infinity());
  Value zero = ix.f(0.0);
  tid = launch.getThreadIds().x;
  tile = launch.getBlockIds().x;
  head = launch.getBlockIds().y;
  batch = launch.getBlockIds().z;
  warp = ix.div(tid, 32);
  lane = ix.rem(tid, 32);
  group = ix.div(lane, 4);
  pair = ix.rem(lane, 4);
  Value rowBase = ix.mul(tile, kRows);
  Value shift = ix.sub(len, seq); // T - S: the causal diagonal's offset

  // Shared memory: Q, K and V tiles.
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value smem = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), nullptr,
                      workgroup));
  // Tiles are flat, rows of `width` elements: an ldmatrix address is then a
  // per-lane offset plus a constant (see MmaOps::swizzledOffsets).
  auto view = [&](int64_t offset, int64_t width) {
    auto type = MemRefType::get({kRows * width}, element, nullptr, workgroup);
    return memref::ViewOp::create(b, loc, type, smem, ix.c(offset),
                                  ValueRange{});
  };
  int64_t bytes = element.getIntOrFloatBitWidth() / 8;
  qTile = view(0, d);
  kTile = view(kRows * d * bytes, d);
  vTile = view(2 * kRows * d * bytes, dv);

  // This block's query rows: (query i, head g of the group) pairs, g
  // fastest.
  auto queryRow = [&](Value rowInBlock) {
    Value r = ix.add(rowBase, rowInBlock);
    Value valid = ix.lt(r, rows);
    Value rc = ix.select(valid, r, ix.c(0));
    return std::make_tuple(
        ix.div(rc, groupSize),
        ix.add(ix.mul(head, groupSize), ix.rem(rc, groupSize)), valid);
  };

  // The key tiles: all but the last `masked` ones need no mask.
  Value fullTiles, tiles;
  auto position = [&](Value i) {
    return loadIndex(positions, ValueRange{batch, i});
  };
  Value lastRow = ix.div(
      ix.min(ix.sub(rows, ix.c(1)), ix.add(rowBase, kRows - 1)), groupSize);
  if (positions) {
    // Consecutive within a sequence: the first and last rows bound them.
    Value first = ix.div(rowBase, groupSize);
    fullTiles =
        ix.div(ix.clamp(ix.addSigned(position(first), ix.c(1)), len), kKeys);
    keyEnd = ix.clamp(ix.addSigned(position(lastRow), ix.c(1)), len);
  } else if (causal) {
    Value first = ix.div(rowBase, groupSize);
    fullTiles =
        ix.div(ix.clamp(ix.addSigned(ix.addSigned(first, shift), ix.c(1)), len),
               kKeys);
    keyEnd = ix.clamp(ix.addSigned(ix.addSigned(lastRow, shift), ix.c(1)), len);
  } else {
    fullTiles = ix.div(len, kKeys);
    keyEnd = len;
  }
  tiles = ix.ceilDiv(keyEnd, kKeys);

  // Prologue: Q, and K of tile 0.
  stage(qTile, d, [&](Value r) {
    auto [i, h, valid] = queryRow(r);
    return std::make_tuple(op.getQuery(), SmallVector<Value>{batch, h, i},
                           valid);
  });
  auto any = scf::IfOp::create(b, loc, ix.lt(ix.c(0), tiles));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&any.getThenRegion().front());
    stageKeys(kTile, op.getKey(), d, ix.c(0));
  }
  waitAll();

  // This lane's ldmatrix rows and (swizzled) chunks: the matrix this lane
  // addresses is mi = lane / 8, its row lane % 8. Chunk 2t + x of row r
  // is at (2t + x) ^ (r % w) = (2t - u) + ((x ^ (r % w)) ^ u) with
  // u = 2t % w, so each lane keeps one offset per u, and the rest is a
  // constant the load takes as an immediate.
  int64_t swD = swizzleWidth(d / 8), swV = swizzleWidth(dv / 8);
  Value lo8 = ix.rem(lane, 8), mi = ix.div(lane, 8);
  // A: rows 0-7 / 8-15 by mi % 2, column halves by mi / 2. B from K (keys
  // are n): keys by mi / 2, k halves by mi % 2. B from V (keys are k,
  // ldmatrix.trans): keys by mi % 2, value columns by mi / 2.
  Value qRow = ix.add(ix.add(ix.mul(warp, 16), lo8), ix.mul(ix.rem(mi, 2), 8));
  SmallVector<Value> qAt = swizzledOffsets(qRow, ix.div(lane, 16), d, swD);
  SmallVector<Value> kAt = swizzledOffsets(
      ix.add(lo8, ix.mul(ix.div(lane, 16), 8)), ix.rem(mi, 2), d, swD);
  SmallVector<Value> vAt = swizzledOffsets(
      ix.add(lo8, ix.mul(ix.rem(mi, 2), 8)), ix.div(lane, 16), dv, swV);

  SmallVector<SmallVector<Value>> qa;
  for (int64_t t = 0; t < d / 16; ++t)
    qa.push_back(ldmatrix(qTile, swizzledAt(qAt, t, swD, d, 0), false));

  // The two rows this lane holds, the end of their visible keys, and for
  // a position bias their query positions, heads and ALiBi slopes.
  Value limit[2], queryPosition[2], rowHead[2], slope[2];
  for (int64_t rho = 0; rho < 2; ++rho) {
    Value r = ix.add(ix.add(ix.mul(warp, 16), group), 8 * rho);
    auto [i, h, valid] = queryRow(r);
    (void)valid;
    if (positions)
      limit[rho] = ix.min(len, ix.addSigned(position(i), ix.c(1)));
    else if (causal)
      limit[rho] = ix.min(len, ix.addSigned(ix.addSigned(i, shift), ix.c(1)));
    else
      limit[rho] = len;
    if (biasQuery) {
      auto type = cast<MemRefType>(biasQuery.getType());
      queryPosition[rho] = memref::LoadOp::create(
          b, loc, biasQuery,
          type.getRank() == 2 ? ValueRange{batch, i} : ValueRange{i});
      rowHead[rho] = h;
      if (alibi)
        slope[rho] = negativeSlope(h);
    }
  }

  // The loop state: O (dv / 8 tiles of 4), then the max and sum of each
  // row.
  int64_t oRegs = dv / 2;
  SmallVector<Value> state(oRegs, zero);
  state.append({negInf, negInf, zero, zero});

  auto body = [&](Value j, ValueRange in, bool masked) -> SmallVector<Value> {
    SmallVector<Value> o(in.begin(), in.begin() + oRegs);
    Value m[2] = {in[oRegs], in[oRegs + 1]};
    Value l[2] = {in[oRegs + 2], in[oRegs + 3]};

    waitAll(); // K of tile j is in; every warp is done with V of j - 1
    stageKeys(vTile, op.getValue(), dv, j);

    // S = Q K^T, 16 x 64 per warp.
    SmallVector<Value> s(kKeys / 2, zero);
    for (int64_t p = 0; p < kKeys / 16; ++p)
      for (int64_t t = 0; t < d / 16; ++t) {
        SmallVector<Value> kb =
            ldmatrix(kTile, swizzledAt(kAt, t, swD, d, 16 * p), false);
        mma(qa[t], {kb[0], kb[1]}, MutableArrayRef<Value>(s).slice(8 * p, 4));
        mma(qa[t], {kb[2], kb[3]},
            MutableArrayRef<Value>(s).slice(8 * p + 4, 4));
      }

    waitAll(); // V of tile j is in; every warp is done with K of tile j
    Value next = ix.add(j, 1);
    auto more = scf::IfOp::create(b, loc, ix.lt(next, tiles));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&more.getThenRegion().front());
      stageKeys(kTile, op.getKey(), d, next);
    }

    if (biasQuery) {
      // s * scale + bias(kpos - qpos), the key's position read once for
      // both rows (clamped to the last key in a tile past the end): ALiBi's
      // -m_h |r|, or the table's entry for distance r.
      Value keyBase = ix.add(ix.mul(j, kKeys), ix.mul(pair, 2));
      Value lastKey = ix.sub(len, ix.c(1));
      Value scaleF = ix.f(scale);
      Value half, width;
      if (biasTable) {
        width = ix.sub(tableWidth, ix.c(1));
        half = ix.div(width, 2);
      }
      for (int64_t n = 0; n < kKeys / 8; ++n)
        for (int64_t e = 0; e < 2; ++e) {
          Value key = ix.add(keyBase, 8 * n + e);
          if (masked)
            key = ix.min(key, lastKey);
          Value kp = memref::LoadOp::create(b, loc, biasKey, key);
          for (int64_t rho = 0; rho < 2; ++rho) {
            Value r = arith::SubIOp::create(b, loc, kp, queryPosition[rho]);
            Value bias;
            if (alibi) {
              bias = arith::MulFOp::create(
                  b, loc, slope[rho],
                  arith::SIToFPOp::create(b, loc, f32,
                                          math::AbsIOp::create(b, loc, r)));
            } else {
              Value at = ix.clamp(ix.addSigned(arith::IndexCastOp::create(
                                                   b, loc, b.getIndexType(), r),
                                               half),
                                  width);
              bias = memref::LoadOp::create(b, loc, biasTable,
                                            ValueRange{rowHead[rho], at});
            }
            Value &x = s[4 * n + 2 * rho + e];
            x = math::FmaOp::create(b, loc, x, scaleF, bias);
          }
        }
    }
    if (masked) {
      Value keyBase = ix.add(ix.mul(j, kKeys), ix.mul(pair, 2));
      for (int64_t n = 0; n < kKeys / 8; ++n)
        for (int64_t e = 0; e < 4; ++e) {
          Value key = ix.add(keyBase, 8 * n + (e & 1));
          Value &x = s[4 * n + e];
          x = arith::SelectOp::create(b, loc, ix.lt(key, limit[e >> 1]), x,
                                      negInf);
        }
    }

    // The online softmax, row by row.
    Value cst = ix.f(c);
    for (int64_t rho = 0; rho < 2; ++rho) {
      Value mx = negInf;
      for (int64_t n = 0; n < kKeys / 8; ++n)
        for (int64_t e = 0; e < 2; ++e)
          mx = arith::MaximumFOp::create(b, loc, mx, s[4 * n + 2 * rho + e]);
      mx = quad(mx, true);
      Value mNew = arith::MaximumFOp::create(b, loc, m[rho], mx);
      // A row that has seen no visible key keeps max -inf; subtract 0 then.
      Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                         mNew, negInf);
      Value mScaled = arith::SelectOp::create(
          b, loc, none, zero, arith::MulFOp::create(b, loc, mNew, cst));
      Value negM = arith::NegFOp::create(b, loc, mScaled);
      Value alpha = exp2(math::FmaOp::create(b, loc, m[rho], cst, negM));
      Value sum = zero;
      for (int64_t n = 0; n < kKeys / 8; ++n)
        for (int64_t e = 0; e < 2; ++e) {
          Value &x = s[4 * n + 2 * rho + e];
          x = exp2(math::FmaOp::create(b, loc, x, cst, negM));
          sum = arith::AddFOp::create(b, loc, sum, x);
        }
      l[rho] = math::FmaOp::create(b, loc, l[rho], alpha, sum);
      m[rho] = mNew;
      for (int64_t n = 0; n < dv / 8; ++n)
        for (int64_t e = 0; e < 2; ++e) {
          Value &x = o[4 * n + 2 * rho + e];
          x = arith::MulFOp::create(b, loc, x, alpha);
        }
    }

    // O += P V: P's accumulators become A fragments, 16 keys at a time.
    for (int64_t t = 0; t < kKeys / 16; ++t) {
      SmallVector<Value> a = {
          pack(s[8 * t], s[8 * t + 1]), pack(s[8 * t + 2], s[8 * t + 3]),
          pack(s[8 * t + 4], s[8 * t + 5]), pack(s[8 * t + 6], s[8 * t + 7])};
      for (int64_t p = 0; p < dv / 16; ++p) {
        SmallVector<Value> vb =
            ldmatrix(vTile, swizzledAt(vAt, p, swV, dv, 16 * t), true);
        mma(a, {vb[0], vb[1]}, MutableArrayRef<Value>(o).slice(8 * p, 4));
        mma(a, {vb[2], vb[3]}, MutableArrayRef<Value>(o).slice(8 * p + 4, 4));
      }
    }
    SmallVector<Value> out = o;
    out.append({m[0], m[1], l[0], l[1]});
    return out;
  };

  auto loop = [&](Value from, Value to, bool masked) {
    auto forOp = scf::ForOp::create(
        b, loc, from, to, ix.c(1), state,
        [&](OpBuilder &nb, Location nl, Value j, ValueRange in) {
          scf::YieldOp::create(nb, nl, body(j, in, masked));
        });
    state.assign(forOp.getResults().begin(), forOp.getResults().end());
  };
  loop(ix.c(0), fullTiles, false);
  loop(fullTiles, tiles, true);

  // O / l, written by the rows that exist.
  auto outType = cast<MemRefType>(op.getInit().getType());
  Type outElement = outType.getElementType();
  for (int64_t rho = 0; rho < 2; ++rho) {
    Value total = quad(state[oRegs + 2 + rho], false);
    Value positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, total, zero);
    Value inv = arith::SelectOp::create(
        b, loc, positive, arith::DivFOp::create(b, loc, ix.f(1.0), total),
        zero);
    Value r = ix.add(ix.add(ix.mul(warp, 16), group), 8 * rho);
    auto [i, h, valid] = queryRow(r);
    auto write = scf::IfOp::create(b, loc, valid);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&write.getThenRegion().front());
    for (int64_t n = 0; n < dv / 8; ++n)
      for (int64_t e = 0; e < 2; ++e) {
        Value x =
            arith::MulFOp::create(b, loc, state[4 * n + 2 * rho + e], inv);
        if (outElement != f32)
          x = arith::TruncFOp::create(b, loc, outElement, x);
        Value col = ix.add(ix.mul(pair, 2), 8 * n + e);
        memref::StoreOp::create(b, loc, x, op.getInit(),
                                ValueRange{batch, h, i, col});
      }
  }
}

/// Whether the kernel can read `value`'s rows as 16-byte chunks.
bool contiguousRows(Value value) {
  auto type = cast<MemRefType>(value.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

LogicalResult lower(tessel::MmaAttentionOp op) {
  if (!isa<MemRefType>(op.getInit().getType()))
    return op.emitError("tessel-gpu-flash-attention runs after "
                        "bufferization: the op is on tensors");
  for (Value v : {op.getQuery(), op.getKey(), op.getValue(), op.getInit()})
    if (!contiguousRows(v))
      return op.emitError("the attention kernel needs rows with unit stride, "
                          "got ")
             << v.getType();
  int64_t d = cast<MemRefType>(op.getQuery().getType()).getShape()[3];
  int64_t dv = cast<MemRefType>(op.getValue().getType()).getShape()[3];
  if (ShapedType::isDynamic(d) || ShapedType::isDynamic(dv) || d % 16 ||
      dv % 16 || d > 256 || dv > 256)
    return op.emitError("the attention kernel needs static head dimensions, "
                        "multiples of 16 up to 256; got ")
           << d << " and " << dv;

  OpBuilder b(op);
  Location loc = op.getLoc();
  FlashKernel kernel(b, loc, op);
  Ix &ix = kernel.ix;
  auto dim = [&](Value v, int64_t i) {
    return memref::DimOp::create(b, loc, v, i).getResult();
  };
  Value batches = dim(op.getQuery(), 0), queryHeads = dim(op.getQuery(), 1);
  kernel.seq = dim(op.getQuery(), 2);
  Value kvHeads = dim(op.getKey(), 1);
  kernel.len = dim(op.getKey(), 2);
  kernel.groupSize = ix.div(queryHeads, kvHeads);
  kernel.rows = ix.mul(kernel.seq, kernel.groupSize);
  if (kernel.biasTable)
    kernel.tableWidth = dim(kernel.biasTable, 1);
  int64_t bytes = kernel.element.getIntOrFloatBitWidth() / 8;
  int64_t shared = kRows * (2 * d + dv) * bytes;
  launchNamed(b, loc, "flash_attention",
              {ix.ceilDiv(kernel.rows, kRows), kvHeads, batches},
              {ix.c(kThreads), ix.c(1), ix.c(1)}, kernel.i32(shared),
              [&](gpu::LaunchOp launch) { kernel.build(launch); });
  op.erase();
  return success();
}

struct FlashAttention
    : tessel::impl::TesselGpuFlashAttentionBase<FlashAttention> {
  void runOnOperation() override {
    if (failed(lowerEach<tessel::MmaAttentionOp>(getOperation(), lower)))
      signalPassFailure();
  }
};

} // namespace
