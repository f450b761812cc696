//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes the .npy format (versions 1.0 to 3.0, C order, little
// endian). Supported element types: float32 ('<f4'), float16 ('<f2'), int32
// ('<i4') and int64 ('<i8'). NumPy has no bfloat16, so bf16 tensors are
// written as float32 (every bf16 value is exact in f32).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_NPY_H
#define TESSEL_RUNTIME_NPY_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <string>

namespace tessel {

/// Reads `path` into `tensor`. Errors name the file and what is wrong.
Status readNpy(const std::string &path, Tensor &tensor);

/// Parses an in-memory .npy image; `name` is used in messages.
Status parseNpy(const std::string &bytes, const std::string &name,
                Tensor &tensor);

/// Writes `tensor` to `path` atomically: a temporary file is renamed into
/// place, so a failed write leaves no partial file.
Status writeNpy(const std::string &path, const Tensor &tensor);

/// The .npy image `writeNpy` would write.
std::string serializeNpy(const Tensor &tensor);

/// The NumPy name of what an .npy with this dtype holds, e.g. "float32".
const char *numpyName(DType dtype);

} // namespace tessel

#endif // TESSEL_RUNTIME_NPY_H
