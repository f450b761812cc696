//===- TrainDpo.cpp - tessel-run train --objective dpo --------------------===//
//
// Direct Preference Optimization (runtime/train/Dpo.h) on
// {"prompt", "chosen", "rejected"} lines: each response's log-probability
// and its gradient come from the grads entry point (prompt targets -100),
// the chain rule runs here, and the update is the optimizer's.
//
//===----------------------------------------------------------------------===//

#include "runtime/Files.h"
#include "runtime/train/Dpo.h"
#include "tools/tessel-run/TrainLoop.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <memory>

#include <nlohmann/json.hpp>

using namespace tessel;
using namespace tessel::train;
using namespace tessel::run;

namespace {

constexpr const char *kTool = "tessel-run";

/// One preference pair, tokenized: for the chosen and the rejected
/// response, inputs (prompt + response but the last token) and targets
/// (the next tokens, -100 over the prompt), and the response's length.
struct PreferencePair {
  Tensor tokens[2], targets[2];
  int64_t responseTokens[2] = {0, 0};
};

/// Reads prefs.jsonl: one {"prompt", "chosen", "rejected"} object per line,
/// encoded through the tokenizer (or as bytes for a model of 256 tokens).
Status readPreferences(const std::string &path, const std::string &tokenizer,
                       const Artifact &artifact,
                       std::vector<PreferencePair> &pairs) {
  std::vector<std::pair<size_t, std::string>> lines;
  TESSEL_RETURN_IF_ERROR(readLines(path, lines));
  Encoder encode;
  TESSEL_RETURN_IF_ERROR(makeEncoder(tokenizer, artifact, path, encode));
  for (const auto &[line, row] : lines) {
    std::string where = path + ":" + std::to_string(line);
    nlohmann::json j = nlohmann::json::parse(row, nullptr, false);
    if (!j.is_object() || !j.contains("prompt") || !j["prompt"].is_string() ||
        !j.contains("chosen") || !j["chosen"].is_string() ||
        !j.contains("rejected") || !j["rejected"].is_string())
      return errorf(where, ": expected {\"prompt\", \"chosen\", "
                           "\"rejected\"} strings");
    std::vector<int64_t> prompt;
    TESSEL_RETURN_IF_ERROR(encode(j["prompt"].get<std::string>(), prompt));
    if (prompt.empty())
      return errorf(where, ": the prompt is empty");
    PreferencePair pair;
    for (int side = 0; side < 2; ++side) {
      std::vector<int64_t> response;
      TESSEL_RETURN_IF_ERROR(encode(
          j[side == 0 ? "chosen" : "rejected"].get<std::string>(), response));
      if (response.empty())
        return errorf(where, ": the ", side == 0 ? "chosen" : "rejected",
                      " response is empty");
      std::vector<int64_t> all = prompt;
      all.insert(all.end(), response.begin(), response.end());
      int64_t n = int64_t(all.size()) - 1;
      if (artifact.maxPositions() && n > artifact.maxPositions())
        return errorf(where, ": ", n, " tokens, more than the model's ",
                      artifact.maxPositions(), " positions");
      responseTensors(all, prompt.size(), pair.tokens[side],
                      pair.targets[side]);
      pair.responseTokens[side] = int64_t(response.size());
      Tensor ids = Tensor::zeros(DType::I64, {int64_t(all.size())});
      ids.ints = all;
      if (Status s = artifact.checkTokenIds(ids); !s.isOk())
        return errorf(where, ": ", s.message());
    }
    pairs.push_back(std::move(pair));
  }
  if (pairs.empty())
    return errorf(path, ": no preference pairs");
  return Status::ok();
}

/// tessel-run train --objective dpo: each step takes --batch pairs in
/// order; grads on each response gives its mean token loss and its
/// gradient, so log pi(y|x) = -n * loss and its gradient is -n times the
/// returned one; the reference's log-probabilities are computed once, with
/// the starting parameters, by the loss entry point.
} // namespace

Status run::trainDpo(const cli::ParsedArgs &args, const TrainOptions &o,
                     Artifact &artifact, const EntryPoint &grads,
                     const std::vector<Tensor *> &params,
                     const std::vector<size_t> &gradientAt) {
  double beta = 0.1;
  TESSEL_RETURN_IF_ERROR(args.getDouble("beta", beta));
  if (!(beta > 0) || !std::isfinite(beta))
    return errorf("--beta must be positive, got ", beta);
  if (grads.inputs.size() != 2)
    return errorf("--objective dpo needs a model without dropout (the "
                  "log-probabilities must not depend on a mask)");
  const EntryPoint *loss = artifact.entry(EntryPointKind::Loss);
  if (!loss)
    return errorf(args.positional(), ": has no loss entry point");
  std::vector<PreferencePair> pairs;
  TESSEL_RETURN_IF_ERROR(readPreferences(
      args.get("data", ""), args.get("tokenizer", artifact.tokenizerPath()),
      artifact, pairs));
  // The reference: the starting parameters, frozen.
  std::vector<std::array<double, 2>> reference(pairs.size());
  std::vector<Tensor> results;
  for (size_t p = 0; p < pairs.size(); ++p)
    for (int side = 0; side < 2; ++side) {
      TESSEL_RETURN_IF_ERROR(artifact.run(
          loss->name, {pairs[p].tokens[side], pairs[p].targets[side]},
          results));
      reference[p][side] =
          -double(results[0].floats[0]) * pairs[p].responseTokens[side];
    }

  Updater update;
  TESSEL_RETURN_IF_ERROR(update.init(artifact, params, o.optimizer, false));
  GradientSum gradients(params, gradientAt);
  std::unique_ptr<std::ofstream> log;
  TESSEL_RETURN_IF_ERROR(openLog(args, false, log));
  Progress progress;
  int64_t every = o.logInterval();
  size_t next = 0;
  int64_t skipped = 0;
  SkipPolicy skip(o.skipSpikes);
  double firstLoss = 0, lastLoss = 0;
  auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < o.steps; ++step) {
    gradients.clear();
    double meanLoss = 0, margin = 0, chosen = 0, rejected = 0, correct = 0;
    for (int64_t b = 0; b < o.batch; ++b) {
      size_t p = next++ % pairs.size();
      double policy[2];
      std::vector<Tensor> sides[2];
      for (int side = 0; side < 2; ++side) {
        TESSEL_RETURN_IF_ERROR(artifact.run(
            grads.name, {pairs[p].tokens[side], pairs[p].targets[side]},
            sides[side]));
        policy[side] =
            -double(sides[side][0].floats[0]) * pairs[p].responseTokens[side];
      }
      DpoTerms t = dpoTerms(policy[0], policy[1], reference[p][0],
                            reference[p][1], beta);
      meanLoss += t.loss / o.batch;
      margin += t.margin / o.batch;
      chosen += t.chosenReward / o.batch;
      rejected += t.rejectedReward / o.batch;
      correct += t.margin > 0 ? 1.0 / o.batch : 0.0;
      // d loss / d theta = dChosen * grad log pi_w + dRejected * grad
      // log pi_l, and grad log pi = -n * (the returned mean-loss gradient).
      double weight[2] = {-t.dChosen * pairs[p].responseTokens[0] / o.batch,
                          -t.dRejected * pairs[p].responseTokens[1] / o.batch};
      for (int side = 0; side < 2; ++side)
        gradients.add(sides[side], weight[side]);
    }
    const std::vector<const Tensor *> &views = gradients.tensors();
    double norm = globalNorm(views);
    std::string reason = skip.check(meanLoss, norm);
    double lr = learningRate(o.schedule, o.lr, o.warmup, o.steps, step);
    if (reason.empty()) {
      TESSEL_RETURN_IF_ERROR(update.step(views, lr, clipScale(norm, o.clip)));
      skip.applied(meanLoss);
    } else {
      ++skipped;
      std::fprintf(stderr, "%s: step %lld skipped: %s\n", kTool,
                   static_cast<long long>(step + 1), reason.c_str());
    }
    if (step == 0)
      firstLoss = meanLoss;
    lastLoss = meanLoss;
    if (log)
      *log << "{\"step\": " << step + 1 << ", \"loss\": " << meanLoss
           << ", \"reward_margin\": " << margin
           << ", \"chosen_reward\": " << chosen
           << ", \"rejected_reward\": " << rejected
           << ", \"accuracy\": " << correct << ", \"lr\": " << lr
           << ", \"grad_norm\": " << norm << "}\n";
    bool final = step + 1 == o.steps;
    if (progress.due(step, o.steps, every)) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "step %lld/%lld  dpo loss %.4f  margin %.4f  accuracy "
                    "%.2f  lr %.2e",
                    static_cast<long long>(step + 1),
                    static_cast<long long>(o.steps), meanLoss, margin, correct,
                    lr);
      progress.show(line, final);
    }
  }
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  TESSEL_RETURN_IF_ERROR(closeLog(args, log));
  std::fprintf(stderr,
               "%s: DPO on %zu pairs, steps 1 to %lld in %.3f s (%lld "
               "skipped); loss %.4f -> %.4f\n",
               kTool, pairs.size(), static_cast<long long>(o.steps), total,
               static_cast<long long>(skipped), firstLoss, lastLoss);
  return Status::ok();
}
