//===- Generator.h - decoding loops over a compiled model -------*- C++ -*-===//
//
// Generation on top of an artifact's decode entry point: the KV caches of a
// batch allocated once and updated in place, sampling, stop tokens, and
// speculative decoding (a draft model, or n-gram lookup in the text so far)
// with the target verifying the drafted tokens in one multi-token step.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_GENERATOR_H
#define TESSEL_RUNTIME_GENERATOR_H

#include "runtime/Artifact.h"
#include "runtime/Sampling.h"

#include <chrono>
#include <functional>

namespace tessel {

/// The blocks of a paged KV cache's pools, counted by reference so that
/// sequences with a common prompt prefix share them. Block 0 is scratch:
/// what unused block-table entries name, never handed out.
class BlockPool {
public:
  void reset(int64_t blocks);
  /// A free block (one reference), or -1 when none is left.
  int64_t allocate();
  void retain(int64_t block) { ++references[block]; }
  /// Drops a reference; the block is free again at none.
  void release(int64_t block);
  int64_t referencesOf(int64_t block) const { return references[block]; }
  /// Blocks of the pool, scratch included.
  int64_t size() const { return static_cast<int64_t>(references.size()); }
  /// Blocks handed out now, and at most so far.
  int64_t used() const { return inUse; }
  int64_t peak() const { return peakUse; }

private:
  std::vector<int64_t> references, freeBlocks;
  int64_t inUse = 0, peakUse = 0;
};

/// `artifact`'s decode entry point; an error saying how to get one when it
/// has none.
Status findDecode(const Artifact &artifact, const EntryPoint *&decode);

/// Appends to `inputs` the pools of `decode`'s paged caches (the inputs
/// from its first cache on), `blocks` blocks each, zeros in their dtypes.
void appendPools(const EntryPoint &decode, int64_t blocks,
                 std::vector<Tensor> &inputs);

/// Whether `artifact`'s decode entry point, with a paged cache or not,
/// computes what its other entry points do: an error for LoReFT at the last
/// positions (a decode step cannot know where its sequence ends) and for
/// prefix tuning with a paged cache (the prefix has no blocks). Every
/// decoding loop (DecodeState, the server's Engine) checks it.
Status checkDecodable(const Artifact &artifact, bool paged);

/// Prefix tuning's keys and values [P, 2 L Hkv D] (PrefixSpec's layout):
/// prefix.embedding, or with a projection the MLP of it, computed here as
/// the compiled graph does (tanh between the two linear layers).
Status prefixTable(const Artifact &artifact, std::vector<float> &table);

/// One model's decode entry point with the KV caches of a batch of
/// sequences, each at its own position. With a paged cache (an entry point
/// compiled with --kv-block-size), the caches are pools of blocks and each
/// sequence a block table: blocks are taken from the pool as a sequence
/// grows, shared between sequences whose prompts begin alike, copied
/// before a sequence writes into a shared one, and freed when it ends.
class DecodeState {
public:
  /// Allocates caches of `capacity` positions for `batch` sequences, in the
  /// entry point's dtypes (paged: a pool with room for every sequence to
  /// reach `capacity`). An error when `artifact` has no decode entry. With
  /// prefix tuning the caches hold the P prefix keys and values first and
  /// the tokens from slot P on (positions and lengths here stay the
  /// tokens').
  /// Without `usePrefill`, feed never runs the prefill entry point.
  Status start(const Artifact &artifact, int64_t batch, int64_t capacity,
               bool usePrefill = true);
  DecodeState() = default;
  DecodeState(const DecodeState &) = delete;
  DecodeState &operator=(const DecodeState &) = delete;
  /// Ends the caches' stay on the GPU (a CUDA artifact's).
  ~DecodeState();
  /// Paged: before the first feed, points each sequence's blocks that hold
  /// only prompt positions equal to an earlier sequence's (the same ids
  /// from position 0) at that sequence's blocks. `prompts` is [B, P].
  void sharePrefixes(const Tensor &prompts);
  /// Paged: frees sequence `row`'s blocks; its later feeds write into the
  /// scratch block.
  void finish(int64_t row);
  /// Runs decode on `tokens` [B, S], row b at positions starts[b] ...
  /// starts[b] + S - 1 (starts[b] <= length(b): a row may feed again
  /// positions it holds); logits() is then [B, S, V] and length(b) is
  /// starts[b] + S. With `lastOnly` (and canPrefill()), the prefill entry
  /// point runs instead and logits() is [B, 1, V], each row's last.
  Status feed(const Tensor &tokens, const std::vector<int64_t> &starts,
              bool lastOnly = false);
  /// Whether the model has a prefill entry point (its logits for the last
  /// position only).
  bool canPrefill() const { return prefill != nullptr; }
  const Tensor &logits() const { return results.front(); }
  /// Positions the caches of sequence `row` hold.
  int64_t length(int64_t row) const { return held[row]; }
  /// Forgets sequence `row`'s positions from `length` on: the next feed
  /// writes there (speculation's rollback; decode reads no position of a
  /// sequence after its last).
  void rewind(int64_t row, int64_t length) {
    held[row] = std::min(held[row], length);
  }
  /// Whether start succeeded; entry() and inputs() need it.
  bool started() const { return decode != nullptr; }
  const EntryPoint &entry() const { return *decode; }
  /// {tokens, positions, (block tables,) caches...}: decode's inputs of
  /// the last feed.
  const std::vector<Tensor> &inputs() const { return state; }
  /// The index of the first cache in inputs(): 3 when paged, else 2.
  size_t firstCache() const { return first; }
  /// Whether the caches are pools read through block tables.
  bool paged() const { return first == 3; }
  /// Paged: positions per block, and the pool's blocks.
  int64_t blockSize() const { return perBlock; }
  const BlockPool &pool() const { return blocks; }
  /// Paged: blocks that sharePrefixes gave to more than one sequence, and
  /// the shared blocks copied on write since.
  int64_t sharedBlocks() const { return shared; }
  int64_t copiedOnWrite() const { return copies; }

private:
  /// Prefix tuning: writes the prefix into the first slots of every cache.
  Status writePrefix();
  /// The artifact stops keeping the caches on the device.
  void releaseCaches();
  /// Paged: gives sequence `row` blocks for positions [from, to): new ones
  /// where its table names none, and copies of shared ones it would write
  /// past the prompt in.
  Status ownBlocks(int64_t row, int64_t from, int64_t to);
  int64_t &tableEntry(int64_t row, int64_t index) {
    return state[2].ints[row * state[2].shape[1] + index];
  }

  const Artifact *artifact = nullptr;
  const EntryPoint *decode = nullptr, *prefill = nullptr;
  std::vector<Tensor> state, results;
  std::vector<int64_t> held;
  size_t first = 2;
  /// Prefix tuning's virtual tokens: position 0 is cache slot `offset`.
  int64_t offset = 0;
  int64_t perBlock = 0, shared = 0, copies = 0;
  /// Paged: the prompt length sharePrefixes saw; shared blocks hold
  /// positions below it.
  int64_t promptLength = 0;
  BlockPool blocks;
  std::vector<bool> finished;
};

/// Up to `count` tokens that followed the latest earlier occurrence of the
/// sequence's last n tokens (n from `longest` down to 1): prompt lookup
/// decoding's draft. Empty when no suffix recurs.
std::vector<int64_t> lookupDraft(const std::vector<int64_t> &sequence,
                                 int64_t count, int64_t longest = 3);

struct GenerateOptions {
  int64_t maxNewTokens = 16;
  SamplingOptions sampling;
  /// Sequence b samples with a generator seeded with seed + b.
  uint64_t seed = 0;
  /// A sequence ends after one of these (kept in its ids).
  std::vector<int64_t> stopTokens;
  /// Only ids below this are sampled (0: the whole vocabulary), for a
  /// model whose vocabulary is padded past its tokenizer's.
  int64_t vocabLimit = 0;
  /// Tokens drafted per step (0: no speculation): by the draft model when
  /// there is one, else by n-gram lookup.
  int64_t speculate = 0;
  /// Prompts go through the models' prefill entry points when they have
  /// them (logits of the last position only); false: through decode.
  bool prefill = true;
};

/// Speculation's counts over a run.
struct SpeculationStats {
  int64_t targetSteps = 0; ///< Decode steps of the target, the prompt's too.
  int64_t drafted = 0;     ///< Tokens drafted for the active sequences.
  int64_t accepted = 0;    ///< Of those, accepted by rejection sampling.
};

/// Generates continuations of a batch of prompts (of one length). Each
/// step feeds the target every token it has not seen plus the drafted
/// ones, and keeps, per sequence, the accepted prefix of the draft and one
/// token from the target (the replacement of the first rejected token, or
/// the bonus token after the last). Each sequence advances at its own pace
/// (decode takes per-sequence positions); its kept tokens follow the
/// target's distribution, so the output is distributed exactly as without
/// speculation, and at temperature 0 it is the same output.
class Generator {
public:
  /// `draft` (may be null) shares the target's vocabulary; both stay
  /// alive while the generator runs.
  Generator(const Artifact &target, const Artifact *draft,
            const GenerateOptions &options)
      : target(target), draft(draft), options(options) {}

  /// Told each new token of sequence `row`, in order; sets `stop` to end
  /// the sequence after it (as a stop token does).
  using Emit = std::function<Status(int64_t row, int64_t token, bool &stop)>;

  /// Runs to maxNewTokens or until every sequence stopped. `prompt` is
  /// [B, P] int64, non-empty, its ids checked by the caller.
  Status run(const Tensor &prompt, const Emit &emit);

  /// Prompt + generated ids of each sequence (up to its stop).
  const std::vector<std::vector<int64_t>> &sequences() const { return seqs; }
  const SpeculationStats &stats() const { return counts; }
  const DecodeState &targetState() const { return targetDecode; }
  /// The draft model's (not started without one).
  const DecodeState &draftState() const { return draftDecode; }
  /// When the first step (the prompt's) ended, and the most tokens it kept
  /// in a sequence (the start of run and 0 when no step ran).
  std::chrono::steady_clock::time_point firstStepEnd;
  int64_t firstStepTokens = 0;

private:
  /// Drafts `count` tokens after every active sequence with the draft
  /// model, recording its distributions.
  Status draftTokens(int64_t count, std::vector<std::vector<int64_t>> &drafts,
                     std::vector<std::vector<TokenDistribution>> &q);
  /// Feeds `state` what each active sequence (its ids, then `extra[b]`)
  /// holds past the state's length, all rows ending at their last token;
  /// rows that end sooner feed again a few positions they hold, and
  /// stopped rows feed at position 0 (their caches no longer matter).
  /// Sets `steps` to S, the logits per row: those after row b's last token
  /// are at index S - 1. Only the last `needed` positions' logits are used:
  /// when more is unseen (a prompt) and the model has a prefill entry
  /// point, the positions before them go through prefill, which computes no
  /// logits but the last (with `needed` = 1, it is the whole step).
  Status feedUnseen(DecodeState &state,
                    const std::vector<std::vector<int64_t>> &extra,
                    int64_t needed, int64_t &steps);
  TokenDistribution distribution(const Tensor &logits, int64_t row,
                                 int64_t index,
                                 const std::vector<int64_t> &history) const;

  const Artifact &target;
  const Artifact *draft;
  GenerateOptions options;
  DecodeState targetDecode, draftDecode;
  std::vector<std::vector<int64_t>> seqs;
  std::vector<std::mt19937_64> rngs;
  std::vector<bool> stopped;
  int64_t promptLength = 0, batch = 0;
  SpeculationStats counts;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_GENERATOR_H
