//===- Optimizer.cpp - optimizers, schedules, clipping, skipping ----------===//

#include "runtime/train/Optimizer.h"

#include <cmath>
#include <numeric>

namespace tessel::train {

Status parseOptimizerKind(const std::string &name, OptimizerKind &kind) {
  if (name == "sgd")
    kind = OptimizerKind::Sgd;
  else if (name == "adam")
    kind = OptimizerKind::Adam;
  else if (name == "adamw")
    kind = OptimizerKind::AdamW;
  else
    return errorf("--optimizer must be sgd, adam or adamw, got '", name, "'");
  return Status::ok();
}

Status parseScheduleKind(const std::string &name, ScheduleKind &kind) {
  if (name == "constant")
    kind = ScheduleKind::Constant;
  else if (name == "linear")
    kind = ScheduleKind::Linear;
  else if (name == "cosine")
    kind = ScheduleKind::Cosine;
  else
    return errorf("--schedule must be constant, linear or cosine, got '", name,
                  "'");
  return Status::ok();
}

const char *name(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::Sgd:
    return "sgd";
  case OptimizerKind::Adam:
    return "adam";
  case OptimizerKind::AdamW:
    return "adamw";
  }
  return "?";
}

const char *name(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Constant:
    return "constant";
  case ScheduleKind::Linear:
    return "linear";
  case ScheduleKind::Cosine:
    return "cosine";
  }
  return "?";
}

Status checkOptions(const OptimizerOptions &o) {
  auto unit = [](double x) { return x >= 0.0 && x < 1.0; };
  if (!unit(o.beta1) || !unit(o.beta2))
    return errorf("--betas must be in [0, 1), got ", o.beta1, ",", o.beta2);
  if (!(o.eps > 0.0) || !std::isfinite(o.eps))
    return errorf("--eps must be positive, got ", o.eps);
  if (!(o.momentum >= 0.0) || !std::isfinite(o.momentum))
    return errorf("--momentum must be >= 0, got ", o.momentum);
  if (!(o.weightDecay >= 0.0) || !std::isfinite(o.weightDecay))
    return errorf("--weight-decay must be >= 0, got ", o.weightDecay);
  if (o.nesterov && (o.kind != OptimizerKind::Sgd || o.momentum == 0.0))
    return errorf("--nesterov needs --optimizer sgd with --momentum > 0");
  if (o.momentum != 0.0 && o.kind != OptimizerKind::Sgd)
    return errorf("--momentum is SGD's; Adam and AdamW have --betas");
  return Status::ok();
}

double learningRate(ScheduleKind schedule, double lr, int64_t warmup,
                    int64_t total, int64_t step) {
  if (step < warmup)
    return lr * double(step + 1) / double(warmup);
  if (schedule == ScheduleKind::Constant || total <= warmup)
    return lr;
  double progress = double(step - warmup) / double(total - warmup);
  if (schedule == ScheduleKind::Linear)
    return lr * (1.0 - progress);
  return lr * 0.5 * (1.0 + std::cos(M_PI * progress));
}

double globalNorm(const std::vector<const Tensor *> &grads) {
  double sum = 0.0;
  for (const Tensor *g : grads)
    for (float x : g->floats)
      sum += double(x) * x;
  return std::sqrt(sum);
}

double clipScale(double norm, double max) {
  if (max <= 0.0 || !std::isfinite(norm))
    return 1.0;
  return std::min(1.0, max / (norm + 1e-6));
}

std::string SkipPolicy::check(double loss, double gradNorm) const {
  if (!std::isfinite(loss))
    return "the loss is not finite";
  if (!std::isfinite(gradNorm))
    return "a gradient is not finite";
  if (factor > 0.0 && recent.size() >= window) {
    double mean =
        std::accumulate(recent.begin(), recent.end(), 0.0) / recent.size();
    if (loss > factor * mean)
      return "the loss spiked above " + std::to_string(factor) +
             " x its running mean";
  }
  return "";
}

void SkipPolicy::applied(double loss) {
  recent.push_back(loss);
  while (recent.size() > window)
    recent.pop_front();
}

Optimizer::Optimizer(OptimizerOptions options,
                     const std::vector<const Tensor *> &params)
    : Optimizer(options, params, {}) {}

Optimizer::Optimizer(OptimizerOptions options,
                     const std::vector<const Tensor *> &params,
                     std::vector<std::pair<int64_t, int64_t>> owned)
    : ranges(std::move(owned)), first(params.size()), second(params.size()),
      started(params.size(), false), options(options) {
  if (ranges.empty())
    for (const Tensor *p : params)
      ranges.push_back({0, p->numel()});
  for (const Tensor *p : params)
    ranks.push_back(p->rank());
}

Status Optimizer::step(const std::vector<Tensor *> &params,
                       const std::vector<const Tensor *> &grads, double lr,
                       double gradScale) {
  if (params.size() != grads.size() || params.size() != first.size())
    return errorf("optimizer: ", params.size(), " parameters and ",
                  grads.size(), " gradients, for an optimizer of ",
                  first.size());
  std::vector<float *> values;
  std::vector<const float *> gradients;
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]->shape != grads[i]->shape)
      return errorf("optimizer: parameter ", i, " has shape ",
                    formatShape(params[i]->shape), " but its gradient ",
                    formatShape(grads[i]->shape));
    if (ranges[i].second > params[i]->numel())
      return errorf("optimizer: parameter ", i, " has ", params[i]->numel(),
                    " elements, the optimizer updates up to ",
                    ranges[i].second);
    values.push_back(params[i]->floats.data() + ranges[i].first);
    gradients.push_back(grads[i]->floats.data() + ranges[i].first);
  }
  return stepOwned(values, gradients, lr, gradScale);
}

Status Optimizer::stepOwned(const std::vector<float *> &values,
                            const std::vector<const float *> &grads, double lr,
                            double gradScale) {
  if (values.size() != grads.size() || values.size() != first.size())
    return errorf("optimizer: ", values.size(), " parameters and ",
                  grads.size(), " gradients, for an optimizer of ",
                  first.size());
  ++count;
  const OptimizerOptions &o = options;
  double correction1 = 1.0 - std::pow(o.beta1, double(count));
  double correction2 = 1.0 - std::pow(o.beta2, double(count));
  for (size_t i = 0; i < values.size(); ++i) {
    float *p = values[i];
    const float *g = grads[i];
    // Weight decay only on matrices and larger (never norms or biases).
    double decay = ranks[i] >= 2 ? o.weightDecay : 0.0;
    size_t n = size_t(ranges[i].second - ranges[i].first);
    std::vector<float> &m = first[i], &v = second[i];
    if (o.kind == OptimizerKind::Sgd) {
      if (o.momentum != 0.0 && m.empty())
        m.assign(n, 0.0f);
      for (size_t k = 0; k < n; ++k) {
        double d = gradScale * g[k] + decay * p[k];
        if (o.momentum != 0.0) {
          double buf = started[i] ? o.momentum * m[k] + d : d;
          m[k] = static_cast<float>(buf);
          d = o.nesterov ? d + o.momentum * buf : buf;
        }
        p[k] = static_cast<float>(p[k] - lr * d);
      }
      started[i] = true;
      continue;
    }
    if (m.empty()) {
      m.assign(n, 0.0f);
      v.assign(n, 0.0f);
    }
    for (size_t k = 0; k < n; ++k) {
      double w = p[k], d = gradScale * g[k];
      if (o.kind == OptimizerKind::AdamW)
        w *= 1.0 - lr * decay; // decoupled
      else
        d += decay * w; // L2, added to the gradient
      double mk = o.beta1 * m[k] + (1.0 - o.beta1) * d;
      double vk = o.beta2 * v[k] + (1.0 - o.beta2) * d * d;
      m[k] = static_cast<float>(mk);
      v[k] = static_cast<float>(vk);
      double denom = std::sqrt(vk) / std::sqrt(correction2) + o.eps;
      p[k] = static_cast<float>(w - lr / correction1 * mk / denom);
    }
  }
  return Status::ok();
}

} // namespace tessel::train
