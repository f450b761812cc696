//===- TrainPpo.cpp - tessel-run train --objective ppo --------------------===//
//
// RLHF with PPO on a scripted reward (runtime/train/Ppo.h has the math).
// Each iteration:
//
// 1. Rollout: --batch prompts, --group completions of each sampled from
//    the policy (the decode entry point, at --temperature), each scored by
//    the reward (the share of its tokens among --reward-tokens).
// 2. One `policy` call on the padded rollout gives the old log-probability
//    and value of every completion token; one with the reference (the
//    starting parameters) swapped in, the reference's log-probabilities.
//    Per-token rewards (-beta times the KL estimate, plus the reward at the
//    last token) and the values give GAE's advantages, whitened over the
//    rollout, and the returns.
// 3. --ppo-epochs passes over the rollout in shuffled minibatches of
//    --minibatch completions: `policy` for the current logits and values,
//    the per-token loss and its cotangents on the host (ppoToken), then
//    `policy_grads` with those cotangents for the parameters' gradients and
//    one optimizer step.
//
// Completions are right-padded to one length: causal attention keeps the
// padding from reaching the positions before it, and its cotangents are 0.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Ppo.h"
#include "tools/tessel-run/TrainLoop.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

using namespace tessel;
using namespace tessel::train;
using namespace tessel::run;

namespace {

constexpr const char *kTool = "tessel-run";

/// One completion of the rollout and what PPO keeps of it, per token t of
/// the completion (action all[prompt + t], read from position
/// prompt + t - 1).
struct Episode {
  std::vector<int64_t> all;
  size_t prompt = 0;
  double reward = 0, kl = 0;
  std::vector<PpoSample> samples;
  size_t tokens() const { return all.size() - prompt; }
};

/// Rows `rows` of the rollout as policy's input [M, L]: each sequence but
/// its last id, right-padded with id 0 to the longest.
Tensor inputsOf(const std::vector<Episode> &episodes,
                const std::vector<size_t> &rows) {
  size_t length = 1;
  for (size_t r : rows)
    length = std::max(length, episodes[r].all.size() - 1);
  Tensor tokens =
      Tensor::zeros(DType::I64, {int64_t(rows.size()), int64_t(length)});
  for (size_t m = 0; m < rows.size(); ++m) {
    const std::vector<int64_t> &all = episodes[rows[m]].all;
    std::copy(all.begin(), all.end() - 1, tokens.ints.begin() + m * length);
  }
  return tokens;
}

/// Sums over the tokens of an iteration's updates, for the log.
struct Totals {
  double policy = 0, value = 0, entropy = 0, clipped = 0, approxKl = 0;
  double tokens = 0, norm = 0, updates = 0;
};

} // namespace

Status run::trainPpo(const cli::ParsedArgs &args, const TrainOptions &o,
                     Artifact &artifact) {
  Rollouts rollouts;
  TESSEL_RETURN_IF_ERROR(rollouts.read(args, artifact, "ppo"));
  PpoConfig config;
  int64_t epochs = 4, minibatch = 0;
  double gamma = 1.0, lambda = 0.95;
  TESSEL_RETURN_IF_ERROR(args.getInt("ppo-epochs", epochs));
  TESSEL_RETURN_IF_ERROR(args.getInt("minibatch", minibatch));
  TESSEL_RETURN_IF_ERROR(args.getDouble("ratio-clip", config.ratioClip));
  TESSEL_RETURN_IF_ERROR(args.getDouble("value-clip", config.valueClip));
  TESSEL_RETURN_IF_ERROR(args.getDouble("vf-coef", config.valueCoef));
  TESSEL_RETURN_IF_ERROR(args.getDouble("entropy-coef", config.entropyCoef));
  TESSEL_RETURN_IF_ERROR(args.getDouble("gamma", gamma));
  TESSEL_RETURN_IF_ERROR(args.getDouble("lambda", lambda));
  config.temperature = rollouts.temperature;
  const int64_t rows = o.batch * rollouts.group;
  if (minibatch == 0)
    minibatch = rows;
  if (epochs < 1 || epochs > 1000)
    return errorf("--ppo-epochs must be in [1, 1000], got ", epochs);
  if (minibatch < 1 || minibatch > rows)
    return errorf("--minibatch must be in [1, ", rows,
                  "] (the --batch x --group completions of a rollout), got ",
                  minibatch);
  auto checkRange = [](const char *name, double x, double low,
                       double high) -> Status {
    if (!(x >= low && x <= high))
      return errorf("--", name, " must be in [", low, ", ", high, "], got ", x);
    return Status::ok();
  };
  TESSEL_RETURN_IF_ERROR(checkRange("ratio-clip", config.ratioClip, 0, 10));
  TESSEL_RETURN_IF_ERROR(checkRange("value-clip", config.valueClip, 0, 1e6));
  TESSEL_RETURN_IF_ERROR(checkRange("vf-coef", config.valueCoef, 0, 1e6));
  TESSEL_RETURN_IF_ERROR(
      checkRange("entropy-coef", config.entropyCoef, 0, 1e6));
  TESSEL_RETURN_IF_ERROR(checkRange("gamma", gamma, 0, 1));
  TESSEL_RETURN_IF_ERROR(checkRange("lambda", lambda, 0, 1));

  const EntryPoint *policy = artifact.entry(EntryPointKind::Policy);
  const EntryPoint *policyGrads = artifact.entry(EntryPointKind::PolicyGrads);
  if (!policy || !policyGrads)
    return errorf(args.positional(),
                  ": has no policy and policy_grads entry points (a value "
                  "head and its gradients); compile the model with tesselc "
                  "--train --value-head");
  // The trained parameters: those policy_grads returns gradients of, in
  // its order.
  std::vector<Tensor *> params;
  for (const TensorSpec &result : policyGrads->results) {
    std::string name = result.name.substr(result.name.find('.') + 1);
    Tensor *p = artifact.mutableParameter(name);
    if (!p)
      return errorf(args.positional(), ": parameter ", name,
                    " is not f32; training needs f32 parameters");
    params.push_back(p);
  }
  // The reference of the KL penalty: the trained parameters as they start.
  Updater update;
  TESSEL_RETURN_IF_ERROR(update.init(artifact, params, o.optimizer, true));
  std::unique_ptr<std::ofstream> log;
  TESSEL_RETURN_IF_ERROR(openLog(args, false, log));

  const int64_t vocab = artifact.vocabSize();
  Progress progress;
  int64_t every = o.logInterval();
  size_t nextPrompt = 0;
  double firstReward = 0, lastReward = 0;
  std::vector<Tensor> old, referenceResults, results, gradients;
  std::mt19937_64 shuffler(rollouts.sampleSeed);
  auto begin = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < o.steps; ++step) {
    // 1. The rollout.
    std::vector<Episode> episodes;
    for (int64_t b = 0; b < o.batch; ++b) {
      const std::vector<int64_t> &prompt =
          rollouts.prompts[nextPrompt++ % rollouts.prompts.size()];
      std::vector<std::vector<int64_t>> sequences;
      TESSEL_RETURN_IF_ERROR(rollouts.sample(
          artifact, prompt,
          rollouts.sampleSeed + uint64_t(step * o.batch + b) * rollouts.group,
          sequences));
      for (std::vector<int64_t> &all : sequences) {
        Episode e;
        e.prompt = prompt.size();
        e.reward = rollouts.reward(all, prompt.size());
        e.all = std::move(all);
        episodes.push_back(std::move(e));
      }
    }
    std::vector<size_t> everyRow(episodes.size());
    std::iota(everyRow.begin(), everyRow.end(), 0);

    // 2. Old log-probabilities and values, the reference's log-
    // probabilities, the rewards and GAE.
    Tensor tokens = inputsOf(episodes, everyRow);
    const int64_t length = tokens.dim(1);
    TESSEL_RETURN_IF_ERROR(artifact.run(policy->name, {tokens}, old));
    const std::vector<float> &oldLogits = old[0].floats,
                             &oldValues = old[1].floats;
    TESSEL_RETURN_IF_ERROR(update.withReference([&] {
      return artifact.run(policy->name, {tokens}, referenceResults);
    }));
    const std::vector<float> &referenceLogits = referenceResults[0].floats;
    double meanReward = 0, meanKl = 0;
    std::vector<double> allAdvantages;
    for (size_t r = 0; r < episodes.size(); ++r) {
      Episode &e = episodes[r];
      meanReward += e.reward / double(episodes.size());
      size_t n = e.tokens();
      std::vector<double> rewards(n), values(n), advantages, returns;
      e.samples.assign(n, PpoSample());
      for (size_t t = 0; t < n; ++t) {
        size_t at = r * length + e.prompt + t - 1;
        PpoSample &s = e.samples[t];
        s.action = e.all[e.prompt + t];
        s.oldLogProb = logProbability(&oldLogits[at * vocab], vocab, s.action,
                                      config.temperature);
        double ref = logProbability(&referenceLogits[at * vocab], vocab,
                                    s.action, config.temperature);
        s.oldValue = values[t] = oldValues[at];
        double kl = s.oldLogProb - ref;
        e.kl += kl;
        rewards[t] = -rollouts.beta * kl + (t + 1 == n ? e.reward : 0.0);
      }
      if (n)
        meanKl += e.kl / double(n) / double(episodes.size());
      generalizedAdvantages(rewards, values, gamma, lambda, advantages,
                            returns);
      for (size_t t = 0; t < n; ++t) {
        e.samples[t].advantage = advantages[t];
        e.samples[t].ret = returns[t];
      }
      allAdvantages.insert(allAdvantages.end(), advantages.begin(),
                           advantages.end());
    }
    whiten(allAdvantages);
    for (size_t r = 0, i = 0; r < episodes.size(); ++r)
      for (PpoSample &s : episodes[r].samples)
        s.advantage = allAdvantages[i++];

    // 3. Epochs of minibatch updates.
    const double lr = learningRate(o.schedule, o.lr, o.warmup, o.steps, step);
    Totals totals;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      std::vector<size_t> order = everyRow;
      std::shuffle(order.begin(), order.end(), shuffler);
      for (size_t first = 0; first < order.size(); first += minibatch) {
        std::vector<size_t> batch(
            order.begin() + first,
            order.begin() + std::min(order.size(), first + size_t(minibatch)));
        double count = 0;
        for (size_t r : batch)
          count += double(episodes[r].tokens());
        if (count == 0)
          continue;
        Tensor input = inputsOf(episodes, batch);
        const int64_t l = input.dim(1);
        TESSEL_RETURN_IF_ERROR(artifact.run(policy->name, {input}, results));
        const std::vector<float> &logits = results[0].floats;
        const std::vector<float> &values = results[1].floats;
        Tensor dlogits = Tensor::zeros(DType::F32, results[0].shape);
        Tensor dvalues = Tensor::zeros(DType::F32, results[1].shape);
        for (size_t m = 0; m < batch.size(); ++m) {
          const Episode &e = episodes[batch[m]];
          for (size_t t = 0; t < e.tokens(); ++t) {
            size_t at = m * l + e.prompt + t - 1;
            PpoTerms terms = ppoToken(
                &logits[at * vocab], vocab, values[at], e.samples[t], config,
                1.0 / count, &dlogits.floats[at * vocab], dvalues.floats[at]);
            totals.policy += terms.policyLoss;
            totals.value += terms.valueLoss;
            totals.entropy += terms.entropy;
            totals.clipped += terms.clipped ? 1.0 : 0.0;
            totals.approxKl += e.samples[t].oldLogProb - terms.logProb;
            totals.tokens += 1;
          }
        }
        TESSEL_RETURN_IF_ERROR(artifact.run(
            policyGrads->name, {input, dlogits, dvalues}, gradients));
        std::vector<const Tensor *> views;
        for (const Tensor &g : gradients)
          views.push_back(&g);
        double norm = globalNorm(views);
        if (!std::isfinite(norm)) {
          std::fprintf(stderr,
                       "%s: an update of step %lld skipped: a gradient is "
                       "not finite\n",
                       kTool, static_cast<long long>(step + 1));
          continue;
        }
        TESSEL_RETURN_IF_ERROR(update.step(views, lr, clipScale(norm, o.clip)));
        totals.norm += norm;
        totals.updates += 1;
      }
    }
    if (step == 0)
      firstReward = meanReward;
    lastReward = meanReward;
    auto mean = [&](double sum, double n) { return n > 0 ? sum / n : 0.0; };
    double clipFraction = mean(totals.clipped, totals.tokens);
    double valueLoss = mean(totals.value, totals.tokens);
    double entropy = mean(totals.entropy, totals.tokens);
    if (log)
      *log << "{\"step\": " << step + 1 << ", \"reward\": " << meanReward
           << ", \"kl\": " << meanKl
           << ", \"policy_loss\": " << mean(totals.policy, totals.tokens)
           << ", \"value_loss\": " << valueLoss << ", \"entropy\": " << entropy
           << ", \"clip_fraction\": " << clipFraction
           << ", \"approx_kl\": " << mean(totals.approxKl, totals.tokens)
           << ", \"lr\": " << lr
           << ", \"grad_norm\": " << mean(totals.norm, totals.updates) << "}\n";
    if (progress.due(step, o.steps, every)) {
      char line[240];
      std::snprintf(line, sizeof line,
                    "step %lld/%lld  reward %.4f  kl %.4f  value loss %.4f  "
                    "entropy %.3f  clipped %.3f",
                    static_cast<long long>(step + 1),
                    static_cast<long long>(o.steps), meanReward, meanKl,
                    valueLoss, entropy, clipFraction);
      progress.show(line, step + 1 == o.steps);
    }
  }
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  TESSEL_RETURN_IF_ERROR(closeLog(args, log));
  std::fprintf(stderr,
               "%s: PPO on %zu prompts, %lld completions per iteration, "
               "%lld epochs, iterations 1 to %lld in %.3f s; mean reward "
               "%.4f -> %.4f\n",
               kTool, rollouts.prompts.size(), static_cast<long long>(rows),
               static_cast<long long>(epochs), static_cast<long long>(o.steps),
               total, firstReward, lastReward);
  return Status::ok();
}
