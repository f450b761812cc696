//===- Api.cpp - OpenAI's completions API: requests and errors ------------===//

#include "runtime/serve/Api.h"
#include "runtime/Json.h"

#include <cmath>
#include <limits>

namespace tessel {

using nlohmann::json;

nlohmann::ordered_json errorJson(const ApiError &error) {
  using ordered = nlohmann::ordered_json;
  return {{"error",
           {{"message", error.message},
            {"type", error.type},
            {"param", error.param.empty() ? ordered() : ordered(error.param)},
            {"code", ordered()}}}};
}

std::string errorBody(const ApiError &error) {
  return errorJson(error).dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {

/// Checks the fields of one request, remembering the first error.
class Fields {
public:
  Fields(const json &body, ApiError &error) : body(body), error(error) {}

  bool fail(const std::string &field, const std::string &message) {
    if (error.message.empty()) {
      error.status = 400;
      error.param = field;
      error.message = message;
    }
    return false;
  }
  /// The field, or null when absent or null (the default applies).
  const json *get(const std::string &field) const {
    auto at = body.find(field);
    return at == body.end() || at->is_null() ? nullptr : &*at;
  }
  bool number(const std::string &field, double low, double high, bool lowOpen,
              double &out) {
    const json *value = get(field);
    if (!value)
      return true;
    if (!value->is_number())
      return fail(field, field + " must be a number");
    double x = value->get<double>();
    if (!(lowOpen ? x > low : x >= low) || !(x <= high))
      return fail(field, field + " must be in " + (lowOpen ? "(" : "[") +
                             format(low) + ", " + format(high) + "], got " +
                             format(x));
    out = x;
    return true;
  }
  bool integer(const std::string &field, int64_t low, int64_t high,
               int64_t &out) {
    const json *value = get(field);
    if (!value)
      return true;
    if (!value->is_number_integer())
      return fail(field, field + " must be an integer");
    // Compared exactly: a double would round 2^63 - 1 up to 2^63.
    bool inRange =
        value->is_number_unsigned()
            ? value->get<uint64_t>() <= static_cast<uint64_t>(high) &&
                  (low <= 0 || value->get<uint64_t>() >= uint64_t(low))
            : value->get<int64_t>() >= low && value->get<int64_t>() <= high;
    if (!inRange)
      return fail(field, field + " must be in [" + std::to_string(low) + ", " +
                             std::to_string(high) + "], got " + value->dump());
    out = value->get<int64_t>();
    return true;
  }
  bool boolean(const std::string &field, bool &out) {
    const json *value = get(field);
    if (!value)
      return true;
    if (!value->is_boolean())
      return fail(field, field + " must be a boolean");
    out = value->get<bool>();
    return true;
  }
  /// A field Tessel does not implement: only its "off" value is taken.
  bool unsupported(const std::string &field, const json &off) {
    const json *value = get(field);
    if (value && *value != off)
      return fail(field, field + " is not supported by this server");
    return true;
  }

private:
  static std::string format(double x) {
    std::string text = json(x).dump();
    return text;
  }
  const json &body;
  ApiError &error;
};

bool parsePrompt(Fields &fields, const json &body, CompletionRequest &request) {
  auto at = body.find("prompt");
  if (at == body.end() || at->is_null())
    return fields.fail("prompt", "prompt is required");
  const json *prompt = &*at;
  // One prompt per request: a list of one string or of one id list is the
  // same as the string or the list.
  if (prompt->is_array() && prompt->size() == 1 &&
      ((*prompt)[0].is_string() || (*prompt)[0].is_array()))
    prompt = &(*prompt)[0];
  if (prompt->is_string()) {
    request.prompt = prompt->get<std::string>();
    return true;
  }
  if (!prompt->is_array())
    return fields.fail("prompt", "prompt must be a string or a list of "
                                 "token ids");
  if (prompt->empty())
    return fields.fail("prompt", "prompt is empty");
  for (const json &id : *prompt) {
    if (id.is_string() || id.is_array())
      return fields.fail("prompt", "one prompt per request: prompt must be "
                                   "a string or one list of token ids");
    if (!id.is_number_integer() || id.get<double>() < 0 ||
        id.get<double>() > double(std::numeric_limits<int32_t>::max()))
      return fields.fail("prompt", "prompt token ids must be non-negative "
                                   "integers, got " +
                                       id.dump());
    request.promptIds.push_back(id.get<int64_t>());
  }
  request.promptIsIds = true;
  return true;
}

bool parseStop(Fields &fields, CompletionRequest &request) {
  const json *stop = fields.get("stop");
  if (!stop)
    return true;
  if (stop->is_string()) {
    request.stop.push_back(stop->get<std::string>());
  } else if (stop->is_array() && stop->size() <= 4) {
    for (const json &one : *stop) {
      if (!one.is_string())
        return fields.fail("stop", "stop must be a string or a list of up "
                                   "to 4 strings");
      request.stop.push_back(one.get<std::string>());
    }
  } else {
    return fields.fail("stop", "stop must be a string or a list of up to 4 "
                               "strings");
  }
  for (const std::string &one : request.stop)
    if (one.empty())
      return fields.fail("stop", "stop strings must not be empty");
  return true;
}

} // namespace

bool parseCompletionRequest(const std::string &body, CompletionRequest &request,
                            ApiError &error) {
  error = ApiError();
  json document;
  if (Status parsed = parseJson("request body", body, document);
      !parsed.isOk()) {
    error.message = parsed.message();
    return false;
  }
  if (!document.is_object()) {
    error.message = "the request body must be a JSON object";
    return false;
  }
  static const char *const known[] = {"model",
                                      "prompt",
                                      "max_tokens",
                                      "temperature",
                                      "top_p",
                                      "top_k",
                                      "min_p",
                                      "presence_penalty",
                                      "frequency_penalty",
                                      "repetition_penalty",
                                      "stop",
                                      "seed",
                                      "n",
                                      "stream",
                                      "stream_options",
                                      "echo",
                                      "logprobs",
                                      "best_of",
                                      "logit_bias",
                                      "suffix",
                                      "user",
                                      "ignore_eos",
                                      "return_token_ids"};
  Fields fields(document, error);
  for (auto &[key, value] : document.items()) {
    bool found = false;
    for (const char *name : known)
      found = found || key == name;
    if (!found)
      return fields.fail(key, "Unrecognized request argument supplied: " + key);
  }
  if (const json *model = fields.get("model")) {
    if (!model->is_string())
      return fields.fail("model", "model must be a string");
    request.model = model->get<std::string>();
  }
  if (!parsePrompt(fields, document, request))
    return false;
  constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
  SamplingOptions &sampling = request.sampling;
  int64_t topK = sampling.topK;
  bool ok = fields.integer("max_tokens", 1, kMaxInt, request.maxTokens) &&
            fields.integer("n", 1, 64, request.n) &&
            fields.number("temperature", 0, 2, false, sampling.temperature) &&
            fields.number("top_p", 0, 1, true, sampling.topP) &&
            fields.integer("top_k", -1, kMaxInt, topK) &&
            fields.number("min_p", 0, 1, false, sampling.minP) &&
            fields.number("presence_penalty", -2, 2, false,
                          sampling.presencePenalty) &&
            fields.number("frequency_penalty", -2, 2, false,
                          sampling.frequencyPenalty) &&
            fields.number("repetition_penalty", 0, 100, true,
                          sampling.repetitionPenalty) &&
            parseStop(fields, request) &&
            fields.boolean("stream", request.stream) &&
            fields.boolean("ignore_eos", request.ignoreEos) &&
            fields.boolean("return_token_ids", request.tokenIds) &&
            fields.unsupported("echo", false) &&
            fields.unsupported("logprobs", json()) &&
            fields.unsupported("suffix", json()) &&
            fields.unsupported("logit_bias", json::object());
  if (!ok)
    return false;
  sampling.topK = topK < 0 ? 0 : topK; // -1 (vLLM's) or 0: every token.
  if (const json *seed = fields.get("seed")) {
    int64_t value = 0;
    if (!fields.integer("seed", std::numeric_limits<int64_t>::min(), kMaxInt,
                        value))
      return false;
    request.seed = value;
  }
  if (const json *bestOf = fields.get("best_of"))
    if (*bestOf != json(request.n))
      return fields.fail("best_of", "best_of other than n is not supported "
                                    "by this server");
  if (const json *user = fields.get("user"); user && !user->is_string())
    return fields.fail("user", "user must be a string");
  if (const json *options = fields.get("stream_options")) {
    if (!request.stream)
      return fields.fail("stream_options", "stream_options is only allowed "
                                           "with stream: true");
    if (!options->is_object())
      return fields.fail("stream_options", "stream_options must be an object");
    for (auto &[key, value] : options->items()) {
      if (key != "include_usage")
        return fields.fail("stream_options",
                           "Unrecognized stream_options field: " + key);
      if (!value.is_boolean())
        return fields.fail("stream_options",
                           "stream_options.include_usage must be a boolean");
      request.includeUsage = value.get<bool>();
    }
  }
  return true;
}

} // namespace tessel
