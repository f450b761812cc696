//===- TesselFormat.cpp - Tessel's own model definition format ------------===//
//
// A decoder-only transformer described by its sizes and its block's choices;
// docs/model-format.md is the reference. The format is strict: an unknown
// field is an error, so a typo never silently becomes a default.
//
//===----------------------------------------------------------------------===//

#include "frontend/ConfigReader.h"
#include "frontend/FieldReader.h"

namespace tessel::frontend {

namespace {

void readInit(FieldReader &r, const nlohmann::json &object,
              const std::string &path, Init &init) {
  if (!r.expectObject(object, path))
    return;
  r.onlyKnownKeys(object, path, {"kind", "std", "value"});
  std::string kind = name(init.kind);
  r.keyword(object, path, "kind", kind, true,
            {"zeros", "ones", "constant", "normal", "truncated_normal",
             "xavier_uniform", "xavier_normal", "kaiming_uniform",
             "kaiming_normal"});
  init.kind = parseInitKind(kind).value_or(init.kind);
  bool needsStd = takesStd(init.kind);
  if (needsStd)
    r.number(object, path, "std", init.std, false, 1e-12, 1e6);
  else if (object.contains("std"))
    r.fail(JsonSource::child(path, "std"),
           "\"std\" applies to normal and truncated_normal only");
  if (init.kind == InitKind::Constant)
    r.number(object, path, "value", init.value, true, -1e30, 1e30);
  else if (object.contains("value"))
    r.fail(JsonSource::child(path, "value"),
           "\"value\" applies to the constant initializer only");
}

void readAttention(FieldReader &r, const nlohmann::json &root,
                   const std::string &path, ModelConfig &c) {
  const nlohmann::json *object = r.member(root, "", "attention", true);
  if (!object || !r.expectObject(*object, path))
    return;
  const nlohmann::json &o = *object;
  AttentionConfig &a = c.attention;
  std::string kind;
  r.keyword(o, path, "kind", kind, true, {"mha", "gqa", "mqa", "mla"});
  r.integer(o, path, "heads", a.heads, true);
  r.boolean(o, path, "bias", a.qkvBias);
  a.outBias = a.qkvBias;
  if (kind == "mla") {
    r.onlyKnownKeys(o, path,
                    {"kind", "heads", "bias", "kv_lora_rank", "q_lora_rank",
                     "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"});
    a.mla = true;
    a.kvHeads = a.heads;
    r.integer(o, path, "kv_lora_rank", a.kvLoraRank, true);
    r.integer(o, path, "q_lora_rank", a.qLoraRank, false, 0);
    r.integer(o, path, "qk_nope_head_dim", a.qkNopeHeadDim, true);
    r.integer(o, path, "qk_rope_head_dim", a.qkRopeHeadDim, true);
    r.integer(o, path, "v_head_dim", a.vHeadDim, true);
    return;
  }
  r.onlyKnownKeys(o, path, {"kind", "heads", "kv_heads", "head_dim", "bias"});
  if (r.failed())
    return;
  a.kvHeads = a.heads;
  if (kind == "mqa")
    a.kvHeads = 1;
  r.integer(o, path, "kv_heads", a.kvHeads, kind == "gqa");
  std::string kvPath = JsonSource::child(path, "kv_heads");
  if (kind == "mha" && a.kvHeads != a.heads)
    r.fail(kvPath, "multi-head attention has kv_heads = heads; use \"gqa\"");
  if (kind == "mqa" && a.kvHeads != 1)
    r.fail(kvPath, "multi-query attention has kv_heads = 1; use \"gqa\"");
  if (kind == "gqa" && a.kvHeads > a.heads)
    r.fail(kvPath, "kv_heads (" + std::to_string(a.kvHeads) +
                       ") exceeds heads (" + std::to_string(a.heads) + ")");
  if (o.contains("head_dim")) {
    r.integer(o, path, "head_dim", a.headDim, true);
  } else if (!r.failed()) {
    if (c.hiddenSize % a.heads != 0)
      r.fail(JsonSource::child(path, "heads"),
             "hidden_size " + std::to_string(c.hiddenSize) +
                 " is not divisible by heads " + std::to_string(a.heads) +
                 " (or give head_dim)");
    a.headDim = c.hiddenSize / a.heads;
  }
}

void readPosition(FieldReader &r, const nlohmann::json &root,
                  const std::string &path, ModelConfig &c) {
  const nlohmann::json *object = r.member(root, "", "position", true);
  if (!object || !r.expectObject(*object, path))
    return;
  const nlohmann::json &o = *object;
  std::string kind;
  r.keyword(o, path, "kind", kind, true,
            {"learned", "sinusoidal", "relative", "rope", "alibi", "none"});
  if (kind == "rope") {
    r.onlyKnownKeys(o, path, {"kind", "theta", "rotary_dims", "interleaved"});
    c.position = PositionKind::Rope;
    r.number(o, path, "theta", c.ropeTheta, false, 1e-6, 1e12);
    r.integer(o, path, "rotary_dims", c.rotaryDims, false, 2);
    r.boolean(o, path, "interleaved", c.ropeInterleaved);
    if (c.attention.mla && o.contains("rotary_dims"))
      r.fail(JsonSource::child(path, "rotary_dims"),
             "MLA rotates exactly qk_rope_head_dim dims; remove rotary_dims");
    return;
  }
  if (c.attention.mla && !r.failed())
    r.fail(JsonSource::child(path, "kind"),
           "MLA needs \"rope\" positions for its decoupled RoPE key");
  if (kind == "relative") {
    r.onlyKnownKeys(o, path, {"kind", "num_buckets", "max_distance"});
    c.position = PositionKind::Relative;
    r.integer(o, path, "num_buckets", c.relativeBuckets, false, 2);
    r.integer(o, path, "max_distance", c.relativeMaxDistance, false, 1);
    if (!r.failed() && c.relativeMaxDistance <= c.relativeBuckets / 2)
      r.fail(JsonSource::child(path, "max_distance"),
             "max_distance must exceed num_buckets / 2 (the exact buckets)");
    return;
  }
  r.onlyKnownKeys(o, path, {"kind"});
  c.position = kind == "learned"      ? PositionKind::Learned
               : kind == "sinusoidal" ? PositionKind::Sinusoidal
               : kind == "alibi"      ? PositionKind::Alibi
                                      : PositionKind::None;
}

void readNorm(FieldReader &r, const nlohmann::json &root,
              const std::string &path, ModelConfig &c) {
  const nlohmann::json *object = r.member(root, "", "norm", true);
  if (!object || !r.expectObject(*object, path))
    return;
  const nlohmann::json &o = *object;
  r.onlyKnownKeys(o, path, {"kind", "placement", "eps", "bias"});
  std::string kind, placement = "pre";
  r.keyword(o, path, "kind", kind, true, {"layer", "rms", "scale", "batch"});
  r.keyword(o, path, "placement", placement, false, {"pre", "post"});
  r.number(o, path, "eps", c.normEps, false, 0.0, 1.0);
  r.boolean(o, path, "bias", c.normBias);
  if (o.contains("bias") && kind != "layer")
    r.fail(JsonSource::child(path, "bias"),
           "\"bias\" applies to layer norms only");
  c.norm = kind == "layer"   ? NormKind::Layer
           : kind == "rms"   ? NormKind::RMS
           : kind == "scale" ? NormKind::Scale
                             : NormKind::Batch;
  c.preNorm = placement == "pre";
}

void readMlp(FieldReader &r, const nlohmann::json &root,
             const std::string &path, ModelConfig &c) {
  const nlohmann::json *object = r.member(root, "", "mlp", true);
  if (!object || !r.expectObject(*object, path))
    return;
  const nlohmann::json &o = *object;
  r.onlyKnownKeys(o, path, {"kind", "hidden", "bias"});
  std::string kind;
  r.keyword(o, path, "kind", kind, true, {"gelu", "gelu_tanh", "swiglu"});
  r.integer(o, path, "hidden", c.intermediateSize, true);
  r.boolean(o, path, "bias", c.mlpBias);
  c.mlp = kind == "swiglu" ? MlpKind::Swiglu : MlpKind::Gelu;
  c.geluTanh = kind == "gelu_tanh";
}

} // namespace

void readTesselFormat(FieldReader &r, ModelConfig &c) {
  const nlohmann::json &root = r.source.root();
  r.onlyKnownKeys(root, "",
                  {"format", "version", "name", "vocab_size", "hidden_size",
                   "num_layers", "max_positions", "dtype", "tie_embeddings",
                   "attention", "position", "norm", "mlp", "init",
                   "parameterization", "dropout", "tokenizer"});
  std::string format, dtype = "f32";
  r.keyword(root, "", "format", format, true, {"tessel"});
  int64_t version = 1;
  r.integer(root, "", "version", version, false, 1, 1);
  c.format = "tessel";
  c.naming = Naming::Tessel;
  if (const nlohmann::json *n = r.member(root, "", "name", false)) {
    if (!n->is_string())
      r.fail(".name", "expected a string, got " + describe(*n));
    else
      c.modelName = n->get<std::string>();
  }
  if (const nlohmann::json *t = r.member(root, "", "tokenizer", false)) {
    if (t->is_string() && !t->get<std::string>().empty())
      c.tokenizerPath = besideDefinition(r.source.file(), t->get<std::string>());
    else if (t->is_object())
      c.tokenizerJson = t->dump();
    else
      r.fail(".tokenizer", "expected a path (a tokenizer file or directory) "
                           "or an inline tokenizer.json object, got " +
                               describe(*t));
  }
  r.integer(root, "", "vocab_size", c.vocabSize, true);
  r.integer(root, "", "hidden_size", c.hiddenSize, true);
  r.integer(root, "", "num_layers", c.numLayers, true, 1,
            FieldReader::kMaxLayers);
  r.integer(root, "", "max_positions", c.maxPositions, true);
  r.keyword(root, "", "dtype", dtype, false, {"f32", "f16", "bf16"});
  c.dtype = parseDType(dtype).value_or(DType::F32);
  c.tiedEmbeddings = true;
  r.boolean(root, "", "tie_embeddings", c.tiedEmbeddings);

  c.attentionPath = ".attention";
  c.positionPath = ".position";
  c.normPath = ".norm";
  c.mlpPath = ".mlp";
  c.embeddingPath = ".vocab_size";
  c.outputPath = ".vocab_size";
  readAttention(r, root, c.attentionPath, c);
  readPosition(r, root, c.positionPath, c);
  readNorm(r, root, c.normPath, c);
  readMlp(r, root, c.mlpPath, c);

  c.dropoutPath = ".dropout";
  if (const nlohmann::json *dropout = r.member(root, "", "dropout", false)) {
    if (r.expectObject(*dropout, ".dropout")) {
      r.onlyKnownKeys(*dropout, ".dropout", {"embedding", "residual"});
      r.number(*dropout, ".dropout", "embedding", c.embeddingDropout, false,
               0.0, 0.99);
      r.number(*dropout, ".dropout", "residual", c.residualDropout, false, 0.0,
               0.99);
    }
  }

  std::string parameterization = "standard";
  r.keyword(root, "", "parameterization", parameterization, false,
            {"standard", "ntk"});
  c.ntk = parameterization == "ntk";
  if (c.ntk)
    // Unit-scale weights; the graph scales them by 1/sqrt(fan_in).
    for (Init *group : {&c.attentionInit, &c.mlpInit, &c.outputInit})
      group->std = 1.0;

  if (const nlohmann::json *init = r.member(root, "", "init", false)) {
    if (!r.expectObject(*init, ".init"))
      return;
    r.onlyKnownKeys(*init, ".init",
                    {"embedding", "attention", "mlp", "output"});
    for (auto [key, target] :
         {std::pair<const char *, Init *>{"embedding", &c.embeddingInit},
          {"attention", &c.attentionInit},
          {"mlp", &c.mlpInit},
          {"output", &c.outputInit}})
      if (const nlohmann::json *group = r.member(*init, ".init", key, false))
        readInit(r, *group, JsonSource::child(".init", key), *target);
  }
}

} // namespace tessel::frontend
