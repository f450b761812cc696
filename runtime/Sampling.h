//===- Sampling.h - choosing the next token ---------------------*- C++ -*-===//

#ifndef TESSEL_RUNTIME_SAMPLING_H
#define TESSEL_RUNTIME_SAMPLING_H

#include <cstdint>
#include <random>
#include <vector>

namespace tessel {

struct SamplingOptions {
  double temperature = 0.0;       ///< 0: greedy (argmax).
  int64_t topK = 0;               ///< 0: no top-k filter.
  double topP = 1.0;              ///< 1: no nucleus filter.
  double repetitionPenalty = 1.0; ///< 1: none (HuggingFace's convention).
};

/// The next token from `logits` (V values), given the tokens so far. As in
/// HuggingFace: the repetition penalty divides positive and multiplies
/// negative logits of tokens already seen; then temperature, top-k, top-p;
/// then a draw from the renormalized distribution (or the argmax when the
/// temperature is 0).
int64_t sampleToken(std::vector<float> logits,
                    const std::vector<int64_t> &history,
                    const SamplingOptions &options, std::mt19937_64 &rng);

} // namespace tessel

#endif // TESSEL_RUNTIME_SAMPLING_H
