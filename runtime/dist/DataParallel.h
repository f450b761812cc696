//===- DataParallel.h - a training step over ranks, ZeRO 0-3 ----*- C++ -*-===//
//
// What a data-parallel step does around the compiled `grads` entry point,
// which every rank runs on its share of the global batch:
//
//   stage 0  every gradient all-reduced; every rank updates every
//            parameter (plain data parallelism);
//   stage 1  gradients reduce-scattered: each rank's part of the sum lands
//            in its own full gradient buffers, it updates its shard of the
//            parameters with its shard of the optimizer state, and the
//            updated parameters are all-gathered;
//   stage 2  as 1, but the reduced part goes to a shard-sized buffer and
//            the full local gradients are released as soon as they are
//            reduced;
//   stage 3  as 2, and the parameters are kept as shards too: gathered
//            whole before the compiled step and released after it.
//
// The global gradient norm is the all-reduced sum of each rank's shard of
// squares, and the loss the mean of the ranks' losses, so clipping, batch
// skipping and the schedule decide the same on every rank. Gradients are
// summed, not averaged, in the collectives; the 1/N (and 1/K of gradient
// accumulation) is folded into the norm and the update's gradient scale.
//
// The compiled step returns every gradient at once, so at every stage a
// rank holds its full local gradients for a moment (between the step and
// their reduction), and at stage 3 the full parameters for the length of
// the step: the whole model is gathered once per step, not layer by layer,
// which moves 2Ψ elements per step where layer-wise gathering moves 3Ψ.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_DIST_DATAPARALLEL_H
#define TESSEL_RUNTIME_DIST_DATAPARALLEL_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"
#include "runtime/dist/Communicator.h"
#include "runtime/dist/Zero.h"
#include "runtime/train/Optimizer.h"

#include <memory>

namespace tessel::dist {

class DataParallel {
public:
  /// `params`: the trained parameters, in the order of their gradients.
  /// At stage 3 the parameters' values move into this rank's shard.
  DataParallel(Communicator &comm, int stage,
               const std::vector<Tensor *> &params,
               train::OptimizerOptions options);

  /// Stage 3: gathers every parameter whole before the compiled step.
  Status gatherParameters();
  /// Stage 3: releases the parameters gathered for the step.
  void releaseParameters();

  /// Reduces the local gradients `grads` (one per parameter; the sum of
  /// `divisor` / N mean gradients: micro-batches times ranks) and returns
  /// the global norm of their mean. Stage 2 and 3 release them.
  Status reduceGradients(const std::vector<Tensor *> &grads, double divisor,
                         double &norm);
  /// Updates this rank's shard with the reduced gradients, scaled by
  /// `clip` / divisor, and (stages 1, 2) all-gathers the parameters.
  Status update(double lr, double clip);

  /// The training state this rank holds now: parameters, gradients and
  /// optimizer state, in bytes (for comparison with the ZeRO formulas).
  ZeroMemory held() const;

  int stage;
  ShardLayout layout;
  train::Optimizer optimizer;
  /// Stage 3: this rank's elements of the parameters (flat).
  std::vector<float> parameterShard;
  /// Stages 2, 3: this rank's elements of the reduced gradients (flat).
  std::vector<float> gradientShard;

private:
  Communicator &comm;
  std::vector<Tensor *> params;
  /// Stages 0, 1: the gradients reduced last (full buffers).
  std::vector<Tensor *> fullGradients;
  double divisor = 1;
};

} // namespace tessel::dist

#endif // TESSEL_RUNTIME_DIST_DATAPARALLEL_H
