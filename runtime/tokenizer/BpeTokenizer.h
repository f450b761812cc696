//===- BpeTokenizer.h - byte-level BPE (GPT-2, tokenizer.json) --*- C++ -*-===//
//
// Byte-level BPE as GPT-2 defines it: special tokens are cut out first,
// the rest is cut into pieces by the pre-tokenizer pattern(s), and each
// piece's bytes are merged pairwise, always the pair whose merge was
// learned first (lowest rank), until no learned pair is left. Reads
// GPT-2's vocab.json + merges.txt and HuggingFace tokenizer.json files
// whose model is BPE over the ByteLevel pre-tokenizer (GPT-2; Llama-3 and
// Qwen2 with their own Split patterns; byte fallback to <0xNN> tokens).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_BPETOKENIZER_H
#define TESSEL_RUNTIME_TOKENIZER_BPETOKENIZER_H

#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <deque>
#include <functional>
#include <unordered_map>

namespace tessel {

class BpeTokenizer : public Tokenizer {
public:
  /// GPT-2's files: vocab.json (byte-level token -> id) and merges.txt
  /// (`#version` line, then "left right" per merge, by rank). Vocabulary
  /// entries spelled `<|...|>` are special tokens.
  static Status fromGpt2Files(const std::string &vocabPath,
                              const std::string &mergesPath,
                              std::unique_ptr<Tokenizer> &out);
  /// A HuggingFace tokenizer.json with a BPE model.
  static Status fromTokenizerJson(const std::string &path,
                                  std::unique_ptr<Tokenizer> &out);

  std::string kind() const override { return "byte-level-bpe"; }
  int64_t vocabSize() const override { return tokens.size(); }
  std::vector<std::pair<std::string, int32_t>> specialTokens() const override;
  std::optional<int32_t> endOfText() const override { return endOfTextId; }
  std::optional<int32_t> beginOfText() const override {
    return beginOfTextId;
  }
  std::vector<std::string> notes() const override { return readingNotes; }
  Status encode(std::string_view text, std::vector<int32_t> &ids,
                unsigned threads = 1) const override;
  Status decode(const std::vector<int32_t> &ids,
                std::string &text) const override;
  Status tokenBytes(int32_t id, size_t index,
                    std::string &bytes) const override;

private:
  BpeTokenizer() = default;
  /// Fills the tables from byte-level spellings (and `<0xNN>` tokens with
  /// `byteFallback`); `mergeWhere(rank)` names a merge's source, built
  /// only for an error.
  Status build(const std::vector<std::pair<std::string, int64_t>> &vocab,
               const std::vector<std::pair<std::string, std::string>> &merges,
               const std::function<std::string(size_t)> &mergeWhere,
               bool byteFallback);
  /// Sorts the special tokens and finds the end-of-text token.
  void finish();
  /// A special token (its id) or a piece to merge (special -1).
  struct Piece {
    std::string_view text;
    int32_t special;
  };
  /// Cuts `text` into special tokens and pre-tokens; `storage` keeps text
  /// that is not a slice of `text` (a prefix space).
  Status cut(std::string_view text, std::vector<Piece> &pieces,
             std::deque<std::string> &storage) const;
  /// Appends the ids of one piece; false when a byte has no token.
  bool mergePiece(std::string_view piece, std::vector<int32_t> &ids) const;
  /// Pieces longer than this merge through a heap (O(n log n)); shorter
  /// ones by scanning, which is faster for them.
  static constexpr size_t kShortPiece = 64;
  void mergeLongPiece(std::vector<int32_t> &symbols,
                      std::vector<int32_t> &ids) const;

  /// The bytes of each id; empty for ids no token has.
  std::vector<std::string> tokens;
  std::vector<bool> present;
  std::unordered_map<std::string, int32_t> idOfBytes;
  /// (left << 32 | right) -> (rank << 32 | merged id).
  std::unordered_map<uint64_t, uint64_t> merges;
  std::vector<std::pair<std::string, int32_t>> specials; ///< Longest first.
  bool specialStart[256] = {};
  std::vector<std::unique_ptr<Regex>> patterns; ///< Applied in turn.
  int32_t byteIds[256];
  bool addPrefixSpace = false, ignoreMerges = false;
  std::optional<int32_t> endOfTextId, beginOfTextId;
  std::vector<std::string> readingNotes;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_BPETOKENIZER_H
