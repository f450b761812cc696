//===- Loss.cpp - reference kernels of the losses -------------------------===//

#include "runtime/reference/Kernels.h"

#include <cmath>
#include <limits>

namespace tessel::reference {

double logSumExp(const float *row, int64_t n) {
  double maxValue = -std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < n; ++c)
    maxValue = std::max<double>(maxValue, row[c]);
  double sum = 0.0;
  for (int64_t c = 0; c < n; ++c)
    sum += std::exp(row[c] - maxValue);
  return maxValue + std::log(sum);
}

Status checkTargets(const char *op, const Tensor &logits, const Tensor &targets,
                    int64_t ignoreIndex, int64_t &counted) {
  bool ok = logits.rank() >= 1 && targets.rank() + 1 == logits.rank();
  for (int64_t i = 0; ok && i < targets.rank(); ++i)
    ok = targets.shape[i] == logits.shape[i];
  if (!ok)
    return errorf(op, ": targets shape ", formatShape(targets.shape),
                  " does not fit logits shape ", formatShape(logits.shape));
  int64_t classes = logits.dim(-1);
  counted = 0;
  for (int64_t r = 0; r < targets.numel(); ++r) {
    int64_t target = targets.ints[r];
    if (target == ignoreIndex)
      continue;
    if (target < 0 || target >= classes)
      return errorf(op, ": target ", target, " at flat index ", r,
                    " is outside [0, ", classes, ") and is not ignore_index ",
                    ignoreIndex);
    ++counted;
  }
  return Status::ok();
}

Status crossEntropy(const Tensor &logits, const Tensor &targets,
                    int64_t ignoreIndex, Tensor &loss) {
  int64_t counted = 0;
  TESSEL_RETURN_IF_ERROR(
      checkTargets("cross_entropy", logits, targets, ignoreIndex, counted));
  int64_t classes = logits.dim(-1), rows = targets.numel();
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t target = targets.ints[r];
    if (target == ignoreIndex)
      continue;
    // loss = logsumexp(row) - row[target].
    const float *row = logits.floats.data() + r * classes;
    total += logSumExp(row, classes) - row[target];
  }
  loss = Tensor::zeros(logits.dtype, {});
  loss.floats[0] = counted ? static_cast<float>(total / counted)
                           : std::numeric_limits<float>::quiet_NaN();
  return Status::ok();
}

} // namespace tessel::reference
