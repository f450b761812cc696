//===- Dpo.h - Direct Preference Optimization's loss ------------*- C++ -*-===//
//
// DPO (Rafailov et al., 2023) trains a policy on preference pairs (a
// prompt x, a chosen response y_w, a rejected one y_l) against a frozen
// reference policy:
//
//   z    = beta [(log pi(y_w|x) - log ref(y_w|x)) - (log pi(y_l|x) - log
//   ref(y_l|x))] loss = -log sigmoid(z) = softplus(-z)
//
// with log pi(y|x) the sum of the response tokens' log-probabilities. The
// implicit rewards are beta (log pi - log ref) of each response; z is
// their margin. d loss / d log pi(y_w|x) = -beta sigmoid(-z), and the
// opposite for y_l, so the gradient is a weighted sum of the two
// responses' log-likelihood gradients.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TRAIN_DPO_H
#define TESSEL_RUNTIME_TRAIN_DPO_H

#include <cmath>

namespace tessel::train {

struct DpoTerms {
  double loss = 0, chosenReward = 0, rejectedReward = 0;
  /// The margin z = chosenReward - rejectedReward.
  double margin = 0;
  /// d loss / d log pi(y_w|x) and d loss / d log pi(y_l|x).
  double dChosen = 0, dRejected = 0;
};

/// The loss of one pair from the four sequence log-probabilities.
inline DpoTerms dpoTerms(double policyChosen, double policyRejected,
                         double referenceChosen, double referenceRejected,
                         double beta) {
  DpoTerms t;
  t.chosenReward = beta * (policyChosen - referenceChosen);
  t.rejectedReward = beta * (policyRejected - referenceRejected);
  t.margin = t.chosenReward - t.rejectedReward;
  // softplus(-z), computed without overflow.
  double z = t.margin;
  t.loss = z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
  double sigmoidMinus = 1.0 / (1.0 + std::exp(z)); // sigmoid(-z)
  t.dChosen = -beta * sigmoidMinus;
  t.dRejected = beta * sigmoidMinus;
  return t;
}

} // namespace tessel::train

#endif // TESSEL_RUNTIME_TRAIN_DPO_H
