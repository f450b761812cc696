//===- TrainGrpo.cpp - tessel-run train --objective grpo ------------------===//
//
// Reinforcement learning from a scripted reward with group-relative
// advantages (runtime/train/Grpo.h). Each step, for each of --batch
// prompts: G completions sampled from the policy (the decode entry point,
// at --temperature); each scored by the reward, the fraction of its tokens
// that are among --reward-tokens, minus beta times its KL divergence from
// the reference (sum over its tokens of log pi - log ref, the reference
// being the starting parameters); advantages normalized within the group;
// then one update on
//
//   loss = -1/(B G) sum_i A_i (1/n_i) sum_t log pi(y_it | x, y_i<t)
//
// whose gradient is 1/(B G) sum_i A_i d CE_i / d theta, CE_i the mean
// token loss grads returns for completion i (prompt targets -100): one
// grads call per completion. One update per rollout (GRPO with mu = 1), so
// the probability ratio is 1 and the clipped surrogate is this loss.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Grpo.h"
#include "tools/tessel-run/TrainLoop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <memory>

using namespace tessel;
using namespace tessel::train;
using namespace tessel::run;

namespace {

constexpr const char *kTool = "tessel-run";

} // namespace

Status run::trainGrpo(const cli::ParsedArgs &args, const TrainOptions &o,
                      Artifact &artifact, const EntryPoint &grads,
                      const std::vector<Tensor *> &params,
                      const std::vector<size_t> &gradientAt) {
  Rollouts rollouts;
  TESSEL_RETURN_IF_ERROR(rollouts.read(args, artifact, "grpo"));
  const int64_t group = rollouts.group;
  const double beta = rollouts.beta;
  const std::vector<std::vector<int64_t>> &prompts = rollouts.prompts;
  if (group < 2)
    return errorf("--group must be at least 2 for GRPO (its baseline is "
                  "the group's mean reward), got ",
                  group);
  if (grads.inputs.size() != 2)
    return errorf("--objective grpo needs a model without dropout (the "
                  "log-probabilities must not depend on a mask)");
  const EntryPoint *loss = artifact.entry(EntryPointKind::Loss);
  if (!loss)
    return errorf(args.positional(), ": has no loss entry point");

  // The reference: the trained parameters as they start.
  Updater update;
  TESSEL_RETURN_IF_ERROR(update.init(artifact, params, o.optimizer, true));
  GradientSum gradients(params, gradientAt);
  std::unique_ptr<std::ofstream> log;
  TESSEL_RETURN_IF_ERROR(openLog(args, false, log));
  Progress progress;
  int64_t every = o.logInterval();
  size_t next = 0;
  double firstReward = 0, lastReward = 0;
  std::vector<Tensor> results;
  auto begin = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < o.steps; ++step) {
    gradients.clear();
    double meanReward = 0, meanKl = 0, objective = 0;
    const double samples = double(o.batch * group);
    for (int64_t b = 0; b < o.batch; ++b) {
      const std::vector<int64_t> &prompt = prompts[next++ % prompts.size()];
      // G completions of the prompt, each row sampled with its own seed.
      std::vector<std::vector<int64_t>> sequences;
      TESSEL_RETURN_IF_ERROR(rollouts.sample(
          artifact, prompt,
          rollouts.sampleSeed + uint64_t(step * o.batch + b) * group,
          sequences));
      std::vector<Tensor> tokens(group), targets(group);
      std::vector<double> reward(group), kl(group), count(group);
      for (int64_t g = 0; g < group; ++g) {
        const std::vector<int64_t> &all = sequences[g];
        responseTensors(all, prompt.size(), tokens[g], targets[g]);
        count[g] = double(all.size() - prompt.size());
        reward[g] = rollouts.reward(all, prompt.size());
      }
      // log pi - log ref summed over each completion: n (CE_ref - CE_pi).
      std::vector<double> policyLoss(group), referenceLoss(group);
      for (int64_t g = 0; g < group; ++g) {
        TESSEL_RETURN_IF_ERROR(
            artifact.run(loss->name, {tokens[g], targets[g]}, results));
        policyLoss[g] = results[0].floats[0];
      }
      TESSEL_RETURN_IF_ERROR(update.withReference([&]() -> Status {
        for (int64_t g = 0; g < group; ++g) {
          TESSEL_RETURN_IF_ERROR(
              artifact.run(loss->name, {tokens[g], targets[g]}, results));
          referenceLoss[g] = results[0].floats[0];
        }
        return Status::ok();
      }));
      std::vector<double> shaped(group);
      for (int64_t g = 0; g < group; ++g) {
        kl[g] = count[g] * (referenceLoss[g] - policyLoss[g]);
        shaped[g] = reward[g] - beta * kl[g];
        meanReward += reward[g] / samples;
        meanKl += (count[g] > 0 ? kl[g] / count[g] : 0.0) / samples;
      }
      std::vector<double> advantage = groupAdvantages(shaped, size_t(group));
      for (int64_t g = 0; g < group; ++g) {
        if (advantage[g] == 0.0)
          continue;
        TESSEL_RETURN_IF_ERROR(
            artifact.run(grads.name, {tokens[g], targets[g]}, results));
        // -A (1/n) sum log pi = A * CE: its gradient is A dCE.
        objective += advantage[g] * results[0].floats[0] / samples;
        gradients.add(results, advantage[g] / samples);
      }
    }
    const std::vector<const Tensor *> &views = gradients.tensors();
    double norm = globalNorm(views);
    double lr = learningRate(o.schedule, o.lr, o.warmup, o.steps, step);
    if (std::isfinite(norm)) {
      TESSEL_RETURN_IF_ERROR(update.step(views, lr, clipScale(norm, o.clip)));
    } else {
      std::fprintf(stderr, "%s: step %lld skipped: a gradient is not finite\n",
                   kTool, static_cast<long long>(step + 1));
    }
    if (step == 0)
      firstReward = meanReward;
    lastReward = meanReward;
    if (log)
      *log << "{\"step\": " << step + 1 << ", \"reward\": " << meanReward
           << ", \"kl\": " << meanKl << ", \"loss\": " << objective
           << ", \"lr\": " << lr << ", \"grad_norm\": " << norm << "}\n";
    if (progress.due(step, o.steps, every)) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "step %lld/%lld  reward %.4f  kl %.4f  lr %.2e  grad "
                    "norm %.3f",
                    static_cast<long long>(step + 1),
                    static_cast<long long>(o.steps), meanReward, meanKl, lr,
                    norm);
      progress.show(line, step + 1 == o.steps);
    }
  }
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  TESSEL_RETURN_IF_ERROR(closeLog(args, log));
  std::fprintf(stderr,
               "%s: GRPO on %zu prompts, %lld completions per prompt, steps "
               "1 to %lld in %.3f s; mean reward %.4f -> %.4f\n",
               kTool, prompts.size(), static_cast<long long>(group),
               static_cast<long long>(o.steps), total, firstReward, lastReward);
  return Status::ok();
}
