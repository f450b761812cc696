//===- JsonSource.cpp - JSON text with positions --------------------------===//

#include "frontend/JsonSource.h"
#include "runtime/Json.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace tessel::frontend {

using json = nlohmann::json;

namespace {

/// Walks JSON text that nlohmann has already accepted and records where
/// each value starts.
class PositionScanner {
public:
  PositionScanner(const std::string &text,
                  std::map<std::string, std::pair<int, int>> &positions)
      : text(text), positions(positions) {}

  bool scan(std::string &error) {
    // A UTF-8 byte-order mark is not part of the document (nlohmann skips
    // it too); columns on line 1 still count it as one character.
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0)
      i = 3, lineStart = 2;
    return value("", 0, error);
  }

private:
  void skipSpace() {
    while (i < text.size() &&
           std::isspace(static_cast<unsigned char>(text[i]))) {
      if (text[i] == '\n') {
        ++line;
        lineStart = i + 1;
      }
      ++i;
    }
  }

  /// Reads a string literal at text[i] == '"'; returns its (decoded) text.
  std::string readString() {
    std::string out;
    ++i; // Opening quote.
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) {
        char c = text[++i];
        switch (c) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          unsigned code = static_cast<unsigned>(
              std::strtoul(text.substr(i + 1, 4).c_str(), nullptr, 16));
          i += 4;
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
          }
          break;
        }
        default:
          out += c; // \" \\ \/
        }
        ++i;
        continue;
      }
      out += text[i++];
    }
    ++i; // Closing quote.
    return out;
  }

  bool value(const std::string &path, int depth, std::string &error) {
    if (depth > JsonSource::kMaxDepth) {
      error = std::to_string(line) + ":" + std::to_string(i - lineStart + 1) +
              ": JSON nesting is deeper than " +
              std::to_string(JsonSource::kMaxDepth) + " levels";
      return false;
    }
    skipSpace();
    positions[path] = {line, static_cast<int>(i - lineStart + 1)};
    if (i >= text.size())
      return true;
    char c = text[i];
    if (c == '{') {
      ++i;
      skipSpace();
      while (i < text.size() && text[i] != '}') {
        std::string key = readString();
        skipSpace();
        ++i; // ':'
        if (!value(JsonSource::child(path, key), depth + 1, error))
          return false;
        skipSpace();
        if (i < text.size() && text[i] == ',') {
          ++i;
          skipSpace();
        }
      }
      ++i;
      return true;
    }
    if (c == '[') {
      ++i;
      skipSpace();
      for (size_t n = 0; i < text.size() && text[i] != ']'; ++n) {
        if (!value(JsonSource::element(path, n), depth + 1, error))
          return false;
        skipSpace();
        if (i < text.size() && text[i] == ',')
          ++i;
        skipSpace();
      }
      ++i;
      return true;
    }
    if (c == '"') {
      readString();
      return true;
    }
    while (i < text.size() && !std::strchr(",]} \t\r\n", text[i]))
      ++i;
    return true;
  }

  const std::string &text;
  std::map<std::string, std::pair<int, int>> &positions;
  size_t i = 0, lineStart = 0;
  int line = 1;
};

} // namespace

std::string quoteJson(const std::string &text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool JsonSource::parse(const std::string &file, const std::string &text,
                       std::string &error) {
  fileName = file;
  positions.clear();
  if (Status checked = checkJson(file, text); !checked.isOk()) {
    error = checked.message();
    return false;
  }
  PositionScanner scanner(text, positions);
  std::string scanError;
  if (!scanner.scan(scanError)) {
    error = file + ":" + scanError;
    return false;
  }
  document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return true;
}

std::pair<int, int> JsonSource::lineColumn(const std::string &path) const {
  std::string p = path;
  while (true) {
    auto it = positions.find(p);
    if (it != positions.end())
      return it->second;
    if (p.empty())
      return {1, 1};
    size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? "" : p.substr(0, cut);
  }
}

std::string JsonSource::position(const std::string &path) const {
  auto [line, column] = lineColumn(path);
  return fileName + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string JsonSource::child(const std::string &path, const std::string &key) {
  bool plain =
      !key.empty() &&
      (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_');
  for (char c : key)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (plain)
    return path + "." + key;
  return (path.empty() ? "." : path) + "[" + quoteJson(key) + "]";
}

std::string JsonSource::element(const std::string &path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

} // namespace tessel::frontend
