//===- Sampling.cpp - choosing the next token -----------------------------===//

#include "runtime/Sampling.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace tessel {

Status checkSamplingOptions(const SamplingOptions &o) {
  if (!(o.temperature >= 0) || std::isinf(o.temperature))
    return errorf("--temperature must be finite and >= 0, got ", o.temperature);
  if (o.topK < 0)
    return errorf("--top-k must be >= 0, got ", o.topK);
  if (!(o.topP > 0 && o.topP <= 1))
    return errorf("--top-p must be in (0, 1], got ", o.topP);
  if (!(o.minP >= 0 && o.minP <= 1))
    return errorf("--min-p must be in [0, 1], got ", o.minP);
  if (!(o.repetitionPenalty > 0) || std::isinf(o.repetitionPenalty))
    return errorf("--repetition-penalty must be finite and > 0, got ",
                  o.repetitionPenalty);
  if (!std::isfinite(o.presencePenalty))
    return errorf("--presence-penalty must be finite, got ", o.presencePenalty);
  if (!std::isfinite(o.frequencyPenalty))
    return errorf("--frequency-penalty must be finite, got ",
                  o.frequencyPenalty);
  return Status::ok();
}

double TokenDistribution::probability(int64_t token) const {
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] == token)
      return weights[i] / total;
  return 0.0;
}

TokenDistribution TokenDistribution::only(int64_t token) {
  return {{token}, {1.0}, 1.0};
}

TokenDistribution tokenDistribution(std::vector<float> logits,
                                    const std::vector<int64_t> &history,
                                    const SamplingOptions &options,
                                    size_t generatedFrom) {
  int64_t vocab = static_cast<int64_t>(logits.size());
  if (options.repetitionPenalty != 1.0) {
    // Once per distinct token, however often it occurs (as HuggingFace's
    // gather and scatter of the logits do).
    std::vector<bool> seen(vocab, false);
    for (int64_t token : history)
      if (token >= 0 && token < vocab && !seen[token]) {
        seen[token] = true;
        float &l = logits[token];
        l = l > 0 ? l / options.repetitionPenalty
                  : l * options.repetitionPenalty;
      }
  }
  if (options.presencePenalty != 0.0 || options.frequencyPenalty != 0.0) {
    std::map<int64_t, int64_t> counts;
    for (size_t i = generatedFrom; i < history.size(); ++i)
      if (history[i] >= 0 && history[i] < vocab)
        ++counts[history[i]];
    for (auto [token, count] : counts)
      logits[token] -= static_cast<float>(options.presencePenalty +
                                          options.frequencyPenalty * count);
  }
  if (options.temperature <= 0.0)
    return TokenDistribution::only(
        std::max_element(logits.begin(), logits.end()) - logits.begin());

  // Candidates by decreasing logit; top-k keeps the first k.
  TokenDistribution d;
  std::vector<int64_t> &order = d.tokens;
  order.resize(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  if (options.topK > 0 && options.topK < vocab)
    order.resize(options.topK);
  // Softmax at the temperature, then the smallest prefix whose probability
  // reaches top_p.
  double maxLogit = logits[order.front()];
  std::vector<double> &probs = d.weights;
  double sum = 0.0;
  for (int64_t token : order) {
    probs.push_back(std::exp((logits[token] - maxLogit) / options.temperature));
    sum += probs.back();
  }
  size_t keep = probs.size();
  if (options.topP < 1.0) {
    double cumulative = 0.0;
    for (size_t i = 0; i < probs.size(); ++i) {
      cumulative += probs[i] / sum;
      if (cumulative >= options.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  // min-p: probs[0] is the largest (1 before normalization).
  if (options.minP > 0.0)
    while (keep > 1 && probs[keep - 1] < options.minP * probs[0])
      --keep;
  order.resize(keep);
  probs.resize(keep);
  d.total = std::accumulate(probs.begin(), probs.end(), 0.0);
  return d;
}

namespace {
/// A uniform draw in [0, 1).
double uniform(std::mt19937_64 &rng) { return (rng() >> 11) * 0x1.0p-53; }
} // namespace

int64_t drawToken(const TokenDistribution &d, std::mt19937_64 &rng) {
  if (d.tokens.size() == 1)
    return d.tokens.front();
  double u = uniform(rng) * d.total;
  for (size_t i = 0; i < d.tokens.size(); ++i) {
    u -= d.weights[i];
    if (u < 0)
      return d.tokens[i];
  }
  return d.tokens.back();
}

int64_t sampleToken(std::vector<float> logits,
                    const std::vector<int64_t> &history,
                    const SamplingOptions &options, std::mt19937_64 &rng,
                    size_t generatedFrom) {
  return drawToken(
      tokenDistribution(std::move(logits), history, options, generatedFrom),
      rng);
}

bool acceptDraft(const TokenDistribution &target,
                 const TokenDistribution &draft, int64_t drafted,
                 std::mt19937_64 &rng, int64_t &replacement) {
  double p = target.probability(drafted), q = draft.probability(drafted);
  if (p > 0 && (p >= q || uniform(rng) * q < p))
    return true;
  // The residual max(0, p - q) over the target's candidates (p - q > 0
  // needs p > 0), with q by token id from one pass over the draft's.
  int64_t largest = 0;
  for (int64_t token : draft.tokens)
    largest = std::max(largest, token);
  std::vector<double> draftProbability(largest + 1, 0.0);
  for (size_t i = 0; i < draft.tokens.size(); ++i)
    draftProbability[draft.tokens[i]] = draft.weights[i] / draft.total;
  TokenDistribution residual;
  for (size_t i = 0; i < target.tokens.size(); ++i) {
    int64_t token = target.tokens[i];
    double r = target.weights[i] / target.total -
               (token <= largest ? draftProbability[token] : 0.0);
    if (r > 0) {
      residual.tokens.push_back(token);
      residual.weights.push_back(r);
      residual.total += r;
    }
  }
  // Rounding can leave nothing where p and q agree to the last bit (then a
  // rejection was a rounding artifact too): draw from p itself.
  replacement = drawToken(residual.tokens.empty() ? target : residual, rng);
  return false;
}

} // namespace tessel
