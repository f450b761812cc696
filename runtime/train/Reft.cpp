//===- Reft.cpp - LoReFT's rotations kept orthonormal ---------------------===//

#include "runtime/train/Reft.h"

#include "runtime/Init.h"

#include <algorithm>
#include <cmath>

namespace tessel::train {

Status reftRotations(Artifact &artifact, std::vector<Tensor *> &rotations) {
  rotations.clear();
  for (const std::string &name : artifact.reft().rotations) {
    Tensor *r = artifact.mutableParameter(name);
    if (!r || r->rank() != 2 || r->shape[0] > r->shape[1])
      return errorf("LoReFT: ", name,
                    " is not a loaded f32 [r, D] parameter with r <= D");
    rotations.push_back(r);
  }
  return Status::ok();
}

Status retractRotations(const std::vector<Tensor *> &rotations) {
  for (Tensor *r : rotations)
    if (Status s =
            orthonormalizeRows(r->floats.data(), r->shape[0], r->shape[1]);
        !s.isOk())
      return errorf("LoReFT: a rotation lost its rank: ", s.message());
  return Status::ok();
}

double orthonormalityError(const std::vector<const Tensor *> &rotations) {
  double worst = 0.0;
  for (const Tensor *r : rotations) {
    int64_t rows = r->shape[0], columns = r->shape[1];
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < rows; ++j) {
        double dot = 0.0;
        for (int64_t c = 0; c < columns; ++c)
          dot += double(r->floats[i * columns + c]) *
                 double(r->floats[j * columns + c]);
        worst = std::max(worst, std::fabs(dot - (i == j ? 1.0 : 0.0)));
      }
  }
  return worst;
}

} // namespace tessel::train
