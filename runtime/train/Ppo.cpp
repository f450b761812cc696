//===- Ppo.cpp - PPO's advantages and per-token loss ----------------------===//
//
// The formulas are in Ppo.h.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Ppo.h"

#include <algorithm>
#include <cmath>

namespace tessel::train {

void generalizedAdvantages(const std::vector<double> &rewards,
                           const std::vector<double> &values, double gamma,
                           double lambda, std::vector<double> &advantages,
                           std::vector<double> &returns) {
  const size_t n = rewards.size();
  advantages.assign(n, 0.0);
  returns.assign(n, 0.0);
  double next = 0.0, running = 0.0;
  for (size_t t = n; t-- > 0;) {
    double delta = rewards[t] + gamma * next - values[t];
    running = delta + gamma * lambda * running;
    advantages[t] = running;
    returns[t] = running + values[t];
    next = values[t];
  }
}

void whiten(std::vector<double> &values) {
  if (values.empty())
    return;
  double mean = 0.0, variance = 0.0;
  for (double v : values)
    mean += v / double(values.size());
  for (double v : values)
    variance += (v - mean) * (v - mean) / double(values.size());
  double scale = variance > 0.0 ? 1.0 / std::sqrt(variance + 1e-8) : 1.0;
  for (double &v : values)
    v = (v - mean) * scale;
}

namespace {

/// max and log-sum-exp of logits / temperature.
void logSumExp(const float *logits, int64_t vocab, double inverse, double &max,
               double &lse) {
  max = -INFINITY;
  for (int64_t i = 0; i < vocab; ++i)
    max = std::max(max, double(logits[i]) * inverse);
  double sum = 0.0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) * inverse - max);
  lse = max + std::log(sum);
}

} // namespace

double logProbability(const float *logits, int64_t vocab, int64_t action,
                      double temperature) {
  double inverse = 1.0 / temperature, max, lse;
  logSumExp(logits, vocab, inverse, max, lse);
  return double(logits[action]) * inverse - lse;
}

PpoTerms ppoToken(const float *logits, int64_t vocab, double value,
                  const PpoSample &sample, const PpoConfig &config,
                  double weight, float *dlogits, float &dvalue) {
  PpoTerms t;
  const double inverse = 1.0 / config.temperature;
  double max, lse;
  logSumExp(logits, vocab, inverse, max, lse);
  for (int64_t i = 0; i < vocab; ++i) {
    double logp = double(logits[i]) * inverse - lse;
    t.entropy -= std::exp(logp) * logp;
  }
  t.logProb = double(logits[sample.action]) * inverse - lse;
  t.ratio = std::exp(t.logProb - sample.oldLogProb);

  // The clipped surrogate; its gradient flows through the unclipped term
  // only where that term is the larger.
  const double a = sample.advantage;
  double unclipped = -a * t.ratio;
  double clippedTerm =
      -a * std::clamp(t.ratio, 1.0 - config.ratioClip, 1.0 + config.ratioClip);
  t.clipped = clippedTerm > unclipped;
  t.policyLoss = std::max(unclipped, clippedTerm);
  double g = t.clipped ? 0.0 : -a * t.ratio;

  // The clipped value loss.
  double vClipped =
      sample.oldValue +
      std::clamp(value - sample.oldValue, -config.valueClip, config.valueClip);
  double plain = (value - sample.ret) * (value - sample.ret);
  double clipped = (vClipped - sample.ret) * (vClipped - sample.ret);
  t.valueLoss = 0.5 * std::max(plain, clipped);
  dvalue = float(weight * config.valueCoef *
                 (plain >= clipped ? value - sample.ret : 0.0));

  // d l / d z, then through z = logits / temperature.
  for (int64_t i = 0; i < vocab; ++i) {
    double logp = double(logits[i]) * inverse - lse;
    double p = std::exp(logp);
    double dz = g * ((i == sample.action ? 1.0 : 0.0) - p) +
                config.entropyCoef * p * (logp + t.entropy);
    dlogits[i] = float(weight * dz * inverse);
  }
  return t;
}

} // namespace tessel::train
