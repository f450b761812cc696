//===- Tensor.cpp - host tensors of the runtime ---------------------------===//

#include "runtime/Tensor.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace tessel {

int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor Tensor::zeros(DType dtype, std::vector<int64_t> shape) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (isFloat(dtype))
    t.floats.assign(numElements(t.shape), 0.0f);
  else
    t.ints.assign(numElements(t.shape), 0);
  return t;
}

int64_t Tensor::numel() const { return numElements(shape); }

static uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint16_t floatToHalf(float value) {
  uint32_t f = bitsOf(value);
  uint16_t sign = (f >> 16) & 0x8000;
  uint32_t absBits = f & 0x7fffffff;
  if (absBits >= 0x7f800000) // Inf or NaN.
    return sign | 0x7c00 | (absBits > 0x7f800000 ? 0x200 : 0);
  if (absBits >= 0x477ff000) // Rounds to >= 65520: overflow to infinity.
    return sign | 0x7c00;
  if (absBits < 0x38800000) { // Below the smallest normal half: subnormal.
    // Scale so that the half subnormal unit (2^-24) becomes 1, then let the
    // FPU round to nearest even.
    float scaled = floatOf(absBits) * 16777216.0f;
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  uint32_t mantissa = absBits & 0x7fffff;
  int32_t exponent = static_cast<int32_t>(absBits >> 23) - 127 + 15;
  uint32_t half = (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // May carry into the exponent, which is still correct.
  return sign | static_cast<uint16_t>(half);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) {
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  if (exponent == 31)
    return floatOf(sign | 0x7f800000 | (mantissa << 13));
  return floatOf(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

uint16_t floatToBFloat16(float value) {
  uint32_t f = bitsOf(value);
  if ((f & 0x7fffffff) > 0x7f800000) // NaN stays a (quiet) NaN.
    return static_cast<uint16_t>((f >> 16) | 0x40);
  uint32_t rounding = 0x7fff + ((f >> 16) & 1);
  return static_cast<uint16_t>((f + rounding) >> 16);
}

float bfloat16ToFloat(uint16_t bits) {
  return floatOf(static_cast<uint32_t>(bits) << 16);
}

void roundToDType(Tensor &tensor) {
  if (tensor.dtype == DType::F16)
    for (float &v : tensor.floats)
      v = halfToFloat(floatToHalf(v));
  else if (tensor.dtype == DType::BF16)
    for (float &v : tensor.floats)
      v = bfloat16ToFloat(floatToBFloat16(v));
}

} // namespace tessel
