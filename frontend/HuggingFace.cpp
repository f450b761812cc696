//===- HuggingFace.cpp - HuggingFace config.json
//---------------------------===//
//
// The model types gpt2, llama, mistral, qwen2 and deepseek_v2 (dense MLP).
// Absent fields take the defaults of the matching `transformers` config
// class, so a minimal config reads as the library would read it. Fields
// that change the math but that Tessel does not model (RoPE scaling,
// sliding windows) are reported as warnings.
//
//===----------------------------------------------------------------------===//

#include "frontend/ConfigReader.h"
#include "frontend/FieldReader.h"

namespace tessel::frontend {

namespace {

using json = nlohmann::json;

void readGpt2(FieldReader &r, const json &root, ModelConfig &c) {
  c.naming = Naming::GPT2;
  c.vocabSize = 50257, c.maxPositions = 1024, c.hiddenSize = 768;
  c.numLayers = 12;
  AttentionConfig &a = c.attention;
  a.heads = 12;
  r.integer(root, "", "vocab_size", c.vocabSize, false);
  r.integer(root, "", "n_positions", c.maxPositions, false);
  r.integer(root, "", "n_embd", c.hiddenSize, false);
  r.integer(root, "", "n_layer", c.numLayers, false, 1,
            FieldReader::kMaxLayers);
  r.integer(root, "", "n_head", a.heads, false);
  c.intermediateSize = 4 * c.hiddenSize;
  r.integer(root, "", "n_inner", c.intermediateSize, false);
  std::string activation = "gelu_new";
  r.keyword(root, "", "activation_function", activation, false,
            {"gelu_new", "gelu_pytorch_tanh", "gelu"});
  r.number(root, "", "layer_norm_epsilon", c.normEps, false, 0.0, 1.0);
  r.number(root, "", "initializer_range", c.embeddingInit.std, false, 1e-12,
           1e6);
  c.tiedEmbeddings = true;
  r.boolean(root, "", "tie_word_embeddings", c.tiedEmbeddings);
  r.boolean(root, "", "scale_attn_weights", a.scaleLogits);
  r.boolean(root, "", "scale_attn_by_inverse_layer_idx", a.scaleByInverseLayer);
  if (r.failed())
    return;
  if (c.hiddenSize % a.heads != 0)
    r.fail(".n_head", "n_embd " + std::to_string(c.hiddenSize) +
                          " is not divisible by n_head " +
                          std::to_string(a.heads));
  a.kvHeads = a.heads;
  a.headDim = c.hiddenSize / a.heads;
  a.qkvBias = a.outBias = true;
  c.position = PositionKind::Learned;
  c.norm = NormKind::Layer;
  c.preNorm = true;
  c.mlp = MlpKind::Gelu;
  c.geluTanh = activation != "gelu";
  c.mlpBias = true;
  c.attentionPath = ".n_head";
  c.mlpPath = ".n_inner";
  c.normPath = ".layer_norm_epsilon";
  c.positionPath = ".n_positions";
  c.embeddingPath = ".vocab_size";
  c.outputPath = ".vocab_size";
}

/// The sizes and RMSNorm/RoPE fields every Llama-like config has (Llama,
/// Mistral, Qwen2, DeepSeek-V2); `c` holds the model type's defaults.
void readLlamaLikeFields(FieldReader &r, const json &root, ModelConfig &c) {
  r.integer(root, "", "vocab_size", c.vocabSize, false);
  r.integer(root, "", "hidden_size", c.hiddenSize, false);
  r.integer(root, "", "intermediate_size", c.intermediateSize, false);
  r.integer(root, "", "num_hidden_layers", c.numLayers, false, 1,
            FieldReader::kMaxLayers);
  r.integer(root, "", "num_attention_heads", c.attention.heads, false);
  r.integer(root, "", "max_position_embeddings", c.maxPositions, false);
  c.normEps = 1e-6;
  r.number(root, "", "rms_norm_eps", c.normEps, false, 0.0, 1.0);
  r.number(root, "", "rope_theta", c.ropeTheta, false, 1e-6, 1e12);
  r.number(root, "", "initializer_range", c.embeddingInit.std, false, 1e-12,
           1e6);
  c.tiedEmbeddings = false;
  r.boolean(root, "", "tie_word_embeddings", c.tiedEmbeddings);
  std::string act = "silu";
  r.keyword(root, "", "hidden_act", act, false, {"silu"});
}

/// Llama, Mistral and Qwen2 share one architecture: RMSNorm, RoPE, SwiGLU,
/// grouped-query attention; they differ in defaults and biases.
void readLlamaFamily(FieldReader &r, const json &root, ModelConfig &c,
                     const std::string &type) {
  c.naming = Naming::Llama;
  AttentionConfig &a = c.attention;
  if (type == "qwen2") {
    c.vocabSize = 151936, c.hiddenSize = 4096, c.intermediateSize = 22016;
    c.numLayers = 32, a.heads = 32, c.maxPositions = 32768;
  } else if (type == "mistral") {
    c.vocabSize = 32000, c.hiddenSize = 4096, c.intermediateSize = 14336;
    c.numLayers = 32, a.heads = 32, c.maxPositions = 4096 * 32;
  } else {
    c.vocabSize = 32000, c.hiddenSize = 4096, c.intermediateSize = 11008;
    c.numLayers = 32, a.heads = 32, c.maxPositions = 2048;
  }
  readLlamaLikeFields(r, root, c);
  a.kvHeads = type == "mistral" ? 8 : a.heads;
  r.integer(root, "", "num_key_value_heads", a.kvHeads, false);
  a.qkvBias = type == "qwen2";
  if (type == "llama") {
    r.boolean(root, "", "attention_bias", a.qkvBias);
    a.outBias = a.qkvBias;
    r.boolean(root, "", "mlp_bias", c.mlpBias);
  }
  if (r.failed())
    return;
  if (a.kvHeads > a.heads || a.heads % a.kvHeads != 0)
    r.fail(".num_key_value_heads",
           "num_attention_heads " + std::to_string(a.heads) +
               " is not divisible by num_key_value_heads " +
               std::to_string(a.kvHeads));
  if (root.contains("head_dim") && !root["head_dim"].is_null()) {
    r.integer(root, "", "head_dim", a.headDim, true);
  } else if (c.hiddenSize % a.heads != 0) {
    r.fail(".num_attention_heads",
           "hidden_size " + std::to_string(c.hiddenSize) +
               " is not divisible by num_attention_heads " +
               std::to_string(a.heads));
  } else {
    a.headDim = c.hiddenSize / a.heads;
  }
  c.position = PositionKind::Rope;
  c.norm = NormKind::RMS;
  c.preNorm = true;
  c.mlp = MlpKind::Swiglu;
  c.attentionPath = ".num_attention_heads";
  c.mlpPath = ".intermediate_size";
  c.normPath = ".rms_norm_eps";
  c.positionPath =
      root.contains("rope_theta") ? ".rope_theta" : ".max_position_embeddings";
  c.embeddingPath = ".vocab_size";
  c.outputPath = ".vocab_size";

  // Sliding-window attention is not modelled: full causal attention is
  // only the same while sequences fit in the window.
  const json *window = r.member(root, "", "sliding_window", false);
  const json *useWindow = r.member(root, "", "use_sliding_window", false);
  bool windowOn =
      type == "mistral" || (type == "qwen2" && useWindow &&
                            useWindow->is_boolean() && useWindow->get<bool>());
  if (window && windowOn && window->is_number_integer() &&
      window->get<int64_t>() < c.maxPositions)
    c.warnings.push_back(
        r.source.position(".sliding_window") +
        ": .sliding_window: sliding-window attention is not modelled; "
        "attention is full causal, which matches only up to " +
        window->dump() + " tokens");
}

void readDeepSeekV2(FieldReader &r, const json &root, ModelConfig &c) {
  // Mixture-of-experts layers are out of scope: say so before anything else.
  const json *experts = r.member(root, "", "n_routed_experts", false);
  if (experts &&
      !(experts->is_number_integer() && experts->get<int64_t>() == 0)) {
    r.fail(".n_routed_experts",
           "mixture-of-experts is not supported (this config has " +
               (experts->is_number() ? experts->dump() : describe(*experts)) +
               " routed experts); only dense DeepSeek-V2 MLPs are");
    return;
  }
  c.naming = Naming::DeepSeek;
  AttentionConfig &a = c.attention;
  c.vocabSize = 102400, c.hiddenSize = 4096, c.intermediateSize = 11008;
  c.numLayers = 30, a.heads = 32, c.maxPositions = 2048;
  a.mla = true;
  a.kvLoraRank = 512, a.qLoraRank = 1536;
  a.qkRopeHeadDim = 64, a.vHeadDim = 128, a.qkNopeHeadDim = 128;
  readLlamaLikeFields(r, root, c);
  r.integer(root, "", "kv_lora_rank", a.kvLoraRank, false);
  // q_lora_rank null means a plain q_proj (DeepSeek-V2-Lite).
  if (root.contains("q_lora_rank") && root["q_lora_rank"].is_null())
    a.qLoraRank = 0;
  else
    r.integer(root, "", "q_lora_rank", a.qLoraRank, false);
  r.integer(root, "", "qk_rope_head_dim", a.qkRopeHeadDim, false);
  r.integer(root, "", "qk_nope_head_dim", a.qkNopeHeadDim, false);
  r.integer(root, "", "v_head_dim", a.vHeadDim, false);
  r.boolean(root, "", "attention_bias", a.qkvBias);
  a.outBias = a.qkvBias;
  a.kvHeads = a.heads;
  c.position = PositionKind::Rope;
  c.ropeInterleaved = true; // DeepSeek's checkpoints pair (2i, 2i+1).
  c.norm = NormKind::RMS;
  c.preNorm = true;
  c.mlp = MlpKind::Swiglu;
  c.attentionPath = ".kv_lora_rank";
  c.mlpPath = ".intermediate_size";
  c.normPath = ".rms_norm_eps";
  c.positionPath = ".qk_rope_head_dim";
  c.embeddingPath = ".vocab_size";
  c.outputPath = ".vocab_size";
}

} // namespace

void readHuggingFace(FieldReader &r, ModelConfig &c) {
  const json &root = r.source.root();
  std::string type;
  r.keyword(root, "", "model_type", type, true,
            {"gpt2", "llama", "mistral", "qwen2", "deepseek_v2"});
  if (r.failed())
    return;
  c.format = type;
  c.modelName = type;
  if (const json *names = r.member(root, "", "_name_or_path", false))
    if (names->is_string() && !names->get<std::string>().empty())
      c.modelName = names->get<std::string>();
  if (type == "gpt2")
    readGpt2(r, root, c);
  else if (type == "deepseek_v2")
    readDeepSeekV2(r, root, c);
  else
    readLlamaFamily(r, root, c, type);
  if (r.failed())
    return;
  // Every weight group starts from N(0, initializer_range), as in
  // transformers' _init_weights; biases start at zero, norms at one.
  c.attentionInit = c.mlpInit = c.outputInit = c.embeddingInit;
  if (const json *scaling = r.member(root, "", "rope_scaling", false))
    c.warnings.push_back(r.source.position(".rope_scaling") +
                         ": .rope_scaling: RoPE scaling is not modelled; "
                         "positions use plain RoPE with theta " +
                         std::to_string(c.ropeTheta) + " (" +
                         describe(*scaling) + " ignored)");
}

} // namespace tessel::frontend
