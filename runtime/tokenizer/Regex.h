//===- Regex.h - pre-tokenizer patterns on PCRE2 ----------------*- C++ -*-===//
//
// BPE tokenizers cut text into pieces with a regular expression before
// merging (GPT-2's `'s|'t|... ?\p{L}+| ?\p{N}+|...`, Llama-3's and
// Qwen2's variants). Those patterns need Unicode letter and number classes
// and look-ahead, so they run on PCRE2 (UTF and UCP mode, JIT-compiled).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_REGEX_H
#define TESSEL_RUNTIME_TOKENIZER_REGEX_H

#include "runtime/Status.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessel {

/// GPT-2's pre-tokenizer pattern (also tiktoken's `gpt2` and `r50k_base`).
extern const char *const kGpt2Pattern;

/// A compiled pattern; safe to use from several threads at once.
class Regex {
public:
  /// Compiles `pattern`; the error quotes PCRE2's message and offset.
  static Status compile(const std::string &pattern,
                        std::unique_ptr<Regex> &out);
  ~Regex();

  /// Cuts `text` (valid UTF-8) into pieces: every match, and every run of
  /// text between matches, in order, as (offset, length) relative to
  /// `base` + the start of `text`. A pattern that backtracks past PCRE2's
  /// match limit is an error, not a silent end of matching.
  Status split(std::string_view text, size_t base,
               std::vector<std::pair<size_t, size_t>> &pieces) const;

private:
  Regex() = default;
  void *code = nullptr; ///< pcre2_code_8.
};

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_REGEX_H
