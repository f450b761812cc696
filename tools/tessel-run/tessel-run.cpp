//===- tessel-run.cpp - run compiled Tessel artifacts ---------------------===//
//
//   tessel-run forward MODEL.tsl --tokens ids.npy --out logits.npy
//   tessel-run run MODEL.tsl --entry NAME --input X.npy... --output Y.npy...
//   tessel-run generate MODEL.tsl --prompt-tokens ids.npy [sampling options]
//   tessel-run generate MODEL.tsl --prompt "text" [--tokenizer T] [...]
//   tessel-run serve MODEL.tsl [--port 8080] [...]
//   tessel-run train MODEL.tsl --data TEXT|steps.npy [optimizer options]
//
// Runs the entry points of an artifact written by `tesselc -o MODEL.tsl`.
// No MLIR or LLVM: this is the runner a machine without the compiler (a GPU
// box) builds with -DTESSEL_ENABLE_COMPILER=OFF. IR is evaluated by
// tessel-interpret, which the full build adds.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"
#include "runtime/Generator.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"
#include "runtime/Sampling.h"
#include "runtime/train/Lora.h"
#include "tools/common/CommandLine.h"
#include "tools/tessel-run/Commands.h"
#ifdef TESSEL_HAVE_TOKENIZERS
#include "runtime/tokenizer/TextStream.h"
#endif
#ifdef TESSEL_HAVE_SERVER
#include "runtime/serve/Server.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace tessel;
using namespace tessel::run;

constexpr const char *kTool = "tessel-run";

Status run::loadArtifact(const cli::ParsedArgs &args, Artifact &artifact,
                         const std::string &path) {
  TESSEL_RETURN_IF_ERROR(
      artifact.load(path.empty() ? args.positional() : path));
  if (args.has("profile"))
    TESSEL_RETURN_IF_ERROR(artifact.startProfile());
  uint64_t seed = 0;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("seed", seed));
  // With --adapter the adapters come from it: the base checkpoint need not
  // hold them, but it must hold everything else.
  std::set<std::string> later;
  if (args.has("adapter"))
    later = train::adapterParameters(artifact.lora());
  SafetensorsFile weights;
  if (args.has("weights"))
    TESSEL_RETURN_IF_ERROR(weights.open(args.get("weights", "")));
  TESSEL_RETURN_IF_ERROR(
      artifact.loadParameters(weights, args.get("weights", ""),
                              args.has("seed") ? &seed : nullptr, later));
  if (args.has("weights") && artifact.seededParameters())
    std::fprintf(stderr,
                 "%s: note: --seed initialized %zu of the %zu parameters "
                 "(not in %s)\n",
                 kTool, artifact.seededParameters(), artifact.parameterCount(),
                 args.get("weights", "").c_str());
  if (args.has("adapter"))
    TESSEL_RETURN_IF_ERROR(
        train::loadAdapter(args.get("adapter", ""), artifact));
  return Status::ok();
}

#ifdef TESSEL_HAVE_TOKENIZERS
Status run::loadModelTokenizer(const std::string &path,
                               const Artifact &artifact,
                               std::unique_ptr<Tokenizer> &tokenizer) {
  // `bytes`: one token per byte (a model trained on a text file's bytes).
  if (path == kByteTokenizer)
    tokenizer = makeByteTokenizer();
  else
    TESSEL_RETURN_IF_ERROR(loadTokenizer(path, tokenizer));
  if (artifact.vocabSize() && tokenizer->vocabSize() > artifact.vocabSize())
    return errorf(path, ": the tokenizer has ", tokenizer->vocabSize(),
                  " tokens, more than the model's vocabulary of ",
                  artifact.vocabSize());
  return Status::ok();
}
#endif

namespace {

const cli::OptionSpec kAdapter = {
    "adapter", "DIR",
    "LoRA adapters in PEFT's layout (adapter_model.safetensors, "
    "adapter_config.json) for a model compiled with --lora-targets"};
const cli::OptionSpec kWeights = {"weights", "FILE.safetensors",
                                  "Parameters from a safetensors file"};
const cli::OptionSpec kSeed = {
    "seed", "N", "Initialize parameters missing from --weights from this seed"};
const cli::OptionSpec kRepeat = {
    "repeat", "N",
    "Also time the entry point N more times; print the median and minimum"};
const cli::OptionSpec kMemory = {
    "memory", "", "Print the workspace the memory plan gave the entry point"};
const cli::OptionSpec kProfile = {
    "profile", "",
    "Time each step of the compiled code; print where the time went"};

const std::vector<cli::CommandSpec> &commands() {
  static const std::vector<cli::CommandSpec> list = {
      {"forward",
       "Run forward(tokens) -> logits of a compiled model",
       "MODEL.tsl",
       {{"tokens", "ids.npy", "Token ids [B, S], int32 or int64", true},
        {"out", "logits.npy", "Where to write the logits [B, S, V]", true},
        kWeights,
        kAdapter,
        kSeed,
        kRepeat,
        kMemory,
        kProfile}},
      {"run",
       "Run an entry point of a compiled artifact",
       "MODEL.tsl",
       {{"entry", "NAME", "Entry point (default: forward)"},
        {"input", "X.npy", "Input as .npy, in order", false, true},
        {"output", "Y.npy", "Where to write each result", false, true},
        kWeights,
        kAdapter,
        kSeed,
        kRepeat,
        kMemory,
        kProfile}},
      {"generate",
       "Generate tokens with a compiled model and its KV cache",
       "MODEL.tsl",
       {{"prompt-tokens", "ids.npy", "Prompt ids [B, P], int32 or int64"},
        {"prompt", "TEXT",
         "Prompt text; the generated text is streamed as it comes"},
        {"tokenizer", "PATH",
         "Tokenizer (directory or file, or 'bytes': one token per byte; "
         "default: the artifact's own)"},
        {"ignore-eos", "",
         "With text output, go on past the end-of-text token"},
        {"no-bos", "",
         "Do not start --prompt with the begin-of-text token (<s>, ...)"},
        {"max-new-tokens", "N", "How many tokens to generate (default 16)"},
        {"temperature", "T", "Sampling temperature (default 0: greedy)"},
        {"top-k", "K", "Keep the k most likely tokens (default 0: all)"},
        {"top-p", "P",
         "Keep the most likely tokens up to this probability mass "
         "(default 1: all)"},
        {"min-p", "P",
         "Keep tokens at least P times as likely as the most likely "
         "(default 0: all)"},
        {"repetition-penalty", "R",
         "Penalize tokens already present (default 1: none)"},
        {"presence-penalty", "X",
         "Subtract X from tokens already generated (default 0)"},
        {"frequency-penalty", "X",
         "Subtract X per time a token was generated (default 0)"},
        {"stop-token", "ID",
         "End a sequence at this id (kept in the ids; repeatable)", false,
         true},
        {"stop", "TEXT",
         "End the text at this string (not shown; repeatable; needs a "
         "tokenizer)",
         false, true},
        {"sample-seed", "N",
         "Seed of the sampler; sequence b of a batch uses N + b (default 0; "
         "with speculation a batch keeps as many tokens per step in every "
         "sequence, so draws depend on the batch)"},
        {"out", "ids.npy",
         "Write prompt + generated ids [B, P + N] (int64; -1 after a "
         "sequence's stop)"},
        {"time", "",
         "Print the prompt's and the generated tokens' time to stderr"},
        {"memory", "",
         "Print the KV cache's bytes per token and what was allocated (the "
         "draft model's too)"},
        {"draft", "DRAFT.tsl",
         "Speculative decoding: a smaller compiled model with the same "
         "vocabulary drafts tokens that the model verifies in one step"},
        {"draft-weights", "FILE.safetensors",
         "The draft model's parameters (default: its --seed ones)"},
        {"speculate", "K",
         "Tokens the draft model drafts per step (default 4)"},
        {"speculate-ngram", "K",
         "Speculative decoding with drafts of up to K tokens looked up in "
         "the prompt and the text so far (no draft model)"},
        {"no-prefill", "",
         "Run the prompt through decode (logits at every position) instead "
         "of the prefill entry point (the last position's only)"},
        kProfile,
        kWeights,
        kAdapter,
        kSeed}},
      {"serve",
       "Serve a compiled model over HTTP with OpenAI's completions API",
       "MODEL.tsl",
       {{"tokenizer", "PATH",
         "Tokenizer (directory or file; default: the artifact's own)"},
        {"host", "ADDRESS", "Address to listen on (default 127.0.0.1)"},
        {"port", "N", "Port to listen on (default 8080; 0: any free one)"},
        {"model-name", "NAME",
         "The model's id in the API (default: the artifact's model name)"},
        {"max-batch", "N",
         "Sequences decoded in one step at most (default 16)"},
        {"max-queue", "N",
         "Sequences waiting for the batch at most; more get 429 (default 128)"},
        {"kv-blocks", "N",
         "Blocks of the paged KV pool (default: room for --max-batch "
         "sequences of the whole context)"},
        {"prefill-tokens", "N",
         "Padded prompt tokens in one prefill step at most (default 2048)"},
        {"grace-period", "SECONDS",
         "After SIGTERM, how long requests in flight may go on (default 10)"},
        kWeights,
        kAdapter,
        kSeed}},
      trainCommand(),
      consolidateCommand(),
      {"merge-adapter",
       "Fold LoRA adapters into the base weights (W += alpha / r B A), for a "
       "model compiled without LoRA",
       "",
       {{"weights", "FILE.safetensors", "The base checkpoint", true},
        {"adapter", "DIR", "The adapters (PEFT's layout)", true},
        {"out", "FILE.safetensors", "The merged checkpoint", true}}},
      {"merge-prefix",
       "Drop prefix tuning's reparametrization: compute the prefix's keys "
       "and values from its MLP and write them as prefix.embedding, for the "
       "model compiled with --prefix-tokens and no --prefix-projection",
       "MODEL.tsl",
       {{"weights", "FILE.safetensors", "The trained checkpoint", true},
        {"out", "FILE.safetensors", "The checkpoint without the MLP", true}}},
  };
  return list;
}

int fail(const std::string &message) {
  cli::printError(kTool, message);
  return 1;
}

/// tessel-run merge-prefix: the prefix's rows as the compiled MLP gives
/// them, under prefix.embedding, and every other parameter as it is.
Status runMergePrefix(const cli::ParsedArgs &args) {
  Artifact artifact;
  TESSEL_RETURN_IF_ERROR(artifact.load(args.positional()));
  if (!artifact.prefix().projection)
    return errorf(args.positional(),
                  ": has no prefix projection to drop (compile the model "
                  "with --prefix-tokens and --prefix-projection)");
  TESSEL_RETURN_IF_ERROR(
      artifact.loadParameters(args.get("weights", ""), nullptr));
  std::vector<float> rows;
  TESSEL_RETURN_IF_ERROR(prefixTable(artifact, rows));
  const PrefixSpec &p = artifact.prefix();
  Tensor table = Tensor::zeros(
      DType::F32, {p.tokens, 2 * p.layers * p.kvHeads * p.headDim});
  table.floats = std::move(rows);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const ParameterSpec &spec : artifact.parameters()) {
    const std::string &name = spec.tensor.name;
    if (name.rfind("prefix.", 0) == 0)
      continue;
    if (Tensor *t = artifact.mutableParameter(name))
      tensors.push_back({name, *t});
  }
  tensors.push_back({"prefix.embedding", std::move(table)});
  TESSEL_RETURN_IF_ERROR(writeSafetensors(args.get("out", ""), tensors));
  std::fprintf(stderr, "%s: wrote %s (prefix.embedding [%lld, %lld])\n", kTool,
               args.get("out", "").c_str(), static_cast<long long>(p.tokens),
               static_cast<long long>(2 * p.layers * p.kvHeads * p.headDim));
  return Status::ok();
}

int fail(const Status &status) { return fail(status.message()); }

/// What --profile prints for a CUDA artifact, after `entry`'s runs: each
/// kernel launched so far (by any entry point), the most expensive first:
/// milliseconds in all, share, launches, microseconds per launch, from CUDA
/// events around each launch.
void printKernelProfile(const Artifact &artifact, const std::string &entry) {
  std::vector<Artifact::KernelProfile> kernels = artifact.kernelProfile();
  double total = 0;
  int64_t launches = 0;
  for (const auto &k : kernels)
    total += k.seconds, launches += k.launches;
  std::stable_sort(kernels.begin(), kernels.end(),
                   [](auto &a, auto &b) { return a.seconds > b.seconds; });
  std::printf("%s: kernels on %s after %lld runs: %lld launches, %.3f ms in "
              "kernels\n",
              entry.c_str(), artifact.deviceName().c_str(),
              static_cast<long long>(artifact.profiledRuns(entry)),
              static_cast<long long>(launches), 1e3 * total);
  std::printf("  %10s %7s %8s %10s  %s\n", "ms", "share", "launches",
              "us/launch", "kernel");
  for (const auto &k : kernels)
    std::printf("  %10.3f %6.1f%% %8lld %10.2f  %s\n", 1e3 * k.seconds,
                total > 0 ? 100 * k.seconds / total : 0.0,
                static_cast<long long>(k.launches),
                1e6 * k.seconds / double(k.launches), k.name.c_str());
}

/// What --profile prints for `entry`: its steps grouped by op and by where
/// in the model they are (layer numbers folded into `layers.*`), the most
/// expensive first, in milliseconds per run.
void printProfile(const Artifact &artifact, const std::string &entry) {
  if (!artifact.deviceName().empty())
    return printKernelProfile(artifact, entry);
  const EntryPoint *point = artifact.entry(entry);
  int64_t runs = artifact.profiledRuns(entry);
  if (!point || !runs)
    return;
  const std::vector<double> &seconds = artifact.stepSeconds(entry);
  struct Group {
    double seconds = 0;
    int64_t steps = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  double total = 0;
  for (size_t i = 0; i < seconds.size() && i < point->steps.size(); ++i) {
    std::string at = point->steps[i].at;
    if (at.rfind("layers.", 0) == 0) {
      size_t dot = at.find('.', 7);
      at = "layers.*" + (dot == std::string::npos ? "" : at.substr(dot));
    }
    Group &g = groups[{point->steps[i].op, at}];
    g.seconds += seconds[i];
    ++g.steps;
    total += seconds[i];
  }
  std::vector<std::pair<std::pair<std::string, std::string>, Group>> sorted(
      groups.begin(), groups.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](auto &a, auto &b) {
    return a.second.seconds > b.second.seconds;
  });
  std::printf("%s: profile of %lld runs: %.3f ms per run in %zu steps\n",
              entry.c_str(), static_cast<long long>(runs),
              1e3 * total / double(runs), seconds.size());
  std::printf("  %10s %7s %6s  %-18s %s\n", "ms/run", "share", "steps", "op",
              "at");
  for (const auto &[key, g] : sorted)
    std::printf(
        "  %10.3f %6.1f%% %6lld  %-18s %s\n", 1e3 * g.seconds / double(runs),
        total > 0 ? 100 * g.seconds / total : 0.0,
        static_cast<long long>(g.steps), key.first.c_str(), key.second.c_str());
}

/// Runs `entry` --repeat more times, in-process with the parameters loaded
/// once (what a benchmark compares), and prints the median and the
/// fastest time (the one a busy machine disturbs least); with
/// --memory, prints the workspace of the last run.
Status repeatAndReport(const cli::ParsedArgs &args, Artifact &artifact,
                       const std::string &entry,
                       const std::vector<Tensor> &inputs,
                       std::vector<Tensor> &results) {
  uint64_t repeat = 0;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("repeat", repeat));
  std::vector<double> times;
  for (uint64_t i = 0; i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    TESSEL_RETURN_IF_ERROR(artifact.run(entry, inputs, results));
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    std::printf("%s: median %.3f ms over %zu runs (min %.3f ms)\n",
                entry.c_str(), times[times.size() / 2], times.size(),
                times.front());
  }
  const EntryPoint *point = artifact.entry(entry);
  if (args.has("profile"))
    printProfile(artifact, entry);
  if (args.has("memory") && point) {
    if (point->workspaceSymbol.empty()) {
      std::printf("%s: no memory plan\n", entry.c_str());
    } else {
      WorkspaceUse use = artifact.workspaceUse(entry);
      std::printf("%s: workspace %lld bytes for %lld temporaries in %lld "
                  "slots (without reuse: %lld bytes)\n",
                  entry.c_str(), static_cast<long long>(use.bytes),
                  static_cast<long long>(point->plannedBuffers),
                  static_cast<long long>(point->workspaceSlots),
                  static_cast<long long>(use.unplanned));
    }
  }
  return Status::ok();
}

/// Reads [B, S] token ids: int32 or int64, rank 2.
Status readTokens(const std::string &path, Tensor &tokens) {
  TESSEL_RETURN_IF_ERROR(readNpy(path, tokens));
  if (tokens.dtype != DType::I32 && tokens.dtype != DType::I64)
    return errorf(path, ": token ids must be int32 or int64, got ",
                  numpyName(tokens.dtype));
  if (tokens.rank() != 2)
    return errorf(path, ": token ids must be [batch, sequence], got shape ",
                  formatShape(tokens.shape));
  return Status::ok();
}

/// Checks ids against the model: at most `maxLength` positions (0: no
/// limit), ids in [0, vocab). The ids become int64, as entry points take.
Status checkTokens(const std::string &path, const Artifact &artifact,
                   int64_t maxLength, Tensor &tokens) {
  if (maxLength && tokens.shape[1] > maxLength)
    return errorf(path, ": ", tokens.shape[1],
                  " tokens exceed the model's maximum of ", maxLength);
  if (Status ids = artifact.checkTokenIds(tokens); !ids.isOk())
    return errorf(path, ": ", ids.message());
  tokens.dtype = DType::I64;
  return Status::ok();
}

Status runEntry(const cli::ParsedArgs &args) {
  std::string entry = args.get("entry", "forward");
  std::vector<std::string> inputFiles = args.all("input"),
                           outputFiles = args.all("output");
  std::vector<Tensor> inputs(inputFiles.size());
  for (size_t i = 0; i < inputFiles.size(); ++i)
    TESSEL_RETURN_IF_ERROR(readNpy(inputFiles[i], inputs[i]));
  Artifact artifact;
  TESSEL_RETURN_IF_ERROR(loadArtifact(args, artifact));
  const EntryPoint *point = artifact.entry(entry);
  if (point && !outputFiles.empty() &&
      outputFiles.size() != point->results.size())
    return errorf(entry, " returns ", point->results.size(), " results, got ",
                  outputFiles.size(), " --output files");
  std::vector<Tensor> results;
  TESSEL_RETURN_IF_ERROR(artifact.run(entry, inputs, results));
  TESSEL_RETURN_IF_ERROR(
      repeatAndReport(args, artifact, entry, inputs, results));
  for (size_t i = 0; i < outputFiles.size(); ++i)
    TESSEL_RETURN_IF_ERROR(writeNpy(outputFiles[i], results[i]));
  return Status::ok();
}

Status runForward(const cli::ParsedArgs &args) {
  std::string tokensFile = args.get("tokens", "");
  Tensor tokens;
  TESSEL_RETURN_IF_ERROR(readTokens(tokensFile, tokens));
  Artifact artifact;
  TESSEL_RETURN_IF_ERROR(loadArtifact(args, artifact));
  TESSEL_RETURN_IF_ERROR(
      checkTokens(tokensFile, artifact, artifact.maxPositions(), tokens));
  // The forward entry point: by kind, or by name for an artifact compiled
  // from IR (whose functions have no kind).
  const EntryPoint *forward = artifact.entry(EntryPointKind::Forward);
  std::string entry = forward ? forward->name : "forward";
  std::vector<Tensor> results;
  TESSEL_RETURN_IF_ERROR(artifact.run(entry, {tokens}, results));
  TESSEL_RETURN_IF_ERROR(
      repeatAndReport(args, artifact, entry, {tokens}, results));
  return writeNpy(args.get("out", ""), results[0]);
}

/// Text at both ends of generate: the prompt encoded, the generated ids
/// streamed to stdout as text (batch 1), stopping at the end-of-text token.
class TextOutput {
public:
#ifdef TESSEL_HAVE_TOKENIZERS
  explicit TextOutput(std::unique_ptr<Tokenizer> tokenizer)
      : tokenizer(std::move(tokenizer)) {}

  /// The prompt's ids, after the begin-of-text token when `bos` and the
  /// tokenizer has one (as HuggingFace tokenizers add it).
  Status encode(const std::string &text, bool bos, Tensor &prompt) {
    std::vector<int32_t> ids;
    if (bos && tokenizer->beginOfText())
      ids.push_back(*tokenizer->beginOfText());
    TESSEL_RETURN_IF_ERROR(tokenizer->encode(text, ids));
    prompt = Tensor::zeros(DType::I64, {1, int64_t(ids.size())});
    prompt.ints.assign(ids.begin(), ids.end());
    return Status::ok();
  }

  bool stopAtEnd = true;

  /// Generated ids follow `promptLength` prompt ids (a SentencePiece
  /// piece reads differently first in a sequence).
  void start(size_t promptLength) {
    stream = std::make_unique<TextStream>(*tokenizer, promptLength, stops,
                                          stopAtEnd);
  }
  /// Ids above the tokenizer's (a padded model vocabulary) are never
  /// sampled when the output is text.
  int64_t vocabSize() const { return tokenizer->vocabSize(); }

  /// Strings that end the text (not shown).
  std::vector<std::string> stops;

  Status show(int64_t id, bool &ended) {
    std::string text;
    TESSEL_RETURN_IF_ERROR(stream->push(id, text, ended));
    write(text);
    return Status::ok();
  }

  void finish() {
    std::string text;
    stream->finish(text);
    write(text + "\n");
  }

private:
  static void write(const std::string &text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<TextStream> stream;
#else
  bool stopAtEnd = true;
  std::vector<std::string> stops;
  Status encode(const std::string &, bool, Tensor &) { return Status::ok(); }
  void start(size_t) {}
  int64_t vocabSize() const { return 0; }
  Status show(int64_t, bool &) { return Status::ok(); }
  void finish() {}
#endif
};

/// The tokenizer of --tokenizer, or of the artifact when --prompt asks for
/// text; none when ids in and ids out were asked for. Its vocabulary must
/// fit the model's.
Status openTokenizer(const cli::ParsedArgs &args, const Artifact &artifact,
                     std::unique_ptr<TextOutput> &out) {
  std::string path = args.get("tokenizer", "");
  if (path.empty() && args.has("prompt"))
    path = artifact.tokenizerPath();
  if (path.empty()) {
    if (args.has("prompt"))
      return errorf(args.positional(),
                    ": --prompt needs a tokenizer: give --tokenizer, or "
                    "compile a model that names one");
    return Status::ok();
  }
#ifdef TESSEL_HAVE_TOKENIZERS
  std::unique_ptr<Tokenizer> tokenizer;
  TESSEL_RETURN_IF_ERROR(loadModelTokenizer(path, artifact, tokenizer));
  out = std::make_unique<TextOutput>(std::move(tokenizer));
  out->stopAtEnd = !args.has("ignore-eos");
  return Status::ok();
#else
  return errorf(path, ": this tessel-run was built without tokenizers "
                      "(libpcre2-dev and libsentencepiece-dev were missing); "
                      "use --prompt-tokens");
#endif
}

/// What --time prints: the prompt (its decode step and the sampling of
/// the `firstTokens` it gave) and the tokens after it, per sequence.
void printTimes(int64_t batch, int64_t length, int64_t generated,
                int64_t firstTokens,
                std::chrono::steady_clock::time_point start,
                std::chrono::steady_clock::time_point firstStep,
                std::chrono::steady_clock::time_point end) {
  auto ms = [](auto from, auto to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
  };
  double prompt = ms(start, firstStep), rest = ms(firstStep, end);
  std::fprintf(
      stderr, "%s: prompt: %lld x %lld tokens in %.1f ms (%.1f tokens/s)\n",
      kTool, static_cast<long long>(batch), static_cast<long long>(length),
      prompt, 1e3 * double(batch * length) / prompt);
  int64_t after = generated - firstTokens;
  if (after > 0)
    std::fprintf(stderr,
                 "%s: generated: %lld x %lld tokens in %.1f ms (%.2f ms per "
                 "token, %.1f tokens/s)\n",
                 kTool, static_cast<long long>(batch),
                 static_cast<long long>(after), rest, rest / double(after),
                 1e3 * double(batch * after) / rest);
}

/// What generate --memory prints, for the model and a draft model: the KV
/// cache's bytes per token of one sequence (every cache of decode: keys and
/// values per layer, or MLA's latent) and the caches allocated for this run.
void printCacheMemory(const DecodeState &state, const char *label) {
  const std::vector<Tensor> &inputs = state.inputs();
  size_t first = state.firstCache();
  int64_t perToken = 0, allocated = 0;
  for (size_t i = first; i < inputs.size(); ++i) {
    const std::vector<int64_t> &shape = inputs[i].shape;
    int64_t bytes = byteWidth(state.entry().inputs[i].dtype);
    perToken += shape[1] * shape[3] * bytes;
    allocated += inputs[i].numel() * bytes;
  }
  auto ll = [](int64_t v) { return static_cast<long long>(v); };
  if (state.paged()) {
    // Paged: the pool, and how much of it the sequences used.
    const BlockPool &pool = state.pool();
    int64_t perBlock = perToken * state.blockSize();
    std::printf("%s: %lld bytes per token per sequence (%zu caches); paged: "
                "a pool of %lld blocks of %lld positions (%lld bytes), at "
                "most %lld in use (%lld bytes), %lld at the end; %lld shared "
                "by common prompt prefixes, %lld copied on write\n",
                label, ll(perToken), inputs.size() - first, ll(pool.size()),
                ll(state.blockSize()), ll(allocated), ll(pool.peak()),
                ll(pool.peak() * perBlock), ll(pool.used()),
                ll(state.sharedBlocks()), ll(state.copiedOnWrite()));
    return;
  }
  int64_t batch = inputs.size() > first ? inputs[first].shape[0] : 0;
  int64_t capacity = inputs.size() > first ? inputs[first].shape[2] : 0;
  std::printf("%s: %lld bytes per token per sequence (%zu caches); "
              "%lld bytes for %lld x %lld positions\n",
              label, ll(perToken), inputs.size() - first, ll(allocated),
              ll(batch), ll(capacity));
}

/// The tokens drafted per step: --speculate K with --draft (4 when only
/// --draft is given), or --speculate-ngram K; 0 for none.
Status checkSpeculation(const cli::ParsedArgs &args, uint64_t &speculate) {
  if (args.has("draft") && args.has("speculate-ngram"))
    return Status::error("--draft and --speculate-ngram: give one way to "
                         "draft tokens");
  if (args.has("speculate") && !args.has("draft"))
    return Status::error("--speculate needs --draft DRAFT.tsl (or use "
                         "--speculate-ngram K: drafts from the text so far)");
  speculate = args.has("draft") ? 4 : 0;
  const char *option = args.has("draft") ? "speculate" : "speculate-ngram";
  TESSEL_RETURN_IF_ERROR(args.getUnsigned(option, speculate));
  if (args.has(option) && (speculate < 1 || speculate > 64))
    return errorf("--", option, " must be in [1, 64], got ", speculate);
  return Status::ok();
}

/// The draft model of --draft: its own weights (--draft-weights), else
/// --seed's; a decode entry point and the target's vocabulary.
Status loadDraft(const cli::ParsedArgs &args, const Artifact &target,
                 std::unique_ptr<Artifact> &draft) {
  if (!args.has("draft"))
    return Status::ok();
  std::string path = args.get("draft", "");
  draft = std::make_unique<Artifact>();
  TESSEL_RETURN_IF_ERROR(draft->load(path));
  uint64_t seed = 0;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("seed", seed));
  if (!args.has("draft-weights") && !args.has("seed") &&
      draft->parameterCount())
    return errorf(path, ": the draft model's parameters: give "
                        "--draft-weights FILE.safetensors or --seed N");
  TESSEL_RETURN_IF_ERROR(draft->loadParameters(
      args.get("draft-weights", ""), args.has("seed") ? &seed : nullptr));
  if (!draft->entry(EntryPointKind::Decode))
    return errorf(path, ": the draft model has no decode entry point "
                        "(compile it from its definition with tesselc)");
  if (draft->vocabSize() != target.vocabSize())
    return errorf(path, ": the draft model's vocabulary has ",
                  draft->vocabSize(), " tokens, the target's ",
                  target.vocabSize());
  return Status::ok();
}

/// What --time adds with speculation: how many drafted tokens the target
/// accepted, and the tokens each of its steps gave a sequence (on average
/// over the batch's `total` generated tokens).
void printSpeculation(const SpeculationStats &stats, int64_t batch,
                      int64_t total) {
  double rate = stats.drafted ? double(stats.accepted) / stats.drafted : 0.0;
  double perStep = stats.targetSteps && batch
                       ? double(total) / double(stats.targetSteps * batch)
                       : 0.0;
  std::fprintf(stderr,
               "%s: speculation: %lld of %lld drafted tokens accepted "
               "(%.1f%%); %.2f tokens per target step (%lld steps, batch "
               "%lld)\n",
               kTool, static_cast<long long>(stats.accepted),
               static_cast<long long>(stats.drafted), 100.0 * rate, perStep,
               static_cast<long long>(stats.targetSteps),
               static_cast<long long>(batch));
}

/// Prompt, then tokens through `decode` and its KV cache, speculating
/// when asked.
Status runGenerate(const cli::ParsedArgs &args) {
  uint64_t maxNewTokens = 16, sampleSeed = 0;
  SamplingOptions options;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("max-new-tokens", maxNewTokens));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("sample-seed", sampleSeed));
  TESSEL_RETURN_IF_ERROR(args.getDouble("temperature", options.temperature));
  TESSEL_RETURN_IF_ERROR(args.getInt("top-k", options.topK));
  TESSEL_RETURN_IF_ERROR(args.getDouble("top-p", options.topP));
  TESSEL_RETURN_IF_ERROR(
      args.getDouble("repetition-penalty", options.repetitionPenalty));
  TESSEL_RETURN_IF_ERROR(args.getDouble("min-p", options.minP));
  TESSEL_RETURN_IF_ERROR(
      args.getDouble("presence-penalty", options.presencePenalty));
  TESSEL_RETURN_IF_ERROR(
      args.getDouble("frequency-penalty", options.frequencyPenalty));
  TESSEL_RETURN_IF_ERROR(checkSamplingOptions(options));
  std::vector<uint64_t> stopTokens;
  TESSEL_RETURN_IF_ERROR(
      args.getAllUnsigned("stop-token", stopTokens, "a token id"));
  if (args.has("prompt") == args.has("prompt-tokens"))
    return Status::error("generate: give --prompt TEXT or --prompt-tokens "
                         "ids.npy (one of them)");
  for (const std::string &stop : args.all("stop"))
    if (stop.empty())
      return Status::error("--stop: the stop string is empty");
  uint64_t speculate = 0;
  TESSEL_RETURN_IF_ERROR(checkSpeculation(args, speculate));

  Artifact artifact;
  TESSEL_RETURN_IF_ERROR(loadArtifact(args, artifact));
  std::unique_ptr<Artifact> draft;
  TESSEL_RETURN_IF_ERROR(loadDraft(args, artifact, draft));
  const EntryPoint *decode = nullptr;
  if (Status found = findDecode(artifact, decode); !found.isOk())
    return errorf(args.positional(), ": ", found.message());
  std::unique_ptr<TextOutput> text;
  TESSEL_RETURN_IF_ERROR(openTokenizer(args, artifact, text));
  if (args.has("stop") && !text)
    return Status::error("--stop needs text: give --prompt or --tokenizer");
  if (text)
    text->stops = args.all("stop");
  std::string promptFile =
      args.has("prompt") ? "--prompt" : args.get("prompt-tokens", "");
  Tensor prompt;
  if (args.has("prompt"))
    TESSEL_RETURN_IF_ERROR(
        text->encode(args.get("prompt", ""), !args.has("no-bos"), prompt));
  else
    TESSEL_RETURN_IF_ERROR(readTokens(promptFile, prompt));
  TESSEL_RETURN_IF_ERROR(checkTokens(promptFile, artifact, 0, prompt));
  int64_t batch = prompt.shape[0], length = prompt.shape[1];
  if (text && batch != 1)
    return errorf(promptFile, ": text output takes one prompt, got a batch "
                              "of ", batch);
  if (text)
    text->start(length);
  int64_t newTokens =
      static_cast<int64_t>(std::min<uint64_t>(maxNewTokens, uint64_t(1) << 40));
  for (const Artifact *model : {&artifact, draft.get()})
    if (model && (length == 0 || (model->maxPositions() &&
                                  length + newTokens > model->maxPositions())))
      return errorf(promptFile, ": a prompt of ", length, " tokens plus ",
                    newTokens, " new ones must be non-empty and fit the ",
                    model == &artifact ? "model" : "draft model", "'s ",
                    model->maxPositions(), " positions");
  GenerateOptions generation;
  generation.maxNewTokens = newTokens;
  generation.sampling = options;
  generation.seed = sampleSeed;
  generation.stopTokens.assign(stopTokens.begin(), stopTokens.end());
  generation.vocabLimit = text ? text->vocabSize() : 0;
  generation.speculate = static_cast<int64_t>(speculate);
  generation.prefill = !args.has("no-prefill");
  Generator generator(artifact, draft.get(), generation);
  auto emit = [&](int64_t row, int64_t token, bool &stop) {
    if (text && row == 0 && !stop)
      return text->show(token, stop);
    return Status::ok();
  };
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  TESSEL_RETURN_IF_ERROR(generator.run(prompt, emit));
  const std::vector<std::vector<int64_t>> &sequences = generator.sequences();
  int64_t generated = 0, total = 0;
  for (const std::vector<int64_t> &sequence : sequences) {
    generated = std::max<int64_t>(generated, sequence.size() - length);
    total += sequence.size() - length;
  }
  if (args.has("time")) {
    printTimes(batch, length, generated, generator.firstStepTokens, start,
               generator.firstStepEnd, Clock::now());
    if (generation.speculate > 0)
      printSpeculation(generator.stats(), batch, total);
  }
  if (args.has("memory")) {
    printCacheMemory(generator.targetState(), "KV cache");
    if (generator.draftState().started())
      printCacheMemory(generator.draftState(), "Draft KV cache");
  }
  if (args.has("profile")) {
    // The prompt's step (through prefill when the model has it), then the
    // decode steps.
    // (A CUDA artifact's kernels are listed once, for both.)
    const EntryPoint *prefill = artifact.entry(EntryPointKind::Prefill);
    if (prefill && artifact.deviceName().empty())
      printProfile(artifact, prefill->name);
    printProfile(artifact, decode->name);
  }
  Tensor all = Tensor::zeros(DType::I64, {batch, length + generated});
  std::fill(all.ints.begin(), all.ints.end(), -1);
  for (int64_t b = 0; b < batch; ++b)
    std::copy(sequences[b].begin(), sequences[b].end(),
              all.ints.begin() + b * all.shape[1]);
  if (text) {
    text->finish();
  } else {
    for (int64_t b = 0; b < batch; ++b) {
      for (size_t i = length; i < sequences[b].size(); ++i)
        std::printf("%s%lld", i > size_t(length) ? " " : "",
                    static_cast<long long>(sequences[b][i]));
      std::printf("\n");
    }
  }
  if (args.has("out"))
    return writeNpy(args.get("out", ""), all);
  return Status::ok();
}

/// `serve`: the model behind an OpenAI-compatible HTTP server until
/// SIGTERM or SIGINT.
Status runServe(const cli::ParsedArgs &args) {
#ifdef TESSEL_HAVE_SERVER
  // Also in the threads the model's library starts while it loads.
  blockStopSignals();
  ServerOptions options;
  uint64_t port = 8080, batch = 16, queue = 128, blocks = 0, prefill = 2048;
  double grace = 10;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("port", port));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("max-batch", batch));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("max-queue", queue));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("kv-blocks", blocks));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("prefill-tokens", prefill));
  TESSEL_RETURN_IF_ERROR(args.getDouble("grace-period", grace));
  if (port > 65535)
    return errorf("--port must be in [0, 65535], got ", port);
  if (batch < 1 || batch > 4096)
    return errorf("--max-batch must be in [1, 4096], got ", batch);
  if (queue > 65536)
    return errorf("--max-queue must be in [0, 65536], got ", queue);
  if (args.has("kv-blocks") && blocks < 2)
    return errorf("--kv-blocks must be at least 2 (block 0 is scratch), got ",
                  blocks);
  if (prefill < 1)
    return Status::error("--prefill-tokens must be at least 1");
  if (!(grace >= 0 && grace <= 86400))
    return errorf("--grace-period must be in [0, 86400] seconds, got ", grace);
  options.host = args.get("host", "127.0.0.1");
  options.port = static_cast<int>(port);
  options.modelName = args.get("model-name", "");
  options.engine.maxBatch = static_cast<int64_t>(batch);
  options.engine.maxQueue = static_cast<int64_t>(queue);
  options.engine.poolBlocks = static_cast<int64_t>(blocks);
  options.engine.prefillTokens = static_cast<int64_t>(prefill);
  options.grace = std::chrono::milliseconds(static_cast<int64_t>(grace * 1e3));

  Artifact artifact;
  TESSEL_RETURN_IF_ERROR(loadArtifact(args, artifact));
  std::string path = args.get("tokenizer", artifact.tokenizerPath());
  if (path.empty())
    return errorf(args.positional(), ": serving needs a tokenizer: give "
                                     "--tokenizer, or compile a model that "
                                     "names one");
  std::unique_ptr<Tokenizer> tokenizer;
  TESSEL_RETURN_IF_ERROR(loadModelTokenizer(path, artifact, tokenizer));
  return serve(artifact, *tokenizer, options);
#else
  (void)args;
  return Status::error("serve: this tessel-run was built without the HTTP "
                       "server (libcpp-httplib-dev or the tokenizers were "
                       "missing)");
#endif
}

} // namespace

int main(int argc, char **argv) {
  cli::ParsedArgs args;
  bool help = false;
  if (argc >= 2 && std::string(argv[1]) == "interpret")
    return fail("'interpret' is tessel-interpret now (the reference "
                "interpreter parses IR, so it comes with the compiler build)");
  Status status = cli::parse(argc, argv, commands(), args, help);
  if (!status.isOk())
    return fail(status);
  if (help) {
    std::fputs(cli::usage(kTool,
                          "Tessel runner: the entry points of compiled "
                          "artifacts (tesselc -o MODEL.tsl)",
                          commands(), args.command())
                   .c_str(),
               stdout);
    return 0;
  }
  // Numbers are checked before anything runs.
  uint64_t number = 0;
  for (const char *option : {"seed", "repeat"})
    if (status.isOk())
      status = args.getUnsigned(option, number);
  if (!status.isOk())
    return fail(status);
  if (args.command() == "forward")
    status = runForward(args);
  else if (args.command() == "run")
    status = runEntry(args);
  else if (args.command() == "serve")
    status = runServe(args);
  else if (args.command() == "train")
    status = runTrain(args);
  else if (args.command() == "consolidate")
    status = runConsolidate(args);
  else if (args.command() == "merge-prefix")
    status = runMergePrefix(args);
  else if (args.command() == "merge-adapter")
    status = train::mergeAdapter(args.get("weights", ""),
                                 args.get("adapter", ""), args.get("out", ""));
  else
    status = runGenerate(args);
  return status.isOk() ? 0 : fail(status);
}
