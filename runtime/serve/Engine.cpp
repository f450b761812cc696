//===- Engine.cpp - continuous batching over a paged KV cache -------------===//

#include "runtime/serve/Engine.h"

#include <algorithm>

namespace tessel {

using Clock = std::chrono::steady_clock;

struct Sequence {
  SequenceRequest request;
  std::vector<int64_t> ids; ///< Prompt, then the generated ids.
  int64_t promptLength = 0, held = 0, generated = 0;
  /// The block table: the pool's blocks for positions [16 i, 16 (i + 1))
  /// (16 the block size), 0 (scratch) where none is needed.
  std::vector<int64_t> blocks;
  std::mt19937_64 rng;
  std::atomic<bool> cancelled{false};
  bool ended = false; ///< Only the engine's thread reads or sets it.
  Clock::time_point submitted, lastToken;
};

const char *finishName(Finish finish) {
  switch (finish) {
  case Finish::Stop:
    return "stop";
  case Finish::Length:
    return "length";
  case Finish::Abort:
    return "abort";
  case Finish::Error:
    return "error";
  }
  return "error";
}

Engine::Engine()
    // Seconds, from a few milliseconds to a minute: time to first token
    // (queueing and prefill), and time between tokens (one decode step).
    : firstToken(
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}),
      perToken(
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}) {}

Engine::~Engine() {
  if (thread.joinable()) {
    close(std::chrono::milliseconds(0));
    join();
  }
  if (artifact)
    for (size_t i = 3; i < inputs.size(); ++i)
      artifact->release(inputs[i]);
}

Status Engine::start(const Artifact &model, const EngineOptions &given) {
  artifact = &model;
  options = given;
  TESSEL_RETURN_IF_ERROR(findDecode(model, decode));
  if (firstCacheInput(decode->inputs) != 3)
    return Status::error("serving needs a paged KV cache: compile the model "
                         "with tesselc --kv-block-size 16");
  TESSEL_RETURN_IF_ERROR(checkDecodable(model, true));
  prefill = model.entry(EntryPointKind::Prefill);
  if (prefill && prefill->inputs.size() != decode->inputs.size())
    prefill = nullptr;
  if (model.maxPositions() <= 0)
    return Status::error("serving needs the model's maximum positions "
                         "(max_positions), which the artifact does not say");
  if (options.maxBatch < 1 || options.maxQueue < 0 || options.prefillTokens < 1)
    return errorf("the batch (", options.maxBatch, ") and prefill tokens (",
                  options.prefillTokens,
                  ") must be at least 1, the queue at least 0");
  blockSize = decode->inputs[3].shape[2];
  tableWidth = (model.maxPositions() + blockSize - 1) / blockSize;
  int64_t blocks = options.poolBlocks > 0 ? options.poolBlocks
                                          : 1 + options.maxBatch * tableWidth;
  if (blocks < 2)
    return errorf("the KV pool needs at least 2 blocks (one is scratch), got ",
                  blocks);
  pool.reset(blocks);
  inputs.assign(3, Tensor());
  appendPools(*decode, blocks, inputs);
  totals = EngineCounts();
  for (size_t i = 3; i < inputs.size(); ++i)
    totals.poolBytes += inputs[i].numel() * byteWidth(decode->inputs[i].dtype);
  totals.blocks = blocks;
  totals.blockSize = blockSize;
  // On a GPU the pools stay there between steps.
  for (size_t i = 3; i < inputs.size(); ++i)
    model.keepOnDevice(inputs[i]);
  closing = false;
  thread = std::thread([this] { loop(); });
  return Status::ok();
}

int64_t Engine::blocksFor(const SequenceRequest &request) const {
  // Every position but the last token's is written: the prompt's, then
  // each fed token's.
  int64_t positions =
      static_cast<int64_t>(request.prompt.size()) + request.maxTokens - 1;
  return (positions + blockSize - 1) / blockSize;
}

Status Engine::check(const SequenceRequest &request) const {
  int64_t length = static_cast<int64_t>(request.prompt.size());
  if (request.maxTokens < 1 || length < 1)
    return Status::error("a sequence needs a prompt and at least one new "
                         "token");
  // Compared without the sum, which could overflow.
  if (request.maxTokens > artifact->maxPositions() - length)
    return errorf("a prompt of ", length, " tokens plus ", request.maxTokens,
                  " new ones exceed the model's context of ",
                  artifact->maxPositions(), " positions");
  if (blocksFor(request) > pool.size() - 1)
    return errorf("the prompt and new tokens need ", blocksFor(request),
                  " KV blocks; the pool has ", pool.size() - 1);
  return Status::ok();
}

Engine::Admission Engine::submit(std::vector<SequenceRequest> requests,
                                 std::vector<SequenceHandle> &handles) {
  handles.clear();
  std::lock_guard<std::mutex> lock(mutex);
  if (closing)
    return Admission::Closed;
  if (static_cast<int64_t>(waiting.size() + requests.size()) >
      options.maxQueue +
          std::max<int64_t>(0, options.maxBatch - int64_t(running.size())))
    return Admission::QueueFull;
  Clock::time_point now = Clock::now();
  for (SequenceRequest &request : requests) {
    auto sequence = std::make_shared<Sequence>();
    sequence->ids = request.prompt;
    sequence->promptLength = static_cast<int64_t>(request.prompt.size());
    sequence->rng.seed(request.seed);
    sequence->request = std::move(request);
    sequence->submitted = now;
    waiting.push_back(sequence);
    handles.push_back(sequence);
  }
  wake.notify_all();
  return Admission::Accepted;
}

void Engine::cancel(const SequenceHandle &handle) {
  if (!handle)
    return;
  handle->cancelled = true;
  std::lock_guard<std::mutex> lock(mutex);
  wake.notify_all();
}

void Engine::close(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!closing) {
    closing = true;
    deadline = Clock::now() + grace;
  } else {
    deadline = std::min(deadline, Clock::now() + grace);
  }
  wake.notify_all();
}

void Engine::join() {
  if (thread.joinable())
    thread.join();
}

EngineCounts Engine::counts() const {
  std::lock_guard<std::mutex> lock(mutex);
  EngineCounts now = totals;
  now.waiting = static_cast<int64_t>(waiting.size());
  now.running = static_cast<int64_t>(running.size());
  now.blocksUsed = pool.used();
  return now;
}

void Engine::schedule(std::vector<SequenceHandle> &ended,
                      std::vector<SequenceHandle> &admitted) {
  bool late = closing && Clock::now() >= deadline;
  auto gone = [&](const SequenceHandle &s) { return late || s->cancelled; };
  auto moveGone = [&](auto &list) {
    auto keep = std::stable_partition(list.begin(), list.end(),
                                      [&](auto &s) { return !gone(s); });
    ended.insert(ended.end(), keep, list.end());
    list.erase(keep, list.end());
  };
  moveGone(running);
  moveGone(waiting);
  // First come, first served: the head of the queue waits for blocks even
  // when a later, smaller sequence would fit.
  while (!waiting.empty() &&
         static_cast<int64_t>(running.size()) < options.maxBatch) {
    SequenceHandle next = waiting.front();
    int64_t need = blocksFor(next->request);
    if (pool.size() - 1 - pool.used() < need)
      break;
    next->blocks.assign(tableWidth, 0);
    for (int64_t i = 0; i < need; ++i)
      next->blocks[i] = pool.allocate();
    totals.promptTokens += next->promptLength;
    waiting.pop_front();
    running.push_back(next);
    admitted.push_back(next);
  }
}

void Engine::end(const SequenceHandle &sequence, Finish finish,
                 const std::string &message) {
  if (sequence->ended)
    return;
  sequence->ended = true;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (int64_t block : sequence->blocks)
      pool.release(block);
    sequence->blocks.clear();
    auto at = std::find(running.begin(), running.end(), sequence);
    if (at != running.end())
      running.erase(at);
    ++totals.finished[static_cast<int>(finish)];
  }
  if (sequence->request.onFinish)
    sequence->request.onFinish(finish, message);
}

void Engine::prompt(const std::vector<SequenceHandle> &rows) {
  if (!prefill) {
    std::vector<std::vector<int64_t>> feeds;
    for (const SequenceHandle &row : rows)
      feeds.push_back(row->ids);
    step(*decode, rows, feeds, /*sample=*/true);
    return;
  }
  // Rows are sorted by length: the first is the shortest.
  size_t shortest = rows.front()->ids.size();
  std::vector<SequenceHandle> longer;
  std::vector<std::vector<int64_t>> heads, tails;
  for (const SequenceHandle &row : rows) {
    auto tail = row->ids.end() - static_cast<std::ptrdiff_t>(shortest);
    if (tail != row->ids.begin()) {
      longer.push_back(row);
      heads.emplace_back(row->ids.begin(), tail);
    }
    tails.emplace_back(tail, row->ids.end());
  }
  if (!longer.empty())
    step(*prefill, longer, heads, /*sample=*/false);
  // A row the head step ended (an error) is not fed again.
  std::vector<SequenceHandle> live;
  std::vector<std::vector<int64_t>> liveTails;
  for (size_t r = 0; r < rows.size(); ++r)
    if (!rows[r]->ended) {
      live.push_back(rows[r]);
      liveTails.push_back(std::move(tails[r]));
    }
  if (!live.empty())
    step(*prefill, live, liveTails, /*sample=*/true);
}

void Engine::step(const EntryPoint &entry,
                  const std::vector<SequenceHandle> &rows,
                  const std::vector<std::vector<int64_t>> &feeds, bool sample) {
  int64_t count = static_cast<int64_t>(rows.size()), width = 1;
  for (const std::vector<int64_t> &feed : feeds)
    width = std::max<int64_t>(width, feed.size());
  Tensor tokens = Tensor::zeros(DType::I64, {count, width});
  Tensor positions = Tensor::zeros(DType::I64, {count, width});
  Tensor tables = Tensor::zeros(DType::I64, {count, tableWidth});
  for (int64_t r = 0; r < count; ++r) {
    const std::vector<int64_t> &feed = feeds[r];
    int64_t length = static_cast<int64_t>(feed.size());
    for (int64_t i = 0; i < width; ++i) {
      // Padding repeats the last token at the following positions.
      tokens.ints[r * width + i] = feed[std::min(i, length - 1)];
      positions.ints[r * width + i] = rows[r]->held + i;
    }
    std::copy(rows[r]->blocks.begin(), rows[r]->blocks.end(),
              tables.ints.begin() + r * tableWidth);
  }
  inputs[0] = std::move(tokens);
  inputs[1] = std::move(positions);
  inputs[2] = std::move(tables);
  Status status = artifact->runUpdating(entry.name, inputs, results);
  if (!status.isOk()) {
    for (const SequenceHandle &row : rows)
      end(row, Finish::Error, status.message());
    return;
  }
  if (!sample) {
    std::lock_guard<std::mutex> lock(mutex);
    ++totals.steps;
    for (int64_t r = 0; r < count; ++r)
      rows[r]->held += static_cast<int64_t>(feeds[r].size());
    return;
  }
  const Tensor &logits = results.front();
  int64_t vocab = logits.shape[2];
  Clock::time_point now = Clock::now();
  // Every row gets one token. Counted before any is delivered: a client
  // that has its answer and reads /metrics sees its tokens counted.
  {
    std::lock_guard<std::mutex> lock(mutex);
    totals.generatedTokens += count;
    ++totals.steps;
  }
  for (int64_t r = 0; r < count; ++r) {
    Sequence &s = *rows[r];
    const SequenceRequest &request = s.request;
    int64_t length = static_cast<int64_t>(feeds[r].size());
    s.held += length;
    int64_t choices =
        request.vocabLimit > 0 ? std::min(vocab, request.vocabLimit) : vocab;
    // Decode's logits are [B, width, V]; prefill's [B, 1, V], each row's
    // last column (its last token: rows fed to sample are not padded).
    int64_t columns = logits.shape[1];
    int64_t column = columns == width ? length - 1 : columns - 1;
    const float *at = logits.floats.data() + (r * columns + column) * vocab;
    int64_t token = sampleToken(std::vector<float>(at, at + choices), s.ids,
                                request.sampling, s.rng,
                                static_cast<size_t>(s.promptLength));
    s.ids.push_back(token);
    ++s.generated;
    if (s.generated == 1)
      firstToken.observe(
          std::chrono::duration<double>(now - s.submitted).count());
    else
      perToken.observe(
          std::chrono::duration<double>(now - s.lastToken).count());
    s.lastToken = now;
    bool go = !request.onToken || request.onToken(token);
    bool stopToken =
        std::find(request.stopTokens.begin(), request.stopTokens.end(),
                  token) != request.stopTokens.end();
    if (s.cancelled)
      end(rows[r], Finish::Abort);
    else if (!go || stopToken)
      end(rows[r], Finish::Stop);
    else if (s.generated >= request.maxTokens)
      end(rows[r], Finish::Length);
  }
}

void Engine::loop() {
  for (;;) {
    std::vector<SequenceHandle> ended, admitted, decoding;
    {
      std::unique_lock<std::mutex> lock(mutex);
      schedule(ended, admitted);
      if (ended.empty() && admitted.empty() && running.empty()) {
        if (closing && waiting.empty())
          return;
        // Nothing runs: wait for a sequence, a cancellation, or the
        // deadline of a closing engine.
        if (closing)
          wake.wait_until(lock, deadline);
        else
          wake.wait(lock);
        continue;
      }
    }
    for (const SequenceHandle &sequence : ended)
      end(sequence, Finish::Abort);

    // The new sequences' prompts, shortest first, in steps of at most
    // prefillTokens padded tokens.
    std::stable_sort(admitted.begin(), admitted.end(), [](auto &a, auto &b) {
      return a->promptLength < b->promptLength;
    });
    for (size_t from = 0; from < admitted.size();) {
      size_t to = from + 1;
      while (to < admitted.size() &&
             static_cast<int64_t>(to + 1 - from) * admitted[to]->promptLength <=
                 options.prefillTokens)
        ++to;
      prompt({admitted.begin() + from, admitted.begin() + to});
      from = to;
    }

    // Every running sequence's last token.
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (const SequenceHandle &sequence : running)
        if (!sequence->cancelled &&
            sequence->held < int64_t(sequence->ids.size()))
          decoding.push_back(sequence);
    }
    if (decoding.empty())
      continue;
    std::vector<std::vector<int64_t>> feeds;
    for (const SequenceHandle &row : decoding)
      feeds.push_back({row->ids.back()});
    step(*decode, decoding, feeds, /*sample=*/true);
  }
}

} // namespace tessel
