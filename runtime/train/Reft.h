//===- Reft.h - LoReFT's rotations kept orthonormal -------------*- C++ -*-===//
//
// LoReFT (Wu et al., 2024) edits a hidden state h within the subspace
// spanned by the rows of R [r, D]:
//
//   Phi(h) = h + R^T (W h + b - R h)
//
// which is a projection onto that subspace only while R R^T = I. pyreft
// keeps R orthonormal with PyTorch's orthogonal parametrization; Tessel
// trains R directly and retracts it onto the Stiefel manifold after each
// optimizer step: the QR retraction, R <- Q^T for R^T = Q U with U's
// diagonal positive, which modified Gram-Schmidt on R's rows computes
// (orthonormalizeRows, runtime/Init.h). A step of size eta moves R off the
// manifold by O(eta^2), so the retraction changes the update by that
// much.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TRAIN_REFT_H
#define TESSEL_RUNTIME_TRAIN_REFT_H

#include "runtime/Artifact.h"

#include <vector>

namespace tessel::train {

/// The rotations of `artifact`'s LoReFT interventions (none without them).
Status reftRotations(Artifact &artifact, std::vector<Tensor *> &rotations);

/// Makes each rotation's rows orthonormal again.
Status retractRotations(const std::vector<Tensor *> &rotations);

/// max |R R^T - I| over the rotations: how far they are from orthonormal.
double orthonormalityError(const std::vector<const Tensor *> &rotations);

} // namespace tessel::train

#endif // TESSEL_RUNTIME_TRAIN_REFT_H
