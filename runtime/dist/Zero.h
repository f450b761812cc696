//===- Zero.h - ZeRO's shards and memory per rank ---------------*- C++ -*-===//
//
// ZeRO (Rajbhandari et al., 2020) splits the training state of Ψ
// parameters over N data-parallel ranks: stage 1 the optimizer state,
// stage 2 also the gradients, stage 3 also the parameters. A shard here is
// a range of the flat concatenation of every trained parameter (in the
// order `grads` returns their gradients): rank r owns elements
// [Ψ·r/N, Ψ·(r+1)/N), so the shards differ by at most one element and a
// parameter may straddle two ranks. Each rank's part of a parameter is the
// overlap of its range with the parameter's; the collectives run per
// parameter on those parts.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_DIST_ZERO_H
#define TESSEL_RUNTIME_DIST_ZERO_H

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace tessel::dist {

class ShardLayout {
public:
  ShardLayout() = default;
  /// `sizes`: each parameter's element count, in order.
  ShardLayout(const std::vector<int64_t> &sizes, int ranks) : ranks(ranks) {
    for (int64_t n : sizes) {
      offsets.push_back(total);
      this->sizes.push_back(n);
      total += n;
    }
    for (int r = 0; r <= ranks; ++r)
      bounds.push_back(total / ranks * r + total % ranks * r / ranks);
  }
  int64_t begin(int rank) const { return bounds[rank]; }
  int64_t end(int rank) const { return bounds[rank + 1]; }
  int64_t shardSize(int rank) const { return end(rank) - begin(rank); }
  /// Rank `rank`'s elements of parameter i, relative to the parameter.
  std::pair<int64_t, int64_t> part(size_t i, int rank) const {
    int64_t lo = std::max(begin(rank), offsets[i]);
    int64_t hi = std::min(end(rank), offsets[i] + sizes[i]);
    if (hi < lo)
      hi = lo = std::clamp(begin(rank), offsets[i], offsets[i] + sizes[i]);
    return {lo - offsets[i], hi - offsets[i]};
  }
  /// Every rank's element count of parameter i (they tile it in order).
  std::vector<int64_t> counts(size_t i) const {
    std::vector<int64_t> c;
    for (int r = 0; r < ranks; ++r) {
      auto [lo, hi] = part(i, r);
      c.push_back(hi - lo);
    }
    return c;
  }

  int ranks = 1;
  int64_t total = 0;
  std::vector<int64_t> offsets, sizes, bounds;
};

/// Bytes per rank of the three kinds of training state.
struct ZeroMemory {
  double parameters = 0, gradients = 0, optimizer = 0;
  double total() const { return parameters + gradients + optimizer; }
};

/// Per rank, with Ψ parameters over N ranks at ZeRO stage `stage`, when a
/// parameter takes `paramBytes`, its gradient `gradBytes` and its optimizer
/// state `stateBytes` (the paper's K). Stage 1 shards the state, 2 also the
/// gradients, 3 also the parameters.
/// With `trained` < psi (a frozen base under LoRA), gradients and
/// optimizer state exist for the trained parameters only.
inline ZeroMemory zeroMemory(int stage, double psi, int ranks,
                             double paramBytes, double gradBytes,
                             double stateBytes, double trained = -1) {
  if (trained < 0)
    trained = psi;
  ZeroMemory m;
  m.parameters = paramBytes * (stage >= 3 ? psi / ranks : psi);
  m.gradients = gradBytes * (stage >= 2 ? trained / ranks : trained);
  m.optimizer = stateBytes * (stage >= 1 ? trained / ranks : trained);
  return m;
}

/// The paper's mixed-precision Adam: f16 parameters and gradients, f32
/// master weights, momentum and variance (K = 12): 16Ψ at stage 0,
/// 4Ψ + 12Ψ/N at 1, 2Ψ + 14Ψ/N at 2, 16Ψ/N at 3.
inline ZeroMemory paperMixedAdam(int stage, double psi, int ranks,
                                 double trained = -1) {
  return zeroMemory(stage, psi, ranks, 2, 2, 12, trained);
}

/// Tessel's f32 training: f32 parameters (the master weights) and
/// gradients, and the optimizer's f32 state per parameter: 8 bytes for
/// Adam and AdamW, 4 for SGD with momentum, 0 without.
inline ZeroMemory f32Training(int stage, double psi, int ranks,
                              double stateBytes, double trained = -1) {
  return zeroMemory(stage, psi, ranks, 4, 4, stateBytes, trained);
}

/// Elements a step moves, in the paper's units: 2Ψ at stages 0-2
/// (all-reduce, or reduce-scatter then all-gather), 3Ψ at stage 3 (the
/// parameters gathered for the forward and again for the backward).
inline double paperVolume(int stage, double psi) {
  return stage >= 3 ? 3 * psi : 2 * psi;
}

} // namespace tessel::dist

#endif // TESSEL_RUNTIME_DIST_ZERO_H
