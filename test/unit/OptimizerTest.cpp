//===- OptimizerTest.cpp - optimizers against their closed forms ----------===//
//
// With a constant gradient the optimizers have closed forms: Adam's bias
// corrected moments are the gradient itself, so each step moves by
// lr * g / (|g| + eps'); SGD's momentum buffer after t steps is
// g (1 - mu^t) / (1 - mu). With a zero gradient only weight decay moves a
// parameter: AdamW shrinks it by (1 - lr wd) per step.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Optimizer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace tessel;
using namespace tessel::train;

namespace {

Tensor filled(std::vector<int64_t> shape, float value) {
  Tensor t = Tensor::zeros(DType::F32, shape);
  for (float &x : t.floats)
    x = value;
  return t;
}

/// Runs `steps` steps of `options` on one parameter of `shape` starting at
/// `start`, with the constant gradient `g`; returns its first element.
double run(OptimizerOptions options, std::vector<int64_t> shape, float start,
           float g, int steps, double lr) {
  Tensor p = filled(shape, start), grad = filled(shape, g);
  Optimizer optimizer(options, {&p});
  for (int t = 0; t < steps; ++t)
    EXPECT_TRUE(optimizer.step({&p}, {&grad}, lr, 1.0).isOk());
  return p.floats[0];
}

} // namespace

TEST(OptimizerTest, AdamMovesByLrPerStepUnderAConstantGradient) {
  OptimizerOptions o;
  o.kind = OptimizerKind::Adam;
  for (float g : {0.5f, -2.0f}) {
    // Bias-corrected m = g, sqrt(v) = |g|: each step is lr g / (|g| + eps)
    // (eps enters as eps * sqrt(1 - beta2^t) / ... ; here below 1e-7).
    double want = 1.0 - 5 * 0.01 * (g > 0 ? 1 : -1);
    EXPECT_NEAR(run(o, {3}, 1.0f, g, 5, 0.01), want, 1e-6);
  }
}

TEST(OptimizerTest, AdamWDecaysMatricesOnly) {
  OptimizerOptions o;
  o.kind = OptimizerKind::AdamW;
  o.weightDecay = 0.1;
  // Zero gradient: only the decoupled decay moves a matrix.
  EXPECT_NEAR(run(o, {2, 2}, 2.0f, 0.0f, 4, 0.05), 2.0 * std::pow(0.995, 4),
              1e-6);
  // A vector (a norm's weight, a bias) is not decayed.
  EXPECT_EQ(run(o, {4}, 2.0f, 0.0f, 4, 0.05), 2.0);
}

TEST(OptimizerTest, AdamWeightDecayIsAddedToTheGradient) {
  OptimizerOptions o;
  o.kind = OptimizerKind::Adam;
  o.weightDecay = 0.1;
  // g = 0 but wd * p > 0: the first step moves by lr (Adam normalizes the
  // L2 term), unlike AdamW's lr * wd * p.
  EXPECT_NEAR(run(o, {2, 2}, 2.0f, 0.0f, 1, 0.05), 2.0 - 0.05, 1e-6);
}

TEST(OptimizerTest, SgdPlainMomentumAndNesterov) {
  OptimizerOptions o;
  o.kind = OptimizerKind::Sgd;
  EXPECT_NEAR(run(o, {2}, 1.0f, 0.5f, 3, 0.1), 1.0 - 3 * 0.1 * 0.5, 1e-7);
  o.momentum = 0.9;
  // buf_t = g (1 - mu^t) / (1 - mu); p moves by lr * buf_t per step.
  double moved = 0;
  for (int t = 1; t <= 4; ++t)
    moved += 0.1 * 0.5 * (1 - std::pow(0.9, t)) / (1 - 0.9);
  EXPECT_NEAR(run(o, {2}, 1.0f, 0.5f, 4, 0.1), 1.0 - moved, 1e-6);
  o.nesterov = true;
  // Nesterov: the step is g + mu * buf_t.
  moved = 0;
  for (int t = 1; t <= 4; ++t)
    moved += 0.1 * (0.5 + 0.9 * 0.5 * (1 - std::pow(0.9, t)) / (1 - 0.9));
  EXPECT_NEAR(run(o, {2}, 1.0f, 0.5f, 4, 0.1), 1.0 - moved, 1e-6);
}

TEST(OptimizerTest, SchedulesWarmUpThenDecay) {
  // Warmup: lr (step + 1) / warmup.
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Cosine, 1.0, 4, 14, 0), 0.25);
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Cosine, 1.0, 4, 14, 3), 1.0);
  // Cosine: half way through the decay, half the rate; 0 at the end.
  EXPECT_NEAR(learningRate(ScheduleKind::Cosine, 1.0, 4, 14, 9), 0.5, 1e-12);
  EXPECT_NEAR(learningRate(ScheduleKind::Cosine, 1.0, 4, 14, 14), 0.0, 1e-12);
  EXPECT_NEAR(learningRate(ScheduleKind::Linear, 2.0, 0, 10, 5), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(learningRate(ScheduleKind::Constant, 2.0, 0, 10, 7), 2.0);
}

TEST(OptimizerTest, ClippingByTheGlobalNorm) {
  Tensor a = filled({1}, 3.0f), b = filled({1}, 4.0f);
  EXPECT_DOUBLE_EQ(globalNorm({&a, &b}), 5.0);
  EXPECT_NEAR(clipScale(5.0, 1.0), 1.0 / (5.0 + 1e-6), 1e-12);
  EXPECT_DOUBLE_EQ(clipScale(0.5, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(clipScale(5.0, 0.0), 1.0); // 0: no clipping
  // The factor scales the gradient SGD applies.
  Tensor p = filled({1}, 0.0f);
  OptimizerOptions o;
  o.kind = OptimizerKind::Sgd;
  Optimizer sgd(o, {&p});
  ASSERT_TRUE(sgd.step({&p}, {&b}, 1.0, 0.25).isOk());
  EXPECT_FLOAT_EQ(p.floats[0], -1.0f);
}

TEST(OptimizerTest, BatchSkipping) {
  SkipPolicy policy(3.0, /*window=*/4);
  EXPECT_NE(policy.check(NAN, 1.0), "");
  EXPECT_NE(policy.check(1.0, INFINITY), "");
  // No spike test before the window is full.
  EXPECT_EQ(policy.check(100.0, 1.0), "");
  for (double loss : {2.0, 2.0, 2.0, 2.0})
    policy.applied(loss);
  EXPECT_EQ(policy.check(5.9, 1.0), "");
  EXPECT_NE(policy.check(6.1, 1.0), "");
  SkipPolicy off(0.0, 4);
  for (double loss : {2.0, 2.0, 2.0, 2.0})
    off.applied(loss);
  EXPECT_EQ(off.check(1000.0, 1.0), "");
}

TEST(OptimizerTest, OptionsAreChecked) {
  OptimizerOptions o;
  o.beta1 = 1.0;
  EXPECT_FALSE(checkOptions(o).isOk());
  o = {};
  o.eps = 0;
  EXPECT_FALSE(checkOptions(o).isOk());
  o = {};
  o.kind = OptimizerKind::Sgd;
  o.nesterov = true;
  EXPECT_NE(checkOptions(o).message().find("--nesterov"), std::string::npos);
  o = {};
  o.momentum = 0.9; // Adam has betas, not momentum.
  EXPECT_FALSE(checkOptions(o).isOk());
  OptimizerKind kind;
  EXPECT_FALSE(parseOptimizerKind("lamb", kind).isOk());
  ScheduleKind schedule;
  EXPECT_TRUE(parseScheduleKind("cosine", schedule).isOk());
}
