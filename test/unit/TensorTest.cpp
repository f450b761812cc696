//===- TensorTest.cpp - f16/bf16 conversions and shapes -------------------===//

#include "runtime/Tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace tessel;

TEST(HalfTest, ExactValuesRoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f,
                  5.960464477539063e-08f /* smallest subnormal */})
    EXPECT_EQ(halfToFloat(floatToHalf(v)), v) << v;
}

TEST(HalfTest, KnownBitPatterns) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(1e6f), 0x7c00);     // Overflow to infinity.
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // Ties above max round to inf.
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
}

TEST(HalfTest, RoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to the even (1).
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 and 1 + 2^-9: to 1 + 2^-9.
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // Subnormal halfway: 1.5 units of 2^-24 rounds to 2 units.
  EXPECT_EQ(floatToHalf(1.5f * std::ldexp(1.0f, -24)), 0x0002);
}

TEST(BFloat16Test, RoundsToNearestEven) {
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1).
  EXPECT_EQ(floatToBFloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBFloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(bfloat16ToFloat(0x3f82), 1.015625f);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(NAN))));
}

TEST(TensorTest, RoundToDTypeOnlyTouchesReducedPrecision) {
  Tensor t = Tensor::zeros(DType::F32, {2});
  t.floats = {1.0f + std::ldexp(1.0f, -12), 3.0f};
  Tensor h = t;
  h.dtype = DType::F16;
  roundToDType(t);
  roundToDType(h);
  EXPECT_EQ(t.floats[0], 1.0f + std::ldexp(1.0f, -12));
  EXPECT_EQ(h.floats[0], 1.0f);
  EXPECT_EQ(formatShape(t.shape), "[2]");
  EXPECT_EQ(numElements({}), 1);
}
