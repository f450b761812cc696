//===- SentencePieceTokenizer.h - SentencePiece .model files ----*- C++ -*-===//
//
// SentencePiece models (Llama-2, Mistral, TinyLlama: BPE with byte
// fallback; T5-style unigram models) through Debian's libsentencepiece.
// The library is the reference (spm_encode is built on it), and a .model
// carries more than pieces and scores: a protobuf with the normalizer's
// compiled character map, whitespace rules and the model type. Reading
// all of that again would copy the library to get the same ids; wrapping
// it gives ids identical to spm_encode by construction.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_SENTENCEPIECETOKENIZER_H
#define TESSEL_RUNTIME_TOKENIZER_SENTENCEPIECETOKENIZER_H

#include "runtime/tokenizer/Tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
} // namespace sentencepiece

namespace tessel {

class SentencePieceTokenizer : public Tokenizer {
public:
  static Status load(const std::string &path, std::unique_ptr<Tokenizer> &out);
  ~SentencePieceTokenizer() override;

  std::string kind() const override { return "sentencepiece"; }
  int64_t vocabSize() const override;
  std::vector<std::pair<std::string, int32_t>> specialTokens() const override;
  std::optional<int32_t> endOfText() const override;
  std::optional<int32_t> beginOfText() const override;
  /// SentencePiece splits its own input; `threads` is not used.
  Status encode(std::string_view text, std::vector<int32_t> &ids,
                unsigned threads = 1) const override;
  Status decode(const std::vector<int32_t> &ids,
                std::string &text) const override;
  Status tokenBytes(int32_t id, size_t index,
                    std::string &bytes) const override;

private:
  SentencePieceTokenizer();
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_SENTENCEPIECETOKENIZER_H
