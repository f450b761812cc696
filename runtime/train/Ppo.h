//===- Ppo.h - PPO's advantages and per-token loss --------------*- C++ -*-===//
//
// Proximal Policy Optimization (Schulman et al., 2017) as RLHF uses it
// (Ziegler et al., 2019; InstructGPT): a completion is an episode whose
// actions are its tokens. Token t gets the reward
//
//   r_t = -beta (log pi_old(a_t) - log ref(a_t))   (+ R(x, y) at the last)
//
// the per-token KL penalty to the frozen reference plus the sequence's
// reward at its end. A value head predicts V_t, the return from the state
// before token t; generalized advantage estimation (Schulman et al., 2016)
// turns rewards and values into advantages
//
//   delta_t = r_t + gamma V_{t+1} - V_t        (V after the last token: 0)
//   A_t     = delta_t + gamma lambda A_{t+1}   R_t = A_t + V_t
//
// Then several epochs of minibatches minimize, per token,
//
//   l = max(-A rho, -A clip(rho, 1 - eps, 1 + eps))             policy
//     + c_v 1/2 max((V - R)^2, (V_old + clip(V - V_old, +-eps_v) - R)^2)
//     - c_e H(pi(.|s))                                          entropy
//
// with rho = pi(a) / pi_old(a). The model's gradient is the
// vector-Jacobian product of the policy entry point with the cotangents
// of l on the logits and the value, which ppoToken computes:
//
//   d l / d z_i = g (1[i = a] - p_i) + c_e p_i (log p_i + H)
//   g           = -A rho where the unclipped term is the larger, else 0
//   d l / d V   = c_v (V - R) where the unclipped term is the larger, else 0
//
// (z the logits over the temperature; d H / d z_i = -p_i (log p_i + H)).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TRAIN_PPO_H
#define TESSEL_RUNTIME_TRAIN_PPO_H

#include <cstdint>
#include <vector>

namespace tessel::train {

/// GAE over one episode: `rewards[t]` and `values[t]` for t < T, the value
/// after the last step 0. Fills `advantages` and `returns` (T each).
void generalizedAdvantages(const std::vector<double> &rewards,
                           const std::vector<double> &values, double gamma,
                           double lambda, std::vector<double> &advantages,
                           std::vector<double> &returns);

/// Scales `values` to mean 0 and (population) standard deviation 1;
/// unchanged but centred when they are all equal.
void whiten(std::vector<double> &values);

/// PPO's coefficients.
struct PpoConfig {
  double ratioClip = 0.2, valueClip = 0.2, valueCoef = 0.1;
  double entropyCoef = 0.01, temperature = 1.0;
};

/// What one token was at the rollout.
struct PpoSample {
  int64_t action = 0;
  double oldLogProb = 0, oldValue = 0, advantage = 0, ret = 0;
};

/// One token's loss terms, unweighted.
struct PpoTerms {
  double policyLoss = 0, valueLoss = 0, entropy = 0;
  double logProb = 0, ratio = 1;
  /// Whether the clipped policy term was the larger (no gradient).
  bool clipped = false;
};

/// The terms of one token from its logits row (`vocab` floats) and its
/// value, and `weight` times the cotangents of
/// l = policyLoss + valueCoef valueLoss - entropyCoef entropy on the
/// logits (into dlogits, `vocab` floats) and the value (into dvalue).
PpoTerms ppoToken(const float *logits, int64_t vocab, double value,
                  const PpoSample &sample, const PpoConfig &config,
                  double weight, float *dlogits, float &dvalue);

/// log softmax(logits / temperature)[action].
double logProbability(const float *logits, int64_t vocab, int64_t action,
                      double temperature);

} // namespace tessel::train

#endif // TESSEL_RUNTIME_TRAIN_PPO_H
