//===- ZeroTest.cpp - ZeRO's shards and the sharded optimizer -------------===//
//
// The shards tile the flat parameters in order and differ by at most one
// element; each rank's part of a parameter is the overlap of the two
// ranges. An optimizer of every rank's shard, run side by side, updates
// every element exactly as one optimizer of the whole model does (the
// update is elementwise), for each optimizer kind; the formulas of the
// memory per rank are the paper's at the four stages.
//
//===----------------------------------------------------------------------===//

#include "runtime/dist/Zero.h"
#include "runtime/train/Optimizer.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace tessel;
using namespace tessel::dist;
using namespace tessel::train;

namespace {

TEST(ShardLayout, TilesTheParametersInOrder) {
  std::vector<int64_t> sizes = {7, 1, 12, 3};
  for (int ranks = 1; ranks <= 30; ++ranks) {
    ShardLayout layout(sizes, ranks);
    EXPECT_EQ(layout.total, 23);
    EXPECT_EQ(layout.begin(0), 0);
    EXPECT_EQ(layout.end(ranks - 1), 23);
    for (int r = 0; r < ranks; ++r) {
      EXPECT_LE(layout.shardSize(r), 23 / ranks + 1);
      EXPECT_GE(layout.shardSize(r), 23 / ranks);
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
      std::vector<int64_t> counts = layout.counts(i);
      EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), int64_t(0)),
                sizes[i]);
      int64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        auto [lo, hi] = layout.part(i, r);
        if (hi > lo) {
          EXPECT_EQ(lo, next); // the parts follow each other
          next = hi;
          EXPECT_GE(layout.offsets[i] + lo, layout.begin(r));
          EXPECT_LE(layout.offsets[i] + hi, layout.end(r));
        }
      }
      EXPECT_EQ(next, sizes[i]);
    }
  }
}

/// Parameters of shapes [3, 4] (decayed) and [5] (not), and a gradient
/// per step that changes sign and size.
struct Model {
  Tensor w = Tensor::zeros(DType::F32, {3, 4});
  Tensor b = Tensor::zeros(DType::F32, {5});
  Model() {
    for (size_t k = 0; k < w.floats.size(); ++k)
      w.floats[k] = 0.1f * float(k) - 0.5f;
    for (size_t k = 0; k < b.floats.size(); ++k)
      b.floats[k] = 0.3f - 0.07f * float(k);
  }
  std::vector<Tensor *> params() { return {&w, &b}; }
};

Tensor gradient(const Tensor &p, int step) {
  Tensor g = Tensor::zeros(DType::F32, p.shape);
  for (size_t k = 0; k < g.floats.size(); ++k)
    g.floats[k] = float((k % 3) + 1) * (step % 2 ? -0.01f : 0.02f) * step;
  return g;
}

TEST(ShardedOptimizer, UpdatesAsTheWholeModelDoes) {
  for (OptimizerKind kind :
       {OptimizerKind::Sgd, OptimizerKind::Adam, OptimizerKind::AdamW}) {
    OptimizerOptions options;
    options.kind = kind;
    options.weightDecay = 0.1;
    if (kind == OptimizerKind::Sgd)
      options.momentum = 0.9;
    for (int ranks : {2, 3, 5}) {
      Model whole, sharded;
      Optimizer one(options, {&whole.w, &whole.b});
      ShardLayout layout({12, 5}, ranks);
      std::vector<Optimizer> shards;
      for (int r = 0; r < ranks; ++r)
        shards.emplace_back(options,
                            std::vector<const Tensor *>{&sharded.w, &sharded.b},
                            std::vector<std::pair<int64_t, int64_t>>{
                                layout.part(0, r), layout.part(1, r)});
      for (int step = 1; step <= 4; ++step) {
        Tensor gw = gradient(whole.w, step), gb = gradient(whole.b, step);
        ASSERT_TRUE(one.step(whole.params(), {&gw, &gb}, 1e-2, 0.5).isOk());
        for (Optimizer &shard : shards)
          ASSERT_TRUE(
              shard.step(sharded.params(), {&gw, &gb}, 1e-2, 0.5).isOk());
        EXPECT_EQ(whole.w.floats, sharded.w.floats) << name(kind);
        EXPECT_EQ(whole.b.floats, sharded.b.floats) << name(kind);
      }
      // Each shard keeps the state of its own elements only.
      size_t state = 0;
      for (const Optimizer &shard : shards)
        for (const auto &part : shard.first)
          state += part.size();
      EXPECT_EQ(state, 17u);
    }
  }
}

TEST(ZeroMemory, ThePapersFormulas) {
  const double psi = 7.5e9, n = 64; // the paper's example: 120 GB at stage 0
  EXPECT_DOUBLE_EQ(paperMixedAdam(0, psi, n).total(), 16 * psi);
  EXPECT_DOUBLE_EQ(paperMixedAdam(1, psi, n).total(), 4 * psi + 12 * psi / n);
  EXPECT_DOUBLE_EQ(paperMixedAdam(2, psi, n).total(), 2 * psi + 14 * psi / n);
  EXPECT_DOUBLE_EQ(paperMixedAdam(3, psi, n).total(), 16 * psi / n);
  EXPECT_NEAR(paperMixedAdam(0, psi, n).total(), 120e9, 1);
  EXPECT_NEAR(paperMixedAdam(1, psi, n).total(), 31.4e9, 0.1e9);
  EXPECT_NEAR(paperMixedAdam(2, psi, n).total(), 16.6e9, 0.1e9);
  EXPECT_NEAR(paperMixedAdam(3, psi, n).total(), 1.88e9, 0.01e9);
  EXPECT_DOUBLE_EQ(f32Training(1, psi, n, 8).total(), 8 * psi + 8 * psi / n);
  EXPECT_DOUBLE_EQ(paperVolume(2, psi), 2 * psi);
  EXPECT_DOUBLE_EQ(paperVolume(3, psi), 3 * psi);
}

} // namespace
