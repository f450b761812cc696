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

int64_t sampleToken(std::vector<float> logits,
                    const std::vector<int64_t> &history,
                    const SamplingOptions &options, std::mt19937_64 &rng,
                    size_t generatedFrom) {
  int64_t vocab = static_cast<int64_t>(logits.size());
  if (options.repetitionPenalty != 1.0)
    for (int64_t token : history)
      if (token >= 0 && token < vocab) {
        float &l = logits[token];
        l = l > 0 ? l / options.repetitionPenalty
                  : l * options.repetitionPenalty;
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
    return std::max_element(logits.begin(), logits.end()) - logits.begin();

  // Candidates by decreasing logit; top-k keeps the first k.
  std::vector<int64_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  if (options.topK > 0 && options.topK < vocab)
    order.resize(options.topK);
  // Softmax at the temperature, then the smallest prefix whose probability
  // reaches top_p.
  double maxLogit = logits[order.front()];
  std::vector<double> probs;
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
  double total = std::accumulate(probs.begin(), probs.begin() + keep, 0.0);
  double u = (rng() >> 11) * 0x1.0p-53 * total;
  for (size_t i = 0; i < keep; ++i) {
    u -= probs[i];
    if (u < 0)
      return order[i];
  }
  return order[keep - 1];
}

} // namespace tessel
