//===- SamplingTest.cpp - next-token selection ----------------------------===//

#include "runtime/Sampling.h"
#include "runtime/Generator.h"

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
  // Once per distinct token: 3.0 / 2 = 1.5 still beats 1.0 (per
  // occurrence it would be 3.0 / 4 = 0.75).
  EXPECT_EQ(sampleToken({3.0f, 1.0f}, {0, 0}, o, rng), 0);
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

/// Frequencies of the tokens speculative sampling keeps when drafts come
/// from `draft`: accepted drafts and replacements together.
static std::vector<double> keptFrequencies(const TokenDistribution &target,
                                           const TokenDistribution &draft,
                                           int64_t vocab, int n) {
  std::mt19937_64 rng(11);
  std::vector<double> seen(vocab, 0.0);
  for (int i = 0; i < n; ++i) {
    int64_t drafted = drawToken(draft, rng), replacement = -1;
    bool accepted = acceptDraft(target, draft, drafted, rng, replacement);
    ++seen[accepted ? drafted : replacement];
  }
  for (double &s : seen)
    s /= n;
  return seen;
}

TEST(SamplingTest, SpeculativeSamplingKeepsTheTargetDistribution) {
  // p = (0.5, 0.3, 0.2, 0), q = (0.1, 0.1, 0.4, 0.4): the draft favours
  // tokens the target does not, one of them impossible for the target.
  TokenDistribution p{{0, 1, 2}, {5, 3, 2}, 10};
  TokenDistribution q{{2, 3, 0, 1}, {4, 4, 1, 1}, 10};
  std::vector<double> kept = keptFrequencies(p, q, 4, 200000);
  EXPECT_NEAR(kept[0], 0.5, 0.004);
  EXPECT_NEAR(kept[1], 0.3, 0.004);
  EXPECT_NEAR(kept[2], 0.2, 0.004);
  EXPECT_EQ(kept[3], 0.0);
  // A draft of probability 1 (n-gram lookup) is accepted with probability
  // p(x); the replacement comes from p without x.
  kept = keptFrequencies(p, TokenDistribution::only(2), 4, 200000);
  EXPECT_NEAR(kept[0], 0.5, 0.004);
  EXPECT_NEAR(kept[2], 0.2, 0.004);
}

TEST(SamplingTest, GreedySpeculationAcceptsTheArgmaxOnly) {
  std::mt19937_64 rng(0);
  TokenDistribution p =
      tokenDistribution({0.1f, 2.0f, -1.0f}, {}, SamplingOptions());
  int64_t replacement = -1;
  EXPECT_TRUE(acceptDraft(p, TokenDistribution::only(1), 1, rng, replacement));
  EXPECT_FALSE(acceptDraft(p, TokenDistribution::only(0), 0, rng, replacement));
  EXPECT_EQ(replacement, 1);
  // Neither consumed a draw.
  std::mt19937_64 fresh(0);
  EXPECT_EQ(rng(), fresh());
}

TEST(SamplingTest, NgramDraftsFollowTheLatestMatch) {
  // The suffix "1 2" recurs; the latest occurrence is followed by 5 6.
  EXPECT_EQ(lookupDraft({1, 2, 3, 4, 1, 2, 5, 6, 7, 1, 2}, 3),
            (std::vector<int64_t>{5, 6, 7}));
  // Only as many tokens as follow the match.
  EXPECT_EQ(lookupDraft({1, 2, 3, 9, 2, 3}, 4),
            (std::vector<int64_t>{9, 2, 3}));
  // A shorter suffix when the longer does not recur; none at all.
  EXPECT_EQ(lookupDraft({4, 8, 1, 7, 8}, 2), (std::vector<int64_t>{1, 7}));
  EXPECT_TRUE(lookupDraft({1, 2, 3}, 2).empty());
  EXPECT_TRUE(lookupDraft({}, 2).empty());
}
