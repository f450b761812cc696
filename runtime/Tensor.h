//===- Tensor.h - host tensors of the runtime -------------------*- C++ -*-===//

#ifndef TESSEL_RUNTIME_TENSOR_H
#define TESSEL_RUNTIME_TENSOR_H

#include "runtime/Enums.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessel {

/// A dense row-major host tensor. Float tensors keep their values as f32 in
/// `floats` (f16/bf16 values are exactly representable there); integer
/// tensors keep theirs in `ints`.
struct Tensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> ints;

  /// A zero-filled tensor of `dtype` and `shape`.
  static Tensor zeros(DType dtype, std::vector<int64_t> shape);

  int64_t numel() const;
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  /// Size of dimension `i`; negative `i` counts from the end.
  int64_t dim(int64_t i) const { return shape[i < 0 ? i + rank() : i]; }
};

/// Number of elements of `shape` (1 for rank 0).
int64_t numElements(const std::vector<int64_t> &shape);
/// Prints a shape as `[2, 3, 4]`.
std::string formatShape(const std::vector<int64_t> &shape);

/// IEEE half and bfloat16 conversions (round to nearest even).
uint16_t floatToHalf(float value);
float halfToFloat(uint16_t bits);
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t bits);

/// Rounds every value of a float tensor to its dtype's precision; the reference
/// kernels compute in f32 and call this on f16/bf16 results.
void roundToDType(Tensor &tensor);

} // namespace tessel

#endif // TESSEL_RUNTIME_TENSOR_H
