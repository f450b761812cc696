//===- ModelStats.cpp - parameters, FLOPs and memory of a model -----------===//

#include "frontend/ModelStats.h"
#include "runtime/dist/Zero.h"
#include "llvm/ADT/StringExtras.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <limits>
#include <sstream>
#include <string_view>

namespace tessel::frontend {

namespace {

/// Wide enough for every product of sizes the readers accept.
using Wide = __int128;

/// Parameters of one norm over `d` features.
Wide normParameters(const ModelConfig &c, Wide d) {
  switch (c.norm) {
  case NormKind::Layer:
    return c.normBias ? 2 * d : d;
  case NormKind::RMS:
    return d;
  case NormKind::Scale:
    return 1;
  case NormKind::Batch:
    return 2 * d;
  }
  return 0;
}

/// Attention parameters of one layer and the multiply-adds per token of its
/// projections.
void attentionCounts(const ModelConfig &c, Wide &params, Wide &macs) {
  const AttentionConfig &a = c.attention;
  Wide d = c.hiddenSize, h = a.heads;
  if (a.mla) {
    Wide qk = a.qkHeadDim(), v = a.vHeadDim, dc = a.kvLoraRank,
         r = a.qkRopeHeadDim, ql = a.qLoraRank;
    Wide q = ql ? d * ql + ql * h * qk : d * h * qk; // q_a, q_b or q_proj
    Wide kv = d * (dc + r) + dc * h * (a.qkNopeHeadDim + v); // kv_a, kv_b
    Wide o = h * v * d;
    macs = q + kv + o;
    // The two RMSNorms of the latents (q_a_layernorm, kv_a_layernorm).
    params = macs + (ql ? ql : 0) + dc;
    if (a.qkvBias) // q_a and kv_a only, as DeepSeek-V2.
      params += ql + dc + r;
    if (a.outBias)
      params += d;
    return;
  }
  Wide hd = a.headDim, kv = a.kvHeads;
  macs = d * h * hd + 2 * d * kv * hd + h * hd * d;
  params = macs;
  if (a.qkvBias)
    params += h * hd + 2 * kv * hd;
  if (a.outBias)
    params += d;
}

void mlpCounts(const ModelConfig &c, Wide &params, Wide &macs) {
  Wide d = c.hiddenSize, f = c.intermediateSize;
  if (c.mlp == MlpKind::Swiglu) {
    macs = 3 * d * f;
    params = macs + (c.mlpBias ? 2 * f + d : 0);
  } else {
    macs = 2 * d * f;
    params = macs + (c.mlpBias ? f + d : 0);
  }
}

std::string withCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

/// 1234567 -> "1.23 M" (SI units) for the human-readable output.
std::string human(double v, const char *unit) {
  const char *prefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int p = 0;
  while (v >= 1000 && p < 6) {
    v /= 1000;
    ++p;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), p ? "%.3g %s%s" : "%.0f %s%s", v,
                prefixes[p], unit);
  return buffer;
}

std::string bytes(double b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (b >= 1024 && u < 5) {
    b /= 1024;
    ++u;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), u ? "%.2f %s" : "%.0f %s", b, units[u]);
  return buffer;
}

} // namespace

bool computeStats(const ModelConfig &c, const StatsOptions &options,
                  ModelStats &s, std::string &error) {
  const AttentionConfig &a = c.attention;
  s.zeroStage = options.zeroStage;
  s.zeroRanks = options.zeroRanks;
  Wide d = c.hiddenSize, layers = c.numLayers, vocab = c.vocabSize;
  Wide attnParams, attnMacs, mlpParams, mlpMacs;
  attentionCounts(c, attnParams, attnMacs);
  mlpCounts(c, mlpParams, mlpMacs);
  Wide norms = 2 * normParameters(c, d);

  Wide position = 0;
  std::string positionNote = name(c.position);
  if (c.position == PositionKind::Learned)
    position = Wide(c.maxPositions) * d;
  else if (c.position == PositionKind::Relative)
    position = Wide(c.relativeBuckets) * a.heads;
  Wide finalNorm = c.preNorm ? normParameters(c, d) : 0;
  Wide head = c.tiedEmbeddings ? 0 : vocab * d;

  struct Raw {
    const char *name;
    Wide count, perLayer;
    std::string note;
  } raw[] = {
      {"embedding", vocab * d, 0, ""},
      {"position", position, 0, positionNote},
      {"attention", layers * attnParams, attnParams, a.kindName()},
      {"mlp", layers * mlpParams, mlpParams,
       c.mlp == MlpKind::Swiglu ? "swiglu" : "gelu"},
      {"norms", layers * norms, norms, name(c.norm)},
      {"final_norm", finalNorm, 0, c.preNorm ? "" : "post-norm: none"},
      {"lm_head", head, 0, c.tiedEmbeddings ? "tied to embedding" : ""},
      {"value_head", c.valueHead ? d + 1 : 0, 0, "PPO's critic (--value-head)"},
  };
  Wide total = 0;
  const Wide limit = std::numeric_limits<int64_t>::max();
  s.groups.clear();
  for (const Raw &r : raw) {
    if (std::string_view(r.name) == "value_head" && !c.valueHead)
      continue;
    total += r.count;
    if (r.count > limit || total > limit) {
      error = "the parameter count does not fit in 64 bits";
      return false;
    }
    s.groups.push_back({r.name, static_cast<int64_t>(r.count),
                        static_cast<int64_t>(r.perLayer), r.note});
  }
  s.totalParameters = static_cast<int64_t>(total);
  s.valueHeadParameters = c.valueHead ? d + 1 : 0;
  s.buffers =
      c.norm == NormKind::Batch
          ? static_cast<int64_t>(2 * (2 * layers + (c.preNorm ? 1 : 0)) * d)
          : 0;

  // FLOPs per token at sequence length S: every weight matmul, the LM head
  // (even when tied), and attention's q·k and p·v against (S + 1) / 2 keys on
  // average under the causal mask.
  s.batch = options.batch;
  s.sequence = options.sequence ? options.sequence : c.maxPositions;
  double averageKeys = (static_cast<double>(s.sequence) + 1) / 2;
  s.weightFlopsPerToken =
      2.0 * static_cast<double>(layers * (attnMacs + mlpMacs) + vocab * d);
  s.attentionFlopsPerToken = 2.0 * static_cast<double>(layers) * a.heads *
                             (a.qkHeadDim() + a.valueHeadDim()) * averageKeys;

  // KV cache: MHA/GQA/MQA keep k and v of every kv head; MLA keeps the
  // compressed latent and the shared RoPE key.
  int64_t kvWidth = byteWidth(options.kvType);
  s.kvType = name(options.kvType);
  s.kvBytesPerTokenPerLayer = a.mla ? (a.kvLoraRank + a.qkRopeHeadDim) * kvWidth
                                    : 2 * a.kvHeads * a.headDim * kvWidth;
  // What MLA replaces: per-head keys and values of every head.
  if (a.mla)
    s.mhaKvBytesPerTokenPerLayer =
        a.heads * (a.qkHeadDim() + a.valueHeadDim()) * kvWidth;
  s.kvBytesPerToken =
      static_cast<double>(s.kvBytesPerTokenPerLayer) * c.numLayers;
  s.kvBytesAtSequence = s.kvBytesPerToken * s.batch * s.sequence;

  // Activations saved for the backward pass, per token, FlashAttention-style
  // (the row log-sum-exp instead of the S x S probabilities).
  double tokens = static_cast<double>(s.batch) * s.sequence;
  double width = byteWidth(options.activationType);
  s.activationType = name(options.activationType);
  double attn = 2.0 * c.hiddenSize; // norm input and output
  if (a.mla)
    attn += a.heads * (2.0 * a.qkHeadDim() + a.vHeadDim) + a.kvLoraRank +
            a.qkRopeHeadDim + a.qLoraRank;
  else
    attn += a.heads * double(a.headDim) + 2.0 * a.kvHeads * a.headDim;
  attn += a.heads * double(a.valueHeadDim()) + a.heads; // output, log-sum-exp
  double mlp = 2.0 * c.hiddenSize +
               (c.mlp == MlpKind::Swiglu ? 3.0 : 2.0) * c.intermediateSize;
  s.activationBytesPerLayer = tokens * (attn + mlp) * width;
  double model = tokens * (2.0 * c.hiddenSize + c.vocabSize) * width;
  s.activationBytes = s.activationBytesPerLayer * c.numLayers + model;
  s.unfusedScoreBytesPerLayer =
      double(s.batch) * a.heads * double(s.sequence) * s.sequence * width;

  // Recomputation: `attention` keeps of each attention sublayer only its
  // input (the norm's input and output) and runs its projections and
  // attention again; `blocks` keeps each block's input and runs the whole
  // block again.
  double attentionFlops =
      2.0 * double(attnMacs) + s.attentionFlopsPerToken / double(layers);
  double mlpFlops = 2.0 * double(mlpMacs);
  s.blockInputBytes = tokens * c.hiddenSize * width;
  s.recompute = {
      {"none", s.activationBytes, 0},
      {"attention",
       double(layers) * tokens * (2.0 * c.hiddenSize + mlp) * width + model,
       tokens * double(layers) * attentionFlops},
      {"blocks", double(layers) * s.blockInputBytes + model,
       tokens * double(layers) * (attentionFlops + mlpFlops)}};

  // tessel-tile-attention's default block-q and block-k.
  constexpr double kBlock = 64;
  double group = a.mla ? 1.0 : double(a.heads) / a.kvHeads;
  double dv = a.valueHeadDim(), dk = a.qkHeadDim();
  s.attentionWorkingBytesPerLayer =
      double(s.batch) * a.heads * double(s.sequence) * (dv + 1) * 4;
  s.attentionTileBytesPerThread =
      (group * kBlock * (kBlock + dv + 3) + dk * kBlock) * 4;
  return true;
}

int64_t blocksForBudget(const ModelConfig &c, const ModelStats &s,
                        double budget) {
  for (int64_t k = 0; k <= c.numLayers; ++k)
    if (s.activationBytes -
            double(k) * (s.activationBytesPerLayer - s.blockInputBytes) <=
        budget)
      return k;
  return -1;
}

std::string formatStatsText(const ModelConfig &c, const ModelStats &s) {
  const AttentionConfig &a = c.attention;
  std::ostringstream os;
  os << "model: " << c.modelName << " (" << c.format << "), " << c.numLayers
     << " layers, hidden " << c.hiddenSize << ", " << a.heads << " heads ("
     << a.kindName();
  if (!a.mla && a.kvHeads != a.heads)
    os << ", " << a.kvHeads << " kv heads";
  os << "), vocab " << c.vocabSize << ", " << name(c.dtype);
  if (c.ntk)
    os << ", NTK parameterization";
  os << "\n";
  os << "parameters:\n";
  for (const ParameterGroup &g : s.groups) {
    char line[160];
    std::snprintf(line, sizeof(line), "  %-12s %18s", g.name.c_str(),
                  withCommas(g.count).c_str());
    os << line;
    if (g.perLayer)
      os << "  (" << c.numLayers << " x " << withCommas(g.perLayer) << ")";
    if (!g.note.empty())
      os << "  " << g.note;
    os << "\n";
  }
  char total[160];
  std::snprintf(total, sizeof(total), "  %-12s %18s", "total",
                withCommas(s.totalParameters).c_str());
  os << total << "  (" << human(double(s.totalParameters), "") << ")\n";
  if (s.buffers)
    os << "  buffers: " << withCommas(s.buffers)
       << " (BatchNorm running statistics, not learned)\n";
  // Each parameter-efficient method: what it trains, of all parameters.
  auto trainable = [&](const std::string &method, bool loraToo) {
    int64_t trained = s.trainedParameters(true);
    int64_t all = s.totalParameters + s.adapterParameters;
    char share[32];
    std::snprintf(share, sizeof(share), "%.2f%%",
                  100.0 * double(trained) / double(all));
    os << "  " << method << ": trainable " << withCommas(trained) << " of "
       << withCommas(all) << " (" << share
       << (loraToo ? ", LoRA's adapters among them" : "")
       << (c.valueHead ? ", the value head's among them" : "")
       << "); the base model is frozen\n";
  };
  if (c.lora.enabled()) {
    std::ostringstream method;
    method << "LoRA (r = " << c.lora.rank << ", alpha = " << c.lora.alpha
           << ", on " << llvm::join(c.lora.targets, ", ") << ")";
    trainable(method.str(), false);
  }
  if (c.prefix.enabled())
    trainable("prefix tuning (" + std::to_string(c.prefix.tokens) +
                  " virtual tokens, keys and values of every layer)",
              c.lora.enabled());
  if (c.reft.enabled()) {
    std::string layers;
    for (int64_t layer : c.reft.layers)
      layers += (layers.empty() ? "" : ", ") + std::to_string(layer);
    trainable("LoReFT (r = " + std::to_string(c.reft.rank) + ", after layers " +
                  layers + ", positions f" + std::to_string(c.reft.first) +
                  "+l" + std::to_string(c.reft.last) + ")",
              c.lora.enabled());
  }
  os << "flops per token (sequence " << s.sequence << "):\n"
     << "  forward   " << human(s.forwardFlopsPerToken(), "FLOP") << " ("
     << human(s.weightFlopsPerToken, "FLOP") << " weights + "
     << human(s.attentionFlopsPerToken, "FLOP") << " attention)\n"
     << "  training  " << human(s.trainingFlopsPerToken(), "FLOP")
     << " (3 x forward)\n";
  os << "kv cache (" << s.kvType << ", " << a.kindName() << "):\n"
     << "  per token per layer  " << bytes(s.kvBytesPerTokenPerLayer) << "\n";
  if (s.mhaKvBytesPerTokenPerLayer) {
    char ratio[32];
    std::snprintf(ratio, sizeof(ratio), "%.1f",
                  double(s.mhaKvBytesPerTokenPerLayer) /
                      double(s.kvBytesPerTokenPerLayer));
    os << "  (the MHA it replaces: " << bytes(s.mhaKvBytesPerTokenPerLayer)
       << " per token per layer, " << ratio << "x as much)\n";
  }
  os << "  per token            " << bytes(s.kvBytesPerToken) << "\n"
     << "  batch " << s.batch << " x sequence " << s.sequence << "  "
     << bytes(s.kvBytesAtSequence) << "\n";
  os << "activations saved for backward (" << s.activationType << ", batch "
     << s.batch << " x sequence " << s.sequence << "):\n"
     << "  per layer  " << bytes(s.activationBytesPerLayer) << "\n"
     << "  total      " << bytes(s.activationBytes)
     << "  (attention as FlashAttention: no S x S matrix; unfused it would "
        "add "
     << bytes(s.unfusedScoreBytesPerLayer) << " per layer)\n";
  os << "recomputation (tesselc --recompute; saved activations, extra "
        "forward FLOPs per step):\n";
  for (const ModelStats::Recompute &r : s.recompute) {
    char line[160];
    std::snprintf(line, sizeof(line), "  %-10s %12s  +%s\n", r.schedule,
                  bytes(r.savedBytes).c_str(),
                  human(r.extraFlops, "FLOP").c_str());
    os << line;
  }
  os << "attention working memory (forward, f32, FlashAttention 64x64 "
        "tiles):\n"
     << "  per layer   " << bytes(s.attentionWorkingBytesPerLayer)
     << "  (output and log-sum-exp: O(S x D); no S x S logits)\n"
     << "  per thread  " << bytes(s.attentionTileBytesPerThread)
     << "  (one tile's logits and running state, independent of S)\n";
  if (s.zeroRanks > 0) {
    int n = s.zeroRanks;
    // With a parameter-efficient method the base is frozen: gradients and
    // optimizer state exist for what the method trains only (the formulas'
    // labels are then the full model's).
    double psi = double(s.totalParameters + s.adapterParameters);
    double trained = double(s.trainedParameters(c.peft()));
    os << "training state per rank, ZeRO over " << n << " rank"
       << (n == 1 ? "" : "s")
       << " (Psi = " << withCommas(s.totalParameters + s.adapterParameters)
       << " parameters";
    if (c.peft())
      os << "; "
         << (c.lora.enabled()     ? "LoRA"
             : c.prefix.enabled() ? "prefix tuning"
                                  : "LoReFT")
         << ": gradients and optimizer state for the Psi_t = "
         << withCommas(s.trainedParameters(true)) << " trained ones only";
    os << "):\n"
       << "  stage  mixed-precision Adam (paper)      f32 Adam/AdamW "
          "(tessel-run train)\n";
    const char *paper[] = {"16Psi", "4Psi + 12Psi/N", "2Psi + 14Psi/N",
                           "16Psi/N"};
    const char *f32[] = {"16Psi", "8Psi + 8Psi/N", "4Psi + 12Psi/N", "16Psi/N"};
    // LoRA: Psi_t trained parameters of Psi.
    const char *paperLora[] = {"2Psi + 14Psi_t", "2Psi + 2Psi_t + 12Psi_t/N",
                               "2Psi + 14Psi_t/N", "2Psi/N + 14Psi_t/N"};
    const char *f32Lora[] = {"4Psi + 12Psi_t", "4Psi + 4Psi_t + 8Psi_t/N",
                             "4Psi + 12Psi_t/N", "4Psi/N + 12Psi_t/N"};
    if (c.peft())
      for (int i = 0; i < 4; ++i)
        paper[i] = paperLora[i], f32[i] = f32Lora[i];
    for (int stage = 0; stage <= 3; ++stage) {
      char line[200];
      int width = c.peft() ? 25 : 15;
      std::snprintf(
          line, sizeof(line), "  %s%-4d %-*s %14s   %-*s %14s\n",
          stage == s.zeroStage ? "*" : " ", stage, width, paper[stage],
          bytes(dist::paperMixedAdam(stage, psi, n, trained).total()).c_str(),
          width, f32[stage],
          bytes(dist::f32Training(stage, psi, n, 8, trained).total()).c_str());
      os << line;
    }
    if (c.peft())
      os << "  communication per step: 2Psi_t (the adapters' gradients and "
            "updates); tessel-run shards the trained parameters only, so a "
            "frozen base stays whole on every rank (4Psi, not 4Psi/N, at "
            "stage 3)\n";
    else
      os << "  communication per step: 2Psi at stages 0-2, 3Psi at stage 3 "
            "(tessel-run gathers the whole model once per step: 2Psi)\n";
  }
  return os.str();
}

std::string formatStatsJson(const ModelConfig &c, const ModelStats &s) {
  nlohmann::ordered_json j;
  const AttentionConfig &a = c.attention;
  j["model"] = {{"name", c.modelName},
                {"format", c.format},
                {"layers", c.numLayers},
                {"hidden_size", c.hiddenSize},
                {"heads", a.heads},
                {"kv_heads", a.kvHeads},
                {"attention", a.kindName()},
                {"vocab_size", c.vocabSize},
                {"dtype", name(c.dtype)},
                {"parameterization", c.ntk ? "ntk" : "standard"}};
  nlohmann::ordered_json params;
  for (const ParameterGroup &g : s.groups) {
    params[g.name] = g.count;
    if (g.perLayer)
      params["per_layer"][g.name] = g.perLayer;
  }
  params["total"] = s.totalParameters;
  params["buffers"] = s.buffers;
  if (c.lora.enabled())
    params["lora"] = {{"rank", c.lora.rank},
                      {"alpha", c.lora.alpha},
                      {"targets", c.lora.targets},
                      {"trainable", s.trainedParameters(true)},
                      {"total", s.totalParameters + s.adapterParameters}};
  if (c.prefix.enabled())
    params["prefix"] = {{"tokens", c.prefix.tokens},
                        {"trainable", s.trainedParameters(true)},
                        {"total", s.totalParameters + s.adapterParameters}};
  j["parameters"] = params;
  j["flops_per_token"] = {{"sequence", s.sequence},
                          {"forward", s.forwardFlopsPerToken()},
                          {"forward_weights", s.weightFlopsPerToken},
                          {"forward_attention", s.attentionFlopsPerToken},
                          {"training", s.trainingFlopsPerToken()}};
  j["kv_cache"] = {{"dtype", s.kvType},
                   {"bytes_per_token_per_layer", s.kvBytesPerTokenPerLayer},
                   {"bytes_per_token", s.kvBytesPerToken},
                   {"batch", s.batch},
                   {"sequence", s.sequence},
                   {"bytes", s.kvBytesAtSequence}};
  if (s.mhaKvBytesPerTokenPerLayer)
    j["kv_cache"]["mha_bytes_per_token_per_layer"] =
        s.mhaKvBytesPerTokenPerLayer;
  j["activations"] = {{"dtype", s.activationType},
                      {"batch", s.batch},
                      {"sequence", s.sequence},
                      {"bytes_per_layer", s.activationBytesPerLayer},
                      {"bytes", s.activationBytes},
                      {"unfused_attention_scores_bytes_per_layer",
                       s.unfusedScoreBytesPerLayer}};
  for (const ModelStats::Recompute &r : s.recompute)
    j["recompute"][r.schedule] = {{"saved_bytes", r.savedBytes},
                                  {"extra_flops", r.extraFlops}};
  j["attention_working_memory"] = {
      {"dtype", "f32"},
      {"block_q", 64},
      {"block_k", 64},
      {"bytes_per_layer", s.attentionWorkingBytesPerLayer},
      {"tile_bytes_per_thread", s.attentionTileBytesPerThread}};
  if (s.zeroRanks > 0) {
    double psi = double(s.totalParameters + s.adapterParameters);
    double trained = double(s.trainedParameters(c.peft()));
    nlohmann::ordered_json zero = {
        {"ranks", s.zeroRanks},
        {"parameters", s.totalParameters + s.adapterParameters},
        {"trained_parameters", int64_t(trained)}};
    if (s.zeroStage >= 0)
      zero["stage"] = s.zeroStage;
    for (int stage = 0; stage <= 3; ++stage) {
      dist::ZeroMemory paper =
          dist::paperMixedAdam(stage, psi, s.zeroRanks, trained);
      dist::ZeroMemory f32 =
          dist::f32Training(stage, psi, s.zeroRanks, 8, trained);
      zero["stages"].push_back(
          {{"stage", stage},
           {"mixed_precision_adam_bytes", paper.total()},
           {"f32_adam_bytes", f32.total()},
           {"f32_adam",
            {{"parameters", f32.parameters},
             {"gradients", f32.gradients},
             {"optimizer", f32.optimizer}}},
           {"communication_elements", dist::paperVolume(stage, trained)}});
    }
    j["zero"] = zero;
  }
  j["conventions"] = {
      {"flops", "2 per multiply-add of every matmul (weights, LM head even "
                "when tied, q.k and p.v against (S+1)/2 keys on average under "
                "the causal mask); elementwise ops not counted; training = 3 x "
                "forward"},
      {"activations", "tensors saved for the backward pass with "
                      "FlashAttention-style attention (row log-sum-exp kept, "
                      "no S x S probabilities)"}};
  return j.dump(2) + "\n";
}

} // namespace tessel::frontend
