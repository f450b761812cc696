//===- ModelBuilder.cpp - ModelConfig to tessel IR ------------------------===//
//
// One private class in the style of the Toy tutorial's importer: an
// ImplicitLocOpBuilder whose location follows the part of the model being
// built, a cache of declared parameters, and one method per block part.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelBuilder.h"

#include "dialect/Support/DTypes.h"
#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <set>

using namespace mlir;

namespace tessel::frontend {

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

class ModelBuilder {
public:
  ModelBuilder(MLIRContext &context, const ModelConfig &config,
               const JsonSource &source)
      : context(context), c(config), source(source),
        b(UnknownLoc::get(&context), &context) {}

  OwningOpRef<ModuleOp> build();

private:
  // Locations and types.
  /// Sets the current location to `path` in the JSON, named `what`.
  void at(const std::string &path, const std::string &what);
  Type element() const;
  RankedTensorType tensor(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, element());
  }

  // Parameters.
  /// Declares (once) and reads the parameter `name`.
  Value param(const std::string &name, ArrayRef<int64_t> shape,
              const Init &init);
  Value ones(const std::string &name, ArrayRef<int64_t> shape);
  Value zeros(const std::string &name, ArrayRef<int64_t> shape);
  /// `x` through dropout at `rate` as dropout site `stream`, when building
  /// the loss; `x` itself otherwise.
  Value dropout(Value x, double rate, int64_t stream);
  /// The weight `w` as the model uses it: with the NTK parameterization,
  /// times 1/sqrt(fanIn); otherwise `w` itself.
  Value scaled(Value w, int64_t fanIn);

  // Naming: the checkpoint name of each part.
  std::string layerName(int64_t layer, const std::string &part) const;
  std::string globalName(const std::string &part) const;

  // Pieces of the model.
  Value linear(Value x, const std::string &prefix, int64_t in, int64_t out,
               bool bias, const Init &init, bool conv1d = false);
  Value norm(Value x, const std::string &prefix, int64_t features);
  Value splitHeads(Value x, int64_t heads, int64_t headDim);
  Value mergeHeads(Value x, int64_t heads, int64_t headDim);
  Value rope(Value x);
  Value attention(Value x, int64_t layer);
  /// Keys and values with layer `layer`'s learned prefix before them
  /// (prefix tuning), along the sequence axis.
  std::pair<Value, Value> withPrefix(Value k, Value v, int64_t layer);
  Value latentAttention(Value x, int64_t layer);
  /// MLA's decode against a cache of the latent and the RoPE key, with W_UK
  /// absorbed into the queries and W_UV applied after attention.
  Value absorbedLatentAttention(Value qNope, Value qRope, Value latent,
                                Value kRope, int64_t layer);
  Value mlp(Value x, int64_t layer);
  /// LoReFT's intervention on the hidden states `h` after layer `layer`:
  /// h + mask * R^T (W h + b - R h).
  Value intervene(Value h, int64_t layer);

  /// Builds the entry point of `kind`: `forward(tokens) -> logits`, or
  /// `decode(tokens, positions [B, S], k/v cache per layer) -> (logits, k/v
  /// cache per layer)`, the same model attending to a KV cache whose
  /// capacity is
  /// its sequence dimension, updated in place (`tessel.in_place` on the
  /// cache results). The function is named after its kind and marked with
  /// it (tessel.entry_point).
  void buildFunction(EntryPointKind kind);
  /// With a cache, writes this step's keys and values into the layer's
  /// caches at their positions and returns what attention reads.
  std::pair<Value, Value> withCache(Value k, Value v, int64_t layer);
  /// Writes `now` into decode's cache argument `index` (from 0) at this
  /// step's positions, records the written cache as the result updating it
  /// in place, and returns what attention reads: every position up to the
  /// step's last.
  Value cached(unsigned index, Value now);
  /// What attention reads of `cache` (a cache or, paged, a pool): every
  /// position up to the step's last.
  Value readCache(Value cache);

  MLIRContext &context;
  const ModelConfig &c;
  const JsonSource &source;
  ImplicitLocOpBuilder b;
  ModuleOp module;
  /// Per function: query positions ([S], or decode's [B, S]), key
  /// positions, the additive bias; `causalPositions` is decode's positions,
  /// each sequence's own causal bound.
  Value positions, keyPositions, attentionBias, causalPositions;
  /// Per function: parameter values read so far.
  llvm::StringMap<Value> loaded;
  llvm::StringSet<> declared;
  /// Per decode function: the cache arguments, in order, and the caches
  /// written by this step (the results updating them); with a paged cache,
  /// the block tables [B, blocks] and the pools as the caches.
  SmallVector<Value> caches, updatedCaches;
  /// Building the loss: batch norm uses batch statistics, and its updated
  /// running statistics are returned, by parameter name.
  bool training = false;
  /// Building the loss of a model with dropout: its rng argument, [seed,
  /// step].
  Value rng;
  SmallVector<std::pair<std::string, Value>> statUpdates;
  Value blockTables;
  /// Prefix tuning, per function: the prefix's rows [P, 2 L, Hkv, D].
  Value prefixRows;
  /// LoRA: the dropout site of the next adapter in this function, and the
  /// modules adapted (each once).
  int64_t loraSite = 0;
  llvm::StringSet<> loraModules;
  /// The last part of every linear layer's name (for the error when no
  /// target matches).
  std::set<std::string> linearNames;
  /// Whether LoRA adapts the linear layer `module` (its name ends in a
  /// target: `q_proj`, or `attn.c_proj`).
  bool loraTargets(StringRef module) const;
  /// Freezes every parameter but LoRA's adapters, the prefix and the
  /// value head: what the method trains.
  void freezeBase();
};

void ModelBuilder::at(const std::string &path, const std::string &what) {
  auto [line, column] = source.lineColumn(path);
  Location file = FileLineColLoc::get(&context, source.file(), line, column);
  Location json =
      NameLoc::get(StringAttr::get(&context, path.empty() ? "." : path), file);
  b.setLoc(NameLoc::get(StringAttr::get(&context, what), json));
}

Type ModelBuilder::element() const { return elementTypeOf(c.dtype, &context); }

Value ModelBuilder::param(const std::string &name, ArrayRef<int64_t> shape,
                          const Init &init) {
  auto it = loaded.find(name);
  if (it != loaded.end())
    return it->second;
  RankedTensorType type = tensor(shape);
  if (declared.insert(name).second) {
    // Declarations go to the module, ahead of the function.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(&module.getBody()->back());
    FloatAttr std, value;
    if (takesStd(init.kind))
      std = b.getF64FloatAttr(init.std);
    // Constant's value; Kaiming's negative slope when not 0.
    if (init.kind == InitKind::Constant ||
        (init.value != 0.0 && (init.kind == InitKind::KaimingUniform ||
                               init.kind == InitKind::KaimingNormal)))
      value = b.getF64FloatAttr(init.value);
    tessel::ParameterOp::create(b, name, type, init.kind, std, value);
  }
  Value v = tessel::GetParameterOp::create(b, type, name);
  loaded[name] = v;
  return v;
}

Value ModelBuilder::ones(const std::string &name, ArrayRef<int64_t> shape) {
  return param(name, shape, Init{InitKind::Ones, 0, 0});
}

Value ModelBuilder::zeros(const std::string &name, ArrayRef<int64_t> shape) {
  return param(name, shape, Init{InitKind::Zeros, 0, 0});
}

Value ModelBuilder::scaled(Value w, int64_t fanIn) {
  if (!c.ntk)
    return w;
  auto scalar = RankedTensorType::get({}, element());
  Value factor = arith::ConstantOp::create(
      b, scalar,
      DenseElementsAttr::get(
          scalar, b.getFloatAttr(element(), 1.0 / std::sqrt(double(fanIn)))));
  return tessel::MulOp::create(b, w.getType(), w, factor);
}

Value ModelBuilder::dropout(Value x, double rate, int64_t stream) {
  if (!rng || rate == 0.0)
    return x;
  return tessel::DropoutOp::create(b, x, rng, rate, stream);
}

std::string ModelBuilder::globalName(const std::string &part) const {
  switch (c.naming) {
  case Naming::GPT2:
    if (part == "embed")
      return "transformer.wte";
    if (part == "pos_embed")
      return "transformer.wpe";
    if (part == "final_norm")
      return "transformer.ln_f";
    return part;
  case Naming::Llama:
  case Naming::DeepSeek:
    if (part == "embed")
      return "model.embed_tokens";
    if (part == "final_norm")
      return "model.norm";
    return part;
  case Naming::Tessel:
    return part;
  }
  return part;
}

std::string ModelBuilder::layerName(int64_t layer,
                                    const std::string &part) const {
  std::string i = std::to_string(layer);
  switch (c.naming) {
  case Naming::GPT2: {
    static const std::pair<const char *, const char *> gpt2[] = {
        {"attn_norm", "ln_1"}, {"mlp_norm", "ln_2"},  {"qkv", "attn.c_attn"},
        {"o", "attn.c_proj"},  {"fc_in", "mlp.c_fc"}, {"fc_out", "mlp.c_proj"}};
    for (auto [ours, theirs] : gpt2)
      if (part == ours)
        return "transformer.h." + i + "." + theirs;
    break;
  }
  case Naming::Llama:
  case Naming::DeepSeek: {
    static const std::pair<const char *, const char *> llama[] = {
        {"attn_norm", "input_layernorm"},
        {"mlp_norm", "post_attention_layernorm"},
        {"q", "self_attn.q_proj"},
        {"k", "self_attn.k_proj"},
        {"v", "self_attn.v_proj"},
        {"o", "self_attn.o_proj"},
        {"q_a", "self_attn.q_a_proj"},
        {"q_a_norm", "self_attn.q_a_layernorm"},
        {"q_b", "self_attn.q_b_proj"},
        {"kv_a", "self_attn.kv_a_proj_with_mqa"},
        {"kv_a_norm", "self_attn.kv_a_layernorm"},
        {"kv_b", "self_attn.kv_b_proj"},
        {"gate", "mlp.gate_proj"},
        {"up", "mlp.up_proj"},
        {"down", "mlp.down_proj"}};
    for (auto [ours, theirs] : llama)
      if (part == ours)
        return "model.layers." + i + "." + theirs;
    break;
  }
  case Naming::Tessel: {
    static const std::pair<const char *, const char *> tessel[] = {
        {"attn_norm", "attn_norm"},
        {"mlp_norm", "mlp_norm"},
        {"q", "attn.q_proj"},
        {"k", "attn.k_proj"},
        {"v", "attn.v_proj"},
        {"o", "attn.o_proj"},
        {"q_a", "attn.q_a_proj"},
        {"q_a_norm", "attn.q_a_norm"},
        {"q_b", "attn.q_b_proj"},
        {"kv_a", "attn.kv_a_proj"},
        {"kv_a_norm", "attn.kv_a_norm"},
        {"kv_b", "attn.kv_b_proj"},
        {"gate", "mlp.gate_proj"},
        {"up", "mlp.up_proj"},
        {"down", "mlp.down_proj"},
        {"fc_in", "mlp.fc_in"},
        {"fc_out", "mlp.fc_out"}};
    for (auto [ours, theirs] : tessel)
      if (part == ours)
        return "layers." + i + "." + theirs;
    break;
  }
  }
  return "layers." + i + "." + part;
}

Value ModelBuilder::linear(Value x, const std::string &prefix, int64_t in,
                           int64_t out, bool bias, const Init &init,
                           bool conv1d) {
  Value w;
  if (conv1d) {
    // GPT-2's Conv1D stores the weight as [in, out]; tessel.linear takes
    // [out, in].
    Value stored = param(prefix + ".weight", {in, out}, init);
    w = tessel::TransposeOp::create(b, tensor({out, in}), stored,
                                    ArrayRef<int64_t>{1, 0});
  } else {
    w = param(prefix + ".weight", {out, in}, init);
  }
  w = scaled(w, in);
  Value bv = bias ? zeros(prefix + ".bias", {out}) : Value();
  auto inType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(inType.getShape());
  shape.back() = out;
  Value y = tessel::LinearOp::create(b, tensor(shape), x, w, bv);
  linearNames.insert(StringRef(prefix).rsplit('.').second.str());
  if (!c.lora.enabled() || !loraTargets(prefix))
    return y;
  // LoRA: y + (alpha / r) B A dropout(x), A as PEFT initializes it
  // (kaiming_uniform_ with a = sqrt(5): bound 1 / sqrt(in)), B zeros, so
  // the adapted model starts as the base one.
  loraModules.insert(prefix);
  int64_t r = c.lora.rank;
  Value a = param(prefix + ".lora_A.weight", {r, in},
                  Init{InitKind::KaimingUniform, 0.0, std::sqrt(5.0)});
  Value bw = zeros(prefix + ".lora_B.weight", {out, r});
  Value dropped = dropout(x, c.lora.dropout, 1000 + loraSite++);
  SmallVector<int64_t> rankShape(inType.getShape());
  rankShape.back() = r;
  Value down =
      tessel::LinearOp::create(b, tensor(rankShape), dropped, a, Value());
  Value up = tessel::LinearOp::create(b, tensor(shape), down, bw, Value());
  auto scalar = RankedTensorType::get({}, element());
  Value factor = arith::ConstantOp::create(
      b, scalar,
      DenseElementsAttr::get(
          scalar, b.getFloatAttr(element(), c.lora.alpha / double(r))));
  Value scaledUp = tessel::MulOp::create(b, up.getType(), up, factor);
  return tessel::AddOp::create(b, y.getType(), y, scaledUp);
}

bool ModelBuilder::loraTargets(StringRef module) const {
  for (const std::string &target : c.lora.targets)
    if (module == target || module.ends_with("." + target))
      return true;
  return false;
}

void ModelBuilder::freezeBase() {
  for (auto parameter : module.getOps<tessel::ParameterOp>()) {
    StringRef name = parameter.getSymName();
    // What the methods train: LoRA's adapters, the prefix, LoReFT's
    // interventions, and PPO's value head, which is new.
    if (!name.ends_with(".lora_A.weight") &&
        !name.ends_with(".lora_B.weight") && !name.starts_with("value_head.") &&
        !name.starts_with("prefix.") && !name.starts_with("reft."))
      parameter.setFrozen(true);
  }
}

Value ModelBuilder::norm(Value x, const std::string &prefix, int64_t d) {
  llvm::APFloat eps(c.normEps);
  switch (c.norm) {
  case NormKind::Layer: {
    Value g = ones(prefix + ".weight", {d});
    Value beta;
    if (c.normBias) {
      beta = zeros(prefix + ".bias", {d});
    } else {
      auto type = tensor({d});
      beta = arith::ConstantOp::create(
          b, type, DenseElementsAttr::get(type, b.getFloatAttr(element(), 0)));
    }
    return tessel::LayerNormOp::create(b, x, g, beta, eps).getResult();
  }
  case NormKind::RMS:
    return tessel::RMSNormOp::create(b, x, ones(prefix + ".weight", {d}), eps)
        .getResult();
  case NormKind::Scale: {
    // ScaleNorm's g starts at sqrt(d), as in the paper.
    Value g = param(prefix + ".scale", {},
                    Init{InitKind::Constant, 0, std::sqrt(double(d))});
    return tessel::ScaleNormOp::create(b, x, g, eps);
  }
  case NormKind::Batch: {
    Value g = ones(prefix + ".weight", {d});
    Value beta = zeros(prefix + ".bias", {d});
    Value mean = zeros(prefix + ".running_mean", {d});
    Value var = ones(prefix + ".running_var", {d});
    // Inference reads the running statistics. The loss trains: batch
    // statistics, and the updated running ones become results of the
    // entry point (tessel.update) that the training loop writes back.
    auto op = tessel::BatchNormOp::create(b, x, g, beta, mean, var, eps,
                                          llvm::APFloat(0.1), training);
    if (training) {
      statUpdates.push_back({prefix + ".running_mean", op.getNewRunningMean()});
      statUpdates.push_back({prefix + ".running_var", op.getNewRunningVar()});
    }
    return op.getResult();
  }
  }
  return x;
}

Value ModelBuilder::splitHeads(Value x, int64_t heads, int64_t headDim) {
  // [B, S, H*D] -> [B, S, H, D] -> [B, H, S, D]
  Value r =
      tessel::ReshapeOp::create(b, tensor({kDyn, kDyn, heads, headDim}), x);
  return tessel::TransposeOp::create(b, tensor({kDyn, heads, kDyn, headDim}), r,
                                     ArrayRef<int64_t>{0, 2, 1, 3});
}

Value ModelBuilder::mergeHeads(Value x, int64_t heads, int64_t headDim) {
  Value t = tessel::TransposeOp::create(b, tensor({kDyn, kDyn, heads, headDim}),
                                        x, ArrayRef<int64_t>{0, 2, 1, 3});
  return tessel::ReshapeOp::create(b, tensor({kDyn, kDyn, heads * headDim}), t);
}

Value ModelBuilder::rope(Value x) {
  IntegerAttr dims =
      c.rotaryDims ? b.getI64IntegerAttr(c.rotaryDims) : IntegerAttr();
  return tessel::RopeOp::create(b, x, positions, llvm::APFloat(c.ropeTheta),
                                dims, c.ropeInterleaved);
}

Value ModelBuilder::attention(Value x, int64_t layer) {
  const AttentionConfig &a = c.attention;
  int64_t d = c.hiddenSize, hq = a.heads, hkv = a.kvHeads, hd = a.headDim;
  Value q, k, v;
  if (c.naming == Naming::GPT2) {
    // One fused projection, split into q, k and v.
    Value qkv = linear(x, layerName(layer, "qkv"), d, 3 * d, a.qkvBias,
                       c.attentionInit, /*conv1d=*/true);
    auto part = [&](int64_t index) {
      return tessel::SliceOp::create(b, tensor({kDyn, kDyn, d}), qkv, 2,
                                     index * d);
    };
    q = part(0), k = part(1), v = part(2);
  } else {
    q = linear(x, layerName(layer, "q"), d, hq * hd, a.qkvBias,
               c.attentionInit);
    k = linear(x, layerName(layer, "k"), d, hkv * hd, a.qkvBias,
               c.attentionInit);
    v = linear(x, layerName(layer, "v"), d, hkv * hd, a.qkvBias,
               c.attentionInit);
  }
  q = splitHeads(q, hq, hd);
  k = splitHeads(k, hkv, hd);
  v = splitHeads(v, hkv, hd);
  if (c.position == PositionKind::Rope) {
    q = rope(q);
    k = rope(k);
  }
  std::tie(k, v) = withCache(k, v, layer);
  // Prefix tuning: the learned keys come first; bottom-right causal
  // alignment lets every query see them. (A decode step finds them in
  // the cache.)
  if (c.prefix.enabled() && caches.empty())
    std::tie(k, v) = withPrefix(k, v, layer);
  // The default scale is 1/sqrt(head dim); GPT-2 can switch it off or divide
  // it by the layer number.
  FloatAttr scale;
  if (!a.scaleLogits || a.scaleByInverseLayer) {
    double s = a.scaleLogits ? 1.0 / std::sqrt(double(hd)) : 1.0;
    if (a.scaleByInverseLayer)
      s /= double(layer + 1);
    scale = b.getF64FloatAttr(s);
  }
  Value o =
      tessel::AttentionOp::create(b, tensor({kDyn, hq, kDyn, hd}), q, k, v,
                                  attentionBias, scale, true, causalPositions)
          .getResult();
  o = mergeHeads(o, hq, hd);
  Init outInit = c.attentionInit;
  if (c.naming == Naming::GPT2)
    outInit.std /= std::sqrt(2.0 * c.numLayers); // GPT-2's residual scaling.
  return linear(o, layerName(layer, "o"), hq * hd, d, a.outBias, outInit,
                c.naming == Naming::GPT2);
}

Value ModelBuilder::latentAttention(Value x, int64_t layer) {
  const AttentionConfig &a = c.attention;
  int64_t d = c.hiddenSize, h = a.heads, nope = a.qkNopeHeadDim,
          r = a.qkRopeHeadDim, qk = a.qkHeadDim(), vd = a.vHeadDim,
          dc = a.kvLoraRank;
  const Init &init = c.attentionInit;
  llvm::APFloat latentEps(1e-6); // DeepseekV2RMSNorm's default.
  // Queries: x -> [q_a -> norm ->] q_b, split per head into the part without
  // and the part with RoPE.
  Value q;
  if (a.qLoraRank) {
    Value qa =
        linear(x, layerName(layer, "q_a"), d, a.qLoraRank, a.qkvBias, init);
    qa = tessel::RMSNormOp::create(
             b, qa,
             ones(layerName(layer, "q_a_norm") + ".weight", {a.qLoraRank}),
             latentEps)
             .getResult();
    q = linear(qa, layerName(layer, "q_b"), a.qLoraRank, h * qk, false, init);
  } else {
    q = linear(x, layerName(layer, "q"), d, h * qk, false, init);
  }
  q = splitHeads(q, h, qk);
  Value qNope =
      tessel::SliceOp::create(b, tensor({kDyn, h, kDyn, nope}), q, 3, 0);
  Value qRope =
      rope(tessel::SliceOp::create(b, tensor({kDyn, h, kDyn, r}), q, 3, nope));

  // Keys and values: x -> [latent (dc) | shared RoPE key (r)]; the latent is
  // normalized and expanded to per-head k_nope and v.
  Value kva = linear(x, layerName(layer, "kv_a"), d, dc + r, a.qkvBias, init);
  Value latent =
      tessel::SliceOp::create(b, tensor({kDyn, kDyn, dc}), kva, 2, 0);
  Value kRope = tessel::SliceOp::create(b, tensor({kDyn, kDyn, r}), kva, 2, dc);
  kRope = rope(splitHeads(kRope, 1, r));
  // Decode keeps the one RoPE key head in its cache; the forward pass
  // gives it to every head.
  Value kRopeHeads =
      caches.empty()
          ? tessel::BroadcastOp::create(b, tensor({kDyn, h, kDyn, r}), kRope)
                .getResult()
          : Value();
  latent = tessel::RMSNormOp::create(
               b, latent, ones(layerName(layer, "kv_a_norm") + ".weight", {dc}),
               latentEps)
               .getResult();
  if (!caches.empty())
    return absorbedLatentAttention(qNope, qRope, latent, kRope, layer);
  Value kv = linear(latent, layerName(layer, "kv_b"), dc, h * (nope + vd),
                    false, init);
  kv = splitHeads(kv, h, nope + vd);
  Value kNope =
      tessel::SliceOp::create(b, tensor({kDyn, h, kDyn, nope}), kv, 3, 0);
  Value v =
      tessel::SliceOp::create(b, tensor({kDyn, h, kDyn, vd}), kv, 3, nope);

  Value query = tessel::ConcatOp::create(b, tensor({kDyn, h, kDyn, qk}),
                                         ValueRange{qNope, qRope}, 3);
  Value key = tessel::ConcatOp::create(b, tensor({kDyn, h, kDyn, qk}),
                                       ValueRange{kNope, kRopeHeads}, 3);
  Value o =
      tessel::AttentionOp::create(b, tensor({kDyn, h, kDyn, vd}), query, key, v,
                                  attentionBias, FloatAttr(), true)
          .getResult();
  o = mergeHeads(o, h, vd);
  return linear(o, layerName(layer, "o"), h * vd, d, a.outBias, init);
}

Value ModelBuilder::absorbedLatentAttention(Value qNope, Value qRope,
                                            Value latent, Value kRope,
                                            int64_t layer) {
  const AttentionConfig &a = c.attention;
  int64_t d = c.hiddenSize, h = a.heads, nope = a.qkNopeHeadDim,
          r = a.qkRopeHeadDim, vd = a.vHeadDim, dc = a.kvLoraRank;
  const Init &init = c.attentionInit;
  // The cache holds per token the latent and the RoPE key: [B, 1, T, dc + r].
  Value now =
      tessel::ConcatOp::create(b, tensor({kDyn, 1, kDyn, dc + r}),
                               ValueRange{splitHeads(latent, 1, dc), kRope}, 3);
  Value keys = cached(layer, now);
  Value values =
      tessel::SliceOp::create(b, tensor({kDyn, 1, kDyn, dc}), keys, 3, 0);
  // kv_b's weight [h * (nope + vd), dc] per head: W_UK [nope, dc] (rows that
  // make k_nope) and W_UV [vd, dc] (rows that make v).
  Value kvb =
      param(layerName(layer, "kv_b") + ".weight", {h * (nope + vd), dc}, init);
  kvb = scaled(kvb, dc);
  kvb = tessel::ReshapeOp::create(b, tensor({h, nope + vd, dc}), kvb);
  Value wUK = tessel::SliceOp::create(b, tensor({h, nope, dc}), kvb, 1, 0);
  Value wUV = tessel::SliceOp::create(b, tensor({h, vd, dc}), kvb, 1, nope);
  // q_nope . (W_UK c) = (q_nope W_UK) . c: queries in latent space.
  Value qLatent = tessel::MatmulOp::create(b, tensor({kDyn, h, kDyn, dc}),
                                           qNope, wUK, false);
  Value query = tessel::ConcatOp::create(b, tensor({kDyn, h, kDyn, dc + r}),
                                         ValueRange{qLatent, qRope}, 3);
  // Every query head reads the one latent "head" (multi-query); the scale
  // stays that of the per-head dot product, 1/sqrt(nope + r).
  FloatAttr scale = b.getF64FloatAttr(1.0 / std::sqrt(double(nope + r)));
  Value o = tessel::AttentionOp::create(b, tensor({kDyn, h, kDyn, dc}), query,
                                        keys, values, attentionBias, scale,
                                        true, causalPositions)
                .getResult();
  // sum_j p_j (W_UV c_j) = W_UV (sum_j p_j c_j): back to per-head values.
  o = tessel::MatmulOp::create(b, tensor({kDyn, h, kDyn, vd}), o, wUV, true);
  o = mergeHeads(o, h, vd);
  return linear(o, layerName(layer, "o"), h * vd, d, a.outBias, init);
}

Value ModelBuilder::mlp(Value x, int64_t layer) {
  int64_t d = c.hiddenSize, f = c.intermediateSize;
  const Init &init = c.mlpInit;
  if (c.mlp == MlpKind::Swiglu) {
    Value gate = linear(x, layerName(layer, "gate"), d, f, c.mlpBias, init);
    Value up = linear(x, layerName(layer, "up"), d, f, c.mlpBias, init);
    Value s = tessel::SwigluOp::create(b, gate, up);
    return linear(s, layerName(layer, "down"), f, d, c.mlpBias, init);
  }
  bool conv1d = c.naming == Naming::GPT2;
  Value h = linear(x, layerName(layer, "fc_in"), d, f, c.mlpBias, init, conv1d);
  h = tessel::GeluOp::create(b, h,
                             c.geluTanh ? tessel::GeluApproximation::tanh
                                        : tessel::GeluApproximation::exact);
  Init outInit = init;
  if (conv1d)
    outInit.std /= std::sqrt(2.0 * c.numLayers); // GPT-2's residual scaling.
  return linear(h, layerName(layer, "fc_out"), f, d, c.mlpBias, outInit,
                conv1d);
}

std::pair<Value, Value> ModelBuilder::withPrefix(Value k, Value v,
                                                 int64_t layer) {
  const AttentionConfig &a = c.attention;
  int64_t p = c.prefix.tokens, h = a.kvHeads, hd = a.qkHeadDim();
  at("", "prefix");
  int64_t width = 2 * c.numLayers * h * hd;
  if (!prefixRows) {
    // PEFT's prompt encoder: an embedding of P virtual tokens (PyTorch's
    // default N(0, 1)), each all layers' keys and values; with a
    // projection, an embedding of width D through an MLP with tanh.
    Value table;
    if (int64_t hidden = c.prefix.projection) {
      int64_t d = c.hiddenSize;
      Init linearInit{InitKind::KaimingUniform, 0.0, std::sqrt(5.0)};
      Value e = param("prefix.embedding", {p, d}, Init{InitKind::Normal, 1.0});
      Value w0 = param("prefix.transform.0.weight", {hidden, d}, linearInit);
      Value b0 = zeros("prefix.transform.0.bias", {hidden});
      Value w2 =
          param("prefix.transform.2.weight", {width, hidden}, linearInit);
      Value b2 = zeros("prefix.transform.2.bias", {width});
      Value inner = tessel::TanhOp::create(
          b, tessel::LinearOp::create(b, tensor({p, hidden}), e, w0, b0));
      table = tessel::LinearOp::create(b, tensor({p, width}), inner, w2, b2);
    } else {
      table =
          param("prefix.embedding", {p, width}, Init{InitKind::Normal, 1.0});
    }
    prefixRows = tessel::ReshapeOp::create(
        b, tensor({p, 2 * c.numLayers, h, hd}), table);
  }
  Value rows = prefixRows;
  auto join = [&](int64_t which, Value now) -> Value {
    Value part = tessel::SliceOp::create(b, tensor({p, 1, h, hd}), rows, 1,
                                         2 * layer + which);
    part = tessel::ReshapeOp::create(b, tensor({p, h, hd}), part);
    part = tessel::TransposeOp::create(b, tensor({h, p, hd}), part,
                                       ArrayRef<int64_t>{1, 0, 2});
    part = tessel::BroadcastOp::create(b, tensor({kDyn, h, p, hd}), part, now);
    return tessel::ConcatOp::create(b, tensor({kDyn, h, kDyn, hd}),
                                    ValueRange{part, now}, 2);
  };
  return {join(0, k), join(1, v)};
}

Value ModelBuilder::intervene(Value h, int64_t layer) {
  int64_t d = c.hiddenSize, r = c.reft.rank;
  std::string p = "reft.layers." + std::to_string(layer);
  at("", p);
  // pyreft's LoReFT: R with orthonormal rows (orthogonal init), W and b as
  // nn.Linear(D, r) initializes them (b: zeros here).
  Value rotation = param(p + ".rotation", {r, d}, Init{InitKind::Orthogonal});
  Value weight = param(p + ".weight", {r, d},
                       Init{InitKind::KaimingUniform, 0.0, std::sqrt(5.0)});
  Value bias = zeros(p + ".bias", {r});
  RankedTensorType low = tensor({kDyn, kDyn, r});
  Value target = tessel::LinearOp::create(b, low, h, weight, bias);
  Value projected = tessel::LinearOp::create(b, low, h, rotation, Value());
  auto scalar = RankedTensorType::get({}, element());
  Value minusOne = arith::ConstantOp::create(
      b, scalar, DenseElementsAttr::get(scalar, b.getFloatAttr(element(), -1)));
  Value delta = tessel::AddOp::create(
      b, low, target, tessel::MulOp::create(b, low, projected, minusOne));
  Value edit =
      tessel::MatmulOp::create(b, h.getType(), delta, rotation).getResult();
  // Only at the chosen positions: [S, 1] (decode: [B, S, 1], first only).
  bool decoding = !caches.empty();
  auto positionsType = cast<RankedTensorType>(positions.getType());
  SmallVector<int64_t> maskShape(positionsType.getShape());
  maskShape.push_back(1);
  Value mask = tessel::PositionMaskOp::create(
      b, RankedTensorType::get(maskShape, b.getF32Type()), positions,
      c.reft.first, decoding ? 0 : c.reft.last);
  edit = tessel::MulOp::create(b, h.getType(), edit, mask);
  return tessel::AddOp::create(b, h.getType(), h, edit);
}

std::pair<Value, Value> ModelBuilder::withCache(Value k, Value v,
                                                int64_t layer) {
  if (caches.empty())
    return {k, v};
  return {cached(2 * layer, k), cached(2 * layer + 1, v)};
}

Value ModelBuilder::cached(unsigned index, Value now) {
  // In place: the written cache is a result the entry point updates.
  if (blockTables) {
    Value written = tessel::PagedCacheWriteOp::create(b, now, caches[index],
                                                      blockTables, positions);
    updatedCaches[index] = written;
    auto pool = cast<RankedTensorType>(written.getType());
    auto read = tensor({kDyn, pool.getDimSize(1), kDyn, pool.getDimSize(3)});
    return tessel::PagedCacheReadOp::create(b, read, written, blockTables,
                                            positions)
        .getResult();
  }
  Value written =
      tessel::CacheWriteOp::create(b, now, caches[index], positions);
  updatedCaches[index] = written;
  return tessel::CacheReadOp::create(b, written.getType(), written, positions)
      .getResult();
}

void ModelBuilder::buildFunction(EntryPointKind kind) {
  loraSite = 0;
  bool decoding = takesKVCache(kind);
  bool lastOnly = kind == EntryPointKind::Prefill;
  int64_t d = c.hiddenSize, vocab = c.vocabSize;
  const AttentionConfig &a = c.attention;
  auto indexType = RankedTensorType::get({kDyn}, b.getI64Type());
  auto tokensType = RankedTensorType::get({kDyn, kDyn}, b.getI64Type());
  // Decode's positions: [B, S], each sequence at its own.
  auto positionsType = tokensType;
  // Prefill: the logits of each sequence's last position only.
  auto logitsType = tensor({kDyn, lastOnly ? 1 : kDyn, vocab});
  // Cached per layer: keys and values [B, kv heads, T, head dim]; for MLA
  // one cache [B, 1, T, d_c + rope] of the latent and the RoPE key. Paged:
  // pools [N, heads, block size, dim] of N blocks, after the block tables.
  bool paged = decoding && c.kvBlockSize > 0;
  int64_t rows = paged ? c.kvBlockSize : kDyn;
  auto keyType = tensor({kDyn, a.kvHeads, rows, a.qkHeadDim()});
  auto valueType = tensor({kDyn, a.kvHeads, rows, a.valueHeadDim()});
  auto latentType = tensor({kDyn, 1, rows, a.kvLoraRank + a.qkRopeHeadDim});
  SmallVector<Type> inputs = {tokensType}, results = {logitsType};
  // Policy: the values [B, S, 1] after the logits.
  bool policy = kind == EntryPointKind::Policy;
  if (policy)
    results.push_back(tensor({kDyn, kDyn, 1}));
  SmallVector<std::string> cacheNames;
  size_t firstCache = paged ? 3 : 2;
  if (decoding) {
    inputs.push_back(positionsType);
    if (paged)
      inputs.push_back(tokensType); // block tables [B, blocks], i64
    for (int64_t i = 0; i < c.numLayers; ++i) {
      std::string n = std::to_string(i);
      if (a.mla) {
        inputs.push_back(latentType);
        cacheNames.push_back("latent." + n);
      } else {
        inputs.append({keyType, valueType});
        cacheNames.append({"keys." + n, "values." + n});
      }
    }
    results.append(inputs.begin() + firstCache, inputs.end());
  }
  // The loss: the forward pass, then the mean cross-entropy of the logits
  // against targets [B, S] (ignore_index -100).
  bool lossOnly = kind == EntryPointKind::Loss;
  training = lossOnly;
  statUpdates.clear();
  bool withDropout = lossOnly && c.hasDropout();
  if (lossOnly) {
    inputs.push_back(tokensType);
    // Dropout's [seed, step] (tessel.dropout).
    if (withDropout)
      inputs.push_back(RankedTensorType::get({2}, b.getI64Type()));
    results = {tensor({})};
  }
  at("", c.modelName.empty() ? "model" : c.modelName);
  b.setInsertionPointToEnd(module.getBody());
  auto func =
      func::FuncOp::create(b, name(kind), b.getFunctionType(inputs, results));
  TesselDialect::EntryPointAttrHelper(&context).setAttr(
      func, EntryPointKindAttr::get(&context, kind));
  for (auto [i, cacheName] : llvm::enumerate(cacheNames))
    func.setArgAttr(firstCache + i,
                    TesselDialect::CacheAttrHelper::getNameStr(),
                    b.getStringAttr(cacheName));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  loaded.clear();
  caches.clear(), updatedCaches.clear();
  attentionBias = causalPositions = blockTables = prefixRows = Value();
  rng = withDropout ? entry->getArgument(2) : Value();

  // Token and position embeddings.
  at(c.embeddingPath, "embedding");
  Value tokens = entry->getArgument(0);
  Value table =
      param(globalName("embed") + ".weight", {vocab, d}, c.embeddingInit);
  Value h =
      tessel::EmbeddingOp::create(b, tensor({kDyn, kDyn, d}), tokens, table);
  at(c.positionPath, std::string("position.") + name(c.position));
  if (decoding) {
    // Positions of the new tokens are given, per sequence; keys cover every
    // position up to the furthest sequence's last, and each sequence's
    // attention stops at its own.
    positions = causalPositions = entry->getArgument(1);
    if (paged)
      blockTables = entry->getArgument(2);
    caches.assign(entry->args_begin() + firstCache, entry->args_end());
    updatedCaches.assign(caches.size(), Value());
    // The key positions: 0 ... the furthest sequence's last (only the
    // read's size is used).
    Value keys;
    if (paged) {
      auto pool = cast<RankedTensorType>(caches[0].getType());
      keys = tessel::PagedCacheReadOp::create(
          b, tensor({kDyn, pool.getDimSize(1), kDyn, pool.getDimSize(3)}),
          caches[0], blockTables, positions);
    } else {
      keys = tessel::CacheReadOp::create(b, caches[0].getType(), caches[0],
                                         positions);
    }
    keyPositions = tessel::PositionIdsOp::create(b, indexType, keys, 2);
  } else {
    // After a prefix of P virtual tokens the sequence starts at P.
    positions =
        tessel::PositionIdsOp::create(b, indexType, tokens, 1, c.prefix.tokens);
    keyPositions = positions;
  }
  int64_t heads = a.heads;
  // Position features [S, D] and biases [H, S, T], with decode's batch of
  // positions [B, S, D] and [B, H, S, T].
  RankedTensorType positionFeatures =
      decoding ? tensor({kDyn, kDyn, d}) : tensor({kDyn, d});
  RankedTensorType biasType = decoding ? tensor({kDyn, heads, kDyn, kDyn})
                                       : tensor({heads, kDyn, kDyn});
  switch (c.position) {
  case PositionKind::Learned: {
    Value wpe = param(globalName("pos_embed") + ".weight", {c.maxPositions, d},
                      c.embeddingInit);
    Value pe = tessel::EmbeddingOp::create(b, positionFeatures, positions, wpe);
    h = tessel::AddOp::create(b, h.getType(), h, pe);
    break;
  }
  case PositionKind::Sinusoidal: {
    Value pe = tessel::SinusoidalEmbeddingOp::create(
        b, positionFeatures, positions, llvm::APFloat(1e4));
    h = tessel::AddOp::create(b, h.getType(), h, pe);
    break;
  }
  case PositionKind::Relative: {
    Value rel = param(globalName("relative_bias") + ".weight",
                      {c.relativeBuckets, heads}, c.attentionInit);
    attentionBias = tessel::RelativeBiasOp::create(
        b, biasType, tessel::RelativeBiasKind::t5, rel, positions, keyPositions,
        c.relativeMaxDistance, false);
    break;
  }
  case PositionKind::Alibi:
    attentionBias =
        tessel::AlibiOp::create(b, biasType, positions, keyPositions);
    break;
  case PositionKind::Rope:
  case PositionKind::None:
    break;
  }
  // Dropout sites: 0 the embeddings, 2i + 1 and 2i + 2 layer i's attention
  // and MLP outputs (GPT-2's embd_pdrop and resid_pdrop).
  at(c.dropoutPath, "embedding.dropout");
  h = dropout(h, c.embeddingDropout, 0);

  for (int64_t i = 0; i < c.numLayers; ++i) {
    std::string layer = "layers." + std::to_string(i);
    auto attn = [&](Value x) {
      at(c.attentionPath, layer + ".attention");
      Value y = a.mla ? latentAttention(x, i) : attention(x, i);
      at(c.dropoutPath, layer + ".attention.dropout");
      return dropout(y, c.residualDropout, 2 * i + 1);
    };
    auto ffn = [&](Value x) {
      at(c.mlpPath, layer + ".mlp");
      Value y = mlp(x, i);
      at(c.dropoutPath, layer + ".mlp.dropout");
      return dropout(y, c.residualDropout, 2 * i + 2);
    };
    auto normAt = [&](Value x, const char *part) {
      at(c.normPath, layer + "." + part);
      return norm(x, layerName(i, part), d);
    };
    if (c.preNorm) {
      Value att = attn(normAt(h, "attn_norm"));
      h = tessel::AddOp::create(b, h.getType(), h, att);
      Value m = ffn(normAt(h, "mlp_norm"));
      h = tessel::AddOp::create(b, h.getType(), h, m);
    } else {
      Value att = attn(h);
      h = normAt(tessel::AddOp::create(b, h.getType(), h, att), "attn_norm");
      Value m = ffn(h);
      h = normAt(tessel::AddOp::create(b, h.getType(), h, m), "mlp_norm");
    }
    if (llvm::is_contained(c.reft.layers, i))
      h = intervene(h, i);
  }
  if (lastOnly) {
    // Before the final norm and the LM head, which work per position.
    at("", "last_position");
    h = tessel::SliceOp::create(b, tensor({kDyn, 1, d}), h, 1, -1);
  }
  if (c.preNorm) {
    at(c.normPath, "final_norm");
    h = norm(h, globalName("final_norm"), d);
  }
  at(c.outputPath, "lm_head");
  Value head = c.tiedEmbeddings
                   ? table
                   : param("lm_head.weight", {vocab, d}, c.outputInit);
  head = scaled(head, d);
  SmallVector<Value> returned = {
      tessel::LinearOp::create(b, logitsType, h, head, Value())};
  if (policy) {
    // PPO's critic: one linear unit on the last hidden states (after the
    // final norm), sharing the trunk with the policy.
    at("", "value_head");
    Value weight = param("value_head.weight", {1, d}, c.outputInit);
    Value bias = zeros("value_head.bias", {1});
    returned.push_back(
        tessel::LinearOp::create(b, tensor({kDyn, kDyn, 1}), h, weight, bias));
  }
  if (lossOnly) {
    at("", "loss");
    returned[0] = tessel::CrossEntropyOp::create(b, tensor({}), returned[0],
                                                 entry->getArgument(1));
  }
  returned.append(updatedCaches.begin(), updatedCaches.end());
  for (auto &[parameter, value] : statUpdates)
    returned.push_back(value);
  func::ReturnOp::create(b, returned);
  if (lossOnly) {
    SmallVector<Type> types;
    for (Value v : returned)
      types.push_back(v.getType());
    func.setFunctionType(b.getFunctionType(inputs, types));
    for (auto [i, update] : llvm::enumerate(statUpdates))
      func.setResultAttr(1 + i, TesselDialect::UpdateAttrHelper::getNameStr(),
                         b.getStringAttr(update.first));
  }
  // The caches are updated in place: result 1 + i is argument
  // firstCache + i.
  if (decoding)
    for (unsigned i = 1; i < returned.size(); ++i)
      func.setResultAttr(i, TesselDialect::InPlaceAttrHelper::getNameStr(),
                         b.getI64IntegerAttr(i - 1 + firstCache));
}

OwningOpRef<ModuleOp> ModelBuilder::build() {
  at("", c.modelName.empty() ? "model" : c.modelName);
  if (c.prefix.enabled()) {
    // The prefix is keys and values of the cache's layout; a bias over
    // [S, T] positions would need the prefix's positions too.
    const char *unsupported = c.attention.mla ? "multi-head latent attention"
                              : c.position == PositionKind::Relative
                                  ? "relative position bias"
                              : c.position == PositionKind::Alibi ? "ALiBi"
                                                                  : nullptr;
    if (unsupported) {
      emitError(b.getLoc()) << "--prefix-tokens: prefix tuning is not "
                               "supported with "
                            << unsupported;
      return nullptr;
    }
  }
  if (c.reft.enabled()) {
    for (int64_t layer : c.reft.layers)
      if (layer < 0 || layer >= c.numLayers) {
        emitError(b.getLoc()) << "--reft-layers: layer " << layer
                              << " is not among the model's " << c.numLayers;
        return nullptr;
      }
    if (c.reft.rank > c.hiddenSize) {
      emitError(b.getLoc())
          << "--reft-rank " << c.reft.rank << " exceeds the hidden size "
          << c.hiddenSize << " (R's rows are orthonormal)";
      return nullptr;
    }
    if (c.prefix.enabled()) {
      emitError(b.getLoc()) << "--reft-layers and --prefix-tokens together "
                               "are not supported (the prefix shifts the "
                               "positions the interventions are chosen by)";
      return nullptr;
    }
    if (c.dtype != DType::F32) {
      emitError(b.getLoc()) << "--reft-layers needs an f32 model";
      return nullptr;
    }
  }
  OwningOpRef<ModuleOp> owned = ModuleOp::create(b.getLoc());
  module = *owned;
  if (!c.modelName.empty())
    module.setSymName(c.modelName);
  buildFunction(EntryPointKind::Forward);
  buildFunction(EntryPointKind::Decode);
  if (c.prefill)
    buildFunction(EntryPointKind::Prefill);
  if (c.train)
    buildFunction(EntryPointKind::Loss);
  if (c.valueHead)
    buildFunction(EntryPointKind::Policy);
  if (c.peft()) {
    if (c.lora.enabled() && loraModules.empty()) {
      at("", c.modelName.empty() ? "model" : c.modelName);
      emitError(b.getLoc())
          << "--lora-targets " << llvm::join(c.lora.targets, ",")
          << " names none of the model's linear layers ("
          << llvm::join(linearNames, ", ") << ")";
      return nullptr;
    }
    freezeBase();
  }
  if (failed(verify(module)))
    return nullptr;
  return owned;
}

} // namespace

OwningOpRef<ModuleOp> buildModel(MLIRContext &context,
                                 const ModelConfig &config,
                                 const JsonSource &source) {
  context.loadDialect<tessel::TesselDialect, func::FuncDialect,
                      arith::ArithDialect>();
  return ModelBuilder(context, config, source).build();
}

} // namespace tessel::frontend
