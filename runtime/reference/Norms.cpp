//===- Norms.cpp - reference kernels of the norms -------------------------===//
//
// Every norm here normalizes over the last axis (of size D) of `x`, viewed as
// `rows x D`.
//
//===----------------------------------------------------------------------===//

#include "runtime/reference/Kernels.h"

#include <cmath>
#include <tuple>

namespace tessel::reference {

static Status checkFeatureVector(const char *op, const char *name,
                                 const Tensor &v, const Tensor &x) {
  if (x.rank() < 1 || v.rank() != 1 || v.dim(0) != x.dim(-1))
    return errorf(op, ": ", name, " shape ", formatShape(v.shape),
                  " does not fit input shape ", formatShape(x.shape));
  return Status::ok();
}

/// An f32 tensor of x's shape without its last axis, for per-row statistics.
static Tensor rowStatistic(const Tensor &x) {
  return Tensor::zeros(
      DType::F32, std::vector<int64_t>(x.shape.begin(), x.shape.end() - 1));
}

Status layerNorm(const Tensor &x, const Tensor &gamma, const Tensor &beta,
                 double epsilon, Tensor &y, Tensor *meanOut, Tensor *rstdOut) {
  TESSEL_RETURN_IF_ERROR(checkFeatureVector("layer_norm", "gamma", gamma, x));
  TESSEL_RETURN_IF_ERROR(checkFeatureVector("layer_norm", "beta", beta, x));
  int64_t d = x.dim(-1), rows = d ? x.numel() / d : 0;
  y = Tensor::zeros(x.dtype, x.shape);
  if (meanOut)
    *meanOut = rowStatistic(x);
  if (rstdOut)
    *rstdOut = rowStatistic(x);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.floats.data() + r * d;
    double mean = 0.0, var = 0.0;
    for (int64_t i = 0; i < d; ++i)
      mean += row[i];
    mean /= d;
    for (int64_t i = 0; i < d; ++i)
      var += (row[i] - mean) * (row[i] - mean);
    var /= d; // Biased, as in torch.nn.LayerNorm.
    double inv = 1.0 / std::sqrt(var + epsilon);
    for (int64_t i = 0; i < d; ++i)
      y.floats[r * d + i] = static_cast<float>(
          (row[i] - mean) * inv * gamma.floats[i] + beta.floats[i]);
    if (meanOut)
      meanOut->floats[r] = static_cast<float>(mean);
    if (rstdOut)
      rstdOut->floats[r] = static_cast<float>(inv);
  }
  return Status::ok();
}

Status rmsNorm(const Tensor &x, const Tensor &gamma, double epsilon, Tensor &y,
               Tensor *rstdOut) {
  TESSEL_RETURN_IF_ERROR(checkFeatureVector("rms_norm", "gamma", gamma, x));
  int64_t d = x.dim(-1), rows = d ? x.numel() / d : 0;
  y = Tensor::zeros(x.dtype, x.shape);
  if (rstdOut)
    *rstdOut = rowStatistic(x);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.floats.data() + r * d;
    double meanSquare = 0.0;
    for (int64_t i = 0; i < d; ++i)
      meanSquare += double(row[i]) * row[i];
    meanSquare /= d;
    double inv = 1.0 / std::sqrt(meanSquare + epsilon);
    for (int64_t i = 0; i < d; ++i)
      y.floats[r * d + i] = static_cast<float>(row[i] * inv * gamma.floats[i]);
    if (rstdOut)
      rstdOut->floats[r] = static_cast<float>(inv);
  }
  return Status::ok();
}

Status scaleNorm(const Tensor &x, const Tensor &scale, double epsilon,
                 Tensor &y) {
  if (x.rank() < 1 || scale.rank() != 0)
    return errorf("scale_norm: scale shape ", formatShape(scale.shape),
                  " is not a scalar, or input shape ", formatShape(x.shape),
                  " has rank 0");
  int64_t d = x.dim(-1), rows = d ? x.numel() / d : 0;
  double g = scale.floats[0];
  y = Tensor::zeros(x.dtype, x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.floats.data() + r * d;
    double squares = 0.0;
    for (int64_t i = 0; i < d; ++i)
      squares += double(row[i]) * row[i];
    double norm = std::max(std::sqrt(squares), epsilon);
    for (int64_t i = 0; i < d; ++i)
      y.floats[r * d + i] = static_cast<float>(g * row[i] / norm);
  }
  return Status::ok();
}

/// The mean and biased variance of feature f of x [n rows, c features].
static std::pair<double, double> featureMoments(const Tensor &x, int64_t n,
                                                int64_t c, int64_t f) {
  double mean = 0.0, var = 0.0;
  for (int64_t r = 0; r < n; ++r)
    mean += x.floats[r * c + f];
  mean /= n;
  for (int64_t r = 0; r < n; ++r)
    var += (x.floats[r * c + f] - mean) * (x.floats[r * c + f] - mean);
  return {mean, var / n};
}

Status batchNorm(const Tensor &x, const Tensor &gamma, const Tensor &beta,
                 const Tensor &runningMean, const Tensor &runningVar,
                 double epsilon, double momentum, bool training, Tensor &y,
                 Tensor &newRunningMean, Tensor &newRunningVar) {
  for (auto [name, v] :
       {std::pair<const char *, const Tensor *>{"gamma", &gamma},
        {"beta", &beta},
        {"running_mean", &runningMean},
        {"running_var", &runningVar}})
    TESSEL_RETURN_IF_ERROR(checkFeatureVector("batch_norm", name, *v, x));
  int64_t c = x.dim(-1), n = c ? x.numel() / c : 0;
  if (training && n < 2)
    return errorf("batch_norm: training needs at least 2 values per feature "
                  "for the unbiased variance, input shape is ",
                  formatShape(x.shape));
  y = Tensor::zeros(x.dtype, x.shape);
  newRunningMean = runningMean;
  newRunningVar = runningVar;
  for (int64_t f = 0; f < c; ++f) {
    double mean = runningMean.floats[f], var = runningVar.floats[f];
    if (training) {
      // Statistics of feature f over every other axis (all n rows).
      std::tie(mean, var) = featureMoments(x, n, c, f);
      double unbiased = var * n / (n - 1);
      newRunningMean.floats[f] = static_cast<float>(
          (1.0 - momentum) * runningMean.floats[f] + momentum * mean);
      newRunningVar.floats[f] = static_cast<float>(
          (1.0 - momentum) * runningVar.floats[f] + momentum * unbiased);
    }
    double inv = 1.0 / std::sqrt(var + epsilon);
    for (int64_t r = 0; r < n; ++r)
      y.floats[r * c + f] = static_cast<float>((x.floats[r * c + f] - mean) *
                                                   inv * gamma.floats[f] +
                                               beta.floats[f]);
  }
  return Status::ok();
}

Status batchNormGrad(const Tensor &x, const Tensor &gamma,
                     const Tensor &runningMean, const Tensor &runningVar,
                     const Tensor &dy, double epsilon, bool training,
                     Tensor &dx, Tensor &dgamma, Tensor &dbeta) {
  for (auto [name, v] :
       {std::pair<const char *, const Tensor *>{"gamma", &gamma},
        {"running_mean", &runningMean},
        {"running_var", &runningVar}})
    TESSEL_RETURN_IF_ERROR(checkFeatureVector("batch_norm_grad", name, *v, x));
  if (dy.shape != x.shape)
    return errorf("batch_norm_grad: result_grad shape ", formatShape(dy.shape),
                  " differs from input shape ", formatShape(x.shape));
  int64_t c = x.dim(-1), n = c ? x.numel() / c : 0;
  dx = Tensor::zeros(x.dtype, x.shape);
  dgamma = Tensor::zeros(gamma.dtype, gamma.shape);
  dbeta = Tensor::zeros(gamma.dtype, gamma.shape);
  std::vector<double> xhat(n);
  for (int64_t f = 0; f < c; ++f) {
    double mean = runningMean.floats[f], var = runningVar.floats[f];
    if (training)
      std::tie(mean, var) = featureMoments(x, n, c, f);
    double rstd = 1.0 / std::sqrt(var + epsilon);
    double sumDy = 0.0, sumDyXhat = 0.0;
    for (int64_t r = 0; r < n; ++r) {
      xhat[r] = (x.floats[r * c + f] - mean) * rstd;
      sumDy += dy.floats[r * c + f];
      sumDyXhat += dy.floats[r * c + f] * xhat[r];
    }
    dgamma.floats[f] = static_cast<float>(sumDyXhat);
    dbeta.floats[f] = static_cast<float>(sumDy);
    double g = gamma.floats[f];
    for (int64_t r = 0; r < n; ++r) {
      double d = dy.floats[r * c + f];
      double v = training ? g * rstd / n * (n * d - sumDy - xhat[r] * sumDyXhat)
                          : g * rstd * d;
      dx.floats[r * c + f] = static_cast<float>(v);
    }
  }
  return Status::ok();
}

} // namespace tessel::reference
