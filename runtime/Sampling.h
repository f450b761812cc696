//===- Sampling.h - choosing the next token ---------------------*- C++ -*-===//

#ifndef TESSEL_RUNTIME_SAMPLING_H
#define TESSEL_RUNTIME_SAMPLING_H

#include "runtime/Status.h"

#include <cstdint>
#include <random>
#include <vector>

namespace tessel {

struct SamplingOptions {
  double temperature = 0.0;       ///< 0: greedy (argmax).
  int64_t topK = 0;               ///< 0: no top-k filter.
  double topP = 1.0;              ///< 1: no nucleus filter.
  double minP = 0.0;              ///< 0: no min-p filter.
  double repetitionPenalty = 1.0; ///< 1: none (HuggingFace's convention).
  double presencePenalty = 0.0;   ///< 0: none (OpenAI's convention).
  double frequencyPenalty = 0.0;  ///< 0: none (OpenAI's convention).
};

/// Checks the options' ranges: temperature >= 0, top-k >= 0, top-p in
/// (0, 1], min-p in [0, 1], repetition penalty > 0, presence and frequency
/// penalties finite (OpenAI allows [-2, 2]; any finite value works here).
/// NaN fails every check. The message names the first bad option.
Status checkSamplingOptions(const SamplingOptions &options);

/// The next token from `logits` (V values), given the sequence so far, of
/// which the tokens from `generatedFrom` on were generated. In order:
/// the repetition penalty (HuggingFace: divides positive and multiplies
/// negative logits of every token in the sequence); presence and frequency
/// penalties (OpenAI: subtract presence + frequency * count for each token
/// generated so far); then temperature, top-k, top-p, min-p (keep tokens
/// whose probability is at least min-p times the largest); then a draw
/// from the renormalized distribution (or the argmax at temperature 0).
int64_t sampleToken(std::vector<float> logits,
                    const std::vector<int64_t> &history,
                    const SamplingOptions &options, std::mt19937_64 &rng,
                    size_t generatedFrom = 0);

} // namespace tessel

#endif // TESSEL_RUNTIME_SAMPLING_H
