//===- Generator.cpp - decoding loops over a compiled model ---------------===//

#include "runtime/Generator.h"

#include <algorithm>
#include <cmath>

namespace tessel {

void BlockPool::reset(int64_t count) {
  references.assign(count, 0);
  freeBlocks.clear();
  for (int64_t block = count - 1; block >= 1; --block)
    freeBlocks.push_back(block);
  inUse = peakUse = 0;
}

int64_t BlockPool::allocate() {
  if (freeBlocks.empty())
    return -1;
  int64_t block = freeBlocks.back();
  freeBlocks.pop_back();
  references[block] = 1;
  peakUse = std::max(peakUse, ++inUse);
  return block;
}

void BlockPool::release(int64_t block) {
  if (block <= 0 || references[block] <= 0)
    return;
  if (--references[block] == 0) {
    freeBlocks.push_back(block);
    --inUse;
  }
}

Status findDecode(const Artifact &artifact, const EntryPoint *&decode) {
  decode = artifact.entry(EntryPointKind::Decode);
  if (!decode)
    return Status::error("no decode entry point (compile the model from its "
                         "definition with tesselc)");
  return Status::ok();
}

void appendPools(const EntryPoint &decode, int64_t blocks,
                 std::vector<Tensor> &inputs) {
  for (size_t i = firstCacheInput(decode.inputs); i < decode.inputs.size();
       ++i) {
    std::vector<int64_t> shape = decode.inputs[i].shape;
    shape[0] = blocks;
    inputs.push_back(Tensor::zeros(decode.inputs[i].dtype, shape));
  }
}

Status DecodeState::start(const Artifact &model, int64_t batch,
                          int64_t capacity, bool usePrefill) {
  releaseCaches();
  artifact = &model;
  TESSEL_RETURN_IF_ERROR(findDecode(model, decode));
  // Used only when it takes what decode takes (an artifact compiled from a
  // definition has both, alike).
  prefill = usePrefill ? model.entry(EntryPointKind::Prefill) : nullptr;
  if (prefill && prefill->inputs.size() != decode->inputs.size())
    prefill = nullptr;
  // {tokens, positions, then the caches [B, heads, capacity, head dim]};
  // paged: {tokens, positions, block tables [B, blocks], then pools
  // [1 + B * blocks, heads, block size, head dim]} (block 0 scratch).
  first = firstCacheInput(decode->inputs);
  state.assign(2, Tensor());
  TESSEL_RETURN_IF_ERROR(checkDecodable(model, paged()));
  offset = model.prefix().tokens;
  capacity += offset;
  int64_t poolBlocks = 0;
  if (paged()) {
    perBlock = decode->inputs[3].shape[2];
    int64_t perSequence = (capacity + perBlock - 1) / perBlock;
    poolBlocks = 1 + batch * perSequence;
    state.push_back(Tensor::zeros(DType::I64, {batch, perSequence}));
    blocks.reset(poolBlocks);
    shared = copies = promptLength = 0;
    appendPools(*decode, poolBlocks, state);
  } else {
    for (size_t i = first; i < decode->inputs.size(); ++i) {
      std::vector<int64_t> shape = decode->inputs[i].shape;
      shape[0] = batch, shape[2] = capacity;
      state.push_back(Tensor::zeros(decode->inputs[i].dtype, shape));
    }
  }
  results.clear();
  held.assign(batch, 0);
  finished.assign(batch, false);
  if (offset)
    TESSEL_RETURN_IF_ERROR(writePrefix());
  // On a GPU the caches stay there between steps.
  for (size_t i = first; i < state.size(); ++i)
    model.keepOnDevice(state[i]);
  return Status::ok();
}

DecodeState::~DecodeState() { releaseCaches(); }

void DecodeState::releaseCaches() {
  if (artifact)
    for (size_t i = first; i < state.size(); ++i)
      artifact->release(state[i]);
}

Status checkDecodable(const Artifact &artifact, bool paged) {
  if (artifact.reft().last > 0)
    return errorf("decode: LoReFT at the last ", artifact.reft().last,
                  " positions cannot run in decode steps (a step does not "
                  "know where its sequence ends); compile with "
                  "--reft-positions f",
                  artifact.reft().first, " to generate");
  if (artifact.prefix().enabled() && paged)
    return errorf("decode: prefix tuning with a paged KV cache "
                  "(--kv-block-size) is not supported yet");
  return Status::ok();
}

Status prefixTable(const Artifact &artifact, std::vector<float> &table) {
  const PrefixSpec &p = artifact.prefix();
  int64_t width = 2 * p.layers * p.kvHeads * p.headDim;
  auto get = [&](const char *name, std::vector<int64_t> shape,
                 const Tensor *&t) -> Status {
    t = artifact.parameter(name);
    if (!t || t->shape != shape)
      return errorf("the prefix needs an f32 parameter ", name, " ",
                    formatShape(shape));
    return Status::ok();
  };
  const Tensor *e = artifact.parameter("prefix.embedding");
  if (!p.projection) {
    TESSEL_RETURN_IF_ERROR(get("prefix.embedding", {p.tokens, width}, e));
    table = e->floats;
    return Status::ok();
  }
  // y = W2 tanh(W0 e + b0) + b2 for each virtual token, in double.
  const int64_t hidden = p.projection;
  if (!e || e->rank() != 2)
    return errorf("the prefix needs an f32 parameter prefix.embedding [",
                  p.tokens, ", D]");
  const int64_t d = e->shape[1];
  const Tensor *w0, *b0, *w2, *b2;
  TESSEL_RETURN_IF_ERROR(get("prefix.embedding", {p.tokens, d}, e));
  TESSEL_RETURN_IF_ERROR(get("prefix.transform.0.weight", {hidden, d}, w0));
  TESSEL_RETURN_IF_ERROR(get("prefix.transform.0.bias", {hidden}, b0));
  TESSEL_RETURN_IF_ERROR(get("prefix.transform.2.weight", {width, hidden}, w2));
  TESSEL_RETURN_IF_ERROR(get("prefix.transform.2.bias", {width}, b2));
  table.assign(p.tokens * width, 0.0f);
  std::vector<double> inner(hidden);
  for (int64_t t = 0; t < p.tokens; ++t) {
    for (int64_t j = 0; j < hidden; ++j) {
      double sum = b0->floats[j];
      for (int64_t k = 0; k < d; ++k)
        sum += double(w0->floats[j * d + k]) * e->floats[t * d + k];
      inner[j] = std::tanh(sum);
    }
    for (int64_t o = 0; o < width; ++o) {
      double sum = b2->floats[o];
      for (int64_t j = 0; j < hidden; ++j)
        sum += double(w2->floats[o * hidden + j]) * inner[j];
      table[t * width + o] = static_cast<float>(sum);
    }
  }
  return Status::ok();
}

Status DecodeState::writePrefix() {
  const PrefixSpec &p = artifact->prefix();
  int64_t h = p.kvHeads, d = p.headDim, width = 2 * p.layers * h * d;
  std::vector<float> rows;
  if (Status s = prefixTable(*artifact, rows); !s.isOk())
    return errorf("decode: ", s.message());
  if (state.size() - first != size_t(2 * p.layers))
    return errorf("decode: the prefix has keys and values for ", p.layers,
                  " layers, the decode entry point ", state.size() - first,
                  " caches");
  for (int64_t c = 0; c < 2 * p.layers; ++c) {
    // Cache c is layer c / 2's keys (even) or values (odd): row block c of
    // the prefix.
    Tensor &cache = state[first + c];
    if (cache.dtype != DType::F32 || cache.shape[1] != h || cache.shape[3] != d)
      return errorf("decode: cache ", c, " is not an f32 [B, ", h, ", T, ", d,
                    "] tensor the prefix fits");
    int64_t batch = cache.shape[0], slots = cache.shape[2];
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t head = 0; head < h; ++head)
        for (int64_t t = 0; t < p.tokens; ++t)
          std::copy_n(rows.begin() + t * width + (c * h + head) * d, d,
                      cache.floats.begin() + ((b * h + head) * slots + t) * d);
  }
  return Status::ok();
}

void DecodeState::sharePrefixes(const Tensor &prompts) {
  if (!paged())
    return;
  int64_t batch = prompts.shape[0], length = prompts.shape[1];
  const int64_t *ids = prompts.ints.data();
  promptLength = length;
  for (int64_t b = 1; b < batch; ++b) {
    // The earlier sequence whose prompt agrees with this one longest.
    int64_t best = -1, common = 0;
    for (int64_t other = 0; other < b; ++other) {
      int64_t n = 0;
      while (n < length && ids[b * length + n] == ids[other * length + n])
        ++n;
      if (n > common)
        best = other, common = n;
    }
    // Whole blocks of equal ids; the last, partial block only when the
    // prompts are equal (what follows the prompt is copied on write).
    int64_t count = common == length ? (common + perBlock - 1) / perBlock
                                     : common / perBlock;
    if (count == 0)
      continue;
    // The pool holds a block for every position of every sequence: this
    // cannot run out.
    (void)ownBlocks(best, 0, count * perBlock);
    for (int64_t e = 0; e < count; ++e) {
      int64_t block = tableEntry(best, e);
      tableEntry(b, e) = block;
      blocks.retain(block);
    }
  }
  shared = 0;
  for (int64_t block = 1; block < blocks.size(); ++block)
    shared += blocks.referencesOf(block) > 1;
}

Status DecodeState::ownBlocks(int64_t row, int64_t from, int64_t to) {
  for (int64_t e = from / perBlock; e * perBlock < to; ++e) {
    int64_t &entry = tableEntry(row, e);
    // A shared block holds the same prompt ids of every sequence that
    // names it: writing prompt positions there changes nothing, writing
    // past the prompt needs a copy of its own.
    int64_t writeEnd = std::min(to, (e + 1) * perBlock);
    bool copy =
        entry != 0 && blocks.referencesOf(entry) > 1 && writeEnd > promptLength;
    if (entry != 0 && !copy)
      continue;
    int64_t block = blocks.allocate();
    if (block < 0)
      return errorf("decode: the KV cache's pool of ", blocks.size(),
                    " blocks is full");
    if (copy) {
      for (size_t i = first; i < state.size(); ++i) {
        Tensor &pool = state[i];
        TESSEL_RETURN_IF_ERROR(artifact->fetch(pool));
        int64_t size = pool.numel() / pool.shape[0];
        std::copy_n(pool.floats.begin() + entry * size, size,
                    pool.floats.begin() + block * size);
        artifact->changedOnHost(pool);
      }
      blocks.release(entry);
      ++copies;
    }
    entry = block;
  }
  return Status::ok();
}

void DecodeState::finish(int64_t row) {
  if (!paged() || finished[row])
    return;
  finished[row] = true;
  for (int64_t e = 0; e < state[2].shape[1]; ++e) {
    blocks.release(tableEntry(row, e));
    tableEntry(row, e) = 0;
  }
}

Status DecodeState::feed(const Tensor &tokens,
                         const std::vector<int64_t> &starts, bool lastOnly) {
  int64_t batch = tokens.shape[0], count = tokens.shape[1];
  if (paged())
    for (int64_t b = 0; b < batch; ++b)
      if (!finished[b])
        TESSEL_RETURN_IF_ERROR(ownBlocks(b, starts[b], starts[b] + count));
  state[0] = tokens;
  Tensor &positions = state[1];
  positions = Tensor::zeros(DType::I64, {batch, count});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < count; ++i)
      positions.ints[b * count + i] = offset + starts[b] + i;
  const EntryPoint *entry = lastOnly && prefill ? prefill : decode;
  TESSEL_RETURN_IF_ERROR(artifact->runUpdating(entry->name, state, results));
  for (int64_t b = 0; b < batch; ++b)
    held[b] = starts[b] + count;
  return Status::ok();
}

std::vector<int64_t> lookupDraft(const std::vector<int64_t> &sequence,
                                 int64_t count, int64_t longest) {
  int64_t n = static_cast<int64_t>(sequence.size());
  for (int64_t size = std::min(longest, n - 1); size >= 1; --size) {
    auto suffix = sequence.end() - size;
    for (int64_t at = n - size - 1; at >= 0; --at)
      if (std::equal(suffix, sequence.end(), sequence.begin() + at)) {
        int64_t from = at + size, take = std::min(count, n - from);
        return {sequence.begin() + from, sequence.begin() + from + take};
      }
  }
  return {};
}

TokenDistribution
Generator::distribution(const Tensor &logits, int64_t row, int64_t index,
                        const std::vector<int64_t> &history) const {
  int64_t steps = logits.shape[1], vocab = logits.shape[2];
  int64_t choices =
      options.vocabLimit > 0 ? std::min(vocab, options.vocabLimit) : vocab;
  const float *at = logits.floats.data() + (row * steps + index) * vocab;
  return tokenDistribution(std::vector<float>(at, at + choices), history,
                           options.sampling, promptLength);
}

Status Generator::feedUnseen(DecodeState &state,
                             const std::vector<std::vector<int64_t>> &extra,
                             int64_t needed, int64_t &steps) {
  auto end = [&](int64_t b) {
    return static_cast<int64_t>(seqs[b].size() + extra[b].size());
  };
  steps = 1;
  for (int64_t b = 0; b < batch; ++b)
    if (!stopped[b])
      steps = std::max(steps, end(b) - state.length(b));
  Tensor tokens = Tensor::zeros(DType::I64, {batch, steps});
  std::vector<int64_t> starts(batch, 0);
  for (int64_t b = 0; b < batch; ++b) {
    // Stopped rows: any ids (their own), at position 0.
    int64_t from = stopped[b] ? 0 : end(b) - steps;
    if (from < 0)
      return errorf("decode: sequence ", b, " holds ", end(b),
                    " ids, fewer than the ", steps, " of this step");
    starts[b] = from;
    int64_t held = static_cast<int64_t>(seqs[b].size());
    for (int64_t i = 0; i < steps; ++i) {
      int64_t at = std::min(from + i, end(b) - 1);
      tokens.ints[b * steps + i] =
          at < held ? seqs[b][at] : extra[b][at - held];
    }
  }
  if (!state.canPrefill() || steps <= needed)
    return state.feed(tokens, starts);
  if (needed == 1) {
    steps = 1;
    return state.feed(tokens, starts, /*lastOnly=*/true);
  }
  // The leading positions through prefill (their logits are not needed),
  // the last `needed` through decode.
  int64_t lead = steps - needed;
  Tensor head = Tensor::zeros(DType::I64, {batch, lead});
  Tensor tail = Tensor::zeros(DType::I64, {batch, needed});
  std::vector<int64_t> tailStarts(starts);
  for (int64_t b = 0; b < batch; ++b) {
    std::copy_n(tokens.ints.begin() + b * steps, lead,
                head.ints.begin() + b * lead);
    std::copy_n(tokens.ints.begin() + b * steps + lead, needed,
                tail.ints.begin() + b * needed);
    tailStarts[b] += lead;
  }
  TESSEL_RETURN_IF_ERROR(state.feed(head, starts, /*lastOnly=*/true));
  steps = needed;
  return state.feed(tail, tailStarts);
}

Status Generator::draftTokens(int64_t count,
                              std::vector<std::vector<int64_t>> &drafts,
                              std::vector<std::vector<TokenDistribution>> &q) {
  for (int64_t i = 0; i < count; ++i) {
    // The draft sees what it has not seen yet, then its own tokens.
    int64_t steps = 0;
    TESSEL_RETURN_IF_ERROR(feedUnseen(draftDecode, drafts, 1, steps));
    for (int64_t b = 0; b < batch; ++b) {
      if (stopped[b])
        continue;
      std::vector<int64_t> history = seqs[b];
      history.insert(history.end(), drafts[b].begin(), drafts[b].end());
      q[b].push_back(distribution(draftDecode.logits(), b, steps - 1, history));
      drafts[b].push_back(drawToken(q[b].back(), rngs[b]));
    }
  }
  return Status::ok();
}

Status Generator::run(const Tensor &prompt, const Emit &emit) {
  batch = prompt.shape[0];
  promptLength = prompt.shape[1];
  int64_t capacity = promptLength + options.maxNewTokens;
  TESSEL_RETURN_IF_ERROR(
      targetDecode.start(target, batch, capacity, options.prefill));
  targetDecode.sharePrefixes(prompt);
  bool useDraft = draft && options.speculate > 0;
  if (useDraft) {
    TESSEL_RETURN_IF_ERROR(
        draftDecode.start(*draft, batch, capacity, options.prefill));
    draftDecode.sharePrefixes(prompt);
  }
  seqs.assign(batch, {});
  rngs.clear();
  for (int64_t b = 0; b < batch; ++b) {
    seqs[b].assign(prompt.ints.begin() + b * promptLength,
                   prompt.ints.begin() + (b + 1) * promptLength);
    // One generator per sequence: without speculation, a sequence samples
    // the same tokens in any batch. (With it, the batch sets how many
    // tokens are drafted, and so how many draws a step takes.)
    rngs.emplace_back(options.seed + b);
  }
  stopped.assign(batch, options.maxNewTokens <= 0);
  counts = SpeculationStats();
  auto room = [&](int64_t b) {
    return options.maxNewTokens -
           (static_cast<int64_t>(seqs[b].size()) - promptLength);
  };
  firstStepEnd = std::chrono::steady_clock::now();
  firstStepTokens = 0;
  while (std::count(stopped.begin(), stopped.end(), false) > 0) {
    // Drafts fit every active sequence's room (its last kept token is the
    // target's own).
    int64_t k = options.speculate;
    for (int64_t b = 0; b < batch; ++b)
      if (!stopped[b])
        k = std::min(k, room(b) - 1);
    std::vector<std::vector<int64_t>> drafts(batch);
    std::vector<std::vector<TokenDistribution>> q(batch);
    if (k > 0 && useDraft) {
      TESSEL_RETURN_IF_ERROR(draftTokens(k, drafts, q));
    } else if (k > 0) {
      // N-gram lookup: as many tokens as the longest draft found; shorter
      // ones padded (any token is a valid draft of probability 1).
      int64_t found = 0;
      for (int64_t b = 0; b < batch; ++b)
        if (!stopped[b]) {
          drafts[b] = lookupDraft(seqs[b], k);
          found = std::max<int64_t>(found, drafts[b].size());
        }
      k = found;
      for (int64_t b = 0; b < batch; ++b) {
        if (stopped[b])
          continue;
        drafts[b].resize(k,
                         drafts[b].empty() ? seqs[b].back() : drafts[b].back());
        for (int64_t token : drafts[b])
          q[b].push_back(TokenDistribution::only(token));
      }
    }

    // The target sees the ids it has not seen and the drafts, and gives
    // the distribution after each.
    int64_t steps = 0;
    TESSEL_RETURN_IF_ERROR(feedUnseen(targetDecode, drafts, k + 1, steps));
    ++counts.targetSteps;

    // Verification: each sequence keeps its accepted drafts, then the
    // target's token.
    int64_t firstKept = 0;
    for (int64_t b = 0; b < batch; ++b) {
      if (stopped[b])
        continue;
      std::vector<int64_t> kept, history = seqs[b];
      counts.drafted += k;
      for (int64_t i = 0; i <= k; ++i) {
        TokenDistribution p =
            distribution(targetDecode.logits(), b, steps - 1 - k + i, history);
        if (i == k) {
          kept.push_back(drawToken(p, rngs[b]));
          break;
        }
        int64_t replacement = 0;
        bool accepted =
            acceptDraft(p, q[b][i], drafts[b][i], rngs[b], replacement);
        counts.accepted += accepted;
        kept.push_back(accepted ? drafts[b][i] : replacement);
        history.push_back(kept.back());
        if (!accepted)
          break;
      }
      for (int64_t token : kept) {
        seqs[b].push_back(token);
        bool stop =
            std::find(options.stopTokens.begin(), options.stopTokens.end(),
                      token) != options.stopTokens.end();
        TESSEL_RETURN_IF_ERROR(emit(b, token, stop));
        stopped[b] = stop || room(b) == 0;
        if (stopped[b])
          break;
      }
      if (stopped[b]) {
        // Its blocks go back to the pool (paged caches).
        targetDecode.finish(b);
        if (useDraft)
          draftDecode.finish(b);
      }
      firstKept = std::max<int64_t>(firstKept, kept.size());
      // The caches hold every kept id but the last (drafts past the kept
      // ones are overwritten by the next step).
      int64_t held = static_cast<int64_t>(seqs[b].size()) - 1;
      targetDecode.rewind(b, held);
      if (useDraft)
        draftDecode.rewind(b, held);
    }
    if (counts.targetSteps == 1) {
      firstStepEnd = std::chrono::steady_clock::now();
      firstStepTokens = firstKept;
    }
  }
  return Status::ok();
}

} // namespace tessel
