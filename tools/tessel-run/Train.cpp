//===- Train.cpp - tessel-run train ---------------------------------------===//
//
//   tessel-run train MODEL.tsl --data corpus.txt --steps 200 --batch 8
//       --seq 64 --optimizer adamw --lr 3e-3 --warmup 20 --schedule cosine
//       --clip 1.0 --save trained.safetensors --log metrics.jsonl
//
// Trains a model compiled with `tesselc --train` (or a model definition,
// compiled first by the tesselc beside tessel-run): each step runs the
// `grads` entry point on a batch (inputs, and targets shifted by one),
// decides whether to skip it, clips the gradients by their global norm and
// updates every parameter in place (runtime/train/Optimizer.h). The data is
// a text file (through the artifact's tokenizer when it carries one, else
// its bytes) read in consecutive windows, or a .npy of int64 [steps, B,
// S + 1] whose step i is used at step i (to replay a run exactly).
//
//===----------------------------------------------------------------------===//

#include "runtime/Files.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"
#include "runtime/dist/DataParallel.h"
#include "runtime/dist/ShardedCheckpoint.h"
#include "runtime/train/Lora.h"
#include "runtime/train/Optimizer.h"
#include "runtime/train/Reft.h"
#include "tools/tessel-run/Commands.h"
#include "tools/tessel-run/TrainLoop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <unistd.h>

#include <nlohmann/json.hpp>

using namespace tessel;
using namespace tessel::train;
using namespace tessel::run;

namespace {

constexpr const char *kTool = "tessel-run";

/// The token stream of a text file, or the steps of a .npy.
struct TrainingData {
  Tensor text;                 ///< Text: every token of the file, i64 [N].
  Tensor steps;                ///< .npy: [steps, B, S + 1].
  bool fromNpy = false;
  int64_t position = 0; ///< Text: where the next batch starts.
};

/// The ids of a text file: through --tokenizer or the artifact's own, else
/// its bytes (a model of 256 tokens).
Status readText(const std::string &path, const std::string &tokenizer,
                const Artifact &artifact, TrainingData &data) {
  std::string text;
  TESSEL_RETURN_IF_ERROR(readFile(path, text));
  Encoder encode;
  TESSEL_RETURN_IF_ERROR(makeEncoder(tokenizer, artifact, path, encode));
  data.text = Tensor::zeros(DType::I64, {0});
  if (Status s = encode(text, data.text.ints); !s.isOk())
    return errorf(path, ": ", s.message());
  data.text.shape = {int64_t(data.text.ints.size())};
  return Status::ok();
}

/// The inputs and targets of step `step`: from the .npy, or B windows of
/// S + 1 consecutive tokens of the text, each starting S after the last
/// (wrapping around at the end).
void nextBatch(TrainingData &data, int64_t step, int64_t batch, int64_t seq,
               Tensor &inputs, Tensor &targets) {
  inputs = Tensor::zeros(DType::I64, {batch, seq});
  targets = Tensor::zeros(DType::I64, {batch, seq});
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t *row;
    if (data.fromNpy) {
      row = data.steps.ints.data() + (step * batch + b) * (seq + 1);
    } else {
      int64_t span = data.text.numel() - seq;
      if (data.position >= span)
        data.position = 0;
      row = data.text.ints.data() + data.position;
      data.position += seq;
    }
    for (int64_t i = 0; i < seq; ++i) {
      inputs.ints[b * seq + i] = row[i];
      targets.ints[b * seq + i] = row[i + 1];
    }
  }
}

Status parseOptions(const cli::ParsedArgs &args, TrainOptions &o) {
  TESSEL_RETURN_IF_ERROR(args.getInt("steps", o.steps));
  TESSEL_RETURN_IF_ERROR(args.getInt("batch", o.batch));
  TESSEL_RETURN_IF_ERROR(args.getInt("seq", o.seq));
  TESSEL_RETURN_IF_ERROR(args.getInt("warmup", o.warmup));
  TESSEL_RETURN_IF_ERROR(args.getDouble("lr", o.lr));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("dropout-seed", o.dropoutSeed));
  TESSEL_RETURN_IF_ERROR(args.getDouble("clip", o.clip));
  TESSEL_RETURN_IF_ERROR(args.getDouble("skip-spikes", o.skipSpikes));
  TESSEL_RETURN_IF_ERROR(args.getDouble("eps", o.optimizer.eps));
  TESSEL_RETURN_IF_ERROR(args.getDouble("momentum", o.optimizer.momentum));
  TESSEL_RETURN_IF_ERROR(
      args.getDouble("weight-decay", o.optimizer.weightDecay));
  TESSEL_RETURN_IF_ERROR(
      parseOptimizerKind(args.get("optimizer", "adamw"), o.optimizer.kind));
  TESSEL_RETURN_IF_ERROR(
      parseScheduleKind(args.get("schedule", "constant"), o.schedule));
  o.optimizer.nesterov = args.has("nesterov");
  if (args.has("betas")) {
    std::string betas = args.get("betas", "");
    char *end = nullptr;
    o.optimizer.beta1 = std::strtod(betas.c_str(), &end);
    if (!end || *end != ',')
      return errorf("--betas must be two numbers, B1,B2; got '", betas, "'");
    const char *second = end + 1;
    o.optimizer.beta2 = std::strtod(second, &end);
    if (end == second || *end)
      return errorf("--betas must be two numbers, B1,B2; got '", betas, "'");
  }
  if (o.steps < 1 || o.batch < 1 || o.seq < 1)
    return errorf("--steps, --batch and --seq must be positive, got ", o.steps,
                  ", ", o.batch, ", ", o.seq);
  if (!(o.lr > 0.0) || !std::isfinite(o.lr))
    return errorf("--lr must be positive, got ", o.lr);
  if (o.warmup < 0 || o.warmup > o.steps)
    return errorf("--warmup must be in [0, --steps], got ", o.warmup);
  if (!(o.clip >= 0.0) || !std::isfinite(o.clip))
    return errorf("--clip must be >= 0 (0: no clipping), got ", o.clip);
  TESSEL_RETURN_IF_ERROR(args.getInt("checkpoint-every", o.checkpointEvery));
  TESSEL_RETURN_IF_ERROR(args.getInt("stop-after", o.stopAfter));
  if (o.checkpointEvery < 0 || o.stopAfter < 0 || o.stopAfter > o.steps)
    return errorf("--checkpoint-every and --stop-after must be in [0, "
                  "--steps], got ",
                  o.checkpointEvery, " and ", o.stopAfter);
  if (o.checkpointEvery && !args.has("checkpoint"))
    return errorf("--checkpoint-every needs --checkpoint FILE");
  TESSEL_RETURN_IF_ERROR(args.getInt("zero", o.zero));
  TESSEL_RETURN_IF_ERROR(args.getInt("accumulate", o.accumulate));
  TESSEL_RETURN_IF_ERROR(args.getDouble("comm-timeout", o.commTimeout));
  if (args.has("zero") && (o.zero < 0 || o.zero > 3))
    return errorf("--zero must be 0, 1, 2 or 3, got ", o.zero);
  if (o.accumulate < 1)
    return errorf("--accumulate must be positive, got ", o.accumulate);
  if (!(o.commTimeout >= 0) || !std::isfinite(o.commTimeout))
    return errorf("--comm-timeout must be >= 0 seconds (0: none), got ",
                  o.commTimeout);
  if (!(o.skipSpikes == 0.0 || o.skipSpikes > 1.0) ||
      !std::isfinite(o.skipSpikes))
    return errorf("--skip-spikes must be above 1 (0: off), got ", o.skipSpikes);
  return checkOptions(o.optimizer);
}

/// The parameters grads returns gradients of, in its order.
std::vector<std::string> gradientNames(const EntryPoint &grads) {
  std::vector<std::string> names;
  for (size_t i = 1; i < grads.results.size(); ++i)
    if (grads.results[i].name.rfind("grad.", 0) == 0)
      names.push_back(grads.results[i].name.substr(5));
  return names;
}

constexpr const char *kCheckpointKey = "tessel.train";

/// What the loop needs to go on exactly (step, data position, skipping's
/// recent losses, the optimizer's step count and flags): a checkpoint's
/// metadata.
nlohmann::json loopState(const Artifact &artifact, const TrainOptions &o,
                         const Optimizer &optimizer, const SkipPolicy &skip,
                         int64_t position, int64_t step, int64_t skipped) {
  nlohmann::json started = nlohmann::json::array();
  for (size_t i = 0; i < optimizer.started.size(); ++i)
    started.push_back(bool(optimizer.started[i]));
  return {{"model", artifact.modelName()},
          {"optimizer", name(o.optimizer.kind)},
          {"batch", o.batch},
          {"seq", o.seq},
          {"step", step},
          {"optimizer_steps", optimizer.steps()},
          {"position", position},
          {"skipped", skipped},
          {"dropout_seed", o.dropoutSeed},
          {"recent_losses", skip.recent},
          {"started", started}};
}

/// One file, written atomically: every parameter under its checkpoint name
/// (so that --weights loads it too), the optimizer's state as
/// optimizer.first.NAME / optimizer.second.NAME, and loopState in the
/// header's metadata.
Status writeCheckpoint(const std::string &path, Artifact &artifact,
                       const std::vector<std::string> &names,
                       const Optimizer &optimizer,
                       const nlohmann::json &state) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const ParameterSpec &p : artifact.parameters())
    if (Tensor *t = artifact.mutableParameter(p.tensor.name))
      tensors.push_back({p.tensor.name, *t});
  for (size_t i = 0; i < names.size(); ++i) {
    for (auto [prefix, state] :
         {std::pair{"optimizer.first.", &optimizer.first[i]},
          std::pair{"optimizer.second.", &optimizer.second[i]}}) {
      if (state->empty())
        continue;
      Tensor t = Tensor::zeros(DType::F32, {int64_t(state->size())});
      t.floats = *state;
      tensors.push_back({prefix + names[i], std::move(t)});
    }
  }
  return writeSafetensors(path, tensors, {{kCheckpointKey, state.dump()}});
}

/// This rank's part of a sharded checkpoint: its range of the flat
/// parameters and optimizer state; rank 0 also the untrained parameters.
dist::Shard shardOf(const dist::DataParallel &dp, int rank, Artifact &artifact,
                    const std::vector<std::string> &names,
                    const std::vector<Tensor *> &params) {
  dist::Shard shard;
  if (dp.stage >= 3)
    shard.parameters = dp.parameterShard;
  bool hasState = true;
  for (size_t i = 0; i < params.size(); ++i) {
    auto [lo, hi] = dp.layout.part(i, rank);
    if (dp.stage < 3)
      shard.parameters.insert(shard.parameters.end(),
                              params[i]->floats.begin() + lo,
                              params[i]->floats.begin() + hi);
    hasState &= hi == lo || !dp.optimizer.first[i].empty();
  }
  for (auto [from, to] : {std::pair{&dp.optimizer.first, &shard.first},
                          std::pair{&dp.optimizer.second, &shard.second}})
    for (const std::vector<float> &part : *from)
      if (hasState)
        to->insert(to->end(), part.begin(), part.end());
  if (rank == 0)
    for (const ParameterSpec &p : artifact.parameters())
      if (Tensor *t = artifact.mutableParameter(p.tensor.name);
          t &&
          std::find(names.begin(), names.end(), p.tensor.name) == names.end())
        shard.untrained.push_back({p.tensor.name, *t});
  return shard;
}

/// The state writeCheckpoint stored in `file`'s metadata, parsed.
Status checkpointState(const SafetensorsFile &file, const std::string &path,
                       nlohmann::json &state) {
  auto found = file.metadata().find(kCheckpointKey);
  if (found == file.metadata().end())
    return errorf(path, ": not a training checkpoint (tessel-run train "
                        "--checkpoint writes them)");
  state = nlohmann::json::parse(found->second, nullptr, false);
  if (!state.is_object())
    return errorf(path, ": the checkpoint's state is not a JSON object");
  return Status::ok();
}

/// Opens the checkpoint at `path` (a file, or a sharded checkpoint's
/// directory, consolidated) and checks that it is one of `artifact`'s
/// model.
Status openCheckpoint(const std::string &path, const Artifact &artifact,
                      SafetensorsFile &file) {
  if (dist::isShardedCheckpoint(path)) {
    std::string bytes;
    TESSEL_RETURN_IF_ERROR(
        dist::consolidateCheckpoint(path, kCheckpointKey, bytes));
    TESSEL_RETURN_IF_ERROR(file.openBytes(std::move(bytes), path));
  } else {
    TESSEL_RETURN_IF_ERROR(file.open(path));
  }
  nlohmann::json state;
  TESSEL_RETURN_IF_ERROR(checkpointState(file, path, state));
  auto model = state.find("model");
  if (model == state.end() || *model != artifact.modelName())
    return errorf(path, ": a checkpoint of model ",
                  model == state.end() ? "(none)" : model->dump(), ", not ",
                  artifact.modelName());
  return Status::ok();
}

/// Restores the optimizer and loop state writeCheckpoint saved (the
/// parameters are loaded from the same file first); the checkpoint must
/// come from the same model, optimizer, batch and sequence length. An
/// optimizer of a shard takes its part of each state.
Status resume(const SafetensorsFile &file, const std::string &path,
              const std::vector<int64_t> &sizes, TrainOptions &o,
              const std::vector<std::string> &names, Optimizer &optimizer,
              SkipPolicy &skip, int64_t &position, int64_t &step,
              int64_t &skipped) {
  nlohmann::json state;
  TESSEL_RETURN_IF_ERROR(checkpointState(file, path, state));
  auto field = [&](const char *key) -> const nlohmann::json * {
    auto it = state.find(key);
    return it == state.end() ? nullptr : &*it;
  };
  for (const char *key :
       {"model", "optimizer", "batch", "seq", "step", "optimizer_steps",
        "position", "skipped", "recent_losses", "started"})
    if (!field(key))
      return errorf(path, ": the checkpoint's state has no \"", key, "\"");
  bool typed = field("optimizer")->is_string() &&
               field("recent_losses")->is_array() &&
               field("started")->is_array();
  for (const char *key :
       {"batch", "seq", "step", "optimizer_steps", "position", "skipped"})
    typed = typed && field(key)->is_number_integer() &&
            field(key)->get<int64_t>() >= 0;
  for (const nlohmann::json &loss : *field("recent_losses"))
    typed = typed && loss.is_number();
  for (const nlohmann::json &flag : *field("started"))
    typed = typed && flag.is_boolean();
  if (!typed)
    return errorf(path, ": the checkpoint's state has a field of the wrong "
                        "type or sign");
  if (*field("optimizer") != name(o.optimizer.kind))
    return errorf(path, ": written with --optimizer ",
                  field("optimizer")->get<std::string>(), ", not ",
                  name(o.optimizer.kind));
  if (*field("batch") != o.batch || *field("seq") != o.seq)
    return errorf(path, ": written with --batch ", field("batch")->dump(),
                  " --seq ", field("seq")->dump(), ", not ", o.batch, " and ",
                  o.seq);
  if (!field("started")->is_array() || field("started")->size() != names.size())
    return errorf(path, ": optimizer state for ", field("started")->dump(),
                  " parameters, the model trains ", names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    for (auto [prefix, state] :
         {std::pair{"optimizer.first.", &optimizer.first[i]},
          std::pair{"optimizer.second.", &optimizer.second[i]}}) {
      if (!file.contains(prefix + names[i]))
        continue;
      Tensor t;
      TESSEL_RETURN_IF_ERROR(file.readFloat(prefix + names[i], t));
      if (t.numel() != sizes[i])
        return errorf(path, ": ", prefix, names[i],
                      " does not fit the parameter");
      auto [lo, hi] = optimizer.ranges[i];
      state->assign(t.floats.begin() + lo, t.floats.begin() + hi);
    }
    optimizer.started[i] = (*field("started"))[i].get<bool>();
  }
  optimizer.setSteps(field("optimizer_steps")->get<int64_t>());
  skip.recent.clear();
  for (const nlohmann::json &loss : *field("recent_losses"))
    skip.recent.push_back(loss.get<double>());
  // Dropout's masks go on from the seed the run started with.
  if (const nlohmann::json *seed = field("dropout_seed")) {
    if (!seed->is_number_unsigned())
      return errorf(path, ": the checkpoint's dropout_seed is not a "
                          "non-negative integer");
    o.dropoutSeed = seed->get<uint64_t>();
  }
  position = field("position")->get<int64_t>();
  step = field("step")->get<int64_t>();
  skipped = field("skipped")->get<int64_t>();
  return Status::ok();
}

/// The loss per step as an SVG line chart: steps first + 1 ... on x, the
/// loss on y between its smallest and largest values.
std::string lossPlot(const std::vector<double> &losses, int64_t first) {
  const double w = 640, h = 360, left = 60, right = 20, top = 20, bottom = 40;
  double lo = INFINITY, hi = -INFINITY;
  for (double l : losses)
    if (std::isfinite(l))
      lo = std::min(lo, l), hi = std::max(hi, l);
  if (!(hi > lo))
    hi = lo + 1;
  std::string points;
  for (size_t i = 0; i < losses.size(); ++i) {
    if (!std::isfinite(losses[i]))
      continue;
    double x =
        left + (w - left - right) *
                   (losses.size() > 1 ? double(i) / (losses.size() - 1) : 0.5);
    double y = top + (h - top - bottom) * (hi - losses[i]) / (hi - lo);
    char p[48];
    std::snprintf(p, sizeof p, "%.1f,%.1f ", x, y);
    points += p;
  }
  char text[1024];
  std::snprintf(
      text, sizeof text,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
      "stroke=\"black\"/>\n"
      "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
      "stroke=\"black\"/>\n"
      "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3f</text>\n"
      "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3f</text>\n"
      "<text x=\"%.0f\" y=\"%.0f\">step %lld</text>\n"
      "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">step %lld</text>\n"
      "<text x=\"%.0f\" y=\"14\">training loss</text>\n",
      w, h, left, top, left, h - bottom, left, h - bottom, w - right,
      h - bottom, left - 4, top + 4, hi, left - 4, h - bottom, lo, left,
      h - bottom + 16, static_cast<long long>(first + 1), w - right,
      h - bottom + 16, static_cast<long long>(first + losses.size()), left);
  return std::string(text) +
         "<polyline fill=\"none\" stroke=\"#1f77b4\" "
         "stroke-width=\"1.5\" points=\"" +
         points + "\"/>\n</svg>\n";
}

} // namespace

cli::CommandSpec run::trainCommand() {
  return {
      "train",
      "Train a model: an artifact compiled with tesselc --train (its "
      "grads entry point), or a model definition (.json) compiled now",
      "MODEL.tsl|MODEL.json",
      {{"data", "FILE",
        "A text file (through the tokenizer, or as bytes for a model of "
        "256 tokens that names none) or a .npy of int64 [steps, B, "
        "S + 1] used in order",
        true},
       {"tokenizer", "PATH",
        "The text's tokenizer (directory or file; default: the "
        "artifact's own)"},
       {"steps", "N", "Optimizer steps (default 100)"},
       {"batch", "B", "Sequences per step (default 8; a .npy sets it)"},
       {"seq", "S", "Tokens per sequence (default 64; a .npy sets it)"},
       {"optimizer", "NAME", "sgd, adam or adamw (default adamw)"},
       {"lr", "X", "Peak learning rate (default 1e-3)"},
       {"betas", "B1,B2", "Adam's betas (default 0.9,0.999)"},
       {"eps", "X", "Adam's epsilon (default 1e-8)"},
       {"momentum", "X", "SGD's momentum (default 0)"},
       {"nesterov", "", "SGD with Nesterov momentum"},
       {"weight-decay", "X",
        "Weight decay of the parameters of rank >= 2 (default 0; "
        "decoupled for adamw)"},
       {"warmup", "N", "Steps of linear warmup (default 0)"},
       {"schedule", "NAME",
        "After warmup: constant, linear or cosine (default constant)"},
       {"clip", "X", "Clip the global gradient norm to X (default: off)"},
       {"skip-spikes", "K",
        "Skip a step whose loss is above K x the mean of the last 20 "
        "(default: off; non-finite losses and gradients always skip)"},
       {"save", "FILE.safetensors",
        "Write the trained parameters (by their checkpoint names)"},
       {"checkpoint", "FILE.safetensors|DIR",
        "Write a checkpoint (parameters, optimizer state, step, data "
        "position) here, atomically, at the end and every "
        "--checkpoint-every steps (a directory of one file per rank "
        "at --zero 1-3 on several ranks)"},
       {"checkpoint-every", "N", "Steps between checkpoints"},
       {"resume", "FILE.safetensors|DIR",
        "Continue the run a --checkpoint stopped (same model, optimizer "
        "and data; a sharded one on any number of ranks)"},
       {"stop-after", "N",
        "Stop after step N (the schedule still spans --steps): a run to "
        "--resume later"},
       {"plot", "FILE.svg", "Draw the loss per step at the end"},
       {"log", "FILE.jsonl", "One JSON object per step"},
       {"log-every", "N",
        "Progress line every N steps when stderr is not a terminal "
        "(default: about 20 lines)"},
       {"weights", "FILE.safetensors", "Initial parameters"},
       {"adapter", "DIR",
        "LoRA adapters to start from (PEFT's layout), for a model "
        "compiled with --lora-targets"},
       {"save-adapter", "DIR",
        "Write the trained LoRA adapters in PEFT's layout "
        "(adapter_model.safetensors, adapter_config.json)"},
       {"recompute", "SCHEDULE",
        "With a model definition: tesselc --recompute for its "
        "training step (none, attention, blocks, blocks:K)"},
       {"dropout-seed", "N",
        "Seed of the dropout masks of a model with dropout (default 0; "
        "with the step it decides every mask; a checkpoint keeps it)"},
       {"objective", "NAME",
        "lm (next-token prediction on --data text or .npy; the default), "
        "dpo (Direct Preference Optimization on --data prefs.jsonl: "
        "{\"prompt\", \"chosen\", \"rejected\"} per line) or grpo "
        "(sampled completions of --data's prompts, one per line, "
        "rewarded by --reward-tokens, group-relative advantages) or ppo "
        "(the same rollouts; a value head, GAE, clipped surrogate; "
        "needs tesselc --train --value-head)"},
       {"beta", "X",
        "DPO's beta (default 0.1); GRPO's and PPO's KL coefficient "
        "(default 0.04)"},
       {"group", "G", "GRPO, PPO: completions sampled per prompt (default 4)"},
       {"reward-tokens", "TEXT",
        "GRPO's and PPO's scripted reward: the share of a completion's "
        "tokens that are among TEXT's"},
       {"max-new-tokens", "N", "GRPO, PPO: tokens per completion (default 16)"},
       {"temperature", "X", "GRPO, PPO: sampling temperature (default 1)"},
       {"sample-seed", "N", "GRPO, PPO: the sampler's seed (default 0)"},
       {"ppo-epochs", "N", "PPO: passes over each rollout (default 4)"},
       {"minibatch", "N",
        "PPO: completions per update (default: the whole rollout)"},
       {"ratio-clip", "X",
        "PPO: the probability ratio's clip range epsilon (default 0.2)"},
       {"value-clip", "X",
        "PPO: how far a value may move from the rollout's (default "
        "0.2)"},
       {"vf-coef", "X", "PPO: the value loss's weight (default 0.1)"},
       {"entropy-coef", "X", "PPO: the entropy bonus's weight (default 0.01)"},
       {"gamma", "X", "PPO: the discount (default 1)"},
       {"lambda", "X", "PPO: GAE's lambda (default 0.95)"},
       {"zero", "S",
        "Data parallel over the ranks of mpirun -np N tessel-run train "
        "...: ZeRO stage 0 (gradients all-reduced; the default under "
        "mpirun), 1 (optimizer state sharded), 2 (also the gradients) or "
        "3 (also the parameters); --batch is the global batch"},
       {"accumulate", "K",
        "Gradient accumulation: each rank runs its part of the batch in "
        "K micro-batches, one update per step (default 1)"},
       {"comm-timeout", "SECONDS",
        "A collective waiting longer ends the run: a rank died or hangs "
        "(default 300; 0: wait forever)"},
       {"seed", "N", "Initialize parameters missing from --weights"}}};
}

namespace {

/// Copies rows [first, first + count) of `from` [B, S] into `to`.
void copyRows(const Tensor &from, int64_t first, int64_t count, Tensor &to) {
  int64_t seq = from.dim(1);
  to = Tensor::zeros(from.dtype, {count, seq});
  std::copy(from.ints.begin() + first * seq,
            from.ints.begin() + (first + count) * seq, to.ints.begin());
}

/// Adds every float tensor of `from` to `into` (results of one entry).
void addResults(const std::vector<Tensor> &from, std::vector<Tensor> &into) {
  for (size_t r = 0; r < from.size(); ++r)
    for (size_t k = 0; k < from[r].floats.size(); ++k)
      into[r].floats[k] += from[r].floats[k];
}

std::string bytesText(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", bytes);
  return text;
}

/// --save and --save-adapter, from rank 0 (the parameters whole).
Status saveTrained(const cli::ParsedArgs &args, Artifact &artifact) {
  if (args.has("save")) {
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (const ParameterSpec &p : artifact.parameters())
      if (Tensor *t = artifact.mutableParameter(p.tensor.name))
        tensors.push_back({p.tensor.name, *t});
    TESSEL_RETURN_IF_ERROR(writeSafetensors(args.get("save", ""), tensors));
    std::fprintf(stderr, "%s: wrote %s\n", kTool, args.get("save", "").c_str());
  }
  if (args.has("save-adapter")) {
    TESSEL_RETURN_IF_ERROR(saveAdapter(args.get("save-adapter", ""), artifact));
    std::fprintf(stderr, "%s: wrote the LoRA adapters to %s\n", kTool,
                 args.get("save-adapter", "").c_str());
  }
  return Status::ok();
}

Status trainOnRanks(const cli::ParsedArgs &args, dist::Communicator &comm) {
  TrainOptions o;
  TESSEL_RETURN_IF_ERROR(parseOptions(args, o));
  TESSEL_RETURN_IF_ERROR(args.getInt("log-every", o.logEvery));
  if (o.logEvery < 0)
    return errorf("--log-every must be positive, got ", o.logEvery);
  const int rank = comm.rank(), ranks = comm.size();
  const bool lead = rank == 0;
  const int stage = o.zero < 0 ? 0 : int(o.zero);
  comm.timeoutSeconds = o.commTimeout;

  // A model definition is compiled first, into a temporary artifact.
  CompiledModel compiled;
  std::string path = args.positional();
  if (isModelDefinition(path)) {
    std::vector<std::string> flags = {"--train"};
    if (args.has("recompute"))
      flags.push_back("--recompute=" + args.get("recompute", ""));
    TESSEL_RETURN_IF_ERROR(compileModel(path, flags, compiled));
    path = compiled.artifact;
  } else if (args.has("recompute")) {
    return errorf("--recompute applies to a model definition, which "
                  "tessel-run compiles; an artifact has its schedule: "
                  "compile it with tesselc --train --recompute");
  }
  // A resumed run takes its parameters from the checkpoint (a sharded one
  // consolidated first).
  Artifact artifact;
  SafetensorsFile resumed;
  std::string resumePath = args.get("resume", "");
  if (args.has("resume")) {
    TESSEL_RETURN_IF_ERROR(artifact.load(path));
    TESSEL_RETURN_IF_ERROR(openCheckpoint(resumePath, artifact, resumed));
    TESSEL_RETURN_IF_ERROR(
        artifact.loadParameters(resumed, resumePath, nullptr));
  } else {
    TESSEL_RETURN_IF_ERROR(loadArtifact(args, artifact, path));
  }
  const EntryPoint *grads = artifact.entry(EntryPointKind::Grads);
  if (!grads)
    return errorf(args.positional(),
                  ": has no grads entry point; compile the model with "
                  "tesselc --train");

  // The parameters, in the order of the gradients grads returns (result
  // gradientAt[k] is parameter k's), and the parameters its other results
  // replace after each applied step (batch norm's running statistics).
  std::vector<Tensor *> params;
  std::vector<size_t> gradientAt;
  std::vector<std::pair<size_t, Tensor *>> updates;
  for (size_t i = 1; i < grads->results.size(); ++i) {
    const std::string &name = grads->results[i].name;
    bool gradient = name.rfind("grad.", 0) == 0;
    std::string parameter = name.substr(name.find('.') + 1);
    Tensor *p = artifact.mutableParameter(parameter);
    if (!p)
      return errorf(args.positional(), ": parameter ", parameter,
                    " is not f32; training needs f32 parameters");
    if (gradient) {
      params.push_back(p);
      gradientAt.push_back(i);
    } else {
      updates.push_back({i, p});
    }
  }
  std::vector<std::string> names = gradientNames(*grads);
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int64_t> sizes;
  for (const Tensor *p : params) {
    shapes.push_back(p->shape);
    sizes.push_back(p->numel());
  }

  std::string objective = args.get("objective", "lm");
  const char *ppoOptions[] = {"ppo-epochs", "minibatch", "ratio-clip",
                              "value-clip", "vf-coef",   "entropy-coef",
                              "gamma",      "lambda"};
  if (objective != "ppo")
    for (const char *option : ppoOptions)
      if (args.has(option))
        return errorf("--", option, " applies to --objective ppo");
  if (objective == "dpo" || objective == "grpo" || objective == "ppo") {
    for (const char *option :
         {"zero", "accumulate", "checkpoint", "resume", "plot", "stop-after"})
      if (args.has(option))
        return errorf("--objective ", objective, " does not take --", option);
    if (ranks > 1)
      return errorf("--objective ", objective, " runs in one process");
    if (objective == "dpo")
      TESSEL_RETURN_IF_ERROR(
          trainDpo(args, o, artifact, *grads, params, gradientAt));
    else if (objective == "ppo")
      TESSEL_RETURN_IF_ERROR(trainPpo(args, o, artifact));
    else
      TESSEL_RETURN_IF_ERROR(
          trainGrpo(args, o, artifact, *grads, params, gradientAt));
    return saveTrained(args, artifact);
  }
  if (objective != "lm")
    return errorf("--objective must be lm, dpo, grpo or ppo, got '", objective,
                  "'");
  for (const char *option : {"beta", "group", "reward-tokens", "max-new-tokens",
                             "temperature", "sample-seed"})
    if (args.has(option))
      return errorf("--", option, " applies to --objective dpo, grpo or ppo");

  TrainingData data;
  std::string dataPath = args.get("data", "");
  if (dataPath.size() > 4 && dataPath.substr(dataPath.size() - 4) == ".npy") {
    TESSEL_RETURN_IF_ERROR(readNpy(dataPath, data.steps));
    if (data.steps.dtype != DType::I64 || data.steps.rank() != 3 ||
        data.steps.dim(2) < 2)
      return errorf(dataPath, ": expected int64 [steps, B, S + 1], got ",
                    name(data.steps.dtype), " ", formatShape(data.steps.shape));
    if (data.steps.dim(0) < o.steps)
      return errorf(dataPath, ": holds ", data.steps.dim(0),
                    " steps, fewer than --steps ", o.steps);
    data.fromNpy = true;
    o.batch = data.steps.dim(1);
    o.seq = data.steps.dim(2) - 1;
  } else {
    std::string tokenizer = args.get("tokenizer", artifact.tokenizerPath());
    TESSEL_RETURN_IF_ERROR(readText(dataPath, tokenizer, artifact, data));
    if (data.text.numel() < o.seq + 1)
      return errorf(dataPath, ": ", data.text.numel(),
                    " tokens, too short for one sequence of --seq ", o.seq,
                    " plus its next token");
  }
  if (artifact.maxPositions() && o.seq > artifact.maxPositions())
    return errorf("--seq ", o.seq, " is longer than the model's ",
                  artifact.maxPositions(), " positions");
  // Every rank runs its B / N sequences in K micro-batches.
  const int64_t parts = ranks * o.accumulate;
  if (o.batch % parts)
    return errorf("--batch ", o.batch, " must be a multiple of the ", ranks,
                  " ranks x --accumulate ", o.accumulate);
  const int64_t micro = o.batch / parts;
  // Every id is checked before the first step.
  if (Status ids =
          artifact.checkTokenIds(data.fromNpy ? data.steps : data.text);
      !ids.isOk())
    return errorf(dataPath, ": ", ids.message());

  std::vector<Tensor *> rotations;
  TESSEL_RETURN_IF_ERROR(reftRotations(artifact, rotations));
  if (!rotations.empty() && stage >= 3)
    return errorf("LoReFT keeps its rotations orthonormal after each step, "
                  "which needs them whole: use --zero 0, 1 or 2");
  SkipPolicy skip(o.skipSpikes);
  int64_t first = 0, skipped = 0;
  // The optimizer (of this rank's shard); at stage 3 the parameters move
  // into their shards here.
  dist::DataParallel dp(comm, stage, params, o.optimizer);
  if (args.has("resume"))
    TESSEL_RETURN_IF_ERROR(resume(resumed, resumePath, sizes, o, names,
                                  dp.optimizer, skip, data.position, first,
                                  skipped));
  resumed = SafetensorsFile();
  int64_t last = o.stopAfter ? o.stopAfter : o.steps;
  if (first >= last)
    return errorf(resumePath, ": the run is at step ", first,
                  ", nothing to do up to step ", last);

  // A resumed run appends to its log.
  std::unique_ptr<std::ofstream> log;
  if (lead)
    TESSEL_RETURN_IF_ERROR(openLog(args, first > 0, log));

  // Checkpoints: one file from rank 0, or with ZeRO's shards over more than
  // one rank, a directory of a file per rank.
  const bool sharded = stage >= 1 && ranks > 1;
  auto checkpoint = [&](int64_t step) -> Status {
    nlohmann::json state = loopState(artifact, o, dp.optimizer, skip,
                                     data.position, step, skipped);
    if (sharded)
      return dist::writeShardedCheckpoint(
          comm, args.get("checkpoint", ""), dp.layout, names, shapes,
          shardOf(dp, rank, artifact, names, params), kCheckpointKey,
          state.dump());
    TESSEL_RETURN_IF_ERROR(dp.gatherParameters());
    if (lead)
      TESSEL_RETURN_IF_ERROR(writeCheckpoint(
          args.get("checkpoint", ""), artifact, names, dp.optimizer, state));
    dp.releaseParameters();
    return comm.barrier();
  };
  Progress progress;
  int64_t every = o.logInterval();
  std::vector<Tensor> results, microResults;
  // Inputs: tokens, targets, and for a model with dropout its [seed, step].
  bool dropout = grads->inputs.size() == 3;
  std::vector<Tensor> inputs(dropout ? 3 : 2);
  if (dropout)
    inputs[2] = Tensor::zeros(DType::I64, {2});
  Tensor batchInputs, batchTargets;
  std::vector<double> losses;
  dist::ZeroMemory held;
  dist::CommVolume volumeBefore = comm.volume;
  auto start = std::chrono::steady_clock::now();
  for (int64_t step = first; step < last; ++step) {
    auto stepStart = std::chrono::steady_clock::now();
    comm.step = step + 1;
    nextBatch(data, step, o.batch, o.seq, batchInputs, batchTargets);
    TESSEL_RETURN_IF_ERROR(dp.gatherParameters());
    double loss = 0.0;
    for (int64_t m = 0; m < o.accumulate; ++m) {
      if (parts == 1) {
        inputs[0] = std::move(batchInputs);
        inputs[1] = std::move(batchTargets);
      } else {
        int64_t row = (rank * o.accumulate + m) * micro;
        copyRows(batchInputs, row, micro, inputs[0]);
        copyRows(batchTargets, row, micro, inputs[1]);
      }
      // Each micro-batch of each rank draws its own masks; with one rank
      // and no accumulation the counter is the step itself.
      if (dropout)
        inputs[2].ints = {static_cast<int64_t>(o.dropoutSeed),
                          step * parts + rank * o.accumulate + m};
      std::vector<Tensor> &into = m == 0 ? results : microResults;
      TESSEL_RETURN_IF_ERROR(artifact.run(grads->name, inputs, into));
      loss += into[0].floats[0];
      if (m > 0)
        addResults(microResults, results);
    }
    dp.releaseParameters();
    // The global loss: the mean over the ranks' micro-batches.
    TESSEL_RETURN_IF_ERROR(comm.allReduceSum(&loss, 1));
    loss /= double(parts);
    std::vector<Tensor *> gradients;
    for (size_t i : gradientAt)
      gradients.push_back(&results[i]);
    double norm = 0.0;
    TESSEL_RETURN_IF_ERROR(dp.reduceGradients(gradients, parts, norm));
    std::string reason = skip.check(loss, norm);
    double lr = learningRate(o.schedule, o.lr, o.warmup, o.steps, step);
    if (reason.empty()) {
      TESSEL_RETURN_IF_ERROR(dp.update(lr, clipScale(norm, o.clip)));
      // LoReFT's rotations back onto orthonormal rows (whole on every rank
      // below stage 3: the same values everywhere).
      TESSEL_RETURN_IF_ERROR(retractRotations(rotations));
      held = dp.held();
      for (auto &[i, parameter] : updates) {
        // Running statistics: the mean over micro-batches and ranks.
        if (parts > 1) {
          Tensor &u = results[i];
          TESSEL_RETURN_IF_ERROR(comm.allReduceSum(u.floats.data(), u.numel()));
          for (float &x : u.floats)
            x = static_cast<float>(x / double(parts));
        }
        parameter->floats.swap(results[i].floats);
      }
      skip.applied(loss);
    } else {
      ++skipped;
      if (lead)
        std::fprintf(stderr, "%s%s: step %lld skipped: %s\n",
                     progress.onTerminal() ? "\n" : "", kTool,
                     static_cast<long long>(step + 1), reason.c_str());
    }
    losses.push_back(loss);
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - stepStart)
                         .count();
    if (log)
      *log << "{\"step\": " << step + 1 << ", \"loss\": " << loss
           << ", \"lr\": " << lr << ", \"grad_norm\": " << norm
           << ", \"skipped\": " << (reason.empty() ? "false" : "true") << "}\n";
    bool final = step + 1 == last;
    if (lead && progress.due(step, last, every)) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "step %lld/%lld  loss %.4f  lr %.2e  grad norm %.3f  "
                    "%.0f tokens/s  skipped %lld",
                    static_cast<long long>(step + 1),
                    static_cast<long long>(o.steps), loss, lr, norm,
                    double(o.batch * o.seq) / seconds,
                    static_cast<long long>(skipped));
      progress.show(line, final);
    }
    if (o.checkpointEvery && (step + 1) % o.checkpointEvery == 0 && !final)
      TESSEL_RETURN_IF_ERROR(checkpoint(step + 1));
  }
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  TESSEL_RETURN_IF_ERROR(closeLog(args, log));
  if (lead)
    std::fprintf(
        stderr,
        "%s: steps %lld to %lld in %.3f s (%lld skipped); loss %.4f "
        "-> %.4f\n",
        kTool, static_cast<long long>(first + 1), static_cast<long long>(last),
        total, static_cast<long long>(skipped), losses.front(), losses.back());
  if (lead && (o.zero >= 0 || ranks > 1)) {
    // What this rank held at the update against ZeRO's formulas, and what
    // the collectives moved per step against the paper's volume.
    double psi = double(dp.layout.total);
    dist::ZeroMemory formula = dist::f32Training(
        stage, psi, ranks, double(dp.optimizer.stateBytesPerElement()));
    std::fprintf(
        stderr,
        "%s: ZeRO stage %d on %d rank%s (%s); rank 0 holds "
        "parameters %s, gradients %s, optimizer state %s = %s bytes "
        "(formula with Psi = %.0f: %s bytes)\n",
        kTool, stage, ranks, ranks == 1 ? "" : "s", comm.backend(),
        bytesText(held.parameters).c_str(), bytesText(held.gradients).c_str(),
        bytesText(held.optimizer).c_str(), bytesText(held.total()).c_str(), psi,
        bytesText(formula.total()).c_str());
    double steps = double(last - first);
    dist::CommVolume v = comm.volume;
    double allReduce = (v.allReduce - volumeBefore.allReduce) / steps;
    double scatter = (v.reduceScatter - volumeBefore.reduceScatter) / steps;
    double gather = (v.allGather - volumeBefore.allGather) / steps;
    std::fprintf(stderr,
                 "%s: communication per step: %.0f elements = %.3f Psi "
                 "(all-reduce %.0f, reduce-scatter %.0f, all-gather %.0f; "
                 "the paper's: %.0f Psi)\n",
                 kTool, allReduce + scatter + gather,
                 (allReduce + scatter + gather) / psi, allReduce, scatter,
                 gather, dist::paperVolume(stage, psi) / psi);
  }
  if (args.has("checkpoint")) {
    TESSEL_RETURN_IF_ERROR(checkpoint(last));
    if (lead)
      std::fprintf(stderr, "%s: wrote checkpoint %s (step %lld)\n", kTool,
                   args.get("checkpoint", "").c_str(),
                   static_cast<long long>(last));
  }
  if (args.has("save") || args.has("save-adapter")) {
    TESSEL_RETURN_IF_ERROR(dp.gatherParameters());
    if (lead)
      TESSEL_RETURN_IF_ERROR(saveTrained(args, artifact));
    dp.releaseParameters();
  }
  if (args.has("plot") && lead)
    TESSEL_RETURN_IF_ERROR(
        writeFile(args.get("plot", ""), lossPlot(losses, first)));
  return comm.barrier();
}

} // namespace

Status run::runTrain(const cli::ParsedArgs &args) {
  // Under mpirun every process is a rank; otherwise one process alone.
  std::unique_ptr<dist::Communicator> comm;
  if (dist::launchedByMpi())
    TESSEL_RETURN_IF_ERROR(dist::makeMpiCommunicator(comm));
  else
    comm = dist::makeLocalCommunicator();
  Status status = trainOnRanks(args, *comm);
  if (!status.isOk() && comm->size() > 1) {
    // The other ranks would wait for this one in their next collective.
    std::fprintf(stderr, "%s: rank %d: error: %s\n", kTool, comm->rank(),
                 status.message().c_str());
    std::fflush(stderr);
    comm->abort(1);
  }
  return status;
}

cli::CommandSpec run::consolidateCommand() {
  return {"consolidate",
          "Write a sharded training checkpoint (a directory that tessel-run "
          "train --zero 1|2|3 writes on several ranks) as one file: "
          "parameters under their HuggingFace names, optimizer state, loop "
          "state",
          "CHECKPOINT_DIR",
          {{"out", "FILE.safetensors", "The one-file checkpoint", true}}};
}

Status run::runConsolidate(const cli::ParsedArgs &args) {
  std::string bytes;
  TESSEL_RETURN_IF_ERROR(
      dist::consolidateCheckpoint(args.positional(), kCheckpointKey, bytes));
  TESSEL_RETURN_IF_ERROR(writeFile(args.get("out", ""), bytes));
  std::fprintf(stderr, "%s: wrote %s\n", kTool, args.get("out", "").c_str());
  return Status::ok();
}
