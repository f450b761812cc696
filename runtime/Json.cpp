//===- Json.cpp - JSON parsing with located errors ------------------------===//

#include "runtime/Json.h"

#include <unordered_set>
#include <vector>

namespace tessel {

using json = nlohmann::json;

namespace {

/// Accepts every SAX event and remembers the first error: malformed text,
/// nesting too deep, or a key given twice in one object (nlohmann keeps
/// the last; a definition that says two things is refused instead).
struct ErrorRecorder : nlohmann::json_sax<json> {
  bool failed = false, tooDeep = false;
  size_t position = 0;
  std::string message, duplicate;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t &) override {
    return value();
  }
  bool string(string_t &) override { return value(); }
  bool binary(binary_t &) override { return value(); }
  bool start_object(std::size_t) override { return enter(true); }
  bool key(string_t &key) override {
    Level &level = levels.back();
    level.key = key;
    if (level.keys.insert(key).second)
      return true;
    failed = true;
    duplicate = key;
    return false;
  }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(false); }
  bool end_array() override { return leave(); }
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

  /// Deeper documents are refused: nothing here needs them, and building
  /// and destroying one recurses as deep as it nests.
  static constexpr size_t kMaxDepth = 512;

  /// Where the duplicate is, in jq's style: `.attention`, `.layers[2]`.
  std::string path() const {
    std::string out;
    for (size_t i = 0; i + 1 < levels.size(); ++i)
      out += levels[i].isObject ? "." + levels[i].key
                                : "[" + std::to_string(levels[i].index - 1) +
                                      "]";
    return out.empty() ? "." : out;
  }

private:
  struct Level {
    bool isObject;
    std::unordered_set<std::string> keys;
    std::string key;
    size_t index = 0; ///< Values seen so far, in an array.
  };
  std::vector<Level> levels;

  bool value() {
    if (!levels.empty() && !levels.back().isObject)
      ++levels.back().index;
    return true;
  }
  bool enter(bool isObject) {
    value();
    if (levels.size() >= kMaxDepth) {
      failed = tooDeep = true;
      return false;
    }
    levels.push_back({isObject, {}, {}, 0});
    return true;
  }
  bool leave() {
    levels.pop_back();
    return true;
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
  if (!recorder.duplicate.empty())
    return errorf(file, ": ", recorder.path(), ": key \"", recorder.duplicate,
                  "\" is given twice");
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
