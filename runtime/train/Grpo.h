//===- Grpo.h - group-relative advantages -----------------------*- C++ -*-===//
//
// GRPO (Shao et al., 2024) replaces PPO's value head by a baseline from
// the samples themselves: G completions of each prompt, each reward
// normalized within its group, A_i = (r_i - mean(r)) / (std(r) + eps)
// (the population standard deviation). A group whose rewards are all
// equal has advantages 0: it teaches nothing.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TRAIN_GRPO_H
#define TESSEL_RUNTIME_TRAIN_GRPO_H

#include <cmath>
#include <cstddef>
#include <vector>

namespace tessel::train {

/// The advantages of `rewards`, in groups of `group` consecutive samples
/// (rewards.size() a multiple of group).
inline std::vector<double> groupAdvantages(const std::vector<double> &rewards,
                                           size_t group, double eps = 1e-6) {
  std::vector<double> advantages(rewards.size(), 0.0);
  for (size_t first = 0; first + group <= rewards.size(); first += group) {
    double mean = 0.0, variance = 0.0;
    for (size_t i = first; i < first + group; ++i)
      mean += rewards[i] / double(group);
    for (size_t i = first; i < first + group; ++i)
      variance += (rewards[i] - mean) * (rewards[i] - mean) / double(group);
    double scale = std::sqrt(variance) + eps;
    if (scale > 0.0)
      for (size_t i = first; i < first + group; ++i)
        advantages[i] = (rewards[i] - mean) / scale;
  }
  return advantages;
}

} // namespace tessel::train

#endif // TESSEL_RUNTIME_TRAIN_GRPO_H
