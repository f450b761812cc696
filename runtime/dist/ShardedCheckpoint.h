//===- ShardedCheckpoint.h - one file per rank plus an index ----*- C++ -*-===//
//
// A ZeRO run (stage 1 and up, more than one rank) checkpoints as a
// directory: `rank-R-of-N.safetensors` per rank, holding that rank's range
// of the flat parameters and optimizer state (`flat.parameters`,
// `flat.optimizer.first`, `flat.optimizer.second`), rank 0's also the
// parameters no optimizer trains (batch norm's running statistics) by name;
// and `index.json`: the ranks, every trained parameter's name, shape and
// flat offset, each file's range, and the loop's state (the metadata of a
// one-file checkpoint).
//
// Written atomically: every rank writes into `DIR.partial`, and rank 0
// moves the finished directory into place (exchanging it with the old one,
// so there is no moment without a whole checkpoint). Consolidating one
// (`tessel-run consolidate`, or any --resume) reassembles the one-file
// checkpoint, so a run resumes on any number of ranks.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_DIST_SHARDEDCHECKPOINT_H
#define TESSEL_RUNTIME_DIST_SHARDEDCHECKPOINT_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"
#include "runtime/dist/Communicator.h"
#include "runtime/dist/Zero.h"

#include <string>
#include <utility>
#include <vector>

namespace tessel::dist {

/// What one rank saves.
struct Shard {
  /// The rank's range of the flat parameters and of the optimizer's two
  /// states (each empty when the optimizer keeps none).
  std::vector<float> parameters, first, second;
  /// Rank 0: the parameters no optimizer trains, by name.
  std::vector<std::pair<std::string, Tensor>> untrained;
};

/// Writes the sharded checkpoint `directory` with every rank of `comm`:
/// `names` and `shapes` are the trained parameters in layout order,
/// `state` the loop's state (a JSON object's text) stored under
/// `stateKey`.
Status writeShardedCheckpoint(Communicator &comm, const std::string &directory,
                              const ShardLayout &layout,
                              const std::vector<std::string> &names,
                              const std::vector<std::vector<int64_t>> &shapes,
                              const Shard &mine, const std::string &stateKey,
                              const std::string &state);

/// Whether `path` is a directory holding a sharded checkpoint's index.
bool isShardedCheckpoint(const std::string &path);

/// Reads every file of the sharded checkpoint `directory` and returns the
/// bytes of the equivalent one-file checkpoint: each parameter under its
/// name, the optimizer's state as `optimizer.first.NAME` /
/// `optimizer.second.NAME`, the state under `stateKey` in the metadata.
Status consolidateCheckpoint(const std::string &directory,
                             const std::string &stateKey, std::string &bytes);

} // namespace tessel::dist

#endif // TESSEL_RUNTIME_DIST_SHARDEDCHECKPOINT_H
