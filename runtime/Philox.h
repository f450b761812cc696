//===- Philox.h - counter-based random numbers for dropout ------*- C++ -*-===//
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011): a keyed bijection of a 128-bit counter, ten rounds of two
// 32 x 32 -> 64-bit multiplications. A random number is a function of
// (key, counter) alone, so any element can be drawn independently of every
// other, in any order, on any thread: what dropout in a compiled training
// step needs to be deterministic given the seed and step, and what its
// backward pass needs to recompute the forward mask instead of storing it.
//
// Dropout's draw for element `index` (row-major) of dropout site `stream`
// at training step `step` under `seed`:
//   key     = (seed mod 2^32, seed div 2^32)
//   counter = (index mod 2^32, index div 2^32, stream, step mod 2^32)
// and the element is kept when the first output word, shifted right by 8,
// is at least round(rate * 2^24): an integer test, so that the reference
// kernel and compiled code keep exactly the same elements.
// passes/conversion/Dense.cpp emits the same arithmetic as IR.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_PHILOX_H
#define TESSEL_RUNTIME_PHILOX_H

#include <array>
#include <cmath>
#include <cstdint>

namespace tessel::philox {

constexpr uint32_t kMultiplier0 = 0xD2511F53u, kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
constexpr int kRounds = 10;

/// Philox4x32 with `kRounds` rounds of `counter` under `key`.
inline std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
                                          std::array<uint32_t, 2> key) {
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    uint64_t p0 = uint64_t(kMultiplier0) * counter[0];
    uint64_t p1 = uint64_t(kMultiplier1) * counter[2];
    counter = {uint32_t(p1 >> 32) ^ counter[1] ^ key[0], uint32_t(p1),
               uint32_t(p0 >> 32) ^ counter[3] ^ key[1], uint32_t(p0)};
  }
  return counter;
}

/// The 24-bit threshold below which dropout drops an element: rate * 2^24,
/// rounded.
inline uint32_t dropThreshold(double rate) {
  return static_cast<uint32_t>(std::llround(rate * double(1 << 24)));
}

/// Whether dropout keeps element `index` (see the file comment).
inline bool dropoutKeeps(int64_t seed, int64_t step, int64_t stream,
                         int64_t index, uint32_t threshold) {
  uint64_t s = static_cast<uint64_t>(seed), i = static_cast<uint64_t>(index);
  std::array<uint32_t, 4> r =
      philox4x32({uint32_t(i), uint32_t(i >> 32), uint32_t(stream),
                  uint32_t(static_cast<uint64_t>(step))},
                 {uint32_t(s), uint32_t(s >> 32)});
  return (r[0] >> 8) >= threshold;
}

} // namespace tessel::philox

#endif // TESSEL_RUNTIME_PHILOX_H
