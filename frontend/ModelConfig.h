//===- ModelConfig.h - a decoder-only transformer, normalized ---*- C++ -*-===//
//
// Every input format (Tessel's own JSON, HuggingFace config.json) is read
// into this one description; the IR builder and the statistics work from it
// alone. No MLIR here, so the readers can be fuzzed and reused freely.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_FRONTEND_MODELCONFIG_H
#define TESSEL_FRONTEND_MODELCONFIG_H

#include "runtime/Enums.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessel::frontend {

enum class PositionKind { Learned, Sinusoidal, Relative, Rope, Alibi, None };
enum class NormKind { Layer, RMS, Scale, Batch };
enum class MlpKind { Gelu, Swiglu };
/// Which checkpoint's parameter names the model uses.
enum class Naming { Tessel, GPT2, Llama, DeepSeek };

const char *name(PositionKind kind);
const char *name(NormKind kind);

/// How one group of parameters is initialized.
struct Init {
  InitKind kind = InitKind::Normal;
  double std = 0.02;
  double value = 0.0;
};

struct AttentionConfig {
  int64_t heads = 0;
  int64_t kvHeads = 0; ///< = heads: MHA; 1: MQA; otherwise GQA.
  int64_t headDim = 0;
  bool qkvBias = false, outBias = false;
  /// GPT-2's switches: scale the logits by 1/sqrt(head dim) at all, and
  /// further by 1/(layer index + 1).
  bool scaleLogits = true, scaleByInverseLayer = false;
  /// Multi-head latent attention (DeepSeek-V2): queries optionally through a
  /// rank-qLoraRank bottleneck, keys and values through a shared latent of
  /// kvLoraRank plus a decoupled RoPE key of qkRopeHeadDim. As in
  /// DeepSeek-V2, `qkvBias` gives biases to the down-projections q_a and kv_a
  /// only (never to q_proj, q_b or kv_b), and the two latent RMSNorms use
  /// eps 1e-6 whatever the model's norm eps.
  bool mla = false;
  int64_t kvLoraRank = 0, qLoraRank = 0; ///< qLoraRank 0: a plain q_proj.
  int64_t qkNopeHeadDim = 0, qkRopeHeadDim = 0, vHeadDim = 0;

  const char *kindName() const;
  /// Per-head dims of q·k and of v.
  int64_t qkHeadDim() const {
    return mla ? qkNopeHeadDim + qkRopeHeadDim : headDim;
  }
  int64_t valueHeadDim() const { return mla ? vHeadDim : headDim; }
};

struct ModelConfig {
  std::string format;    ///< "tessel" or the HuggingFace model_type.
  std::string modelName; ///< For messages and stats.
  Naming naming = Naming::Tessel;

  int64_t vocabSize = 0, hiddenSize = 0, numLayers = 0, maxPositions = 0;
  DType dtype = DType::F32; ///< f32, f16 or bf16.
  bool tiedEmbeddings = false;

  AttentionConfig attention;

  PositionKind position = PositionKind::None;
  double ropeTheta = 10000.0;
  int64_t rotaryDims = 0; ///< 0: the whole (rotary part of the) head.
  bool ropeInterleaved = false;
  int64_t relativeBuckets = 32, relativeMaxDistance = 128;

  NormKind norm = NormKind::Layer;
  bool preNorm = true;
  double normEps = 1e-5;
  bool normBias = true; ///< LayerNorm's beta.

  MlpKind mlp = MlpKind::Gelu;
  bool geluTanh = false;
  int64_t intermediateSize = 0;
  bool mlpBias = false;

  Init embeddingInit, attentionInit, mlpInit, outputInit;
  /// NTK parameterization: every linear weight and the LM head is read
  /// through a multiplication by 1/sqrt(fan_in) in the graph (the weights
  /// themselves start at unit scale), so that the forward pass, and with it
  /// every gradient, carries the scaling; embeddings are not scaled.
  bool ntk = false;

  /// Dropout in training (the loss and grads entry points only): on the
  /// sum of the embeddings, and on each attention and MLP output before it
  /// joins the residual stream. Rates in [0, 1).
  double embeddingDropout = 0.0, residualDropout = 0.0;
  bool hasDropout() const {
    return embeddingDropout > 0.0 || residualDropout > 0.0 ||
           lora.dropout > 0.0;
  }

  /// LoRA (tesselc --lora-targets, set by the command line, not the
  /// definition): each linear layer whose module name ends in one of
  /// `targets` computes W x + (alpha / rank) B A dropout(x), with A
  /// [rank, in] (PEFT's Kaiming-uniform, a = sqrt(5)) and B [out, rank]
  /// (zeros) named MODULE.lora_A.weight / MODULE.lora_B.weight; every other
  /// parameter is frozen (no gradient).
  struct Lora {
    std::vector<std::string> targets;
    int64_t rank = 0;
    double alpha = 0.0, dropout = 0.0;
    bool enabled() const { return rank > 0; }
  } lora;

  /// Prefix tuning (tesselc --prefix-tokens, set by the command line): each
  /// layer's attention attends `tokens` learned keys and values before the
  /// sequence's, from one parameter prefix.embedding [P, 2 L Hkv D] laid
  /// out as PEFT's (layer l's keys at row block 2l, values at 2l + 1); the
  /// sequence's positions start at P, as with PEFT's past_key_values; every
  /// other parameter is frozen. Decode and prefill leave the prefix to the
  /// runtime, which writes it into the first P slots of each KV cache.
  /// With `projection` H > 0, PEFT's reparametrization: prefix.embedding is
  /// [P, D], and the keys and values are MLP(embedding) through
  /// prefix.transform.0 (D -> H), tanh, prefix.transform.2 (H -> 2 L Hkv D);
  /// tessel-run merge-prefix drops the MLP after training.
  struct Prefix {
    int64_t tokens = 0, projection = 0;
    bool enabled() const { return tokens > 0; }
  } prefix;
  /// LoReFT (tesselc --reft-layers, set by the command line): the hidden
  /// state h after each listed layer becomes h + R^T (W h + b - R h) at the
  /// first `first` and last `last` positions of the sequence, with
  /// reft.layers.L.rotation R [rank, D] (orthonormal rows, kept so by the
  /// runtime after each update), reft.layers.L.weight W [rank, D] and
  /// reft.layers.L.bias b [rank]; every other parameter is frozen. Decode
  /// knows a sequence's first positions but not its last: its masks use
  /// `first` only, and the runtime refuses to generate when `last` > 0.
  struct Reft {
    std::vector<int64_t> layers;
    int64_t rank = 0, first = 0, last = 0;
    bool enabled() const { return rank > 0; }
  } reft;

  /// A parameter-efficient method: the base model frozen.
  bool peft() const {
    return lora.enabled() || prefix.enabled() || reft.enabled();
  }

  /// JSON paths of the parts, so that IR locations point into the file.
  std::string attentionPath, mlpPath, normPath, positionPath, embeddingPath,
      outputPath, dropoutPath;

  /// The model's tokenizer: a file or directory (resolved against the
  /// definition's folder), or an inline tokenizer.json (its JSON text);
  /// both empty when the definition names none.
  std::string tokenizerPath, tokenizerJson;
  /// The tokenizer was found beside a HuggingFace config, not named: one
  /// that cannot be read is skipped with a warning.
  bool tokenizerFound = false;

  /// Decode's KV cache: 0 for one contiguous cache per sequence, else a
  /// pool of blocks of this many positions read through block tables (set
  /// by tesselc --kv-block-size, not by the definition).
  int64_t kvBlockSize = 0;

  /// Also build the training entry points: `loss`, and from it (by
  /// tessel-autodiff) `grads` (set by tesselc --train).
  bool train = false;

  /// Also build `policy` (the forward pass plus a value head on the last
  /// hidden states, value_head.weight [1, D] and value_head.bias [1]) and,
  /// with train, its vector-Jacobian product `policy_grads`: what PPO
  /// needs (set by tesselc --value-head).
  bool valueHead = false;

  /// Also build the `prefill` entry point (a prompt's logits at its last
  /// position only); tesselc --no-prefill leaves it out, which saves its
  /// share of the compile time.
  bool prefill = true;

  /// Things the IR does not model, said once (e.g. sliding windows).
  std::vector<std::string> warnings;
};

} // namespace tessel::frontend

#endif // TESSEL_FRONTEND_MODELCONFIG_H
