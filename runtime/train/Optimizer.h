//===- Optimizer.h - optimizers, schedules, clipping, skipping --*- C++ -*-===//
//
// What a training step does with the gradients the `grads` entry point
// returns: the global gradient norm and its clipping, the decision to skip
// a batch, the learning rate of the step, and the update of every parameter
// in place. Written with PyTorch's definitions (torch.optim.SGD, Adam,
// AdamW; clip_grad_norm_) so that a run can be compared with PyTorch's step
// by step.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TRAIN_OPTIMIZER_H
#define TESSEL_RUNTIME_TRAIN_OPTIMIZER_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace tessel::train {

enum class OptimizerKind { Sgd, Adam, AdamW };
enum class ScheduleKind { Constant, Linear, Cosine };

Status parseOptimizerKind(const std::string &name, OptimizerKind &kind);
Status parseScheduleKind(const std::string &name, ScheduleKind &kind);
const char *name(OptimizerKind kind);
const char *name(ScheduleKind kind);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::AdamW;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  /// SGD: momentum (0: none), Nesterov's form.
  double momentum = 0.0;
  bool nesterov = false;
  /// Applied only to parameters of rank >= 2 (never to norms or biases):
  /// decoupled (AdamW: p -= lr * wd * p), or added to the gradient (SGD,
  /// Adam: g += wd * p).
  double weightDecay = 0.0;
};

/// Checks the options: betas in [0, 1), eps > 0, momentum >= 0, weight
/// decay >= 0, Nesterov only with momentum.
Status checkOptions(const OptimizerOptions &options);

/// The learning rate of step `step` (0-based) of `total`: linear warmup
/// from lr / warmup to lr over the first `warmup` steps, then constant,
/// linear decay to 0, or cosine decay to 0 at step `total`.
double learningRate(ScheduleKind schedule, double lr, int64_t warmup,
                    int64_t total, int64_t step);

/// sqrt(sum of squares) over every gradient, accumulated in double.
double globalNorm(const std::vector<const Tensor *> &grads);

/// torch.nn.utils.clip_grad_norm_'s factor: min(1, max / (norm + 1e-6));
/// 1 when `max` is 0 (no clipping).
double clipScale(double norm, double max);

/// Batch skipping: a step is skipped when the loss or the gradient norm is
/// not finite, or, with a spike factor k > 0, when the loss exceeds k times
/// the mean of the last `window` applied steps' losses (once there are
/// `window` of them).
class SkipPolicy {
public:
  SkipPolicy(double spikeFactor, size_t window = 20)
      : factor(spikeFactor), window(window) {}
  /// Whether to skip this step, and why ("" when not).
  std::string check(double loss, double gradNorm) const;
  /// Records the loss of an applied step.
  void applied(double loss);
  /// The losses the spike test compares with (for checkpoints).
  std::deque<double> recent;

private:
  double factor;
  size_t window;
};

/// An optimizer over a fixed list of parameters (their shapes, by index),
/// or over a part of each (ZeRO's shards: elements [ranges[i].first,
/// ranges[i].second) of parameter i), whose state it then holds alone.
class Optimizer {
public:
  Optimizer(OptimizerOptions options,
            const std::vector<const Tensor *> &params);
  Optimizer(OptimizerOptions options, const std::vector<const Tensor *> &params,
            std::vector<std::pair<int64_t, int64_t>> ranges);
  /// One update: every parameter i moves by its gradient grads[i] times
  /// `gradScale` (the clipping factor), with learning rate `lr`. Steps are
  /// counted from 1 for Adam's bias correction.
  Status step(const std::vector<Tensor *> &params,
              const std::vector<const Tensor *> &grads, double lr,
              double gradScale);
  /// One update of the owned elements: values[i] and grads[i] point at
  /// element ranges[i].first of parameter i and of its gradient.
  Status stepOwned(const std::vector<float *> &values,
                   const std::vector<const float *> &grads, double lr,
                   double gradScale);
  int64_t steps() const { return count; }
  /// Bytes of state per updated element: Adam's two f32 moments, SGD's
  /// momentum buffer, or none.
  int64_t stateBytesPerElement() const {
    if (options.kind != OptimizerKind::Sgd)
      return 8;
    return options.momentum != 0.0 ? 4 : 0;
  }
  /// The elements of each parameter this optimizer updates.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  /// Restores the step count of a checkpoint.
  void setSteps(int64_t steps) { count = steps; }
  /// The state, per parameter: SGD's momentum buffer, Adam's first and
  /// second moments (empty until used), for checkpoints.
  std::vector<std::vector<float>> first, second;
  /// Whether SGD's momentum buffer of a parameter has been set.
  std::vector<bool> started;

private:
  OptimizerOptions options;
  /// Each parameter's rank: weight decay applies from rank 2.
  std::vector<int64_t> ranks;
  int64_t count = 0;
};

} // namespace tessel::train

#endif // TESSEL_RUNTIME_TRAIN_OPTIMIZER_H
