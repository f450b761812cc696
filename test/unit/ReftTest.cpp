//===- ReftTest.cpp - orthogonal init and LoReFT's retraction -------------===//
//
// The orthogonal initializer gives orthonormal rows (wide) or columns
// (tall); modified Gram-Schmidt makes a perturbed R orthonormal again,
// keeps the first row's direction and the span of the first k rows, moves
// an orthonormal R by nothing, and refuses rows of lower rank.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Reft.h"
#include "runtime/Init.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace tessel;

namespace {

Tensor orthogonal(std::vector<int64_t> shape, uint64_t seed) {
  Tensor t = Tensor::zeros(DType::F32, shape);
  InitSpec spec;
  spec.kind = InitKind::Orthogonal;
  EXPECT_TRUE(initialize(t, spec, seed, "r").isOk());
  return t;
}

TEST(Reft, OrthogonalInit) {
  Tensor wide = orthogonal({3, 8}, 1);
  EXPECT_LT(train::orthonormalityError({&wide}), 1e-6);
  // Tall: the columns are orthonormal, so its transpose's rows are.
  Tensor tall = orthogonal({8, 3}, 2);
  Tensor transposed = Tensor::zeros(DType::F32, {3, 8});
  for (int64_t r = 0; r < 8; ++r)
    for (int64_t c = 0; c < 3; ++c)
      transposed.floats[c * 8 + r] = tall.floats[r * 3 + c];
  EXPECT_LT(train::orthonormalityError({&transposed}), 1e-6);
  // Seeded: the same values again, others for another seed.
  EXPECT_EQ(orthogonal({3, 8}, 1).floats, wide.floats);
  EXPECT_NE(orthogonal({3, 8}, 5).floats, wide.floats);
}

TEST(Reft, Retraction) {
  Tensor r = orthogonal({3, 8}, 3);
  std::vector<float> before = r.floats;
  // An orthonormal R stays (to rounding).
  ASSERT_TRUE(train::retractRotations({&r}).isOk());
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_NEAR(r.floats[i], before[i], 1e-6);
  // A step off the manifold comes back; the first row keeps its direction
  // and the second stays in the span of the first two.
  for (size_t i = 0; i < r.floats.size(); ++i)
    r.floats[i] += 0.05f * std::sin(float(i));
  std::vector<float> moved = r.floats;
  EXPECT_GT(train::orthonormalityError({&r}), 1e-2);
  ASSERT_TRUE(train::retractRotations({&r}).isOk());
  EXPECT_LT(train::orthonormalityError({&r}), 1e-6);
  double dot = 0, norm = 0;
  for (int64_t c = 0; c < 8; ++c) {
    dot += double(moved[c]) * r.floats[c];
    norm += double(moved[c]) * moved[c];
  }
  EXPECT_NEAR(dot / std::sqrt(norm), 1.0, 1e-6);
  // Row 1 of the moved R = a row0' + b row1' for the retracted rows.
  double a = 0, b = 0, rest = 0;
  for (int64_t c = 0; c < 8; ++c) {
    a += double(moved[8 + c]) * r.floats[c];
    b += double(moved[8 + c]) * r.floats[8 + c];
  }
  for (int64_t c = 0; c < 8; ++c) {
    double left = moved[8 + c] - a * r.floats[c] - b * r.floats[8 + c];
    rest += left * left;
  }
  EXPECT_LT(std::sqrt(rest), 1e-6);
  // A row in the span of the ones before it has no direction of its own.
  Tensor low = Tensor::zeros(DType::F32, {2, 4});
  low.floats = {1, 2, 3, 4, 2, 4, 6, 8};
  Status s = train::retractRotations({&low});
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("lost its rank"), std::string::npos);
}

} // namespace
