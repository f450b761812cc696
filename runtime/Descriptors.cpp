//===- Descriptors.cpp - tensors as compiled code reads them ----------===//

#include "runtime/Descriptors.h"

#include "runtime/Artifact.h"

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

CallFrame::CallFrame(const EntryPoint &point,
                     std::vector<std::vector<int64_t>> &descriptors) {
  size_t words = 0;
  for (const TensorSpec &spec : point.results) {
    if (spec.inPlace >= 0)
      continue;
    returned.push_back(&spec);
    starts.push_back(words);
    words += 3 + 2 * spec.shape.size();
  }
  result.assign(words, 0);
  args.push_back(result.data());
  for (auto &d : descriptors)
    args.push_back(d.data());
}

Tensor CallFrame::resultTensor(size_t r, std::vector<Tensor> &previous) const {
  const TensorSpec &spec = *returned[r];
  const int64_t *desc = returnedDescriptor(r);
  std::vector<int64_t> shape(desc + 3, desc + 3 + spec.shape.size());
  // (A tensor whose storage the caller released is not reused.)
  bool fits = r < previous.size() && previous[r].dtype == spec.dtype &&
              previous[r].shape == shape &&
              (isFloat(spec.dtype)
                   ? previous[r].floats.size()
                   : previous[r].ints.size()) == size_t(numElements(shape));
  return fits ? std::move(previous[r]) : Tensor::zeros(spec.dtype, shape);
}

Status CallFrame::sizeWorkspace(void *sizer, const std::string &name,
                                int64_t sizes[2]) const {
  sizes[0] = sizes[1] = 0;
  std::vector<int64_t> sizesDescriptor = descriptor(sizes, {2});
  std::vector<void *> sizerArgs(args.begin() + 1, args.end());
  sizerArgs.push_back(sizesDescriptor.data());
  reinterpret_cast<void (*)(void **)>(sizer)(sizerArgs.data());
  if (sizes[0] < 0)
    return errorf(name, ": the workspace function returned ", sizes[0],
                  " bytes");
  return Status::ok();
}

} // namespace tessel
