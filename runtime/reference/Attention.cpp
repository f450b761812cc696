//===- Attention.cpp - reference kernels of softmax and attention ---------===//
//
// The naive forms, with the full S x T matrix of logits: the oracle that the
// tiled, fused FlashAttention paths are checked against.
//
//===----------------------------------------------------------------------===//

#include "runtime/reference/Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tessel::reference {

/// Softmax of `n` contiguous values, in place; returns their log-sum-exp
/// (-inf when every entry is masked).
static double softmaxInPlace(double *values, int64_t n) {
  double maxValue = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i)
    maxValue = std::max(maxValue, values[i]);
  if (std::isinf(maxValue) && maxValue < 0) {
    // Every entry masked: there is no distribution; report NaN.
    for (int64_t i = 0; i < n; ++i)
      values[i] = std::numeric_limits<double>::quiet_NaN();
    return maxValue;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i)
    sum += values[i] = std::exp(values[i] - maxValue);
  for (int64_t i = 0; i < n; ++i)
    values[i] /= sum;
  return maxValue + std::log(sum);
}

Status logitBiasStrides(const char *op, const Tensor *bias,
                        const std::vector<int64_t> &logits,
                        std::vector<int64_t> &strides) {
  strides.assign(4, 0);
  if (!bias)
    return Status::ok();
  std::vector<int64_t> shape;
  Status st = broadcastShape(logits, bias->shape, shape);
  if (!st.isOk() || shape != logits)
    return errorf(op, ": bias shape ", formatShape(bias->shape),
                  " does not broadcast to ", formatShape(logits));
  int64_t stride = 1;
  for (int64_t i = 0; i < bias->rank(); ++i) {
    int64_t own = bias->rank() - 1 - i;
    strides[3 - i] = bias->shape[own] == 1 ? 0 : stride;
    stride *= bias->shape[own];
  }
  return Status::ok();
}

Status axisView(const char *op, const std::vector<int64_t> &shape, int64_t axis,
                AxisView &view) {
  int64_t rank = static_cast<int64_t>(shape.size());
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return errorf(op, ": axis out of range for shape ", formatShape(shape));
  view = AxisView();
  view.n = shape[axis];
  for (int64_t d = axis + 1; d < rank; ++d)
    view.inner *= shape[d];
  for (int64_t d = 0; d < axis; ++d)
    view.outer *= shape[d];
  return Status::ok();
}

Status softmax(const Tensor &x, int64_t axis, Tensor &y) {
  AxisView v;
  TESSEL_RETURN_IF_ERROR(axisView("softmax", x.shape, axis, v));
  y = Tensor::zeros(x.dtype, x.shape);
  std::vector<double> line(v.n);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t in = 0; in < v.inner; ++in) {
      for (int64_t i = 0; i < v.n; ++i)
        line[i] = x.floats[v.at(o, i, in)];
      softmaxInPlace(line.data(), v.n);
      for (int64_t i = 0; i < v.n; ++i)
        y.floats[v.at(o, i, in)] = static_cast<float>(line[i]);
    }
  return Status::ok();
}

Status attention(const Tensor &q, const Tensor &k, const Tensor &v,
                 const Tensor *bias, double scale, bool causal, Tensor &y,
                 Tensor *lse, const Tensor *positions) {
  if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || k.dim(0) != q.dim(0) ||
      v.dim(0) != q.dim(0) || k.dim(1) != v.dim(1) || k.dim(2) != v.dim(2) ||
      k.dim(3) != q.dim(3) || k.dim(1) == 0 || q.dim(1) % k.dim(1) != 0)
    return errorf("attention: query ", formatShape(q.shape), ", key ",
                  formatShape(k.shape), " and value ", formatShape(v.shape),
                  " do not fit");
  int64_t batch = q.dim(0), heads = q.dim(1), s = q.dim(2), d = q.dim(3);
  int64_t kvHeads = k.dim(1), t = k.dim(2), dv = v.dim(3);
  int64_t group = heads / kvHeads;
  if (positions && (positions->rank() != 2 || positions->dim(0) != batch ||
                    positions->dim(1) != s || !causal))
    return errorf("attention: positions ", formatShape(positions->shape),
                  " are not [B, S] of query ", formatShape(q.shape),
                  " with causal");
  // The bias, broadcast to the logits' [B, H, S, T], through its strides.
  std::vector<int64_t> biasStrides;
  TESSEL_RETURN_IF_ERROR(
      logitBiasStrides("attention", bias, {batch, heads, s, t}, biasStrides));
  y = Tensor::zeros(q.dtype, {batch, heads, s, dv});
  if (lse)
    *lse = Tensor::zeros(DType::F32, {batch, heads, s});
  std::vector<double> p(t);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      int64_t hk = h / group; // The key/value head this query head reads.
      for (int64_t i = 0; i < s; ++i) {
        const float *qi = &q.floats[((b * heads + h) * s + i) * d];
        // Keys past `last` are masked (and not read).
        int64_t last = positions ? positions->ints[b * s + i] : i + (t - s);
        for (int64_t j = 0; j < t; ++j) {
          if (causal && j > last) {
            p[j] = -std::numeric_limits<double>::infinity();
            continue;
          }
          const float *kj = &k.floats[((b * kvHeads + hk) * t + j) * d];
          double dot = 0.0;
          for (int64_t c = 0; c < d; ++c)
            dot += double(qi[c]) * kj[c];
          p[j] = scale * dot;
          if (bias)
            p[j] += bias->floats[b * biasStrides[0] + h * biasStrides[1] +
                                 i * biasStrides[2] + j * biasStrides[3]];
        }
        double rowLse = softmaxInPlace(p.data(), t);
        if (lse)
          lse->floats[(b * heads + h) * s + i] = static_cast<float>(rowLse);
        float *out = &y.floats[((b * heads + h) * s + i) * dv];
        // A row with no visible key has no distribution: NaN.
        int64_t visible = causal ? std::clamp<int64_t>(last + 1, 0, t) : t;
        for (int64_t c = 0; c < dv; ++c) {
          double sum = visible ? 0.0 : std::numeric_limits<double>::quiet_NaN();
          for (int64_t j = 0; j < visible; ++j)
            sum += p[j] * v.floats[((b * kvHeads + hk) * t + j) * dv + c];
          out[c] = static_cast<float>(sum);
        }
      }
    }
  return Status::ok();
}

} // namespace tessel::reference
