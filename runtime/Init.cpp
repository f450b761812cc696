//===- Init.cpp - parameter initializers ----------------------------------===//

#include "runtime/Init.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace tessel {

namespace {

/// FNV-1a, to give each parameter name its own stream.
uint64_t hashName(const std::string &name) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

/// A portable random source: mt19937_64's output is fixed by the standard;
/// the transforms below are ours, so values do not depend on the C++ library.
class Random {
public:
  explicit Random(uint64_t seed) : engine(seed) {}
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return (engine() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box-Muller).
  double normal() {
    double u1 = 1.0 - uniform(); // (0, 1], so log is finite.
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

private:
  std::mt19937_64 engine;
};

} // namespace

/// The standard deviation of N(0, 1) truncated to [-2, 2]:
/// sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)).
constexpr double kTruncatedUnitStd = 0.87962566103423978;

Status initialize(Tensor &tensor, const InitSpec &spec, uint64_t seed,
                  const std::string &name) {
  if (!isFloat(tensor.dtype))
    return errorf(name, ": only float parameters can be initialized");
  int64_t n = tensor.numel();
  tensor.floats.assign(n, 0.0f);
  int64_t fanIn = tensor.rank() ? tensor.shape.back() : 1;
  int64_t fanOut = fanIn ? (n / std::max<int64_t>(fanIn, 1)) : 0;
  Random random(seed ^ hashName(name));
  auto fillUniform = [&](double bound) {
    for (float &v : tensor.floats)
      v = static_cast<float>((2.0 * random.uniform() - 1.0) * bound);
  };
  auto fillNormal = [&](double std, bool truncate) {
    for (float &v : tensor.floats) {
      double x = random.normal();
      while (truncate && std::fabs(x) > 2.0) // Resample beyond 2 std.
        x = random.normal();
      v = static_cast<float>(x * std);
    }
  };
  switch (spec.kind) {
  case InitKind::Zeros:
    break;
  case InitKind::Ones:
    tensor.floats.assign(n, 1.0f);
    break;
  case InitKind::Constant:
    tensor.floats.assign(n, static_cast<float>(spec.value));
    break;
  case InitKind::Normal:
    fillNormal(spec.std, false);
    break;
  case InitKind::TruncatedNormal:
    // N(0, 1) cut at +-2 has standard deviation 0.8796...: the draws are
    // scaled by std / 0.8796 so that their standard deviation is `std`
    // (as TensorFlow's variance-scaling initializer corrects it); they lie
    // within +-2 std / 0.8796 (2.27 std).
    fillNormal(spec.std / kTruncatedUnitStd, true);
    break;
  case InitKind::XavierUniform:
    fillUniform(std::sqrt(6.0 / (fanIn + fanOut)));
    break;
  case InitKind::XavierNormal:
    fillNormal(std::sqrt(2.0 / (fanIn + fanOut)), false);
    break;
  // PyTorch's kaiming_*_ with negative slope a = `value` (0 by default):
  // gain^2 = 2 / (1 + a^2).
  case InitKind::KaimingUniform:
    fillUniform(std::sqrt(6.0 / ((1.0 + spec.value * spec.value) * fanIn)));
    break;
  case InitKind::KaimingNormal:
    fillNormal(std::sqrt(2.0 / ((1.0 + spec.value * spec.value) * fanIn)),
               false);
    break;
  case InitKind::Orthogonal: {
    // Gaussian rows made orthonormal (of the transpose when there are
    // more rows than columns): uniform over the orthogonal matrices, as
    // PyTorch's QR of a Gaussian with the signs fixed.
    fillNormal(1.0, false);
    int64_t rows = fanOut, columns = fanIn;
    if (rows > columns) {
      std::vector<float> t(n);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < columns; ++c)
          t[c * rows + r] = tensor.floats[r * columns + c];
      TESSEL_RETURN_IF_ERROR(orthonormalizeRows(t.data(), columns, rows));
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < columns; ++c)
          tensor.floats[r * columns + c] = t[c * rows + r];
    } else if (rows > 0) {
      TESSEL_RETURN_IF_ERROR(
          orthonormalizeRows(tensor.floats.data(), rows, columns));
    }
    break;
  }
  }
  roundToDType(tensor);
  return Status::ok();
}

Status orthonormalizeRows(float *data, int64_t rows, int64_t columns) {
  if (rows > columns)
    return errorf("cannot make ", rows, " rows of ", columns,
                  " columns orthonormal");
  std::vector<double> m(data, data + rows * columns);
  for (int64_t i = 0; i < rows; ++i) {
    double *row = m.data() + i * columns;
    double before = 0.0;
    for (int64_t c = 0; c < columns; ++c)
      before += row[c] * row[c];
    for (int64_t j = 0; j < i; ++j) {
      const double *other = m.data() + j * columns;
      double dot = 0.0;
      for (int64_t c = 0; c < columns; ++c)
        dot += row[c] * other[c];
      for (int64_t c = 0; c < columns; ++c)
        row[c] -= dot * other[c];
    }
    double norm = 0.0;
    for (int64_t c = 0; c < columns; ++c)
      norm += row[c] * row[c];
    if (!(norm > 1e-24 * std::max(before, 1e-300)) || !std::isfinite(norm))
      return errorf("row ", i, " is in the span of the rows before it");
    double inverse = 1.0 / std::sqrt(norm);
    for (int64_t c = 0; c < columns; ++c)
      row[c] *= inverse;
  }
  for (int64_t k = 0; k < rows * columns; ++k)
    data[k] = static_cast<float>(m[k]);
  return Status::ok();
}

} // namespace tessel
