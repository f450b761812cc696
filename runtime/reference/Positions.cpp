//===- Positions.cpp - reference kernels of the position encodings -------===//

#include "runtime/reference/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tessel::reference {

Status rope(const Tensor &x, const Tensor &positions, double theta,
            int64_t rotaryDims, bool interleaved, Tensor &y, bool inverse) {
  if (x.rank() < 2)
    return errorf("rope: input shape ", formatShape(x.shape),
                  " is not [..., S, D]");
  int64_t s = x.dim(-2), d = x.dim(-1);
  bool perRow = positions.rank() == 1 && positions.dim(0) == s;
  bool perBatch = positions.rank() == 2 && x.rank() == 4 &&
                  positions.dim(0) == x.dim(0) && positions.dim(1) == s;
  if (!perRow && !perBatch)
    return errorf("rope: positions shape ", formatShape(positions.shape),
                  " does not fit input shape ", formatShape(x.shape));
  if (rotaryDims <= 0 || rotaryDims > d || rotaryDims % 2)
    return errorf("rope: rotary_dims ", rotaryDims, " does not fit D = ", d);
  int64_t half = rotaryDims / 2;
  // Rows of [..., S, D]: `matrices` leading indices, each S x D; a batch
  // holds `matrices / B` of them.
  int64_t matrices = s * d ? x.numel() / (s * d) : 0;
  int64_t perBatchMatrices = perBatch && x.dim(0) ? matrices / x.dim(0) : 1;
  y = x;
  for (int64_t m = 0; m < matrices; ++m)
    for (int64_t row = 0; row < s; ++row) {
      int64_t p = perBatch ? positions.ints[(m / perBatchMatrices) * s + row]
                           : positions.ints[row];
      float *out = y.floats.data() + (m * s + row) * d;
      const float *in = x.floats.data() + (m * s + row) * d;
      for (int64_t i = 0; i < half; ++i) {
        double angle =
            (inverse ? -p : p) * std::pow(theta, -2.0 * i / rotaryDims);
        double c = std::cos(angle), sn = std::sin(angle);
        // The rotated pair: (x[i], x[i + r/2]) or (x[2i], x[2i + 1]).
        int64_t first = interleaved ? 2 * i : i;
        int64_t second = interleaved ? 2 * i + 1 : i + half;
        double u = in[first], v = in[second];
        out[first] = static_cast<float>(u * c - v * sn);
        out[second] = static_cast<float>(v * c + u * sn);
      }
    }
  return Status::ok();
}

Status sinusoidalEmbedding(const Tensor &positions, int64_t dim, double base,
                           Tensor &y) {
  if (dim <= 0 || dim % 2)
    return errorf("sinusoidal_embedding: D = ", dim, " is not even");
  std::vector<int64_t> shape = positions.shape;
  shape.push_back(dim);
  y = Tensor::zeros(DType::F32, shape);
  for (int64_t n = 0; n < positions.numel(); ++n) {
    double p = static_cast<double>(positions.ints[n]);
    for (int64_t i = 0; i < dim / 2; ++i) {
      double angle = p / std::pow(base, 2.0 * i / dim);
      y.floats[n * dim + 2 * i] = static_cast<float>(std::sin(angle));
      y.floats[n * dim + 2 * i + 1] = static_cast<float>(std::cos(angle));
    }
  }
  return Status::ok();
}

int64_t t5Bucket(int64_t r, int64_t numBuckets, int64_t maxDistance,
                 bool bidirectional) {
  int64_t bucket = 0, n;
  if (bidirectional) {
    numBuckets /= 2; // Half the buckets for keys after the query.
    if (r > 0)
      bucket += numBuckets;
    n = std::llabs(r);
  } else {
    n = std::max<int64_t>(-r, 0); // Only keys before the query count.
  }
  int64_t maxExact = numBuckets / 2;
  if (n < maxExact)
    return bucket + n;
  // Logarithmic buckets between maxExact and maxDistance, in f32 as T5's
  // implementation computes them (f64 truncates differently at a few exact
  // bucket boundaries).
  float ratio =
      std::log(static_cast<float>(n) / static_cast<float>(maxExact)) /
      std::log(static_cast<float>(maxDistance) / static_cast<float>(maxExact)) *
      static_cast<float>(numBuckets - maxExact);
  int64_t large = maxExact + static_cast<int64_t>(ratio);
  return bucket + std::min(large, numBuckets - 1);
}

/// Fills y[(b,) h, i, j] = table[row(kpos[j] - qpos[(b,) i]), h].
template <typename RowFn>
static Status relativeBias(const char *name, const Tensor &table,
                           const Tensor &queryPositions,
                           const Tensor &keyPositions, Tensor &y, RowFn rowOf) {
  int64_t qRank = queryPositions.rank();
  if (table.rank() != 2 || (qRank != 1 && qRank != 2) ||
      keyPositions.rank() != 1)
    return errorf(name, ": table shape ", formatShape(table.shape),
                  ", query positions ", formatShape(queryPositions.shape),
                  " and key positions ", formatShape(keyPositions.shape),
                  " are not [buckets, H], [S] or [B, S], and [T]");
  int64_t heads = table.dim(1), s = queryPositions.dim(-1),
          t = keyPositions.dim(0);
  int64_t batch = qRank == 2 ? queryPositions.dim(0) : 1;
  std::vector<int64_t> shape = {heads, s, t};
  if (qRank == 2)
    shape.insert(shape.begin(), batch);
  y = Tensor::zeros(table.dtype, shape);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < s; ++i)
      for (int64_t j = 0; j < t; ++j) {
        int64_t row =
            rowOf(keyPositions.ints[j] - queryPositions.ints[b * s + i]);
        for (int64_t h = 0; h < heads; ++h)
          y.floats[((b * heads + h) * s + i) * t + j] =
              table.floats[row * heads + h];
      }
  return Status::ok();
}

Status relativeBuckets(bool t5, const Tensor &queryPositions,
                       const Tensor &keyPositions, int64_t numBuckets,
                       int64_t maxDistance, bool bidirectional, Tensor &ids) {
  int64_t qRank = queryPositions.rank();
  if ((qRank != 1 && qRank != 2) || keyPositions.rank() != 1)
    return errorf("relative_buckets: query positions ",
                  formatShape(queryPositions.shape), " and key positions ",
                  formatShape(keyPositions.shape),
                  " are not [S] or [B, S], and [T]");
  int64_t t = keyPositions.dim(0);
  std::vector<int64_t> shape = queryPositions.shape;
  shape.push_back(t);
  ids = Tensor::zeros(DType::I64, shape);
  for (int64_t p = 0; p < queryPositions.numel(); ++p)
    for (int64_t j = 0; j < t; ++j) {
      int64_t r = keyPositions.ints[j] - queryPositions.ints[p];
      ids.ints[p * t + j] =
          t5 ? t5Bucket(r, numBuckets, maxDistance, bidirectional)
             : std::clamp<int64_t>(r, -maxDistance, maxDistance) + maxDistance;
    }
  return Status::ok();
}

Status relativeBiasT5(const Tensor &table, const Tensor &queryPositions,
                      const Tensor &keyPositions, int64_t maxDistance,
                      bool bidirectional, Tensor &y) {
  int64_t buckets = table.rank() == 2 ? table.dim(0) : 0;
  return relativeBias("relative_bias", table, queryPositions, keyPositions, y,
                      [&](int64_t r) {
                        return t5Bucket(r, buckets, maxDistance, bidirectional);
                      });
}

Status relativeBiasShaw(const Tensor &table, const Tensor &queryPositions,
                        const Tensor &keyPositions, int64_t maxDistance,
                        Tensor &y) {
  if (table.rank() == 2 && table.dim(0) != 2 * maxDistance + 1)
    return errorf("relative_bias: shaw table shape ", formatShape(table.shape),
                  " needs ", 2 * maxDistance + 1, " rows");
  return relativeBias(
      "relative_bias", table, queryPositions, keyPositions, y, [&](int64_t r) {
        return std::clamp<int64_t>(r, -maxDistance, maxDistance) + maxDistance;
      });
}

std::vector<double> alibiSlopes(int64_t heads) {
  // For a power of two n: m_h = 2^(-8 (h + 1) / n).
  auto powerOfTwoSlopes = [](int64_t n) {
    std::vector<double> slopes;
    for (int64_t h = 0; h < n; ++h)
      slopes.push_back(std::pow(2.0, -8.0 * (h + 1) / n));
    return slopes;
  };
  int64_t closest = 1;
  while (closest * 2 <= heads)
    closest *= 2;
  std::vector<double> slopes = powerOfTwoSlopes(closest);
  // Otherwise: every other slope of 2n fills the remaining heads.
  std::vector<double> extra = powerOfTwoSlopes(2 * closest);
  for (int64_t i = 0; static_cast<int64_t>(slopes.size()) < heads; i += 2)
    slopes.push_back(extra[i]);
  return slopes;
}

Status alibi(const Tensor &queryPositions, const Tensor &keyPositions,
             int64_t heads, Tensor &y) {
  int64_t qRank = queryPositions.rank();
  if ((qRank != 1 && qRank != 2) || keyPositions.rank() != 1 || heads <= 0)
    return errorf("alibi: positions ", formatShape(queryPositions.shape),
                  " and ", formatShape(keyPositions.shape),
                  " are not [S] or [B, S], and [T]");
  int64_t s = queryPositions.dim(-1), t = keyPositions.dim(0);
  int64_t batch = qRank == 2 ? queryPositions.dim(0) : 1;
  std::vector<double> slopes = alibiSlopes(heads);
  std::vector<int64_t> shape = {heads, s, t};
  if (qRank == 2)
    shape.insert(shape.begin(), batch);
  y = Tensor::zeros(DType::F32, shape);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < s; ++i)
        for (int64_t j = 0; j < t; ++j)
          y.floats[((b * heads + h) * s + i) * t + j] = static_cast<float>(
              -slopes[h] * std::llabs(queryPositions.ints[b * s + i] -
                                      keyPositions.ints[j]));
  return Status::ok();
}

} // namespace tessel::reference
