//===- PhiloxTest.cpp - the counter-based generator dropout draws from ----===//

#include "runtime/Philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace tessel::philox;

// Random123's known-answer vectors for Philox4x32-10 (its kat_vectors file):
// counter, key, expected output.
TEST(PhiloxTest, KnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c,
                                     0x9b00dbd8}));
  EXPECT_EQ(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                       {0xffffffff, 0xffffffff}),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6,
                                     0x6d5451fd}));
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                       {0xa4093822, 0x299f31d0}),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420,
                                     0x24126ea1}));
}

TEST(PhiloxTest, ThresholdIsRateTimesTwoToThe24) {
  EXPECT_EQ(dropThreshold(0.0), 0u);
  EXPECT_EQ(dropThreshold(0.5), 1u << 23);
  EXPECT_EQ(dropThreshold(0.1), 1677722u); // 1677721.6 rounded
}

// The fraction kept is 1 - rate within 5 standard errors, and every input
// of the counter and key changes the mask.
TEST(PhiloxTest, DropoutKeepsOneMinusRate) {
  const int64_t n = 200000;
  for (double rate : {0.1, 0.5, 0.9}) {
    uint32_t t = dropThreshold(rate);
    int64_t kept = 0;
    for (int64_t i = 0; i < n; ++i)
      kept += dropoutKeeps(7, 3, 1, i, t);
    double sd = std::sqrt(rate * (1 - rate) / n);
    EXPECT_NEAR(double(kept) / n, 1 - rate, 5 * sd) << "rate " << rate;
  }
  uint32_t t = dropThreshold(0.5);
  auto mask = [&](int64_t seed, int64_t step, int64_t stream, int64_t base) {
    std::vector<bool> m;
    for (int64_t i = 0; i < 256; ++i)
      m.push_back(dropoutKeeps(seed, step, stream, base + i, t));
    return m;
  };
  auto reference = mask(7, 3, 1, 0);
  EXPECT_EQ(reference, mask(7, 3, 1, 0));
  EXPECT_NE(reference, mask(8, 3, 1, 0));
  EXPECT_NE(reference, mask(7 + (int64_t(1) << 32), 3, 1, 0));
  EXPECT_NE(reference, mask(7, 4, 1, 0));
  EXPECT_NE(reference, mask(7, 3, 2, 0));
  EXPECT_NE(reference, mask(7, 3, 1, int64_t(1) << 32));
}
