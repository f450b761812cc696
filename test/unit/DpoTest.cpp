//===- DpoTest.cpp - DPO's loss against its closed form -------------------===//
//
// Fixed log-probabilities against values computed by hand from
// -log sigmoid(beta [(pi_w - ref_w) - (pi_l - ref_l)]), and the
// derivatives against central differences of the loss.
//
//===----------------------------------------------------------------------===//

#include "runtime/train/Dpo.h"

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
