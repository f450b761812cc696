//===- BpeTrainer.h - learn a byte-level BPE vocabulary ---------*- C++ -*-===//
//
// Training as GPT-2's tokenizer was trained: the corpus is cut into pieces
// by GPT-2's pattern and counted; starting from the 256 bytes, the most
// frequent adjacent pair is merged into a new token until the vocabulary
// has the size asked for. Pair counts are updated incrementally: a merge
// touches only the words that contain its pair. Ties go to the pair whose
// bytes sort first, so the same corpus gives the same files, byte for byte.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_BPETRAINER_H
#define TESSEL_RUNTIME_TOKENIZER_BPETRAINER_H

#include "runtime/Status.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessel {

struct BpeTrainerOptions {
  /// Bytes (256), merges and special tokens together.
  int64_t vocabSize = 0;
  std::vector<std::string> specialTokens = {"<|endoftext|>"};
  /// Called now and then with (merges done, merges wanted).
  std::function<void(int64_t, int64_t)> progress;
};

/// What training learned: token bytes by id, merges by rank (pairs of
/// ids), then the special tokens (the last ids).
struct BpeVocabulary {
  std::vector<std::string> tokens;
  std::vector<std::pair<int32_t, int32_t>> merges;
  size_t specialCount = 0;
};

/// Learns a vocabulary from `texts` (each valid UTF-8; `names` name them
/// in errors). Fewer merges than asked for when the corpus runs out of
/// pairs.
Status trainBpe(const std::vector<std::string> &texts,
                const std::vector<std::string> &names,
                const BpeTrainerOptions &options, BpeVocabulary &out);

/// Writes vocab.json, merges.txt (GPT-2's files) and tokenizer.json into
/// `directory`, which must not exist or be empty; nothing is left behind
/// on failure.
Status writeBpeFiles(const BpeVocabulary &vocabulary,
                     const std::string &directory);

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_BPETRAINER_H
