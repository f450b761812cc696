//===- Init.h - parameter initializers --------------------------*- C++ -*-===//
//
// Fills a parameter as its `tessel.parameter` declaration says when no
// checkpoint provides it. The random stream of a parameter depends only on
// the seed and the parameter's name, so adding a parameter to a model does
// not change the values of the others.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_INIT_H
#define TESSEL_RUNTIME_INIT_H

#include "runtime/Enums.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <string>

namespace tessel {

struct InitSpec {
  InitKind kind = InitKind::Zeros;
  double std = 0.0;   ///< Normal and TruncatedNormal.
  double value = 0.0; ///< Constant; Kaiming's negative slope a.
};

/// Fills the float tensor `tensor` (its dtype and shape already set).
/// Fans: fan_in is the last dimension, fan_out the product of the others.
Status initialize(Tensor &tensor, const InitSpec &spec, uint64_t seed,
                  const std::string &name);

/// Makes the `rows` rows of the row-major [rows, columns] matrix at `data`
/// orthonormal in place (rows <= columns), by modified Gram-Schmidt in
/// double: row i loses its components along rows 0..i-1, then is
/// normalized. It is the QR retraction (R^T = Q U with U's diagonal
/// positive; R becomes Q^T), which keeps each row's direction as near as
/// the earlier rows allow. An error when a row is (numerically) in the span
/// of the earlier ones.
Status orthonormalizeRows(float *data, int64_t rows, int64_t columns);

} // namespace tessel

#endif // TESSEL_RUNTIME_INIT_H
