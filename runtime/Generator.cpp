//===- Generator.cpp - decoding loops over a compiled model ---------------===//

#include "runtime/Generator.h"

#include <algorithm>

namespace tessel {

Status DecodeState::start(const Artifact &model, int64_t batch,
                          int64_t capacity) {
  artifact = &model;
  decode = model.entry(EntryPointKind::Decode);
  if (!decode)
    return Status::error("no decode entry point (compile the model from its "
                         "definition with tesselc)");
  // {tokens, positions, then the caches [B, heads, capacity, head dim]}.
  state.assign(2, Tensor());
  for (size_t i = 2; i < decode->inputs.size(); ++i) {
    std::vector<int64_t> shape = decode->inputs[i].shape;
    shape[0] = batch, shape[2] = capacity;
    state.push_back(Tensor::zeros(decode->inputs[i].dtype, shape));
  }
  results.clear();
  held = 0;
  return Status::ok();
}

Status DecodeState::feed(const Tensor &tokens) {
  int64_t count = tokens.shape[1];
  state[0] = tokens;
  Tensor &positions = state[1];
  positions = Tensor::zeros(DType::I64, {count});
  for (int64_t i = 0; i < count; ++i)
    positions.ints[i] = held + i;
  TESSEL_RETURN_IF_ERROR(artifact->runUpdating(decode->name, state, results));
  held += count;
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

Status Generator::draftTokens(int64_t length, int64_t count,
                              std::vector<std::vector<int64_t>> &drafts,
                              std::vector<std::vector<TokenDistribution>> &q) {
  int64_t batch = static_cast<int64_t>(seqs.size());
  for (int64_t i = 0; i < count; ++i) {
    // The draft sees what it has not seen yet, then its own tokens.
    int64_t from = draftDecode.length(), upto = length + i;
    Tensor tokens = Tensor::zeros(DType::I64, {batch, upto - from});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t at = from; at < upto; ++at)
        tokens.ints[b * (upto - from) + at - from] =
            stopped[b]    ? seqs[b].back()
            : at < length ? seqs[b][at]
                          : drafts[b][at - length];
    TESSEL_RETURN_IF_ERROR(draftDecode.feed(tokens));
    for (int64_t b = 0; b < batch; ++b) {
      if (stopped[b]) {
        drafts[b].push_back(seqs[b].back());
        q[b].push_back(TokenDistribution::only(seqs[b].back()));
        continue;
      }
      std::vector<int64_t> history = seqs[b];
      history.insert(history.end(), drafts[b].begin(), drafts[b].end());
      q[b].push_back(
          distribution(draftDecode.logits(), b, upto - from - 1, history));
      drafts[b].push_back(drawToken(q[b].back(), rngs[b]));
    }
  }
  return Status::ok();
}

Status Generator::run(const Tensor &prompt, const Emit &emit) {
  int64_t batch = prompt.shape[0];
  promptLength = prompt.shape[1];
  int64_t capacity = promptLength + options.maxNewTokens;
  TESSEL_RETURN_IF_ERROR(targetDecode.start(target, batch, capacity));
  bool useDraft = draft && options.speculate > 0;
  if (useDraft)
    TESSEL_RETURN_IF_ERROR(draftDecode.start(*draft, batch, capacity));
  seqs.assign(batch, {});
  rngs.clear();
  for (int64_t b = 0; b < batch; ++b) {
    seqs[b].assign(prompt.ints.begin() + b * promptLength,
                   prompt.ints.begin() + (b + 1) * promptLength);
    // One generator per sequence: without speculation, a sequence samples
    // the same tokens in any batch.
    rngs.emplace_back(options.seed + b);
  }
  stopped.assign(batch, false);
  counts = SpeculationStats();
  // Every active sequence holds `length` ids; stopped ones are fed their
  // last id to keep the batch in step.
  int64_t length = promptLength;
  auto tokenAt = [&](int64_t b, int64_t at) {
    return at < static_cast<int64_t>(seqs[b].size()) ? seqs[b][at]
                                                     : seqs[b].back();
  };
  firstStepEnd = std::chrono::steady_clock::now();
  firstStepTokens = 0;
  while (length - promptLength < options.maxNewTokens &&
         std::count(stopped.begin(), stopped.end(), false) > 0) {
    int64_t room = options.maxNewTokens - (length - promptLength);
    int64_t k = std::min(options.speculate, room - 1);
    std::vector<std::vector<int64_t>> drafts(batch);
    std::vector<std::vector<TokenDistribution>> q(batch);
    if (k > 0 && useDraft) {
      TESSEL_RETURN_IF_ERROR(draftTokens(length, k, drafts, q));
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
        drafts[b].resize(k, stopped[b] || drafts[b].empty() ? seqs[b].back()
                                                            : drafts[b].back());
        for (int64_t token : drafts[b])
          q[b].push_back(TokenDistribution::only(token));
      }
    }

    // The target sees the ids it has not seen and the drafts, and gives
    // the distribution after each.
    int64_t unseen = length - targetDecode.length(), steps = unseen + k;
    Tensor tokens = Tensor::zeros(DType::I64, {batch, steps});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < steps; ++i)
        tokens.ints[b * steps + i] = i < unseen
                                         ? tokenAt(b, targetDecode.length() + i)
                                         : drafts[b][i - unseen];
    TESSEL_RETURN_IF_ERROR(targetDecode.feed(tokens));
    ++counts.targetSteps;

    // Verification: each sequence's accepted drafts, then the target's
    // token; the batch keeps the fewest of those.
    std::vector<std::vector<int64_t>> kept(batch);
    int64_t keep = k + 1;
    for (int64_t b = 0; b < batch; ++b) {
      if (stopped[b])
        continue;
      std::vector<int64_t> history = seqs[b];
      counts.drafted += k;
      for (int64_t i = 0; i <= k; ++i) {
        TokenDistribution p =
            distribution(targetDecode.logits(), b, unseen - 1 + i, history);
        if (i == k) {
          history.push_back(drawToken(p, rngs[b]));
          break;
        }
        int64_t replacement = 0;
        bool accepted =
            acceptDraft(p, q[b][i], drafts[b][i], rngs[b], replacement);
        counts.accepted += accepted;
        history.push_back(accepted ? drafts[b][i] : replacement);
        if (!accepted)
          break;
      }
      kept[b].assign(history.begin() + seqs[b].size(), history.end());
      keep = std::min<int64_t>(keep, kept[b].size());
    }
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < keep && !stopped[b]; ++i) {
        int64_t token = kept[b][i];
        seqs[b].push_back(token);
        bool stop =
            std::find(options.stopTokens.begin(), options.stopTokens.end(),
                      token) != options.stopTokens.end();
        TESSEL_RETURN_IF_ERROR(emit(b, token, stop));
        stopped[b] = stop;
      }
    length += keep;
    // The caches hold every kept id but the last (drafts past the kept
    // ones are overwritten by the next step).
    targetDecode.rewind(length - 1);
    draftDecode.rewind(length - 1);
    if (counts.targetSteps == 1) {
      firstStepEnd = std::chrono::steady_clock::now();
      firstStepTokens = keep;
    }
  }
  return Status::ok();
}

} // namespace tessel
