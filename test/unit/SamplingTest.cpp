//===- SamplingTest.cpp - next-token selection ----------------------------===//

#include "runtime/Sampling.h"

#include <gtest/gtest.h>

#include <set>

using namespace tessel;

TEST(SamplingTest, GreedyTakesTheArgmax) {
  std::mt19937_64 rng(0);
  EXPECT_EQ(sampleToken({0.1f, 2.0f, -1.0f, 1.9f}, {}, {}, rng), 1);
}

TEST(SamplingTest, RepetitionPenaltyAsHuggingFace) {
  std::mt19937_64 rng(0);
  SamplingOptions o;
  o.repetitionPenalty = 2.0;
  // 2.0 / 2 = 1.0 < 1.9: the seen token loses the argmax.
  EXPECT_EQ(sampleToken({0.1f, 2.0f, -1.0f, 1.9f}, {1}, o, rng), 3);
  // A negative logit is multiplied, so it drops further.
  EXPECT_EQ(sampleToken({-0.5f, -0.6f}, {0}, o, rng), 1);
}

TEST(SamplingTest, TopKAndTopPRestrictTheDraws) {
  std::vector<float> logits = {3.0f, 2.9f, 2.8f, -5.0f, -6.0f};
  SamplingOptions o;
  o.temperature = 1.0;
  o.topK = 2;
  std::mt19937_64 rng(1);
  std::set<int64_t> seen;
  for (int i = 0; i < 500; ++i)
    seen.insert(sampleToken(logits, {}, o, rng));
  EXPECT_EQ(seen, (std::set<int64_t>{0, 1}));
  o.topK = 0;
  o.topP = 0.01; // Only the most likely token reaches 1% alone.
  seen.clear();
  for (int i = 0; i < 200; ++i)
    seen.insert(sampleToken(logits, {}, o, rng));
  EXPECT_EQ(seen, (std::set<int64_t>{0}));
}

TEST(SamplingTest, TemperatureFollowsTheDistribution) {
  // Logits ln(3) and 0: probabilities 3/4 and 1/4 at temperature 1.
  SamplingOptions o;
  o.temperature = 1.0;
  std::mt19937_64 rng(2);
  int first = 0, n = 20000;
  for (int i = 0; i < n; ++i)
    first += sampleToken({std::log(3.0f), 0.0f}, {}, o, rng) == 0;
  EXPECT_NEAR(first / double(n), 0.75, 0.015);
}

TEST(SamplingTest, MinPDropsUnlikelyTokens) {
  // Probabilities at temperature 1: e^0 : e^-1 : e^-3 = 1 : 0.37 : 0.05 of
  // the largest; min-p 0.2 keeps the first two only.
  std::vector<float> logits = {0.0f, -1.0f, -3.0f};
  SamplingOptions o;
  o.temperature = 1.0;
  o.minP = 0.2;
  std::mt19937_64 rng(3);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i)
    seen.insert(sampleToken(logits, {}, o, rng));
  EXPECT_EQ(seen, (std::set<int64_t>{0, 1}));
}

TEST(SamplingTest, PresenceAndFrequencyPenaltiesCountGeneratedTokens) {
  std::mt19937_64 rng(0);
  SamplingOptions o;
  // Token 0 leads by 1.5; generated twice, a frequency penalty of 1 takes
  // 2 from it. The prompt's tokens (before index 2) do not count.
  o.frequencyPenalty = 1.0;
  EXPECT_EQ(sampleToken({1.5f, 0.0f}, {1, 1, 0, 0}, o, rng, 2), 1);
  EXPECT_EQ(sampleToken({1.5f, 0.0f}, {0, 0, 1}, o, rng, 2), 0);
  // Presence: once is enough, and only once.
  o.frequencyPenalty = 0.0;
  o.presencePenalty = 1.0;
  EXPECT_EQ(sampleToken({0.9f, 0.0f}, {0}, o, rng, 0), 1);
  EXPECT_EQ(sampleToken({1.1f, 0.0f}, {0, 0, 0}, o, rng, 0), 0);
}

TEST(SamplingTest, BadOptionsAreErrors) {
  SamplingOptions o;
  EXPECT_TRUE(checkSamplingOptions(o).isOk());
  o.temperature = std::nan("");
  EXPECT_EQ(checkSamplingOptions(o).message(),
            "--temperature must be finite and >= 0, got nan");
  o = SamplingOptions();
  o.topP = 0;
  EXPECT_EQ(checkSamplingOptions(o).message(),
            "--top-p must be in (0, 1], got 0");
  o = SamplingOptions();
  o.minP = 1.5;
  EXPECT_FALSE(checkSamplingOptions(o).isOk());
  o = SamplingOptions();
  o.presencePenalty = INFINITY;
  EXPECT_FALSE(checkSamplingOptions(o).isOk());
}
