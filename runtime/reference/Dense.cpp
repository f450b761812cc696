//===- Dense.cpp - reference kernels of the dense ops ---------------------===//

#include "runtime/reference/Kernels.h"

#include "runtime/Philox.h"

#include <cmath>
#include <numeric>

namespace tessel::reference {

Status linear(const Tensor &x, const Tensor &weight, const Tensor *bias,
              Tensor &y) {
  if (x.rank() < 1 || weight.rank() != 2 || x.dim(-1) != weight.dim(1))
    return errorf("linear: input shape ", formatShape(x.shape),
                  " does not fit weight shape ", formatShape(weight.shape));
  int64_t inFeatures = weight.dim(1), outFeatures = weight.dim(0);
  if (bias && (bias->rank() != 1 || bias->dim(0) != outFeatures))
    return errorf("linear: bias shape ", formatShape(bias->shape),
                  " does not fit weight shape ", formatShape(weight.shape));
  std::vector<int64_t> shape = x.shape;
  shape.back() = outFeatures;
  y = Tensor::zeros(x.dtype, shape);
  int64_t rows = numElements({x.shape.begin(), x.shape.end() - 1});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t n = 0; n < outFeatures; ++n) {
      // y[r, n] = sum_k x[r, k] * W[n, k] + b[n]
      double sum = bias ? bias->floats[n] : 0.0;
      for (int64_t k = 0; k < inFeatures; ++k)
        sum += double(x.floats[r * inFeatures + k]) *
               weight.floats[n * inFeatures + k];
      y.floats[r * outFeatures + n] = static_cast<float>(sum);
    }
  return Status::ok();
}

Status matmul(const Tensor &a, const Tensor &b, Tensor &c, bool transposeB) {
  int64_t skip = a.rank() - b.rank();
  bool ok = a.rank() >= 2 && b.rank() >= 2 && skip >= 0 &&
            a.dim(-1) == (transposeB ? b.dim(-1) : b.dim(-2));
  for (int64_t i = 0; ok && i + 2 < b.rank(); ++i)
    ok = a.shape[skip + i] == b.shape[i];
  if (!ok)
    return errorf("matmul: lhs shape ", formatShape(a.shape), " and rhs shape ",
                  formatShape(b.shape), transposeB ? " (transposed)" : "",
                  " do not fit");
  int64_t m = a.dim(-2), k = a.dim(-1), n = transposeB ? b.dim(-2) : b.dim(-1);
  std::vector<int64_t> shape = a.shape;
  shape.back() = n;
  c = Tensor::zeros(a.dtype, shape);
  int64_t batches = numElements({a.shape.begin(), a.shape.end() - 2});
  int64_t rhsBatches = numElements({b.shape.begin(), b.shape.end() - 2});
  for (int64_t batch = 0; batch < batches; ++batch) {
    const float *A = a.floats.data() + batch * m * k;
    // The rhs's batch dimensions are the lhs's last ones.
    const float *B = b.floats.data() + (batch % rhsBatches) * k * n;
    float *C = c.floats.data() + batch * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        // C[i, j] = sum_p A[i, p] * B[p, j] (B[j, p] transposed)
        double sum = 0.0;
        for (int64_t p = 0; p < k; ++p)
          sum +=
              double(A[i * k + p]) * (transposeB ? B[j * k + p] : B[p * n + j]);
        C[i * n + j] = static_cast<float>(sum);
      }
  }
  return Status::ok();
}

Status embedding(const Tensor &ids, const Tensor &table, Tensor &y) {
  if (table.rank() != 2)
    return errorf("embedding: table shape ", formatShape(table.shape),
                  " is not [num_embeddings, dim]");
  int64_t rows = table.dim(0), dim = table.dim(1);
  std::vector<int64_t> shape = ids.shape;
  shape.push_back(dim);
  y = Tensor::zeros(table.dtype, shape);
  for (int64_t i = 0; i < ids.numel(); ++i) {
    int64_t id = ids.ints[i];
    if (id < 0 || id >= rows)
      return errorf("embedding: id ", id, " at flat index ", i,
                    " is outside [0, ", rows, ")");
    for (int64_t d = 0; d < dim; ++d)
      y.floats[i * dim + d] = table.floats[id * dim + d];
  }
  return Status::ok();
}

Status broadcastShape(const std::vector<int64_t> &a,
                      const std::vector<int64_t> &b,
                      std::vector<int64_t> &result) {
  size_t rank = std::max(a.size(), b.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return errorf("shapes ", formatShape(a), " and ", formatShape(b),
                    " do not broadcast");
    result[rank - 1 - i] = da == 1 ? db : da;
  }
  return Status::ok();
}

/// Applies `fn` elementwise with NumPy broadcasting.
template <typename Fn>
static Status broadcastBinary(const char *name, const Tensor &a,
                              const Tensor &b, Tensor &y, Fn fn) {
  std::vector<int64_t> shape;
  Status status = broadcastShape(a.shape, b.shape, shape);
  if (!status.isOk())
    return errorf(name, ": ", status.message());
  y = Tensor::zeros(a.dtype, shape);
  size_t rank = shape.size();
  // Strides of a and b in the broadcast index space (0 where stretched).
  auto stridesFor = [&](const Tensor &t) {
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t i = 0; i < t.shape.size(); ++i) {
      size_t axis = rank - 1 - i, own = t.shape.size() - 1 - i;
      strides[axis] = t.shape[own] == 1 ? 0 : stride;
      stride *= t.shape[own];
    }
    return strides;
  };
  std::vector<int64_t> sa = stridesFor(a), sb = stridesFor(b);
  std::vector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < rank; ++d) {
      ia += index[d] * sa[d];
      ib += index[d] * sb[d];
    }
    y.floats[flat] = fn(a.floats[ia], b.floats[ib]);
    for (size_t d = rank; d-- > 0;) { // Advance the multi-index.
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return Status::ok();
}

Status add(const Tensor &a, const Tensor &b, Tensor &y) {
  return broadcastBinary("add", a, b, y,
                         [](float u, float v) { return u + v; });
}

Status mul(const Tensor &a, const Tensor &b, Tensor &y) {
  return broadcastBinary("mul", a, b, y,
                         [](float u, float v) { return u * v; });
}

Status gelu(const Tensor &x, bool tanhApproximation, Tensor &y) {
  y = Tensor::zeros(x.dtype, x.shape);
  const double kSqrt2OverPi = std::sqrt(2.0 / M_PI);
  for (int64_t i = 0; i < x.numel(); ++i) {
    double v = x.floats[i];
    double cdf =
        tanhApproximation
            ? 0.5 * (1.0 + std::tanh(kSqrt2OverPi * (v + 0.044715 * v * v * v)))
            : 0.5 * (1.0 + std::erf(v / std::sqrt(2.0)));
    y.floats[i] = static_cast<float>(v * cdf);
  }
  return Status::ok();
}

Status dropout(const Tensor &x, const Tensor &rng, double rate, int64_t stream,
               Tensor &y) {
  if (rng.shape != std::vector<int64_t>{2} || rng.ints.size() != 2)
    return errorf("dropout: rng must be int64 [2] (seed, step), got ",
                  formatShape(rng.shape));
  y = Tensor::zeros(x.dtype, x.shape);
  uint32_t threshold = philox::dropThreshold(rate);
  float scale = static_cast<float>(1.0 / (1.0 - rate));
  for (int64_t i = 0; i < x.numel(); ++i)
    if (philox::dropoutKeeps(rng.ints[0], rng.ints[1], stream, i, threshold))
      y.floats[i] = x.floats[i] * scale;
  return Status::ok();
}

static double siluOf(double v) { return v / (1.0 + std::exp(-v)); }

Status silu(const Tensor &x, Tensor &y) {
  y = Tensor::zeros(x.dtype, x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    y.floats[i] = static_cast<float>(siluOf(x.floats[i]));
  return Status::ok();
}

Status tanh(const Tensor &x, Tensor &y) {
  y = Tensor::zeros(x.dtype, x.shape);
  for (int64_t i = 0; i < x.numel(); ++i)
    y.floats[i] = static_cast<float>(std::tanh(double(x.floats[i])));
  roundToDType(y);
  return Status::ok();
}

Status swiglu(const Tensor &gate, const Tensor &up, Tensor &y) {
  if (gate.shape != up.shape)
    return errorf("swiglu: gate shape ", formatShape(gate.shape),
                  " differs from up shape ", formatShape(up.shape));
  y = Tensor::zeros(gate.dtype, gate.shape);
  for (int64_t i = 0; i < gate.numel(); ++i)
    y.floats[i] = static_cast<float>(siluOf(gate.floats[i]) * up.floats[i]);
  return Status::ok();
}

Status transpose(const Tensor &x, const std::vector<int64_t> &permutation,
                 Tensor &y) {
  size_t rank = x.shape.size();
  if (permutation.size() != rank)
    return errorf("transpose: permutation size ", permutation.size(),
                  " differs from input rank ", rank);
  std::vector<int64_t> shape(rank), inStrides(rank, 1);
  for (size_t d = rank; d-- > 1;)
    inStrides[d - 1] = inStrides[d] * x.shape[d];
  for (size_t d = 0; d < rank; ++d)
    shape[d] = x.shape[permutation[d]];
  y = Tensor::zeros(x.dtype, shape);
  std::vector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    // y[i0, ..., in] = x[i_{p^-1(0)}, ...]: output axis d reads input axis
    // p[d].
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d)
      source += index[d] * inStrides[permutation[d]];
    if (isFloat(x.dtype))
      y.floats[flat] = x.floats[source];
    else
      y.ints[flat] = x.ints[source];
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return Status::ok();
}

Status reshape(const Tensor &x, const std::vector<int64_t> &shape, Tensor &y) {
  if (numElements(shape) != x.numel())
    return errorf("reshape: input shape ", formatShape(x.shape),
                  " cannot become ", formatShape(shape));
  y = x;
  y.shape = shape;
  return Status::ok();
}

} // namespace tessel::reference
