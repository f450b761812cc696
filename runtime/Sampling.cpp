//===- Sampling.cpp - choosing the next token -----------------------------===//

#include "runtime/Sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tessel {

int64_t sampleToken(std::vector<float> logits,
                    const std::vector<int64_t> &history,
                    const SamplingOptions &options, std::mt19937_64 &rng) {
  int64_t vocab = static_cast<int64_t>(logits.size());
  if (options.repetitionPenalty != 1.0)
    for (int64_t token : history)
      if (token >= 0 && token < vocab) {
        float &l = logits[token];
        l = l > 0 ? l / options.repetitionPenalty
                  : l * options.repetitionPenalty;
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
