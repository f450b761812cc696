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

/// What the sampler draws from: the candidate tokens, most likely first,
/// with weights proportional to their probabilities (`total` is the sum).
/// One candidate at temperature 0 (the argmax).
struct TokenDistribution {
  std::vector<int64_t> tokens;
  std::vector<double> weights;
  double total = 0.0;
  /// The probability of `token` (0 for a token that is not a candidate).
  double probability(int64_t token) const;
  /// The distribution that always gives `token` (a drafted token chosen
  /// without sampling, as n-gram lookup does).
  static TokenDistribution only(int64_t token);
};

/// The distribution of the next token from `logits` (V values), given the
/// sequence so far, of which the tokens from `generatedFrom` on were
/// generated. In order: the repetition penalty (HuggingFace: divides
/// positive and multiplies negative logits of every token in the
/// sequence, once per distinct token); presence and frequency penalties
/// (OpenAI: subtract presence
/// + frequency * count for each token generated so far); then temperature,
/// top-k, top-p, min-p (keep tokens whose probability is at least min-p
/// times the largest); at temperature 0, the argmax alone.
TokenDistribution tokenDistribution(std::vector<float> logits,
                                    const std::vector<int64_t> &history,
                                    const SamplingOptions &options,
                                    size_t generatedFrom = 0);

/// A draw from `distribution` (no draw from `rng` with one candidate).
int64_t drawToken(const TokenDistribution &distribution, std::mt19937_64 &rng);

/// The next token: a draw from tokenDistribution(...).
int64_t sampleToken(std::vector<float> logits,
                    const std::vector<int64_t> &history,
                    const SamplingOptions &options, std::mt19937_64 &rng,
                    size_t generatedFrom = 0);

/// Speculative sampling's test of a `drafted` token, drawn from `draft` (q),
/// against the `target` distribution (p) at the same position: accepted
/// with probability min(1, p(x) / q(x)); when it is not, `replacement` is
/// drawn from max(0, p - q), renormalized. Either way the token kept
/// follows p exactly (Leviathan et al., Chen et al., 2023). Draws from
/// `rng` only when 0 < p(x) < q(x) and to pick a replacement; at
/// temperature 0 it accepts exactly the argmax.
bool acceptDraft(const TokenDistribution &target,
                 const TokenDistribution &draft, int64_t drafted,
                 std::mt19937_64 &rng, int64_t &replacement);

} // namespace tessel

#endif // TESSEL_RUNTIME_SAMPLING_H
