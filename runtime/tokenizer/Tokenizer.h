//===- Tokenizer.h - text to token ids and back -----------------*- C++ -*-===//
//
// The interface the tools and the decoding engine use, whatever the kind
// of tokenizer: byte-level BPE (GPT-2's files, HuggingFace tokenizer.json)
// or a SentencePiece model. `loadTokenizer` picks the kind from a path.
//
// Input text must be valid UTF-8: invalid input is an error that names the
// byte offset, for every kind (nothing is replaced silently). Decoding is
// byte-exact: decode(encode(text)) == text.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_TOKENIZER_H
#define TESSEL_RUNTIME_TOKENIZER_TOKENIZER_H

#include "runtime/Status.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessel {

class Tokenizer {
public:
  virtual ~Tokenizer();

  /// "byte-level-bpe", "sentencepiece-bpe", "sentencepiece-unigram", ...
  virtual std::string kind() const = 0;
  /// One more than the largest id.
  virtual int64_t vocabSize() const = 0;
  /// Tokens matched before anything else (`<|endoftext|>`, `<s>`), with
  /// their ids.
  virtual std::vector<std::pair<std::string, int32_t>> specialTokens() const = 0;
  /// The token that ends a document, if the tokenizer has one.
  virtual std::optional<int32_t> endOfText() const = 0;
  /// The token a prompt starts with (Llama's `<s>`, Llama-3's
  /// `<|begin_of_text|>`), if the tokenizer has one; GPT-2 has none.
  virtual std::optional<int32_t> beginOfText() const { return std::nullopt; }
  /// Things a user should know about how the file was read (a normalizer
  /// that is not applied, ...); empty when there are none.
  virtual std::vector<std::string> notes() const { return {}; }
  /// The files it was read from (to copy it elsewhere).
  const std::vector<std::string> &sourceFiles() const { return sources; }

  /// Appends the ids of `text` to `ids`. `threads` > 1 splits the work at
  /// pre-token boundaries where the kind allows it; the ids are the same.
  virtual Status encode(std::string_view text, std::vector<int32_t> &ids,
                        unsigned threads = 1) const = 0;
  /// The bytes `ids` stand for.
  virtual Status decode(const std::vector<int32_t> &ids,
                        std::string &text) const = 0;
  /// The bytes of one token as it reads at `index` in a sequence (a
  /// SentencePiece model drops the leading space of the first piece).
  virtual Status tokenBytes(int32_t id, size_t index,
                            std::string &bytes) const = 0;

protected:
  std::vector<std::string> sources;
};

/// Reads a tokenizer: a directory holding tokenizer.json, vocab.json and
/// merges.txt, or tokenizer.model (tried in that order; a tokenizer.json
/// this reader refuses gives way to a tokenizer.model beside it, as in
/// Llama-2's folders), or one of those files. The error says what was
/// looked for and where.
Status loadTokenizer(const std::string &path, std::unique_ptr<Tokenizer> &out);

/// One token per byte: the tokenizer of a model of 256 tokens trained on
/// raw bytes (a model that names no tokenizer files).
std::unique_ptr<Tokenizer> makeByteTokenizer();

/// Turns ids into text as they come, for streaming output: bytes of a
/// character cut between tokens are held back until it is complete.
class StreamDecoder {
public:
  /// `first`: the index in the sequence of the first id pushed (the
  /// prompt's length when only generated ids are decoded).
  explicit StreamDecoder(const Tokenizer &tokenizer, size_t first = 0)
      : tokenizer(tokenizer), count(first) {}
  /// Decodes `id` and sets `ready` to the text that can be shown now.
  Status push(int32_t id, std::string &ready);
  /// What is still held back at the end (an incomplete character's bytes).
  std::string finish();

private:
  const Tokenizer &tokenizer;
  std::string pending;
  size_t count = 0;
};

/// The error for invalid UTF-8 input (`where`: "input", a file name).
Status checkUtf8(std::string_view text, const std::string &where);

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_TOKENIZER_H
