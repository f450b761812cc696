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
