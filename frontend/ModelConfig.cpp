//===- ModelConfig.cpp - names of the configuration choices ---------------===//

#include "frontend/ModelConfig.h"

namespace tessel::frontend {

const char *name(PositionKind kind) {
  switch (kind) {
  case PositionKind::Learned:
    return "learned";
  case PositionKind::Sinusoidal:
    return "sinusoidal";
  case PositionKind::Relative:
    return "relative";
  case PositionKind::Rope:
    return "rope";
  case PositionKind::Alibi:
    return "alibi";
  case PositionKind::None:
    return "none";
  }
  return "?";
}

const char *name(NormKind kind) {
  switch (kind) {
  case NormKind::Layer:
    return "layer";
  case NormKind::RMS:
    return "rms";
  case NormKind::Scale:
    return "scale";
  case NormKind::Batch:
    return "batch";
  }
  return "?";
}

const char *name(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::F16:
    return "f16";
  case ElementType::BF16:
    return "bf16";
  }
  return "?";
}

int64_t byteWidth(ElementType type) { return type == ElementType::F32 ? 4 : 2; }

const char *AttentionConfig::kindName() const {
  if (mla)
    return "MLA";
  if (kvHeads == heads)
    return "MHA";
  if (kvHeads == 1)
    return "MQA";
  return "GQA";
}

} // namespace tessel::frontend
