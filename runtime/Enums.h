//===- Enums.h - the enums the compiler and the runtime share ---*- C++ -*-===//
//
// One enum per concept, shared by the dialect, the frontend, the compiler's
// backend and the runtime, each with the one table of its names (the
// keywords of the IR, of model definitions and of the artifact manifest).
// No MLIR here: the runtime-only build includes it too.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_ENUMS_H
#define TESSEL_RUNTIME_ENUMS_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace tessel {

/// Element types of tensors.
enum class DType { F32, F16, BF16, I32, I64 };

/// "f32", "f16", "bf16", "i32", "i64".
const char *name(DType dtype);
std::optional<DType> parseDType(std::string_view name);
bool isFloat(DType dtype);
/// Bytes per element.
int64_t byteWidth(DType dtype);

/// How a parameter is initialized when no checkpoint provides it.
enum class InitKind {
  Zeros,
  Ones,
  Constant,
  Normal,
  TruncatedNormal,
  XavierUniform,
  XavierNormal,
  KaimingUniform,
  KaimingNormal,
  /// PyTorch's orthogonal_: the [rows, columns] view (columns the last
  /// axis) with orthonormal rows (or columns, when there are more rows).
  Orthogonal
};

/// Every initializer, in declaration order.
constexpr InitKind kInitKinds[] = {
    InitKind::Zeros,           InitKind::Ones,
    InitKind::Constant,        InitKind::Normal,
    InitKind::TruncatedNormal, InitKind::XavierUniform,
    InitKind::XavierNormal,    InitKind::KaimingUniform,
    InitKind::KaimingNormal,   InitKind::Orthogonal};

/// "zeros", "ones", "constant", "normal", "truncated_normal",
/// "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
/// "orthogonal".
const char *name(InitKind kind);
std::optional<InitKind> parseInitKind(std::string_view name);
/// Whether the initializer takes a standard deviation (`std`).
inline bool takesStd(InitKind kind) {
  return kind == InitKind::Normal || kind == InitKind::TruncatedNormal;
}
/// Whether the initializer's scale comes from the fans of the shape.
inline bool usesFans(InitKind kind) {
  return kind == InitKind::XavierUniform || kind == InitKind::XavierNormal ||
         kind == InitKind::KaimingUniform || kind == InitKind::KaimingNormal;
}

/// What an entry point of a compiled model does. The frontend marks the
/// functions it builds; the manifest records the kind, and the runtime
/// finds entry points by it.
enum class EntryPointKind {
  /// forward(tokens [B, S]) -> logits [B, S, V].
  Forward,
  /// decode(tokens [B, S], positions [S], k/v caches per layer)
  ///   -> (logits [B, S, V], the caches grown by S).
  Decode,
  /// loss(tokens [B, S], targets [B, S]) -> mean cross-entropy (rank 0).
  Loss,
  /// grads(tokens [B, S], targets [B, S]) -> (the loss, dL/dparameter for
  /// every parameter the loss reads, in declaration order).
  Grads,
  /// prefill: decode's inputs and caches, but the logits of each
  /// sequence's last position only, [B, 1, V]: a prompt's step, which
  /// skips the LM head for every other position.
  Prefill,
  /// policy(tokens [B, S]) -> (logits [B, S, V], values [B, S, 1]): the
  /// forward pass with a value head on the last hidden states (PPO's
  /// critic, sharing the trunk); built with tesselc --train --value-head.
  Policy,
  /// policy_grads(tokens [B, S], dlogits [B, S, V], dvalues [B, S, 1])
  ///   -> dL/dparameter for every parameter policy reads: the
  /// vector-Jacobian product of policy, for a loss the host computes from
  /// its results (PPO's clipped surrogate, value loss and entropy).
  PolicyGrads
};

/// Every entry-point kind, in declaration order.
constexpr EntryPointKind kEntryPointKinds[] = {
    EntryPointKind::Forward,    EntryPointKind::Decode,  EntryPointKind::Loss,
    EntryPointKind::Grads,      EntryPointKind::Prefill, EntryPointKind::Policy,
    EntryPointKind::PolicyGrads};

/// Whether entry points of `kind` take positions and KV caches (updated in
/// place): decode and prefill.
inline bool takesKVCache(EntryPointKind kind) {
  return kind == EntryPointKind::Decode || kind == EntryPointKind::Prefill;
}

/// "forward", "decode", "loss", "grads", "prefill", "policy",
/// "policy_grads": also the names the
/// frontend gives the functions.
const char *name(EntryPointKind kind);
std::optional<EntryPointKind> parseEntryPointKind(std::string_view name);

} // namespace tessel

#endif // TESSEL_RUNTIME_ENUMS_H
