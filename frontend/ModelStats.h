//===- ModelStats.h - parameters, FLOPs and memory of a model ---*- C++ -*-===//
//
// What `tesselc --stats` prints. Counts are exact; the conventions (which
// FLOPs count, which activations are saved) are stated in
// docs/model-stats.md and in the JSON output's "conventions".
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_FRONTEND_MODELSTATS_H
#define TESSEL_FRONTEND_MODELSTATS_H

#include "frontend/ModelConfig.h"

#include <string>
#include <vector>

namespace tessel::frontend {

struct StatsOptions {
  int64_t batch = 1;
  int64_t sequence = 0; ///< 0: the model's maximum.
  DType kvType = DType::F32;
  DType activationType = DType::F32;
  /// Training state per rank under ZeRO over `zeroRanks` ranks (0: not
  /// shown); `zeroStage` marks one stage (-1: none).
  int zeroStage = -1, zeroRanks = 0;
};

struct ParameterGroup {
  std::string name;
  int64_t count = 0;
  int64_t perLayer = 0; ///< For per-layer groups; 0 otherwise.
  std::string note;
};

struct ModelStats {
  std::vector<ParameterGroup> groups; ///< embedding, position, ..., lm_head.
  int64_t totalParameters = 0;
  int64_t buffers = 0; ///< Non-learned state (BatchNorm running statistics).

  int64_t batch = 1, sequence = 0;
  /// LoRA's adapters (tesselc --lora-targets) and prefix tuning's prefix
  /// (--prefix-tokens): the only trained parameters, on top of the frozen
  /// totalParameters.
  int64_t adapterParameters = 0;
  /// PPO's value head (tesselc --value-head), among totalParameters.
  int64_t valueHeadParameters = 0;
  /// The parameters training updates: with a parameter-efficient method
  /// (`peft`), the adapters and the value head; otherwise all.
  int64_t trainedParameters(bool peft) const {
    return peft ? adapterParameters + valueHeadParameters
                : totalParameters + adapterParameters;
  }
  /// StatsOptions' ZeRO stage and ranks (ranks 0: no ZeRO section).
  int zeroStage = -1, zeroRanks = 0;
  /// Forward FLOPs per token: 2 per multiply-add of every matmul.
  double weightFlopsPerToken = 0, attentionFlopsPerToken = 0;
  double forwardFlopsPerToken() const {
    return weightFlopsPerToken + attentionFlopsPerToken;
  }
  /// Backward is twice the forward: 3x in all.
  double trainingFlopsPerToken() const { return 3 * forwardFlopsPerToken(); }

  int64_t kvBytesPerTokenPerLayer = 0;
  /// MLA only: what per-head keys and values of every head would take.
  int64_t mhaKvBytesPerTokenPerLayer = 0;
  const char *kvType = "f32";
  double kvBytesPerToken = 0, kvBytesAtSequence = 0;

  const char *activationType = "f32";
  double activationBytesPerLayer = 0, activationBytes = 0;
  /// Per recomputation schedule (tesselc --recompute): the activations the
  /// backward keeps, and the forward FLOPs it does again, per step.
  struct Recompute {
    const char *schedule;
    double savedBytes = 0, extraFlops = 0;
  };
  std::vector<Recompute> recompute; ///< none, attention, blocks.
  /// What one recomputed block keeps: its input.
  double blockInputBytes = 0;
  /// Attention probabilities an unfused attention keeps (B·H·S² per layer).
  double unfusedScoreBytesPerLayer = 0;

  /// Forward working memory of one attention layer as compiled
  /// (FlashAttention tiles, f32): O and the row log-sum-exp, B·Hq·S·(Dv+1),
  /// which grows as O(S·D); and per thread one tile's state, independent of
  /// S: the [G, 64, 64] logits tile, the transposed [D, 64] key tile, and
  /// the running max, sum, rescale factor and accumulator of 64 query rows
  /// of the G heads sharing a key/value head.
  double attentionWorkingBytesPerLayer = 0, attentionTileBytesPerThread = 0;
};

/// Computes the statistics, or returns false with `error` set when a count
/// does not fit in 64 bits.
bool computeStats(const ModelConfig &config, const StatsOptions &options,
                  ModelStats &stats, std::string &error);

/// The fewest layers whose blocks must be recomputed (tesselc
/// --recompute=blocks:K) for the saved activations to fit `budget` bytes, or
/// -1 when even recomputing every block does not fit.
int64_t blocksForBudget(const ModelConfig &config, const ModelStats &stats,
                        double budget);

std::string formatStatsText(const ModelConfig &config, const ModelStats &stats);
std::string formatStatsJson(const ModelConfig &config, const ModelStats &stats);

} // namespace tessel::frontend

#endif // TESSEL_FRONTEND_MODELSTATS_H
