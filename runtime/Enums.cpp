//===- Enums.cpp - the enums the compiler and the runtime share -----------===//

#include "runtime/Enums.h"

#include <iterator>
#include <utility>

namespace tessel {

namespace {

template <typename Enum, size_t N>
const char *lookupName(const std::pair<Enum, const char *> (&table)[N],
                       Enum value) {
  for (const auto &[v, n] : table)
    if (v == value)
      return n;
  return "?";
}

template <typename Enum, size_t N>
std::optional<Enum> lookupValue(const std::pair<Enum, const char *> (&table)[N],
                                std::string_view name) {
  for (const auto &[v, n] : table)
    if (name == n)
      return v;
  return std::nullopt;
}

constexpr std::pair<DType, const char *> kDTypeNames[] = {{DType::F32, "f32"},
                                                          {DType::F16, "f16"},
                                                          {DType::BF16, "bf16"},
                                                          {DType::I32, "i32"},
                                                          {DType::I64, "i64"}};

constexpr std::pair<InitKind, const char *> kInitKindNames[] = {
    {InitKind::Zeros, "zeros"},
    {InitKind::Ones, "ones"},
    {InitKind::Constant, "constant"},
    {InitKind::Normal, "normal"},
    {InitKind::TruncatedNormal, "truncated_normal"},
    {InitKind::XavierUniform, "xavier_uniform"},
    {InitKind::XavierNormal, "xavier_normal"},
    {InitKind::KaimingUniform, "kaiming_uniform"},
    {InitKind::KaimingNormal, "kaiming_normal"},
    {InitKind::Orthogonal, "orthogonal"}};

constexpr std::pair<EntryPointKind, const char *> kEntryPointKindNames[] = {
    {EntryPointKind::Forward, "forward"},
    {EntryPointKind::Decode, "decode"},
    {EntryPointKind::Loss, "loss"},
    {EntryPointKind::Grads, "grads"},
    {EntryPointKind::Prefill, "prefill"},
    {EntryPointKind::Policy, "policy"},
    {EntryPointKind::PolicyGrads, "policy_grads"}};

} // namespace

const char *name(DType dtype) { return lookupName(kDTypeNames, dtype); }
std::optional<DType> parseDType(std::string_view name) {
  return lookupValue(kDTypeNames, name);
}
bool isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}
int64_t byteWidth(DType dtype) {
  switch (dtype) {
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::I64:
    return 8;
  }
  return 0;
}

const char *name(InitKind kind) { return lookupName(kInitKindNames, kind); }
std::optional<InitKind> parseInitKind(std::string_view name) {
  return lookupValue(kInitKindNames, name);
}

const char *name(EntryPointKind kind) {
  return lookupName(kEntryPointKindNames, kind);
}
std::optional<EntryPointKind> parseEntryPointKind(std::string_view name) {
  return lookupValue(kEntryPointKindNames, name);
}

} // namespace tessel
