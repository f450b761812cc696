//===- TesselAttentionOps.cpp - attention and loss op verifiers -----------===//

#include "dialect/TesselOps.h"
#include "dialect/VerifierUtils.h"

#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mlir;
using namespace tessel;
using namespace tessel::verifier;

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = shapeOf(getInput()).size(), axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for input "
                         << "shape " << fmtShape(getInput());
  return success();
}

double AttentionOp::getScaleOrDefault() {
  if (auto scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(shapeOf(getQuery()).back()));
}

LogicalResult AttentionOp::verify() {
  if (failed(verifySameElementType(*this, {{"query", getQuery()},
                                           {"key", getKey()},
                                           {"value", getValue()},
                                           {"bias", getBias()},
                                           {"result", getResult()}})))
    return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"query", getQuery()},
                             {"key", getKey()},
                             {"value", getValue()}})
    if (shapeOf(value).size() != 4)
      return emitOpError() << name << " must be [B, H, S, D], got shape "
                           << fmtShape(value);
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (!compatible(q[0], k[0]) || !compatible(q[0], v[0]) ||
      !compatible(k[0], v[0]))
    return emitOpError() << "batch sizes differ: query " << fmtShape(q)
                         << ", key " << fmtShape(k) << ", value "
                         << fmtShape(v);
  if (ShapedType::isDynamic(q[1]) || ShapedType::isDynamic(k[1]) ||
      ShapedType::isDynamic(v[1]) || ShapedType::isDynamic(q[3]))
    return emitOpError() << "head counts and head dim must be static: query "
                         << fmtShape(q) << ", key " << fmtShape(k) << ", value "
                         << fmtShape(v);
  if (k[1] != v[1])
    return emitOpError() << "key shape " << fmtShape(k) << " and value shape "
                         << fmtShape(v) << " have different head counts";
  if (k[1] == 0 || q[1] % k[1] != 0)
    return emitOpError() << "query heads (" << q[1]
                         << ") must be a multiple of key/value heads (" << k[1]
                         << "): query " << fmtShape(q) << ", key "
                         << fmtShape(k);
  if (!compatible(q[3], k[3]))
    return emitOpError() << "query shape " << fmtShape(q) << " and key shape "
                         << fmtShape(k) << " have different head dims";
  if (!compatible(k[2], v[2]))
    return emitOpError() << "key shape " << fmtShape(k) << " and value shape "
                         << fmtShape(v) << " have different lengths";
  if (Value bias = getBias()) {
    // Each bias dimension (aligned at the end) is 1 or may equal the logits'.
    SmallVector<int64_t> logits = {q[0], q[1], q[2], k[2]};
    ArrayRef<int64_t> b = shapeOf(bias);
    bool broadcasts = b.size() <= 4;
    for (size_t i = 0; broadcasts && i < b.size(); ++i)
      broadcasts = b[b.size() - 1 - i] == 1 ||
                   compatible(b[b.size() - 1 - i], logits[3 - i]);
    if (!broadcasts)
      return emitOpError() << "bias shape " << fmtShape(b)
                           << " does not broadcast to the logits shape "
                           << fmtShape(logits);
  }
  if (Value positions = getPositions()) {
    ArrayRef<int64_t> p = shapeOf(positions);
    if (p.size() != 2 || !compatible(p[0], q[0]) || !compatible(p[1], q[2]))
      return emitOpError() << "positions shape " << fmtShape(p)
                           << " must be [B, S] of query shape " << fmtShape(q);
    if (!getCausal())
      return emitOpError() << "positions bound causal attention; the op "
                              "must be 'causal'";
  }
  if (auto scale = getScale()) {
    double s = scale->convertToDouble();
    if (!std::isfinite(s) || s == 0.0)
      return emitOpError() << "scale must be finite and non-zero, got " << s;
  }
  if (failed(verifyRowStatistic(*this, "lse", getLse(), {q[0], q[1], q[2]},
                                "[B, query heads, S]")))
    return failure();
  return verifyResultShape(*this, getResult(), {q[0], q[1], q[2], v[3]},
                           "[B, query heads, S, value head dim]");
}

LogicalResult MmaAttentionOp::verify() {
  auto q = dyn_cast<ShapedType>(getQuery().getType()),
       k = dyn_cast<ShapedType>(getKey().getType()),
       v = dyn_cast<ShapedType>(getValue().getType()),
       o = dyn_cast<ShapedType>(getInit().getType());
  bool tensors = isa<RankedTensorType>(q) && isa<RankedTensorType>(k) &&
                 isa<RankedTensorType>(v) && isa<RankedTensorType>(o);
  bool memrefs = isa<MemRefType>(q) && isa<MemRefType>(k) &&
                 isa<MemRefType>(v) && isa<MemRefType>(o);
  if (!tensors && !memrefs)
    return emitOpError("takes ranked tensors or memrefs, not a mix");
  if (getNumResults() != (tensors ? 1u : 0u))
    return emitOpError() << "has " << (tensors ? "one result" : "no result")
                         << " on " << (tensors ? "tensors" : "memrefs");
  if (tensors && getResult()[0].getType() != o)
    return emitOpError("result type must be the type of init");
  Type element = q.getElementType();
  if (!element.isBF16() && !element.isF16())
    return emitOpError() << "query must be bf16 or f16, got " << element;
  if (k.getElementType() != element || v.getElementType() != element)
    return emitOpError("query, key and value must have one element type");
  if (!isa<FloatType>(o.getElementType()))
    return emitOpError("init must be a float buffer");
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4 ||
      o.getRank() != 4)
    return emitOpError("query, key, value and init must be 4-D");
  ArrayRef<int64_t> qs = q.getShape(), ks = k.getShape(), vs = v.getShape(),
                    os = o.getShape();
  auto mismatch = [&](StringRef what) {
    return emitOpError() << what << ": query " << fmtShape(qs) << ", key "
                         << fmtShape(ks) << ", value " << fmtShape(vs)
                         << ", init " << fmtShape(os);
  };
  if (!compatible(qs[0], ks[0]) || !compatible(qs[0], vs[0]) ||
      !compatible(qs[0], os[0]))
    return mismatch("batch sizes differ");
  if (!compatible(ks[1], vs[1]) || !compatible(ks[2], vs[2]))
    return mismatch("key and value differ in heads or length");
  if (!compatible(qs[1], os[1]) || !compatible(qs[2], os[2]) ||
      !compatible(vs[3], os[3]))
    return mismatch("init is not [B, Hq, S, Dv]");
  if (!compatible(qs[3], ks[3]))
    return mismatch("query and key head dims differ");
  if (!ShapedType::isDynamic(qs[1]) && !ShapedType::isDynamic(ks[1]) &&
      (ks[1] == 0 || qs[1] % ks[1] != 0))
    return mismatch("query heads are not a multiple of key/value heads");
  auto integers = [&](Value v, int64_t minRank, int64_t maxRank) {
    auto t = dyn_cast_or_null<ShapedType>(v ? v.getType() : Type());
    return t && t.getElementType().isInteger(64) && t.getRank() >= minRank &&
           t.getRank() <= maxRank && isa<MemRefType>(t) == isa<MemRefType>(o);
  };
  if (getPositions() && (!integers(getPositions(), 2, 2) || !getCausal()))
    return emitOpError("positions must be [B, S] i64, with causal");
  if (static_cast<bool>(getBiasQueryPositions()) !=
      static_cast<bool>(getBiasKeyPositions()))
    return emitOpError("a position bias takes query and key positions");
  if (static_cast<bool>(getBiasQueryPositions()) !=
          (getAlibi() || getBiasTable()) ||
      (getAlibi() && getBiasTable()))
    return emitOpError("bias positions go with one of alibi and bias_table");
  if (getBiasQueryPositions() && (!integers(getBiasQueryPositions(), 1, 2) ||
                                  !integers(getBiasKeyPositions(), 1, 1)))
    return emitOpError("bias positions must be i64, [S] or [B, S] and [T]");
  if (getAlibi() && ShapedType::isDynamic(qs[1]))
    return emitOpError("alibi needs a static number of query heads");
  if (Value table = getBiasTable()) {
    auto t = cast<ShapedType>(table.getType());
    if (t.getRank() != 2 || !t.getElementType().isF32() ||
        !compatible(t.getShape()[0], qs[1]) ||
        isa<MemRefType>(t) != isa<MemRefType>(o))
      return emitOpError() << "bias_table must be [Hq, 2L + 1] f32, got " << t;
  }
  double s = getScale().convertToDouble();
  if (!std::isfinite(s) || s <= 0.0)
    return emitOpError() << "scale must be finite and positive, got " << s;
  return success();
}

void MmaAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelOpEffects(getOperation(), getInitMutable(), effects);
}

LogicalResult OnlineAttentionOp::verify() {
  if (failed(verifySameElementType(*this, {{"query", getQuery()},
                                           {"key", getKey()},
                                           {"value", getValue()},
                                           {"bias", getBias()}})))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (q.size() != 3)
    return emitOpError() << "query must be [G, Q, D], got shape "
                         << fmtShape(q);
  if (k.size() != 2 || v.size() != 2)
    return emitOpError() << "key and value must be [K, D] and [K, Dv], got "
                            "shapes "
                         << fmtShape(k) << " and " << fmtShape(v);
  if (!compatible(q[2], k[1]))
    return emitOpError() << "query shape " << fmtShape(q) << " and key shape "
                         << fmtShape(k) << " have different head dims";
  if (!compatible(k[0], v[0]))
    return emitOpError() << "key shape " << fmtShape(k) << " and value shape "
                         << fmtShape(v) << " have different lengths";
  if (failed(verifyRowStatistic(*this, "max", getMax(), {q[0], q[1]},
                                "[G, Q] of query shape " + fmtShape(q))) ||
      failed(verifyRowStatistic(*this, "acc", getAcc(), {q[0], q[1], v[1]},
                                "[G, Q, Dv] of query shape " + fmtShape(q) +
                                    " and value shape " + fmtShape(v))))
    return failure();
  if (Value bias = getBias()) {
    SmallVector<int64_t> logits = {q[0], q[1], k[0]};
    ArrayRef<int64_t> b = shapeOf(bias);
    bool broadcasts = b.size() <= 3;
    for (size_t i = 0; broadcasts && i < b.size(); ++i)
      broadcasts = b[b.size() - 1 - i] == 1 ||
                   compatible(b[b.size() - 1 - i], logits[2 - i]);
    if (!broadcasts)
      return emitOpError() << "bias shape " << fmtShape(b)
                           << " does not broadcast to the tile's logits shape "
                           << fmtShape(logits);
  }
  double s = getScale().convertToDouble();
  if (!std::isfinite(s) || s == 0.0)
    return emitOpError() << "scale must be finite and non-zero, got " << s;
  return success();
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"logits", getLogits()}, {"result", getResult()}})) ||
      failed(verifyNonScalar(*this, "logits", getLogits())))
    return failure();
  if (failed(verifyTargets(*this, getLogits(), getTargets())))
    return failure();
  if (!shapeOf(getResult()).empty())
    return emitOpError() << "result must be a rank-0 tensor, got shape "
                         << fmtShape(getResult());
  return success();
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

/// A cache and the tensors read from or written into it are [B, H, T, D]
/// with B, H and D in common; positions are [S] or [B, S].
static LogicalResult verifyCacheShapes(Operation *op, StringRef what,
                                       Value other, Value cache,
                                       Value positions) {
  ArrayRef<int64_t> c = shapeOf(cache), o = shapeOf(other),
                    p = shapeOf(positions);
  if (c.size() != 4 || o.size() != 4)
    return op->emitOpError()
           << "cache and " << what << " must be [B, H, T, D], got "
           << fmtShape(c) << " and " << fmtShape(o);
  for (int64_t i : {0, 1, 3})
    if (!compatible(c[i], o[i]))
      return op->emitOpError()
             << "cache " << fmtShape(c) << " and " << what << " " << fmtShape(o)
             << " differ in dimension " << i;
  if (p.size() != 1 && (p.size() != 2 || !compatible(p[0], c[0])))
    return op->emitOpError() << "positions must be [S] or [B, S] of cache "
                             << fmtShape(c) << ", got " << fmtShape(p);
  return success();
}

LogicalResult CacheWriteOp::verify() {
  if (getUpdate().getType().getElementType() !=
      getCache().getType().getElementType())
    return emitOpError() << "update and cache element types differ";
  if (failed(verifyCacheShapes(*this, "update", getUpdate(), getCache(),
                               getPositions())))
    return failure();
  if (!compatible(shapeOf(getPositions()).back(), shapeOf(getUpdate())[2]))
    return emitOpError() << "positions " << fmtShape(getPositions())
                         << " must give one position per row of the update "
                         << fmtShape(getUpdate());
  return success();
}

LogicalResult CacheReadOp::verify() {
  if (getResult().getType().getElementType() !=
      getCache().getType().getElementType())
    return emitOpError() << "result and cache element types differ";
  return verifyCacheShapes(*this, "result", getResult(), getCache(),
                           getPositions());
}

/// A pool [N, H, P, D] with P static and positive, the tensor read from or
/// written into it [B, H, S or T, D] with H and D in common, a block table
/// [B, M] and positions [B, S].
static LogicalResult verifyPagedShapes(Operation *op, StringRef what,
                                       Value other, Value pool, Value table,
                                       Value positions) {
  ArrayRef<int64_t> c = shapeOf(pool), o = shapeOf(other), t = shapeOf(table),
                    p = shapeOf(positions);
  if (c.size() != 4 || o.size() != 4)
    return op->emitOpError()
           << "pool and " << what << " must be [N, H, P, D] and [B, H, S, D], "
           << "got " << fmtShape(c) << " and " << fmtShape(o);
  if (ShapedType::isDynamic(c[2]) || c[2] <= 0)
    return op->emitOpError() << "pool " << fmtShape(c)
                             << " must have a static, positive block size "
                                "(dimension 2)";
  for (int64_t i : {1, 3})
    if (!compatible(c[i], o[i]))
      return op->emitOpError()
             << "pool " << fmtShape(c) << " and " << what << " " << fmtShape(o)
             << " differ in dimension " << i;
  if (t.size() != 2 || !compatible(t[0], o[0]))
    return op->emitOpError() << "block table must be [B, blocks] of " << what
                             << " " << fmtShape(o) << ", got " << fmtShape(t);
  if (p.size() != 2 || !compatible(p[0], o[0]))
    return op->emitOpError() << "positions must be [B, S] of " << what << " "
                             << fmtShape(o) << ", got " << fmtShape(p);
  return success();
}

LogicalResult PagedCacheWriteOp::verify() {
  if (getUpdate().getType().getElementType() !=
      getPool().getType().getElementType())
    return emitOpError() << "update and pool element types differ";
  if (failed(verifyPagedShapes(*this, "update", getUpdate(), getPool(),
                               getBlockTable(), getPositions())))
    return failure();
  if (!compatible(shapeOf(getPositions())[1], shapeOf(getUpdate())[2]))
    return emitOpError() << "positions " << fmtShape(getPositions())
                         << " must give one position per row of the update "
                         << fmtShape(getUpdate());
  return success();
}

LogicalResult PagedCacheReadOp::verify() {
  if (getResult().getType().getElementType() !=
      getPool().getType().getElementType())
    return emitOpError() << "result and pool element types differ";
  return verifyPagedShapes(*this, "result", getResult(), getPool(),
                           getBlockTable(), getPositions());
}
