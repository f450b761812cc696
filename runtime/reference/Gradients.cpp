//===- Gradients.cpp - reference kernels of the backward ops --------------===//
//
// The backward ops' math (dialect/TesselGradientOps.td) as plain loops,
// accumulated in double.
//
//===----------------------------------------------------------------------===//

#include "runtime/reference/Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessel::reference {

Status sumTo(const Tensor &x, const std::vector<int64_t> &shape, Tensor &y) {
  int64_t lead = x.rank() - static_cast<int64_t>(shape.size());
  bool ok = lead >= 0;
  for (int64_t d = 0; ok && d < static_cast<int64_t>(shape.size()); ++d)
    ok = shape[d] == x.shape[d + lead] || shape[d] == 1;
  if (!ok)
    return errorf("sum_to: shape ", formatShape(shape),
                  " does not broadcast to input shape ", formatShape(x.shape));
  std::vector<double> sums(numElements(shape), 0.0);
  // Strides of the result, 0 on the axes that are summed.
  std::vector<int64_t> strides(x.rank(), 0);
  int64_t stride = 1;
  for (int64_t d = x.rank(); d-- > lead;) {
    int64_t size = shape[d - lead];
    strides[d] = size == 1 ? 0 : stride;
    stride *= size;
  }
  std::vector<int64_t> index(x.rank(), 0);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t target = 0;
    for (int64_t d = 0; d < x.rank(); ++d)
      target += index[d] * strides[d];
    sums[target] += x.floats[flat];
    for (int64_t d = x.rank(); d-- > 0;) {
      if (++index[d] < x.shape[d])
        break;
      index[d] = 0;
    }
  }
  y = Tensor::zeros(x.dtype, shape);
  for (size_t i = 0; i < sums.size(); ++i)
    y.floats[i] = static_cast<float>(sums[i]);
  return Status::ok();
}

Status sliceGrad(const Tensor &dy, const std::vector<int64_t> &shape,
                 int64_t axis, int64_t offset, Tensor &dx) {
  bool ok = dy.rank() == int64_t(shape.size()) && axis >= 0 &&
            axis < dy.rank() && offset >= 0 &&
            offset + dy.shape[axis] <= shape[axis];
  for (int64_t d = 0; ok && d < dy.rank(); ++d)
    ok = d == axis || dy.shape[d] == shape[d];
  if (!ok)
    return errorf("slice_grad: result_grad shape ", formatShape(dy.shape),
                  " does not fit at offset ", offset, " of axis ", axis, " of ",
                  formatShape(shape));
  dx = Tensor::zeros(dy.dtype, shape);
  int64_t inner = 1, outer = 1;
  for (int64_t d = axis + 1; d < dy.rank(); ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  int64_t n = dy.shape[axis], full = shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < inner; ++k)
        dx.floats[(o * full + offset + i) * inner + k] =
            dy.floats[(o * n + i) * inner + k];
  return Status::ok();
}

Status scaleNormGrad(const Tensor &x, const Tensor &scale, const Tensor &dy,
                     double epsilon, Tensor &dx, Tensor &dscale) {
  if (x.shape != dy.shape || x.rank() < 1 || scale.numel() != 1)
    return errorf("scale_norm_grad: input ", formatShape(x.shape), ", scale ",
                  formatShape(scale.shape), " and result_grad ",
                  formatShape(dy.shape), " do not fit");
  int64_t d = x.dim(-1), rows = d ? x.numel() / d : 0;
  double g = scale.floats[0], sumScale = 0.0;
  dx = Tensor::zeros(x.dtype, x.shape);
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = &x.floats[r * d], *gr = &dy.floats[r * d];
    double squares = 0.0, dot = 0.0;
    for (int64_t c = 0; c < d; ++c) {
      squares += double(xr[c]) * xr[c];
      dot += double(xr[c]) * gr[c];
    }
    double norm = std::sqrt(squares), n = std::max(norm, epsilon);
    bool clamped = !(norm > epsilon);
    for (int64_t c = 0; c < d; ++c) {
      double v = gr[c] - (clamped ? 0.0 : xr[c] * dot / (n * n));
      dx.floats[r * d + c] = static_cast<float>(g / n * v);
    }
    sumScale += dot / n;
  }
  dscale = Tensor::zeros(scale.dtype, scale.shape);
  dscale.floats[0] = static_cast<float>(sumScale);
  return Status::ok();
}

Status linearWeightGrad(const Tensor &dy, const Tensor &x, Tensor &dw) {
  bool ok = dy.rank() == x.rank() && x.rank() >= 1;
  for (int64_t d = 0; ok && d + 1 < x.rank(); ++d)
    ok = dy.shape[d] == x.shape[d];
  if (!ok)
    return errorf("linear_weight_grad: result_grad shape ",
                  formatShape(dy.shape), " and input shape ",
                  formatShape(x.shape), " differ in leading dimensions");
  int64_t n = dy.dim(-1), k = x.dim(-1),
          rows = x.numel() / std::max<int64_t>(k, 1);
  std::vector<double> sums(n * k, 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t a = 0; a < n; ++a)
      for (int64_t c = 0; c < k; ++c)
        sums[a * k + c] +=
            static_cast<double>(dy.floats[i * n + a]) * x.floats[i * k + c];
  dw = Tensor::zeros(x.dtype, {n, k});
  for (int64_t i = 0; i < n * k; ++i)
    dw.floats[i] = static_cast<float>(sums[i]);
  return Status::ok();
}

Status geluGrad(const Tensor &x, const Tensor &dy, bool tanhApproximation,
                Tensor &dx) {
  if (x.shape != dy.shape)
    return errorf("gelu_grad: input shape ", formatShape(x.shape),
                  " differs from result_grad shape ", formatShape(dy.shape));
  dx = Tensor::zeros(x.dtype, x.shape);
  const double kSqrt2OverPi = std::sqrt(2.0 / M_PI);
  for (int64_t i = 0; i < x.numel(); ++i) {
    double v = x.floats[i], derivative;
    if (tanhApproximation) {
      double t = std::tanh(kSqrt2OverPi * (v + 0.044715 * v * v * v));
      derivative = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * kSqrt2OverPi *
                                         (1.0 + 3.0 * 0.044715 * v * v);
    } else {
      double cdf = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0)));
      double pdf = std::exp(-0.5 * v * v) / std::sqrt(2.0 * M_PI);
      derivative = cdf + v * pdf;
    }
    dx.floats[i] = static_cast<float>(dy.floats[i] * derivative);
  }
  return Status::ok();
}

Status siluGrad(const Tensor &x, const Tensor &dy, Tensor &dx) {
  if (x.shape != dy.shape)
    return errorf("silu_grad: input shape ", formatShape(x.shape),
                  " differs from result_grad shape ", formatShape(dy.shape));
  dx = Tensor::zeros(x.dtype, x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    double v = x.floats[i], s = 1.0 / (1.0 + std::exp(-v));
    dx.floats[i] = static_cast<float>(dy.floats[i] * s * (1.0 + v * (1.0 - s)));
  }
  return Status::ok();
}

Status softmaxGrad(const Tensor &y, const Tensor &dy, int64_t axis,
                   Tensor &dx) {
  if (y.shape != dy.shape)
    return errorf("softmax_grad: result shape ", formatShape(y.shape),
                  " differs from result_grad shape ", formatShape(dy.shape));
  AxisView v;
  TESSEL_RETURN_IF_ERROR(axisView("softmax_grad", y.shape, axis, v));
  dx = Tensor::zeros(y.dtype, y.shape);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t in = 0; in < v.inner; ++in) {
      double dot = 0.0;
      for (int64_t i = 0; i < v.n; ++i)
        dot += double(dy.floats[v.at(o, i, in)]) * y.floats[v.at(o, i, in)];
      for (int64_t i = 0; i < v.n; ++i) {
        int64_t at = v.at(o, i, in);
        dx.floats[at] = static_cast<float>(double(y.floats[at]) *
                                           (double(dy.floats[at]) - dot));
      }
    }
  return Status::ok();
}

Status embeddingGrad(const Tensor &ids, const Tensor &dy, int64_t rows,
                     Tensor &dtable) {
  int64_t dim = dy.rank() ? dy.dim(-1) : 0;
  std::vector<int64_t> expected = ids.shape;
  expected.push_back(dim);
  if (dy.shape != expected)
    return errorf("embedding_grad: result_grad shape ", formatShape(dy.shape),
                  " must be the ids shape ", formatShape(ids.shape),
                  " followed by the table's dim");
  std::vector<double> sums(rows * dim, 0.0);
  for (int64_t i = 0; i < ids.numel(); ++i) {
    int64_t id = ids.ints[i];
    if (id < 0 || id >= rows)
      return errorf("embedding_grad: id ", id, " at flat index ", i,
                    " is outside [0, ", rows, ")");
    for (int64_t c = 0; c < dim; ++c)
      sums[id * dim + c] += dy.floats[i * dim + c];
  }
  dtable = Tensor::zeros(dy.dtype, {rows, dim});
  for (int64_t i = 0; i < rows * dim; ++i)
    dtable.floats[i] = static_cast<float>(sums[i]);
  return Status::ok();
}

Status crossEntropyGrad(const Tensor &logits, const Tensor &targets,
                        const Tensor &dloss, int64_t ignoreIndex,
                        Tensor &dlogits) {
  int64_t counted = 0;
  TESSEL_RETURN_IF_ERROR(checkTargets("cross_entropy_grad", logits, targets,
                                      ignoreIndex, counted));
  int64_t classes = logits.dim(-1), rows = targets.numel();
  dlogits = Tensor::zeros(logits.dtype, logits.shape);
  double scale = counted ? dloss.floats[0] / static_cast<double>(counted) : 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t target = targets.ints[r];
    if (target == ignoreIndex)
      continue;
    // softmax = exp(x - logsumexp(x)).
    const float *row = logits.floats.data() + r * classes;
    double lse = logSumExp(row, classes);
    for (int64_t c = 0; c < classes; ++c) {
      double p = std::exp(row[c] - lse);
      dlogits.floats[r * classes + c] =
          static_cast<float>(scale * (p - (c == target ? 1.0 : 0.0)));
    }
  }
  return Status::ok();
}

/// The norm backward both ops share: with xhat = (x - mean) * rstd (mean
/// null: x * rstd) and g = dy * gamma per row, dx = rstd * (g - [mean(g)]
/// - xhat * mean(g * xhat)), the bracket only with a mean; dgamma and dbeta
/// summed over rows.
static Status normGrad(const char *op, const Tensor &x, const Tensor &gamma,
                       const Tensor *mean, const Tensor &rstd, const Tensor &dy,
                       Tensor &dx, Tensor &dgamma, Tensor *dbeta) {
  int64_t d = x.rank() ? x.dim(-1) : 0;
  int64_t rows = d ? x.numel() / d : 0;
  if (dy.shape != x.shape || gamma.shape != std::vector<int64_t>{d} ||
      rstd.numel() != rows || (mean && mean->numel() != rows))
    return errorf(op, ": shapes do not fit: input ", formatShape(x.shape),
                  ", gamma ", formatShape(gamma.shape), ", rstd ",
                  formatShape(rstd.shape), ", result_grad ",
                  formatShape(dy.shape));
  dx = Tensor::zeros(x.dtype, x.shape);
  std::vector<double> gammaSums(d, 0.0), betaSums(d, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double mu = mean ? mean->floats[r] : 0.0, s = rstd.floats[r];
    double meanG = 0.0, meanGX = 0.0;
    for (int64_t c = 0; c < d; ++c) {
      double xhat = (x.floats[r * d + c] - mu) * s;
      double g = static_cast<double>(dy.floats[r * d + c]) * gamma.floats[c];
      meanG += g;
      meanGX += g * xhat;
      gammaSums[c] += dy.floats[r * d + c] * xhat;
      betaSums[c] += dy.floats[r * d + c];
    }
    meanG /= d;
    meanGX /= d;
    for (int64_t c = 0; c < d; ++c) {
      double xhat = (x.floats[r * d + c] - mu) * s;
      double g = static_cast<double>(dy.floats[r * d + c]) * gamma.floats[c];
      dx.floats[r * d + c] =
          static_cast<float>(s * (g - (mean ? meanG : 0.0) - xhat * meanGX));
    }
  }
  dgamma = Tensor::zeros(gamma.dtype, {d});
  for (int64_t c = 0; c < d; ++c)
    dgamma.floats[c] = static_cast<float>(gammaSums[c]);
  if (dbeta) {
    *dbeta = Tensor::zeros(gamma.dtype, {d});
    for (int64_t c = 0; c < d; ++c)
      dbeta->floats[c] = static_cast<float>(betaSums[c]);
  }
  return Status::ok();
}

Status layerNormGrad(const Tensor &x, const Tensor &gamma, const Tensor &mean,
                     const Tensor &rstd, const Tensor &dy, Tensor &dx,
                     Tensor &dgamma, Tensor &dbeta) {
  return normGrad("layer_norm_grad", x, gamma, &mean, rstd, dy, dx, dgamma,
                  &dbeta);
}

Status rmsNormGrad(const Tensor &x, const Tensor &gamma, const Tensor &rstd,
                   const Tensor &dy, Tensor &dx, Tensor &dgamma) {
  return normGrad("rms_norm_grad", x, gamma, nullptr, rstd, dy, dx, dgamma,
                  nullptr);
}

Status attentionGrad(const Tensor &q, const Tensor &k, const Tensor &v,
                     const Tensor &o, const Tensor &lse, const Tensor &dout,
                     const Tensor *bias, double scale, bool causal, Tensor &dq,
                     Tensor &dk, Tensor &dv, Tensor *dbias) {
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || k.dim(0) != q.dim(0) ||
      v.dim(0) != q.dim(0) || k.dim(1) != v.dim(1) || k.dim(2) != v.dim(2) ||
      k.dim(3) != q.dim(3) || k.dim(1) == 0 || q.dim(1) % k.dim(1) != 0)
    return errorf("attention_grad: query ", formatShape(q.shape), ", key ",
                  formatShape(k.shape), " and value ", formatShape(v.shape),
                  " do not fit");
  int64_t batch = q.dim(0), heads = q.dim(1), s = q.dim(2), d = q.dim(3);
  int64_t kvHeads = k.dim(1), t = k.dim(2), dvSize = v.dim(3);
  int64_t group = heads / kvHeads;
  std::vector<int64_t> outShape = {batch, heads, s, dvSize};
  if (o.shape != outShape || dout.shape != outShape ||
      lse.shape != std::vector<int64_t>{batch, heads, s})
    return errorf("attention_grad: result ", formatShape(o.shape),
                  ", result_grad ", formatShape(dout.shape), " or lse ",
                  formatShape(lse.shape), " does not fit query ",
                  formatShape(q.shape));
  std::vector<int64_t> biasStrides;
  TESSEL_RETURN_IF_ERROR(logitBiasStrides("attention_grad", bias,
                                          {batch, heads, s, t}, biasStrides));
  if (bias)
    *dbias = Tensor::zeros(q.dtype, {batch, heads, s, t});
  std::vector<double> gq(q.numel(), 0.0), gk(k.numel(), 0.0),
      gv(v.numel(), 0.0), p(t), ds(t);
  auto at = [](int64_t b, int64_t h, int64_t i, int64_t hs, int64_t len,
               int64_t width) { return ((b * hs + h) * len + i) * width; };
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t hk = h / group;
      for (int64_t i = 0; i < s; ++i) {
        const float *qi = &q.floats[at(b, h, i, heads, s, d)];
        const float *doi = &dout.floats[at(b, h, i, heads, s, dvSize)];
        const float *oi = &o.floats[at(b, h, i, heads, s, dvSize)];
        double rowLse = lse.floats[(b * heads + h) * s + i];
        double delta = 0.0;
        for (int64_t c = 0; c < dvSize; ++c)
          delta += double(doi[c]) * oi[c];
        for (int64_t j = 0; j < t; ++j) {
          p[j] = ds[j] = 0.0;
          if ((causal && j > i + (t - s)) || std::isinf(rowLse))
            continue;
          const float *kj = &k.floats[at(b, hk, j, kvHeads, t, d)];
          const float *vj = &v.floats[at(b, hk, j, kvHeads, t, dvSize)];
          double dot = 0.0, dp = 0.0;
          for (int64_t c = 0; c < d; ++c)
            dot += double(qi[c]) * kj[c];
          double logit = scale * dot;
          if (bias)
            logit += bias->floats[b * biasStrides[0] + h * biasStrides[1] +
                                  i * biasStrides[2] + j * biasStrides[3]];
          p[j] = std::exp(logit - rowLse);
          for (int64_t c = 0; c < dvSize; ++c)
            dp += double(doi[c]) * vj[c];
          ds[j] = p[j] * (dp - delta);
        }
        for (int64_t j = 0; j < t; ++j) {
          if (ds[j] == 0.0 && p[j] == 0.0)
            continue;
          const float *kj = &k.floats[at(b, hk, j, kvHeads, t, d)];
          for (int64_t c = 0; c < d; ++c) {
            gq[at(b, h, i, heads, s, d) + c] += scale * ds[j] * kj[c];
            gk[at(b, hk, j, kvHeads, t, d) + c] += scale * ds[j] * qi[c];
          }
          for (int64_t c = 0; c < dvSize; ++c)
            gv[at(b, hk, j, kvHeads, t, dvSize) + c] += p[j] * doi[c];
          if (bias)
            dbias->floats[at(b, h, i, heads, s, t) + j] =
                static_cast<float>(ds[j]);
        }
      }
    }
  dq = Tensor::zeros(q.dtype, q.shape);
  dk = Tensor::zeros(k.dtype, k.shape);
  dv = Tensor::zeros(v.dtype, v.shape);
  for (size_t i = 0; i < gq.size(); ++i)
    dq.floats[i] = static_cast<float>(gq[i]);
  for (size_t i = 0; i < gk.size(); ++i)
    dk.floats[i] = static_cast<float>(gk[i]);
  for (size_t i = 0; i < gv.size(); ++i)
    dv.floats[i] = static_cast<float>(gv[i]);
  return Status::ok();
}

} // namespace tessel::reference
