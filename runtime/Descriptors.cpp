//===- Descriptors.cpp - tensors as compiled code reads them ----------===//

#include "runtime/Descriptors.h"

#include <cstring>

namespace tessel {

std::vector<int64_t> descriptor(const void *data,
                                const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  std::vector<int64_t> words(3 + 2 * rank, 0);
  words[0] = words[1] = reinterpret_cast<int64_t>(data);
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    words[3 + d] = shape[d];
    words[3 + rank + d] = stride;
    stride *= shape[d];
  }
  return words;
}

Buffer bufferOf(const Tensor &t, DType as) {
  Buffer b;
  switch (as) {
  case DType::I32:
    b.i32.assign(t.ints.begin(), t.ints.end());
    break;
  case DType::I64:
    b.i64 = t.ints;
    break;
  case DType::F16:
    for (float v : t.floats)
      b.f16.push_back(floatToHalf(v));
    break;
  case DType::BF16:
    for (float v : t.floats)
      b.f16.push_back(floatToBFloat16(v));
    break;
  case DType::F32:
    b.f32 = t.floats;
    break;
  }
  return b;
}

void readElement(const char *base, int64_t offset, DType dtype, Tensor &out,
                 int64_t flat) {
  switch (dtype) {
  case DType::I64:
    std::memcpy(&out.ints[flat], base + offset * 8, 8);
    break;
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, base + offset * 4, 4);
    out.ints[flat] = v;
    break;
  }
  case DType::F16:
  case DType::BF16: {
    uint16_t bits;
    std::memcpy(&bits, base + offset * 2, 2);
    out.floats[flat] =
        dtype == DType::F16 ? halfToFloat(bits) : bfloat16ToFloat(bits);
    break;
  }
  case DType::F32:
    std::memcpy(&out.floats[flat], base + offset * 4, 4);
    break;
  }
}

size_t storedBytes(DType dtype) {
  switch (dtype) {
  case DType::I64:
    return 8;
  case DType::I32:
  case DType::F32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  }
  return 4;
}

void copyOut(const char *base, const int64_t *desc, DType dtype, Tensor &out) {
  const std::vector<int64_t> &shape = out.shape;
  size_t rank = shape.size();
  int64_t count = out.numel();
  bool rowMajor = true;
  for (int64_t d = rank, expected = 1; d-- > 0; expected *= shape[d])
    rowMajor &= shape[d] == 1 || desc[3 + rank + d] == expected;
  if (rowMajor && dtype == DType::F32) {
    std::memcpy(out.floats.data(), base + desc[2] * sizeof(float),
                count * sizeof(float));
    return;
  }
  std::vector<int64_t> idx(rank, 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t offset = desc[2];
    for (size_t d = 0; d < rank; ++d)
      offset += idx[d] * desc[3 + rank + d];
    readElement(base, offset, dtype, out, flat);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

} // namespace tessel
