//===- Regex.cpp - pre-tokenizer patterns on PCRE2 ------------------------===//

#include "runtime/tokenizer/Regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace tessel {

const char *const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

pcre2_code *asCode(void *code) { return static_cast<pcre2_code *>(code); }

/// One match-data block per thread (PCRE2 match data is not shareable
/// between threads; the compiled code is). Only the whole match is read,
/// so one pair of offsets serves every pattern.
struct MatchData {
  pcre2_match_data *data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context *context = makeContext();
  ~MatchData() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
  }
  /// Bounds on backtracking, so that a pathological pattern from a
  /// tokenizer file fails in milliseconds instead of running for hours.
  static pcre2_match_context *makeContext() {
    pcre2_match_context *context = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(context, 10'000'000);
    pcre2_set_depth_limit(context, 100'000);
    return context;
  }
};

} // namespace

Status Regex::compile(const std::string &pattern, std::unique_ptr<Regex> &out) {
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  pcre2_code *code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
      PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return errorf("pre-tokenizer pattern: ", reinterpret_cast<char *>(message),
                  " at offset ", errorOffset);
  }
  // Without JIT (some platforms) PCRE2 interprets the pattern: slower, same
  // result.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  out.reset(new Regex());
  out->code = code;
  return Status::ok();
}

Regex::~Regex() { pcre2_code_free(asCode(code)); }

Status Regex::split(std::string_view text, size_t base,
                    std::vector<std::pair<size_t, size_t>> &pieces) const {
  thread_local MatchData match;
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t at = 0, gap = 0;
  while (at < text.size()) {
    // The input was validated once, up front.
    int rc = pcre2_match(asCode(code), subject, text.size(), at,
                         PCRE2_NO_UTF_CHECK, match.data, match.context);
    if (rc == PCRE2_ERROR_NOMATCH)
      break;
    if (rc < 0) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(rc, message, sizeof(message));
      return errorf("pre-tokenizer pattern at byte ", base + at, ": ",
                    reinterpret_cast<char *>(message));
    }
    PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match.data);
    size_t start = ovector[0], end = ovector[1];
    if (end == start) {
      // An empty match: step over one character.
      at = start + 1;
      while (at < text.size() &&
             (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80)
        ++at;
      continue;
    }
    if (start > gap)
      pieces.push_back({base + gap, start - gap});
    pieces.push_back({base + start, end - start});
    at = gap = end;
  }
  if (gap < text.size())
    pieces.push_back({base + gap, text.size() - gap});
  return Status::ok();
}

} // namespace tessel
