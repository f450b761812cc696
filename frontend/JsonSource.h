//===- JsonSource.h - JSON text with positions ------------------*- C++ -*-===//
//
// nlohmann/json parses; this remembers where every value starts (line and
// column by JSON path), so that a problem in a model definition is reported
// as `file:line:col: .path: what`. Nothing here throws: parsing uses the
// non-throwing SAX interface, and bad input becomes a message.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_FRONTEND_JSONSOURCE_H
#define TESSEL_FRONTEND_JSONSOURCE_H

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace tessel::frontend {

/// `text` as a JSON string literal; invalid UTF-8 (e.g. a string cut for a
/// message) becomes U+FFFD rather than an error.
std::string quoteJson(const std::string &text);

/// A parsed JSON document with the position of each value.
class JsonSource {
public:
  /// Parses `text`; on failure returns false and sets `error` to
  /// `file:line:col: what`.
  bool parse(const std::string &file, const std::string &text,
             std::string &error);

  const nlohmann::json &root() const { return document; }
  const std::string &file() const { return fileName; }

  /// `file:line:col` of the value at `path` (or of its nearest enclosing
  /// value that has a position), e.g. `model.json:4:17`.
  std::string position(const std::string &path) const;
  /// 1-based line and column of `path`, or of its nearest ancestor.
  std::pair<int, int> lineColumn(const std::string &path) const;

  /// Child paths in the style of jq: `.a.b[2]`; keys that are not plain
  /// identifiers are quoted: `.["a b"]`.
  static std::string child(const std::string &path, const std::string &key);
  static std::string element(const std::string &path, size_t index);

  /// Nesting deeper than this is rejected (the position scan recurses).
  static constexpr int kMaxDepth = 256;

private:
  std::string fileName;
  nlohmann::json document;
  std::map<std::string, std::pair<int, int>> positions;
};

} // namespace tessel::frontend

#endif // TESSEL_FRONTEND_JSONSOURCE_H
