//===- Json.cpp - JSON parsing with located errors ------------------------===//

#include "runtime/Json.h"

namespace tessel {

using json = nlohmann::json;

namespace {

/// Accepts every SAX event and remembers the first error.
struct ErrorRecorder : nlohmann::json_sax<json> {
  bool failed = false;
  size_t position = 0;
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool key(string_t &) override { return true; }
  bool end_object() override { return --depth, true; }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return --depth, true; }

  /// Deeper documents are refused: nothing here needs them, and building
  /// and destroying one recurses as deep as it nests.
  static constexpr int kMaxDepth = 512;
  int depth = 0;
  bool enter() {
    if (++depth <= kMaxDepth)
      return true;
    failed = true;
    tooDeep = true;
    return false;
  }
  bool tooDeep = false;
  bool parse_error(std::size_t pos, const std::string &,
                   const nlohmann::detail::exception &ex) override {
    failed = true;
    position = pos;
    // Drop nlohmann's "[json.exception...] parse error at line L, column C: "
    // prefix: the position is reported in our own format.
    std::string what = ex.what();
    size_t column = what.find(", column ");
    size_t colon =
        column == std::string::npos ? what.find("] ") : what.find(": ", column);
    message = colon == std::string::npos ? what : what.substr(colon + 2);
    return false;
  }
};

} // namespace

Status checkJson(const std::string &file, const std::string &text) {
  ErrorRecorder recorder;
  json::sax_parse(text, &recorder);
  if (!recorder.failed)
    return Status::ok();
  if (recorder.tooDeep)
    return errorf(file, ": JSON nesting is deeper than ",
                  ErrorRecorder::kMaxDepth, " levels");
  // nlohmann reports the offset just past the offending character.
  size_t at = recorder.position ? recorder.position - 1 : 0;
  int line = 1;
  size_t lineStart = 0;
  for (size_t k = 0; k < at && k < text.size(); ++k)
    if (text[k] == '\n') {
      ++line;
      lineStart = k + 1;
    }
  return errorf(file, ":", line, ":", at - lineStart + 1,
                ": malformed JSON: ", recorder.message);
}

Status parseJson(const std::string &file, const std::string &text,
                 json &document) {
  TESSEL_RETURN_IF_ERROR(checkJson(file, text));
  document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return Status::ok();
}

} // namespace tessel
