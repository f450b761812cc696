//===- Api.h - OpenAI's completions API: requests and errors ----*- C++ -*-===//
//
// The request body of `POST /v1/completions` checked field by field as
// OpenAI's API documents it (the fields, their types and ranges; unknown
// fields refused), and the error body it answers with. No HTTP here, so
// the checks are tested without a socket.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_SERVE_API_H
#define TESSEL_RUNTIME_SERVE_API_H

#include "runtime/Sampling.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tessel {

/// An error answer: the HTTP status and OpenAI's error object.
struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param; ///< The field at fault; empty for none.
};

/// `{"error": {"message", "type", "param", "code"}}`, and its text.
nlohmann::ordered_json errorJson(const ApiError &error);
std::string errorBody(const ApiError &error);

/// A completion request, checked.
struct CompletionRequest {
  std::string model; ///< Empty when not given.
  /// The prompt: text, or token ids when `promptIsIds`.
  std::string prompt;
  std::vector<int64_t> promptIds;
  bool promptIsIds = false;
  int64_t maxTokens = 16; ///< OpenAI's default.
  int64_t n = 1;
  /// OpenAI's defaults: temperature 1, top-p 1.
  SamplingOptions sampling = [] {
    SamplingOptions options;
    options.temperature = 1.0;
    return options;
  }();
  std::optional<int64_t> seed;
  std::vector<std::string> stop;
  bool stream = false;
  bool includeUsage = false; ///< stream_options.include_usage.
  bool ignoreEos = false;    ///< vLLM's extension: go on past end of text.
  /// vLLM's extension: each choice also gives its token ids (and the
  /// prompt's, in whole answers).
  bool tokenIds = false;
};

/// Parses and checks `body`; on failure sets `error` (status 400) and
/// returns false.
bool parseCompletionRequest(const std::string &body, CompletionRequest &request,
                            ApiError &error);

} // namespace tessel

#endif // TESSEL_RUNTIME_SERVE_API_H
