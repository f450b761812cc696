//===- AlignmentTest.cpp - DPO's loss, GRPO's advantages ------------------===//
//
// DPO: fixed log-probabilities against values computed by hand from
// -log sigmoid(beta [(pi_w - ref_w) - (pi_l - ref_l)]), and the
// derivatives against central differences of the loss. GRPO: group
// advantages against hand values (mean 0, variance 1 per group, 0 for a
// group of equal rewards). PPO: GAE against its closed forms (lambda 1:
// the return to go minus the value; lambda 0: the one-step TD error) and
// hand values; the per-token loss against hand values and its cotangents
// on the logits and the value against central differences, in each
// branch of the clips.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Dpo.h"
#include "runtime/train/Grpo.h"
#include "runtime/train/Ppo.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

using namespace tessel::train;

namespace {

TEST(Dpo, ClosedForm) {
  // z = 0.1 * ((-10 + 12) - (-11 + 10)) = 0.3; loss = log(1 + e^-0.3).
  DpoTerms t = dpoTerms(-10, -11, -12, -10, 0.1);
  EXPECT_NEAR(t.margin, 0.3, 1e-12);
  EXPECT_NEAR(t.chosenReward, 0.2, 1e-12);
  EXPECT_NEAR(t.rejectedReward, -0.1, 1e-12);
  EXPECT_NEAR(t.loss, 0.5543552444685271, 1e-12);
  // At equal policy and reference: log 2, and -beta/2 and +beta/2.
  DpoTerms even = dpoTerms(-5, -7, -5, -7, 0.5);
  EXPECT_NEAR(even.loss, std::log(2.0), 1e-15);
  EXPECT_NEAR(even.dChosen, -0.25, 1e-15);
  EXPECT_NEAR(even.dRejected, 0.25, 1e-15);
  // Large margins neither overflow nor lose the tail.
  EXPECT_NEAR(dpoTerms(0, -2000, 0, 0, 1).loss, 0.0, 1e-300);
  EXPECT_NEAR(dpoTerms(-2000, 0, 0, 0, 1).loss, 2000.0, 1e-9);
}

TEST(Dpo, DerivativesMatchDifferences) {
  const double h = 1e-6, beta = 0.3;
  for (double pw : {-3.0, 0.5, 4.0})
    for (double pl : {-2.0, 1.0}) {
      DpoTerms t = dpoTerms(pw, pl, -1.0, 0.25, beta);
      double dw = (dpoTerms(pw + h, pl, -1.0, 0.25, beta).loss -
                   dpoTerms(pw - h, pl, -1.0, 0.25, beta).loss) /
                  (2 * h);
      double dl = (dpoTerms(pw, pl + h, -1.0, 0.25, beta).loss -
                   dpoTerms(pw, pl - h, -1.0, 0.25, beta).loss) /
                  (2 * h);
      EXPECT_NEAR(t.dChosen, dw, 1e-8);
      EXPECT_NEAR(t.dRejected, dl, 1e-8);
    }
}

} // namespace

namespace {

TEST(Grpo, GroupAdvantages) {
  // Group 1: rewards 1, 2, 3, 4 (mean 2.5, population std sqrt(1.25));
  // group 2 all equal: advantages 0.
  std::vector<double> a =
      groupAdvantages({1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5}, 4, 0.0);
  double s = std::sqrt(1.25);
  EXPECT_NEAR(a[0], -1.5 / s, 1e-12);
  EXPECT_NEAR(a[1], -0.5 / s, 1e-12);
  EXPECT_NEAR(a[2], 0.5 / s, 1e-12);
  EXPECT_NEAR(a[3], 1.5 / s, 1e-12);
  for (int i = 4; i < 8; ++i)
    EXPECT_EQ(a[i], 0.0);
  // Normalized: mean 0, population variance 1 (up to eps).
  std::vector<double> b = groupAdvantages({3, -1, 7}, 3);
  EXPECT_NEAR(b[0] + b[1] + b[2], 0.0, 1e-12);
  EXPECT_NEAR((b[0] * b[0] + b[1] * b[1] + b[2] * b[2]) / 3, 1.0, 1e-6);
}

TEST(Ppo, GeneralizedAdvantages) {
  std::vector<double> rewards = {0.5, -1.0, 2.0}, values = {1.0, 0.25, -0.5};
  std::vector<double> a, r;
  // gamma 0.9, lambda 1: A_t = sum_k 0.9^k r_{t+k} - V_t.
  generalizedAdvantages(rewards, values, 0.9, 1.0, a, r);
  EXPECT_NEAR(a[2], 2.0 + 0.5, 1e-12);
  EXPECT_NEAR(a[1], -1.0 + 0.9 * 2.0 - 0.25, 1e-12);
  EXPECT_NEAR(a[0], 0.5 - 0.9 + 0.81 * 2.0 - 1.0, 1e-12);
  for (size_t t = 0; t < 3; ++t)
    EXPECT_NEAR(r[t], a[t] + values[t], 1e-12);
  // lambda 0: the one-step TD error r_t + gamma V_{t+1} - V_t.
  generalizedAdvantages(rewards, values, 0.9, 0.0, a, r);
  EXPECT_NEAR(a[0], 0.5 + 0.9 * 0.25 - 1.0, 1e-12);
  EXPECT_NEAR(a[1], -1.0 + 0.9 * -0.5 - 0.25, 1e-12);
  EXPECT_NEAR(a[2], 2.0 - -0.5, 1e-12);
  // gamma 1, lambda 0.5, by hand: deltas -0.25, -1.75, 2.5;
  // A_2 = 2.5, A_1 = -1.75 + 0.5 * 2.5 = -0.5, A_0 = -0.25 - 0.25 = -0.5.
  generalizedAdvantages(rewards, values, 1.0, 0.5, a, r);
  EXPECT_NEAR(a[0], -0.5, 1e-12);
  EXPECT_NEAR(a[1], -0.5, 1e-12);
  EXPECT_NEAR(a[2], 2.5, 1e-12);

  std::vector<double> w = {1.0, 2.0, 3.0, 6.0};
  whiten(w);
  double mean = 0, var = 0;
  for (double x : w)
    mean += x / 4;
  for (double x : w)
    var += (x - mean) * (x - mean) / 4;
  EXPECT_NEAR(mean, 0.0, 1e-12);
  EXPECT_NEAR(var, 1.0, 1e-6);
}

/// The loss ppoToken defines, from its terms.
double ppoLoss(const std::vector<float> &logits, double value,
               const PpoSample &s, const PpoConfig &c) {
  std::vector<float> unused(logits.size());
  float dv;
  PpoTerms t = ppoToken(logits.data(), int64_t(logits.size()), value, s, c, 1.0,
                        unused.data(), dv);
  return t.policyLoss + c.valueCoef * t.valueLoss - c.entropyCoef * t.entropy;
}

/// Checks the cotangents of one token against central differences.
void expectCotangents(const std::vector<float> &logits, double value,
                      const PpoSample &s, const PpoConfig &c) {
  const int64_t vocab = int64_t(logits.size());
  std::vector<float> dlogits(vocab);
  float dvalue;
  ppoToken(logits.data(), vocab, value, s, c, 0.5, dlogits.data(), dvalue);
  for (int64_t i = 0; i < vocab; ++i) {
    std::vector<float> plus = logits, minus = logits;
    plus[i] += 1e-3f;
    minus[i] -= 1e-3f;
    double step = double(plus[i]) - double(minus[i]);
    double fd =
        (ppoLoss(plus, value, s, c) - ppoLoss(minus, value, s, c)) / step;
    EXPECT_NEAR(dlogits[i], 0.5 * fd, 2e-5) << "logit " << i;
  }
  double fd = (ppoLoss(logits, value + 1e-4, s, c) -
               ppoLoss(logits, value - 1e-4, s, c)) /
              2e-4;
  EXPECT_NEAR(dvalue, 0.5 * fd, 1e-6);
}

TEST(Ppo, TokenLoss) {
  PpoConfig c;
  c.entropyCoef = 0.05;
  c.valueCoef = 0.5;
  // Uniform logits over 4: log p = -log 4, entropy log 4; at the old
  // log-probability the ratio is 1 and the policy term is -A.
  std::vector<float> uniform(4, 0.5f), d(4);
  float dv;
  PpoSample s;
  s.action = 2;
  s.oldLogProb = -std::log(4.0);
  s.advantage = 1.5;
  s.oldValue = 0.3;
  s.ret = 1.0;
  PpoTerms t = ppoToken(uniform.data(), 4, 0.3, s, c, 1.0, d.data(), dv);
  EXPECT_NEAR(t.ratio, 1.0, 1e-12);
  EXPECT_NEAR(t.policyLoss, -1.5, 1e-12);
  EXPECT_NEAR(t.entropy, std::log(4.0), 1e-12);
  EXPECT_NEAR(t.valueLoss, 0.5 * 0.7 * 0.7, 1e-12);
  EXPECT_FALSE(t.clipped);
  // d l / d z = -A (onehot - 1/4); the entropy's is 0 at its maximum.
  EXPECT_NEAR(d[2], -1.5 * 0.75, 1e-6);
  EXPECT_NEAR(d[0], 1.5 * 0.25, 1e-6);
  EXPECT_NEAR(dv, 0.5 * (0.3 - 1.0), 1e-6);

  std::vector<float> logits = {0.3f, -1.2f, 2.0f, 0.1f, -0.4f};
  d.assign(logits.size(), 0.0f);
  s.action = 2;
  double logp = logProbability(logits.data(), 5, 2, 1.0);
  // Ratio 1.1 inside the clip range, either sign of the advantage.
  s.oldLogProb = logp - std::log(1.1);
  for (double adv : {1.5, -0.7}) {
    s.advantage = adv;
    expectCotangents(logits, 0.2, s, c);
  }
  // Ratio 1.5 with A > 0: clipped, no policy gradient (only the
  // entropy's); with A < 0 the unclipped term is the larger.
  s.oldLogProb = logp - std::log(1.5);
  s.advantage = 1.0;
  PpoTerms high = ppoToken(logits.data(), 5, 0.2, s, c, 1.0, d.data(), dv);
  EXPECT_TRUE(high.clipped);
  EXPECT_NEAR(high.policyLoss, -1.2, 1e-12);
  expectCotangents(logits, 0.2, s, c);
  s.advantage = -1.0;
  EXPECT_FALSE(
      ppoToken(logits.data(), 5, 0.2, s, c, 1.0, d.data(), dv).clipped);
  expectCotangents(logits, 0.2, s, c);
  // The value moved past its clip (0.2) towards the return: the clipped
  // term is the larger and the value gets no gradient; away from it, the
  // unclipped term is the larger and pulls it back.
  s.oldValue = 0.0;
  s.ret = 1.0;
  PpoTerms past = ppoToken(logits.data(), 5, 0.8, s, c, 1.0, d.data(), dv);
  EXPECT_NEAR(past.valueLoss, 0.5 * 0.8 * 0.8, 1e-12);
  EXPECT_EQ(dv, 0.0f);
  expectCotangents(logits, 0.8, s, c);
  s.ret = -1.0;
  ppoToken(logits.data(), 5, 0.5, s, c, 1.0, d.data(), dv);
  EXPECT_NEAR(dv, 0.5 * 1.5, 1e-6);
  s.ret = 1.0;
  ppoToken(logits.data(), 5, -0.5, s, c, 1.0, d.data(), dv);
  EXPECT_NEAR(dv, 0.5 * -1.5, 1e-6);
  s.ret = 0.0;
  PpoTerms far = ppoToken(logits.data(), 5, 0.5, s, c, 1.0, d.data(), dv);
  EXPECT_NEAR(far.valueLoss, 0.5 * 0.25, 1e-12);
  EXPECT_NEAR(dv, 0.5 * 0.5, 1e-6);
  expectCotangents(logits, 0.5, s, c);
  // At a temperature the cotangents are those of logits / T.
  c.temperature = 0.7;
  expectCotangents(logits, 0.5, s, c);
}

} // namespace
