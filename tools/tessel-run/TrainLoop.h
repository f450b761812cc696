//===- TrainLoop.h - what tessel-run train's objectives share ---*- C++ -*-===//
//
// The options of a training run, its progress line, the text encoder, and
// the objectives beside next-token prediction (Train.cpp): DPO
// (TrainDpo.cpp), GRPO (TrainGrpo.cpp) and PPO (TrainPpo.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_TOOLS_TESSEL_RUN_TRAINLOOP_H
#define TESSEL_TOOLS_TESSEL_RUN_TRAINLOOP_H

#include "runtime/Artifact.h"
#include "runtime/train/Optimizer.h"
#include "tools/common/CommandLine.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace tessel::run {

/// tessel-run train's options, checked (Train.cpp parses them).
struct TrainOptions {
  int64_t steps = 100, batch = 8, seq = 64, warmup = 0, logEvery = 0;
  int64_t checkpointEvery = 0, stopAfter = 0;
  double lr = 1e-3, clip = 0.0, skipSpikes = 0.0;
  train::ScheduleKind schedule = train::ScheduleKind::Constant;
  train::OptimizerOptions optimizer;
  /// Dropout's seed: with the step, it decides every mask (tessel.dropout).
  uint64_t dropoutSeed = 0;
  /// ZeRO stage (-1: not given), micro-batches per step, and how long a
  /// collective may take.
  int64_t zero = -1, accumulate = 1;
  double commTimeout = 300;
  /// Steps between progress lines off a terminal: --log-every, or about
  /// 20 lines per run.
  int64_t logInterval() const {
    return logEvery ? logEvery : std::max<int64_t>(1, steps / 20);
  }
};

/// One progress line: redrawn in place on a terminal, one line per step
/// (every --log-every) when stderr is a file or a pipe.
class Progress {
public:
  Progress() : terminal(isatty(fileno(stderr))) {}
  bool onTerminal() const { return terminal; }
  /// Whether step `step` (0-based) of a run ending at `last` shows a line.
  bool due(int64_t step, int64_t last, int64_t every) const {
    return step + 1 == last || (step + 1) % every == 0 || terminal;
  }
  void show(const std::string &line, bool last) {
    if (terminal) {
      std::fprintf(stderr, "\r%-100s%s", line.c_str(), last ? "\n" : "");
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

private:
  bool terminal;
};

/// Text to token ids.
using Encoder =
    std::function<Status(const std::string &, std::vector<int64_t> &)>;

/// The encoder of `tokenizer` (a path; the model's vocabulary must hold
/// it), or, when empty, one token per byte for a model of 256 tokens;
/// `where` names the data in messages.
Status makeEncoder(const std::string &tokenizer, const Artifact &artifact,
                   const std::string &where, Encoder &encode);

/// The lines of `path` that hold more than blanks, with their numbers
/// (from 1).
Status readLines(const std::string &path,
                 std::vector<std::pair<size_t, std::string>> &lines);

/// A prompt and its response (`all`, the prompt its first `prompt` ids) as
/// grads' inputs [1, n] and targets [1, n], the prompt's targets -100: the
/// loss is then the response's mean token loss, and -n times it the
/// response's log-likelihood.
void responseTensors(const std::vector<int64_t> &all, size_t prompt,
                     Tensor &tokens, Tensor &targets);

/// Opens --log when given (appended to with `append`), with every digit
/// of the floats it will hold.
Status openLog(const cli::ParsedArgs &args, bool append,
               std::unique_ptr<std::ofstream> &log);
/// Flushes --log at the end of a run; an error when it could not be
/// written.
Status closeLog(const cli::ParsedArgs &args,
                const std::unique_ptr<std::ofstream> &log);

/// A weighted sum of the gradients several grads calls return, one tensor
/// per trained parameter: what an objective built from per-sequence
/// log-likelihoods (DPO, GRPO) steps the optimizer with.
class GradientSum {
public:
  /// `gradientAt[k]`: the index among grads' results of parameter k's
  /// gradient.
  GradientSum(const std::vector<Tensor *> &params,
              const std::vector<size_t> &gradientAt);
  void clear();
  /// Adds `weight` times the gradients among `results` (a grads call's).
  void add(const std::vector<Tensor> &results, double weight);
  /// The sums, for train::globalNorm and Optimizer::step.
  const std::vector<const Tensor *> &tensors() const { return pointers; }

private:
  std::vector<size_t> gradientAt;
  std::vector<Tensor> sums;
  std::vector<const Tensor *> pointers;
};

/// What the objectives that learn from a reward (GRPO, PPO) sample: --data's
/// prompts, one per line, --group completions of each of
/// --max-new-tokens tokens at --temperature, and the scripted reward, the
/// share of a completion's tokens among --reward-tokens'.
struct Rollouts {
  int64_t group = 4, maxNew = 16;
  double beta = 0.04, temperature = 1.0;
  uint64_t sampleSeed = 0;
  std::vector<std::vector<int64_t>> prompts;
  std::vector<int64_t> rewarded;

  /// Reads the options and the prompts; `objective` names the caller in
  /// messages.
  Status read(const cli::ParsedArgs &args, const Artifact &artifact,
              const char *objective);
  /// The reward of `all`, whose first `prompt` ids are the prompt.
  double reward(const std::vector<int64_t> &all, size_t prompt) const;
  /// `group` completions of `prompt`, row g sampled with seed + g; each
  /// sequence holds the prompt first.
  Status sample(Artifact &artifact, const std::vector<int64_t> &prompt,
                uint64_t seed,
                std::vector<std::vector<int64_t>> &sequences) const;
};

/// The update of the objectives beside next-token prediction (DPO, GRPO,
/// PPO): an optimizer step over the trained parameters, then LoReFT's
/// rotations retracted onto orthonormal rows; and, when asked for, the
/// parameters as they start, the reference of a KL penalty.
class Updater {
public:
  Status init(Artifact &artifact, const std::vector<Tensor *> &params,
              const train::OptimizerOptions &options, bool keepReference);
  /// One step with `grads` (one per parameter) at rate `lr`, the gradient
  /// scaled by `scale` (clipping).
  Status step(const std::vector<const Tensor *> &grads, double lr,
              double scale);
  /// Runs `body` with the starting values in the parameters' place.
  Status withReference(const std::function<Status()> &body);

private:
  void swapReference();
  std::vector<Tensor *> params, rotations;
  std::unique_ptr<train::Optimizer> optimizer;
  std::vector<std::vector<float>> reference;
};

/// tessel-run train --objective dpo (TrainDpo.cpp): `params` and their
/// gradients' results in `grads` (gradientAt) as Train.cpp found them.
Status trainDpo(const cli::ParsedArgs &args, const TrainOptions &o,
                Artifact &artifact, const EntryPoint &grads,
                const std::vector<Tensor *> &params,
                const std::vector<size_t> &gradientAt);

/// tessel-run train --objective grpo (TrainGrpo.cpp): the same.
Status trainGrpo(const cli::ParsedArgs &args, const TrainOptions &o,
                 Artifact &artifact, const EntryPoint &grads,
                 const std::vector<Tensor *> &params,
                 const std::vector<size_t> &gradientAt);

/// tessel-run train --objective ppo (TrainPpo.cpp): its parameters are
/// those policy_grads differentiates (the value head's among them).
Status trainPpo(const cli::ParsedArgs &args, const TrainOptions &o,
                Artifact &artifact);

} // namespace tessel::run

#endif // TESSEL_TOOLS_TESSEL_RUN_TRAINLOOP_H
