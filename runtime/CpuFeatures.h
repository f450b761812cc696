//===- CpuFeatures.h - the CPU features an artifact records -----*- C++ -*-===//
//
// One list for both sides: tesselc records which of these features an
// artifact's code may use (passes/backend/CpuTarget.cpp, by asking LLVM's
// subtarget), and the loader checks each recorded one against the running
// CPU before it loads the code (runtime/Artifact.cpp, from CPUID and
// XGETBV). The names are LLVM's.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_CPUFEATURES_H
#define TESSEL_RUNTIME_CPUFEATURES_H

/// X(name) for each feature that compiled code may use and an older x86-64
/// CPU lacks.
#define TESSEL_CHECKED_CPU_FEATURES(X)                                         \
  X("sse4.2")                                                                  \
  X("popcnt")                                                                  \
  X("avx")                                                                     \
  X("avx2")                                                                    \
  X("fma")                                                                     \
  X("f16c")                                                                    \
  X("bmi2")                                                                    \
  X("avx512f")                                                                 \
  X("avx512bw")                                                                \
  X("avx512dq")                                                                \
  X("avx512vl")                                                                \
  X("avx512vnni")                                                              \
  X("avx512bf16")                                                              \
  X("avx512fp16")

namespace tessel {

#define TESSEL_CPU_FEATURE_NAME(NAME) NAME,
inline constexpr const char *kCheckedCpuFeatures[] = {
    TESSEL_CHECKED_CPU_FEATURES(TESSEL_CPU_FEATURE_NAME)};
#undef TESSEL_CPU_FEATURE_NAME

} // namespace tessel

#endif // TESSEL_RUNTIME_CPUFEATURES_H
