//===- Engine.h - continuous batching over a paged KV cache -----*- C++ -*-===//
//
// The serving engine: sequences join the running batch at the next decode
// step and leave it when they end, as vLLM schedules them. One thread runs
// the model; the caches are pools of blocks shared by every sequence, each
// sequence a block table. A sequence is admitted when the pool has the
// blocks for its prompt and all its new tokens (so a running sequence never
// runs out); until then it waits in a bounded queue.
//
// Each step feeds the new sequences their prompts (rows padded at the end:
// causal attention keeps the padding out of every real position, and the
// padding's cache entries are overwritten before they are read), then every
// running sequence its last token. With the model's prefill entry point,
// which computes the logits of each row's last column only (not every
// prompt position's: at 128 tokens a third of GPT-2's work), a group of
// prompts runs as the part by which each is longer than the group's
// shortest (padded, if any is), then the last K tokens of every prompt, K
// the shortest's length: no padding there, so every row's last column is
// its last token, and its logits give the first new token.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_SERVE_ENGINE_H
#define TESSEL_RUNTIME_SERVE_ENGINE_H

#include "runtime/Artifact.h"
#include "runtime/Generator.h"
#include "runtime/Sampling.h"
#include "runtime/serve/Metrics.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace tessel {

/// Why a sequence ended: OpenAI's finish reasons "stop" (a stop token or
/// string) and "length" (max tokens), and vLLM's "abort" (cancelled: the
/// client left, or the server shut down), or an error of the model run.
enum class Finish { Stop, Length, Abort, Error };
const char *finishName(Finish finish);

/// One sequence to generate and where its tokens go. The callbacks run on
/// the engine's thread, between steps: keep them short.
struct SequenceRequest {
  std::vector<int64_t> prompt; ///< Non-empty, ids in the vocabulary.
  int64_t maxTokens = 16;      ///< New tokens at most (>= 1).
  SamplingOptions sampling;
  uint64_t seed = 0;
  /// The sequence ends after one of these ("stop"; the token is emitted).
  std::vector<int64_t> stopTokens;
  /// Only ids below this are sampled (0: all of the model's).
  int64_t vocabLimit = 0;
  /// Told each new token; returns false to end the sequence after it
  /// ("stop": a stop string the text completed).
  std::function<bool(int64_t token)> onToken;
  /// Told once, last, why the sequence ended (`message` for errors).
  std::function<void(Finish finish, const std::string &message)> onFinish;
};

struct EngineOptions {
  int64_t maxBatch = 16; ///< Sequences decoded in one step at most.
  int64_t maxQueue = 64; ///< Sequences waiting at most (more: refused).
  /// Blocks of the pool (0: room for maxBatch sequences of the model's
  /// whole context), block 0 (scratch) included.
  int64_t poolBlocks = 0;
  /// Padded prompt tokens (rows x longest prompt) in one prefill step at
  /// most; a longer prompt is prefilled alone.
  int64_t prefillTokens = 2048;
};

/// A sequence the engine holds; cancel it with Engine::cancel.
struct Sequence;
using SequenceHandle = std::shared_ptr<Sequence>;

/// What /metrics shows of the engine.
struct EngineCounts {
  int64_t waiting = 0, running = 0;
  int64_t blocksUsed = 0, blocks = 0, blockSize = 0;
  int64_t poolBytes = 0; ///< Of every pool, the scratch block included.
  int64_t promptTokens = 0, generatedTokens = 0, steps = 0;
  int64_t finished[4] = {0, 0, 0, 0}; ///< Per Finish.
};

class Engine {
public:
  Engine();
  ~Engine();
  /// Allocates the pools of `artifact`'s paged decode entry point (an
  /// error when it has none) and starts the engine's thread. `artifact`
  /// stays alive while the engine runs.
  Status start(const Artifact &artifact, const EngineOptions &options);

  enum class Admission { Accepted, QueueFull, Closed };
  /// Queues `requests` (a request's choices) as one: all or none. A
  /// request must fit the model's context and the pool (see check).
  Admission submit(std::vector<SequenceRequest> requests,
                   std::vector<SequenceHandle> &handles);
  /// Why `request` can never run: a prompt plus new tokens past the
  /// model's positions, or more blocks than the pool has. Ok when it can.
  Status check(const SequenceRequest &request) const;
  /// Ends the sequence ("abort") at the next step; its blocks go back to
  /// the pool. Nothing happens to one that already ended.
  void cancel(const SequenceHandle &handle);
  /// Takes no more sequences; those queued or running go on until
  /// `grace` is over, then end with "abort". Returns at once.
  void close(std::chrono::milliseconds grace);
  /// After close: waits until every sequence ended and the thread is done.
  void join();

  EngineCounts counts() const;
  /// Time to first token (from submit) and time between tokens, seconds.
  const Histogram &timeToFirstToken() const { return firstToken; }
  const Histogram &timePerToken() const { return perToken; }

private:
  void loop();
  /// Moves cancelled and (past the deadline) all sequences out; admits
  /// queued ones while there are rows and blocks. Under the lock.
  void schedule(std::vector<SequenceHandle> &ended,
                std::vector<SequenceHandle> &admitted);
  /// Runs `entry` (decode or prefill) on `rows`, row r fed `feeds[r]` from
  /// its held length on (rows padded at the end to the longest). With
  /// `sample`, samples each row's next token after its last fed one (which
  /// prefill's logits only hold when no row is padded) and tells its owner.
  void step(const EntryPoint &entry, const std::vector<SequenceHandle> &rows,
            const std::vector<std::vector<int64_t>> &feeds, bool sample);
  /// Feeds the prompts of `rows` and samples their first new tokens.
  void prompt(const std::vector<SequenceHandle> &rows);
  /// Ends `sequence` (its blocks back to the pool) and tells its owner.
  void end(const SequenceHandle &sequence, Finish finish,
           const std::string &message = "");
  int64_t blocksFor(const SequenceRequest &request) const;

  const Artifact *artifact = nullptr;
  const EntryPoint *decode = nullptr;
  /// The paged prefill entry point (decode's inputs, each row's last
  /// column's logits), when the model has one.
  const EntryPoint *prefill = nullptr;
  EngineOptions options;
  int64_t blockSize = 0, tableWidth = 0;
  /// {tokens, positions, block tables, pools...}: decode's inputs.
  std::vector<Tensor> inputs, results;
  BlockPool pool;

  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<SequenceHandle> waiting;
  std::vector<SequenceHandle> running;
  bool closing = false;
  std::chrono::steady_clock::time_point deadline;
  std::thread thread;
  EngineCounts totals;
  Histogram firstToken, perToken;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_SERVE_ENGINE_H
