//===- BpeTokenizer.cpp - byte-level BPE (GPT-2, tokenizer.json) ----------===//

#include "runtime/tokenizer/BpeTokenizer.h"

#include "runtime/Files.h"
#include "runtime/Json.h"
#include "runtime/tokenizer/Text.h"

#include <algorithm>
#include <climits>
#include <deque>
#include <queue>
#include <thread>

namespace tessel {

using json = nlohmann::json;

namespace {

constexpr uint64_t kNoMerge = UINT64_MAX;
/// Ids at or above this are refused: the tables are sized by the largest
/// id, and real vocabularies stay far below it.
constexpr int64_t kMaxTokens = int64_t(1) << 24;

uint64_t pairKey(int32_t left, int32_t right) {
  return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}

/// `<0xNN>`: SentencePiece's spelling of a byte, used by byte fallback.
std::optional<unsigned char> fallbackByte(const std::string &token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>')
    return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  int hi = hex(token[3]), lo = hex(token[4]);
  if (hi < 0 || lo < 0)
    return std::nullopt;
  return static_cast<unsigned char>(hi * 16 + lo);
}

std::string quoted(const std::string &text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Reads `path`'s JSON; the error names the file and position.
Status readJson(const std::string &path, json &document) {
  std::string text;
  TESSEL_RETURN_IF_ERROR(readFile(path, text));
  return parseJson(path, text, document);
}

/// A vocabulary object {"token": id, ...}.
Status readVocab(const json &vocab, const std::string &where,
                 std::vector<std::pair<std::string, int64_t>> &out) {
  if (!vocab.is_object())
    return errorf(where, ": the vocabulary is not an object of token: id");
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
        it.value().get<int64_t>() >= kMaxTokens)
      return errorf(where, ": token ", quoted(it.key()), " has id ",
                    it.value().dump(), ", not an id in [0, 2^24)");
    out.push_back({it.key(), it.value().get<int64_t>()});
  }
  return Status::ok();
}

/// `object[key]` without copying, throwing or asserting: null when
/// `object` is not an object or has no such key.
const json &field(const json &object, const char *key) {
  static const json null;
  if (!object.is_object())
    return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

/// A string field's value, or `fallback` when it is absent or not a string.
std::string stringField(const json &object, const char *key,
                        const std::string &fallback) {
  const json &value = field(object, key);
  return value.is_string() ? value.get<std::string>() : fallback;
}

/// A boolean field: `fallback` when absent; false (and `ok` cleared) when
/// present but not a boolean.
bool boolField(const json &object, const char *key, bool fallback, bool &ok) {
  const json &value = field(object, key);
  if (value.is_null())
    return fallback;
  if (!value.is_boolean()) {
    ok = false;
    return false;
  }
  return value.get<bool>();
}

} // namespace

Status BpeTokenizer::build(
    const std::vector<std::pair<std::string, int64_t>> &vocab,
    const std::vector<std::pair<std::string, std::string>> &mergeList,
    const std::function<std::string(size_t)> &mergeWhere, bool byteFallback) {
  int64_t size = 0;
  for (const auto &[token, id] : vocab)
    size = std::max(size, id + 1);
  tokens.assign(size, std::string());
  present.assign(size, false);
  std::unordered_map<std::string, int32_t> idOfSpelling;
  std::fill(std::begin(byteIds), std::end(byteIds), -1);
  int32_t fallbackIds[256];
  std::fill(std::begin(fallbackIds), std::end(fallbackIds), -1);
  for (const auto &[spelling, id] : vocab) {
    if (present[id])
      return errorf("the vocabulary gives id ", id, " to two tokens (",
                    quoted(spelling), " and another)");
    present[id] = true;
    idOfSpelling[spelling] = static_cast<int32_t>(id);
    std::optional<unsigned char> byte =
        byteFallback ? fallbackByte(spelling) : std::nullopt;
    if (byte) {
      // `<0xNN>` stands for byte NN when no byte-level token does.
      tokens[id] = std::string(1, static_cast<char>(*byte));
      fallbackIds[*byte] = id;
    } else if (std::optional<std::string> bytes = fromByteLevel(spelling)) {
      tokens[id] = *bytes;
      idOfBytes.emplace(*bytes, static_cast<int32_t>(id));
      if (bytes->size() == 1)
        byteIds[static_cast<unsigned char>((*bytes)[0])] = id;
    } else {
      // Not byte-level text: only an added token may be spelled so, and
      // fromTokenizerJson sets its bytes afterwards.
      tokens[id] = spelling;
    }
  }
  for (int b = 0; b < 256; ++b)
    if (byteIds[b] < 0)
      byteIds[b] = fallbackIds[b];

  for (size_t rank = 0; rank < mergeList.size(); ++rank) {
    const auto &[left, right] = mergeList[rank];
    auto l = idOfSpelling.find(left), r = idOfSpelling.find(right),
         m = idOfSpelling.find(left + right);
    if (l == idOfSpelling.end() || r == idOfSpelling.end() ||
        m == idOfSpelling.end()) {
      const std::string &missing = l == idOfSpelling.end()   ? left
                                   : r == idOfSpelling.end() ? right
                                                             : left + right;
      return errorf(mergeWhere(rank), ": merge ", quoted(left + " " + right),
                    " names ", quoted(missing),
                    ", which is not in the vocabulary");
    }
    merges.emplace(pairKey(l->second, r->second),
                   (uint64_t(rank) << 32) | uint32_t(m->second));
  }
  return Status::ok();
}

Status BpeTokenizer::fromGpt2Files(const std::string &vocabPath,
                                   const std::string &mergesPath,
                                   std::unique_ptr<Tokenizer> &out) {
  json document;
  TESSEL_RETURN_IF_ERROR(readJson(vocabPath, document));
  std::vector<std::pair<std::string, int64_t>> vocab;
  TESSEL_RETURN_IF_ERROR(readVocab(document, vocabPath, vocab));

  std::string text;
  TESSEL_RETURN_IF_ERROR(readFile(mergesPath, text));
  if (std::optional<size_t> bad = findInvalidUtf8(text))
    return errorf(mergesPath, ": invalid UTF-8 at byte ", *bad);
  std::vector<std::pair<std::string, std::string>> mergeList;
  std::vector<size_t> lines; // Of each merge, for errors.
  size_t lineNumber = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || (lineNumber == 1 && line.rfind("#version", 0) == 0))
      continue;
    size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 ||
        space + 1 == line.size() || line.find(' ', space + 1) != line.npos)
      return errorf(mergesPath, ":", lineNumber,
                    ": expected two tokens separated by one space, got ",
                    quoted(line));
    mergeList.push_back({line.substr(0, space), line.substr(space + 1)});
    lines.push_back(lineNumber);
  }

  std::unique_ptr<BpeTokenizer> tokenizer(new BpeTokenizer());
  Status built = tokenizer->build(
      vocab, mergeList,
      [&](size_t rank) {
        return mergesPath + ":" + std::to_string(lines[rank]);
      },
      false);
  if (!built.isOk())
    return errorf(built.message().rfind(mergesPath, 0) == 0 ? "" : vocabPath + ": ",
                  built.message());
  // GPT-2 marks its one special token only by its spelling.
  for (const auto &[spelling, id] : vocab)
    if (spelling.size() > 4 && spelling.rfind("<|", 0) == 0 &&
        spelling.compare(spelling.size() - 2, 2, "|>") == 0)
      tokenizer->specials.push_back({spelling, static_cast<int32_t>(id)});
  std::unique_ptr<Regex> pattern;
  TESSEL_RETURN_IF_ERROR(Regex::compile(kGpt2Pattern, pattern));
  tokenizer->patterns.push_back(std::move(pattern));
  tokenizer->finish();
  tokenizer->sources = {vocabPath, mergesPath};
  out = std::move(tokenizer);
  return Status::ok();
}

namespace {

/// The pre-tokenizer of a tokenizer.json, in the forms byte-level BPE
/// files use: ByteLevel alone, or a Sequence of Split patterns and a
/// ByteLevel that does not split again.
struct PreTokenizer {
  std::vector<std::string> patterns;
  bool byteLevel = false, addPrefixSpace = false;
};

/// `text` as a PCRE2 pattern that matches it literally.
std::string literalPattern(const std::string &text) {
  std::string pattern;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) ||
        static_cast<unsigned char>(c) >= 0x80)
      pattern += c;
    else if (c == '\0')
      pattern += "\\x{0}";
    else
      pattern += std::string("\\") + c;
  }
  return pattern;
}

Status readPreTokenizer(const json &node, const std::string &where,
                        PreTokenizer &out, int depth = 0) {
  std::string type = stringField(node, "type", "");
  if (type.empty())
    return errorf(where, ": pre_tokenizer has no type");
  if (type == "Sequence") {
    const json &list = field(node, "pretokenizers");
    if (!list.is_array())
      return errorf(where, ": pre_tokenizer Sequence has no pretokenizers list");
    if (depth > 8)
      return errorf(where, ": pre_tokenizer Sequences nested too deep");
    for (size_t i = 0; i < list.size(); ++i)
      TESSEL_RETURN_IF_ERROR(readPreTokenizer(
          list[i], where + " (pretokenizers[" + std::to_string(i) + "])", out,
          depth + 1));
    return Status::ok();
  }
  if (type == "ByteLevel") {
    out.byteLevel = true;
    bool ok = true;
    out.addPrefixSpace = boolField(node, "add_prefix_space", false, ok);
    bool regex = boolField(node, "use_regex", true, ok);
    if (!ok)
      return errorf(where, ": ByteLevel's add_prefix_space and use_regex are "
                           "true or false");
    if (regex)
      out.patterns.push_back(kGpt2Pattern);
    return Status::ok();
  }
  if (type == "Split") {
    const json &pattern = field(node, "pattern");
    std::string behavior = stringField(node, "behavior", "");
    bool ok = true;
    if (boolField(node, "invert", false, ok) || !ok)
      return errorf(where, ": Split with invert is not supported");
    if (behavior != "Isolated")
      return errorf(where, ": Split behavior ", quoted(behavior),
                    " is not supported (Isolated is)");
    if (field(pattern, "Regex").is_string()) {
      out.patterns.push_back(field(pattern, "Regex").get<std::string>());
      return Status::ok();
    }
    if (field(pattern, "String").is_string()) {
      out.patterns.push_back(
          literalPattern(field(pattern, "String").get<std::string>()));
      return Status::ok();
    }
    return errorf(where, ": Split has no Regex or String pattern");
  }
  return errorf(where, ": pre-tokenizer ", quoted(type),
                " is not supported by byte-level BPE (ByteLevel, Split and "
                "Sequence are; a SentencePiece-style tokenizer reads its "
                "tokenizer.model)");
}

} // namespace

Status BpeTokenizer::fromTokenizerJson(const std::string &path,
                                       std::unique_ptr<Tokenizer> &out) {
  json document;
  TESSEL_RETURN_IF_ERROR(readJson(path, document));
  if (!document.is_object())
    return errorf(path, ": not a tokenizer.json (the top level is not an object)");
  const json &model = field(document, "model");
  if (!model.is_object())
    return errorf(path, ": no \"model\" object");
  std::string type = field(model, "type").is_null()
                         ? "BPE"
                         : stringField(model, "type", "");
  if (type != "BPE")
    return errorf(path, ": model type ", quoted(type),
                  " is not supported (BPE is; for SentencePiece models give "
                  "the tokenizer.model file)");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (!field(model, key).is_null() && field(model, key) != "")
      return errorf(path, ": model.", key, " is not supported");

  std::unique_ptr<BpeTokenizer> tokenizer(new BpeTokenizer());
  const json &normalizer = field(document, "normalizer");
  if (!normalizer.is_null()) {
    std::string kind = stringField(normalizer, "type", "");
    if (kind != "NFC")
      return errorf(path, ": normalizer ", quoted(kind), " is not supported");
    tokenizer->readingNotes.push_back(
        "the NFC normalizer is not applied: text is encoded as given (the "
        "same ids for text already in NFC)");
  }
  if (!field(model, "dropout").is_null())
    tokenizer->readingNotes.push_back(
        "BPE dropout is not applied: encoding is deterministic");

  PreTokenizer pre;
  const json &preNode = field(document, "pre_tokenizer");
  if (preNode.is_null())
    return errorf(path, ": no pre_tokenizer (byte-level BPE needs ByteLevel)");
  TESSEL_RETURN_IF_ERROR(readPreTokenizer(preNode, path, pre));
  if (!pre.byteLevel)
    return errorf(path, ": the pre_tokenizer has no ByteLevel step; only "
                        "byte-level BPE is supported");

  std::vector<std::pair<std::string, int64_t>> vocab;
  TESSEL_RETURN_IF_ERROR(
      readVocab(field(model, "vocab"), path + ": model.vocab", vocab));
  const json &mergeNode = field(model, "merges");
  if (!mergeNode.is_array() && !mergeNode.is_null())
    return errorf(path, ": model.merges is not a list");
  std::vector<std::pair<std::string, std::string>> mergeList;
  auto at = [&](size_t i) {
    return path + ": model.merges[" + std::to_string(i) + "]";
  };
  for (size_t i = 0; i < mergeNode.size(); ++i) {
    const json &m = mergeNode[i];
    if (m.is_string()) {
      std::string line = m.get<std::string>();
      size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != line.npos)
        return errorf(at(i), ": expected \"left right\", got ", quoted(line));
      mergeList.push_back({line.substr(0, space), line.substr(space + 1)});
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() &&
               m[1].is_string()) {
      mergeList.push_back({m[0].get<std::string>(), m[1].get<std::string>()});
    } else {
      return errorf(at(i), ": a merge is \"left right\" or [left, right]");
    }
  }
  // Added tokens take ids too; the vocabulary may or may not list them.
  const json &added = field(document, "added_tokens");
  if (!added.is_array() && !added.is_null())
    return errorf(path, ": added_tokens is not a list");
  std::vector<std::pair<std::string, int32_t>> addedTokens;
  for (size_t i = 0; i < added.size(); ++i) {
    const json &a = added[i];
    if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() ||
        !a.contains("content") || !a["content"].is_string() ||
        a["id"].get<int64_t>() < 0 || a["id"].get<int64_t>() >= kMaxTokens ||
        a["content"].get<std::string>().empty())
      return errorf(path, ": added_tokens[", i,
                    "] needs an id in [0, 2^24) and a non-empty content");
    addedTokens.push_back(
        {a["content"].get<std::string>(), a["id"].get<int32_t>()});
  }
  std::unordered_map<int64_t, const std::string *> spellingOf;
  for (const auto &[spelling, id] : vocab)
    spellingOf[id] = &spelling;
  std::vector<std::pair<std::string, int64_t>> all = vocab;
  std::unordered_map<int64_t, bool> isAdded;
  for (const auto &[content, id] : addedTokens) {
    isAdded[id] = true;
    auto listed = spellingOf.find(id);
    if (listed == spellingOf.end())
      all.push_back({content, id});
    else if (*listed->second != content &&
             fromByteLevel(*listed->second) != std::optional(content))
      return errorf(path, ": added token ", quoted(content), " has id ", id,
                    ", which the vocabulary gives to ",
                    quoted(*listed->second));
  }
  bool ok = true;
  bool byteFallback = boolField(model, "byte_fallback", false, ok);
  bool ignoreMerges = boolField(model, "ignore_merges", false, ok);
  if (!ok)
    return errorf(path, ": model.byte_fallback and model.ignore_merges are "
                        "true or false");
  TESSEL_RETURN_IF_ERROR(tokenizer->build(all, mergeList, at, byteFallback));
  for (const auto &[content, id] : addedTokens) {
    if (findInvalidUtf8(content))
      return errorf(path, ": added token ", id, " is not valid UTF-8");
    tokenizer->tokens[id] = content;
    tokenizer->specials.push_back({content, id});
  }
  // Every other token must have been byte-level text.
  for (const auto &[spelling, id] : vocab)
    if (!isAdded.count(id) && !fromByteLevel(spelling) &&
        !(byteFallback && fallbackByte(spelling)))
      return errorf(path, ": vocabulary token ", quoted(spelling), " (id ", id,
                    ") is not byte-level text");
  tokenizer->addPrefixSpace = pre.addPrefixSpace;
  tokenizer->ignoreMerges = ignoreMerges;
  for (const std::string &source : pre.patterns) {
    std::unique_ptr<Regex> pattern;
    Status compiled = Regex::compile(source, pattern);
    if (!compiled.isOk())
      return errorf(path, ": ", compiled.message());
    tokenizer->patterns.push_back(std::move(pattern));
  }
  tokenizer->finish();
  tokenizer->sources = {path};
  out = std::move(tokenizer);
  return Status::ok();
}

void BpeTokenizer::finish() {
  // Longest first, so that `<|end|>` does not win over `<|endoftext|>`.
  std::stable_sort(specials.begin(), specials.end(),
                   [](const auto &a, const auto &b) {
                     return a.first.size() > b.first.size();
                   });
  for (const auto &[content, id] : specials) {
    specialStart[static_cast<unsigned char>(content[0])] = true;
    if (!endOfTextId && (content == "<|endoftext|>" ||
                         content == "<|end_of_text|>" || content == "</s>"))
      endOfTextId = id;
    // DeepSeek spells its <｜begin▁of▁sentence｜> with full-width bars.
    if (!beginOfTextId &&
        (content == "<|begin_of_text|>" || content == "<s>" ||
         content == "<\xEF\xBD\x9C"
                    "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"))
      beginOfTextId = id;
  }
  for (int b = 0; b < 256; ++b)
    if (byteIds[b] < 0)
      readingNotes.push_back("byte " + std::to_string(b) +
                             " has no token: text containing it cannot be "
                             "encoded");
}

std::vector<std::pair<std::string, int32_t>>
BpeTokenizer::specialTokens() const {
  std::vector<std::pair<std::string, int32_t>> list = specials;
  std::sort(list.begin(), list.end(),
            [](const auto &a, const auto &b) { return a.second < b.second; });
  return list;
}

Status BpeTokenizer::cut(std::string_view text, std::vector<Piece> &pieces,
                         std::deque<std::string> &storage) const {
  std::vector<std::pair<size_t, size_t>> spans, next;
  auto addSegment = [&](size_t begin, size_t end) -> Status {
    if (begin == end)
      return Status::ok();
    std::string_view segment = text.substr(begin, end - begin);
    if (addPrefixSpace && segment[0] != ' ') {
      storage.push_back(" " + std::string(segment));
      segment = storage.back();
    }
    spans.assign(1, {0, segment.size()});
    for (const auto &pattern : patterns) {
      next.clear();
      for (auto [offset, length] : spans)
        TESSEL_RETURN_IF_ERROR(
            pattern->split(segment.substr(offset, length), offset, next));
      spans.swap(next);
    }
    for (auto [offset, length] : spans)
      pieces.push_back({segment.substr(offset, length), -1});
    return Status::ok();
  };
  size_t segmentStart = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!specialStart[static_cast<unsigned char>(text[i])])
      continue;
    for (const auto &[content, id] : specials) {
      if (text.compare(i, content.size(), content) != 0)
        continue;
      TESSEL_RETURN_IF_ERROR(addSegment(segmentStart, i));
      pieces.push_back({text.substr(i, content.size()), id});
      i += content.size() - 1;
      segmentStart = i + 1;
      break;
    }
  }
  return addSegment(segmentStart, text.size());
}

bool BpeTokenizer::mergePiece(std::string_view piece,
                              std::vector<int32_t> &ids) const {
  if (ignoreMerges) {
    auto whole = idOfBytes.find(std::string(piece));
    if (whole != idOfBytes.end()) {
      ids.push_back(whole->second);
      return true;
    }
  }
  // One symbol per byte; ranks[i] is the merge of symbols i and i + 1.
  std::vector<int32_t> symbols(piece.size());
  for (size_t i = 0; i < piece.size(); ++i) {
    symbols[i] = byteIds[static_cast<unsigned char>(piece[i])];
    if (symbols[i] < 0)
      return false;
  }
  if (symbols.size() > kShortPiece) {
    mergeLongPiece(symbols, ids);
    return true;
  }
  auto mergeOf = [&](size_t i) {
    auto it = merges.find(pairKey(symbols[i], symbols[i + 1]));
    return it == merges.end() ? kNoMerge : it->second;
  };
  std::vector<uint64_t> ranks(symbols.size() ? symbols.size() - 1 : 0);
  for (size_t i = 0; i < ranks.size(); ++i)
    ranks[i] = mergeOf(i);
  while (!ranks.empty()) {
    // The learned-first pair, leftmost among equals; the merged id is in
    // the low bits, so comparing whole words compares ranks.
    size_t best = std::min_element(ranks.begin(), ranks.end()) - ranks.begin();
    if (ranks[best] == kNoMerge)
      break;
    symbols[best] = static_cast<int32_t>(ranks[best] & 0xFFFFFFFF);
    symbols.erase(symbols.begin() + best + 1);
    ranks.erase(ranks.begin() + best);
    if (best > 0)
      ranks[best - 1] = mergeOf(best - 1);
    if (best < ranks.size())
      ranks[best] = mergeOf(best);
  }
  ids.insert(ids.end(), symbols.begin(), symbols.end());
  return true;
}

void BpeTokenizer::mergeLongPiece(std::vector<int32_t> &symbols,
                                  std::vector<int32_t> &ids) const {
  // The same merges in the same order as the short form, in O(n log n): a
  // linked list of symbols and a heap of (merge, left position) with lazy
  // deletion. Positions are the original byte offsets, so the smallest
  // position among equal merges is the leftmost.
  size_t n = symbols.size();
  std::vector<size_t> next(n), prev(n);
  for (size_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i - 1; // Wraps for i == 0: no predecessor.
  }
  auto mergeAt = [&](size_t i) {
    if (next[i] >= n)
      return kNoMerge;
    auto it = merges.find(pairKey(symbols[i], symbols[next[i]]));
    return it == merges.end() ? kNoMerge : it->second;
  };
  using Entry = std::pair<uint64_t, size_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (size_t i = 0; i + 1 < n; ++i)
    if (uint64_t m = mergeAt(i); m != kNoMerge)
      heap.push({m, i});
  std::vector<bool> alive(n, true);
  while (!heap.empty()) {
    auto [merge, i] = heap.top();
    heap.pop();
    if (!alive[i] || mergeAt(i) != merge)
      continue; // Stale: a neighbour changed since this was pushed.
    size_t j = next[i];
    symbols[i] = static_cast<int32_t>(merge & 0xFFFFFFFF);
    alive[j] = false;
    next[i] = next[j];
    if (next[j] < n)
      prev[next[j]] = i;
    if (uint64_t m = mergeAt(i); m != kNoMerge)
      heap.push({m, i});
    if (prev[i] < n)
      if (uint64_t m = mergeAt(prev[i]); m != kNoMerge)
        heap.push({m, prev[i]});
  }
  for (size_t i = 0; i < n; i = next[i])
    ids.push_back(symbols[i]);
}

Status BpeTokenizer::encode(std::string_view text, std::vector<int32_t> &ids,
                            unsigned threads) const {
  TESSEL_RETURN_IF_ERROR(checkUtf8(text, "input"));
  std::vector<Piece> pieces;
  std::deque<std::string> storage;
  TESSEL_RETURN_IF_ERROR(cut(text, pieces, storage));

  // Pieces repeat (" the", "\n"): each worker remembers what it merged.
  auto work = [&](size_t begin, size_t end, std::vector<int32_t> &out,
                  std::string_view &failed) {
    std::unordered_map<std::string_view, std::pair<size_t, size_t>> seen;
    for (size_t p = begin; p < end; ++p) {
      const Piece &piece = pieces[p];
      if (piece.special >= 0) {
        out.push_back(piece.special);
        continue;
      }
      auto known = seen.find(piece.text);
      if (known != seen.end()) {
        auto [at, count] = known->second;
        for (size_t k = 0; k < count; ++k)
          out.push_back(out[at + k]);
        continue;
      }
      size_t at = out.size();
      if (!mergePiece(piece.text, out)) {
        failed = piece.text;
        return;
      }
      if (piece.text.size() <= 64)
        seen.emplace(piece.text, std::make_pair(at, out.size() - at));
    }
  };
  // Threads split the pieces, not the text: pre-token boundaries are where
  // the ids do not depend on the split.
  unsigned workers =
      std::max(1u, std::min<unsigned>(threads, pieces.size() / 256 + 1));
  std::vector<std::vector<int32_t>> results(workers);
  std::vector<std::string_view> failures(workers);
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w) {
    size_t begin = pieces.size() * w / workers,
           end = pieces.size() * (w + 1) / workers;
    if (w + 1 == workers)
      work(begin, end, results[w], failures[w]);
    else
      pool.emplace_back(work, begin, end, std::ref(results[w]),
                        std::ref(failures[w]));
  }
  for (std::thread &t : pool)
    t.join();
  for (unsigned w = 0; w < workers; ++w) {
    if (!failures[w].empty()) {
      for (char c : failures[w])
        if (byteIds[static_cast<unsigned char>(c)] < 0)
          return errorf("input: byte 0x", std::hex,
                        int(static_cast<unsigned char>(c)),
                        " has no token in this vocabulary");
    }
    ids.insert(ids.end(), results[w].begin(), results[w].end());
  }
  return Status::ok();
}

Status BpeTokenizer::tokenBytes(int32_t id, size_t, std::string &bytes) const {
  if (id < 0 || id >= static_cast<int64_t>(tokens.size()) || !present[id])
    return errorf("token id ", id, " is not in the vocabulary (size ",
                  tokens.size(), ")");
  bytes = tokens[id];
  return Status::ok();
}

Status BpeTokenizer::decode(const std::vector<int32_t> &ids,
                            std::string &text) const {
  std::string bytes;
  for (int32_t id : ids) {
    TESSEL_RETURN_IF_ERROR(tokenBytes(id, 0, bytes));
    text += bytes;
  }
  return Status::ok();
}

} // namespace tessel
