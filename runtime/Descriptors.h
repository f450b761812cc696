//===- Descriptors.h - tensors as compiled code reads them ------*- C++ -*-===//
//
// MLIR's strided-memref descriptors, a tensor's data in the element type
// compiled code reads, and results read back through their strides: what
// the CPU and the CUDA call paths of runtime/Artifact.cpp share.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_DESCRIPTORS_H
#define TESSEL_RUNTIME_DESCRIPTORS_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessel {

/// An MLIR strided-memref descriptor in 64-bit words, row-major.
std::vector<int64_t> descriptor(const void *data,
                                const std::vector<int64_t> &shape);

/// A tensor's data in the buffer layout compiled code reads (f32 or i64/i32).
struct Buffer {
  std::vector<float> f32;
  std::vector<uint16_t> f16; ///< IEEE half or bfloat16 bits.
  std::vector<int64_t> i64;
  std::vector<int32_t> i32;
  const void *data() const {
    if (!f32.empty())
      return f32.data();
    if (!f16.empty())
      return f16.data();
    if (!i64.empty())
      return i64.data();
    return i32.data();
  }
};

/// `t`'s values in the element type `as` the compiled code reads.
Buffer bufferOf(const Tensor &t, DType as);

/// Reads element `offset` of a compiled result of element type `dtype` into
/// `out[flat]` (floats as f32, integers as i64).
void readElement(const char *base, int64_t offset, DType dtype, Tensor &out,
                 int64_t flat);

/// Copies the tensor `desc` describes (its offset, sizes and strides; the
/// data at `base`) into `out`, which has its shape: one memcpy when it is
/// row-major f32, else element by element.
void copyOut(const char *base, const int64_t *desc, DType dtype, Tensor &out);

struct EntryPoint;
struct TensorSpec;

/// The argument array of a call of an entry point (runtime/Artifact.h):
/// args[0] the results' descriptors (those not updated in place, one after
/// another), then `descriptors` (inputs, parameters; the caller appends the
/// workspace's).
struct CallFrame {
  CallFrame(const EntryPoint &point,
            std::vector<std::vector<int64_t>> &descriptors);
  /// The tensor returned result `r` is copied into: `previous[r]` when its
  /// dtype, shape and storage fit (a loop calling with the same vector
  /// allocates once), else zeros of the shape the compiled code returned.
  Tensor resultTensor(size_t r, std::vector<Tensor> &previous) const;
  /// The descriptor compiled code filled for returned result `r`.
  const int64_t *returnedDescriptor(size_t r) const {
    return result.data() + starts[r];
  }
  /// Runs entry point `name`'s workspace function `sizer` on the same
  /// arguments: {bytes with the memory plan, bytes without} into `sizes`;
  /// a negative size is an error.
  Status sizeWorkspace(void *sizer, const std::string &name,
                       int64_t sizes[2]) const;

  std::vector<const TensorSpec *> returned;
  std::vector<void *> args;

private:
  std::vector<size_t> starts;
  std::vector<int64_t> result;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_DESCRIPTORS_H
