//===- Lora.h - LoRA adapters in PEFT's layout, merging ---------*- C++ -*-===//
//
// An artifact compiled with tesselc --lora-targets computes
// W x + (alpha / r) B A x on its adapted modules, with the base frozen.
// Its adapters are saved as PEFT saves them, so either side loads the
// other's:
//
//   DIR/adapter_model.safetensors  base_model.model.MODULE.lora_A.weight
//                                  [r, in] and ...lora_B.weight [out, r]
//   DIR/adapter_config.json        peft_type LORA, r, lora_alpha,
//                                  lora_dropout, target_modules,
//                                  fan_in_fan_out, ...
//
// Merging folds an adapter into the base weights, W += (alpha / r) B A
// (transposed for [in, out] weights), so that a model compiled without
// LoRA computes what the adapted one does.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TRAIN_LORA_H
#define TESSEL_RUNTIME_TRAIN_LORA_H

#include "runtime/Artifact.h"
#include "runtime/Status.h"

#include <set>
#include <string>

namespace tessel::train {

/// The names of the adapters' parameters: MODULE.lora_A.weight and
/// MODULE.lora_B.weight of every adapted module.
std::set<std::string> adapterParameters(const LoraSpec &lora);

/// Writes `artifact`'s adapters (as loaded or trained) into `directory`,
/// created when missing.
Status saveAdapter(const std::string &directory, Artifact &artifact);

/// Loads the adapters in `directory` into `artifact`'s LoRA parameters: the
/// rank and alpha must be the artifact's, and the file must hold exactly
/// its adapters.
Status loadAdapter(const std::string &directory, Artifact &artifact);

/// Writes to `out` every tensor of the checkpoint `weights` but adapters,
/// with the adapter in `directory` merged into the weights it adapts (f32).
Status mergeAdapter(const std::string &weights, const std::string &directory,
                    const std::string &out);

} // namespace tessel::train

#endif // TESSEL_RUNTIME_TRAIN_LORA_H
