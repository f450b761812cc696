//===- AlignmentTest.cpp - DPO's loss, GRPO's advantages ------------------===//
//
// DPO: fixed log-probabilities against values computed by hand from
// -log sigmoid(beta [(pi_w - ref_w) - (pi_l - ref_l)]), and the
// derivatives against central differences of the loss. GRPO: group
// advantages against hand values (mean 0, variance 1 per group, 0 for a
// group of equal rewards).
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Dpo.h"
#include "runtime/train/Grpo.h"

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

} // namespace
