//===- BpeTrainer.cpp - learn a byte-level BPE vocabulary -----------------===//

#include "runtime/tokenizer/BpeTrainer.h"

#include "runtime/Files.h"

#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Text.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <queue>
#include <set>
#include <unordered_map>

#include <sys/stat.h>
#include <unistd.h>

namespace tessel {

namespace {

uint64_t pairKey(int32_t left, int32_t right) {
  return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
}
int32_t leftOf(uint64_t key) { return int32_t(key >> 32); }
int32_t rightOf(uint64_t key) { return int32_t(key & 0xFFFFFFFF); }

/// A distinct piece of the corpus: its symbols and how often it occurs.
struct Word {
  std::vector<int32_t> symbols;
  int64_t count;
};

class Trainer {
public:
  explicit Trainer(std::vector<std::string> &tokens) : tokens(tokens) {}

  void addWord(std::string_view bytes, int64_t count,
               const int32_t (&byteIds)[256]) {
    Word word{{}, count};
    for (char c : bytes)
      word.symbols.push_back(byteIds[static_cast<unsigned char>(c)]);
    words.push_back(std::move(word));
    countPairs(words.size() - 1, +1);
  }

  /// Merges the best pair into a new token; false when none is left.
  bool mergeOnce(std::pair<int32_t, int32_t> &merged) {
    while (!queue.empty()) {
      Entry top = queue.top();
      queue.pop();
      auto it = counts.find(top.pair);
      if (it == counts.end() || it->second != top.count || top.count <= 0)
        continue; // Stale: the count changed after this entry was pushed.
      int32_t left = leftOf(top.pair), right = rightOf(top.pair);
      int32_t id = static_cast<int32_t>(tokens.size());
      tokens.push_back(tokens[left] + tokens[right]);
      merged = {left, right};
      std::vector<uint32_t> affected;
      affected.swap(wordsWith[top.pair]);
      std::sort(affected.begin(), affected.end());
      affected.erase(std::unique(affected.begin(), affected.end()),
                     affected.end());
      for (uint32_t w : affected)
        replace(w, left, right, id);
      flush();
      return true;
    }
    return false;
  }

private:
  struct Entry {
    int64_t count;
    uint64_t pair;
  };
  /// Higher count first; among equal counts, the pair whose bytes sort
  /// first (left token, then right token).
  struct Lower {
    const std::vector<std::string> *tokens;
    bool operator()(const Entry &a, const Entry &b) const {
      if (a.count != b.count)
        return a.count < b.count;
      const std::string &al = (*tokens)[leftOf(a.pair)],
                        &bl = (*tokens)[leftOf(b.pair)];
      if (al != bl)
        return al > bl;
      return (*tokens)[rightOf(a.pair)] > (*tokens)[rightOf(b.pair)];
    }
  };

  /// Adds (`sign` +1) or removes (-1) word `w`'s pairs from the counts.
  void countPairs(size_t w, int sign) {
    const Word &word = words[w];
    for (size_t i = 0; i + 1 < word.symbols.size(); ++i) {
      uint64_t key = pairKey(word.symbols[i], word.symbols[i + 1]);
      int64_t &count = counts[key];
      count += sign * word.count;
      if (sign > 0)
        wordsWith[key].push_back(static_cast<uint32_t>(w));
      changed.push_back(key);
    }
  }

  /// Merges every (left, right) in word `w` into `id`, updating counts.
  void replace(uint32_t w, int32_t left, int32_t right, int32_t id) {
    Word &word = words[w];
    bool found = false;
    for (size_t i = 0; i + 1 < word.symbols.size(); ++i)
      found |= word.symbols[i] == left && word.symbols[i + 1] == right;
    if (!found)
      return;
    countPairs(w, -1);
    std::vector<int32_t> next;
    for (size_t i = 0; i < word.symbols.size(); ++i) {
      if (i + 1 < word.symbols.size() && word.symbols[i] == left &&
          word.symbols[i + 1] == right) {
        next.push_back(id);
        ++i;
      } else {
        next.push_back(word.symbols[i]);
      }
    }
    word.symbols.swap(next);
    countPairs(w, +1);
  }

public:
  /// Pushes queue entries for the pairs whose counts changed.
  void flush() {
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (uint64_t key : changed) {
      auto it = counts.find(key);
      if (it->second > 0)
        queue.push({it->second, key});
      else
        counts.erase(it);
    }
    changed.clear();
  }

private:
  std::vector<std::string> &tokens;
  std::vector<Word> words;
  std::unordered_map<uint64_t, int64_t> counts;
  std::unordered_map<uint64_t, std::vector<uint32_t>> wordsWith;
  std::vector<uint64_t> changed;
  std::priority_queue<Entry, std::vector<Entry>, Lower> queue{
      Lower{&tokens}};
};

} // namespace

Status trainBpe(const std::vector<std::string> &texts,
                const std::vector<std::string> &names,
                const BpeTrainerOptions &options, BpeVocabulary &out) {
  int64_t specials = options.specialTokens.size();
  if (options.vocabSize < 256 + specials)
    return errorf("the vocabulary size must be at least ", 256 + specials,
                  " (256 bytes and ", specials, " special tokens), got ",
                  options.vocabSize);
  // Special tokens are whole strings of their own: no two alike, none the
  // spelling of a byte, and text the files can hold.
  std::set<std::string> seen;
  for (const std::string &special : options.specialTokens) {
    if (special.empty() || findInvalidUtf8(special))
      return errorf("special token ", seen.size() + 1,
                    " must be non-empty UTF-8 text");
    if (!seen.insert(special).second)
      return errorf("special token '", special, "' is given twice");
    if (fromByteLevel(special) && fromByteLevel(special)->size() == 1)
      return errorf("special token '", special,
                    "' is the spelling of a byte; choose another");
  }
  std::unique_ptr<Regex> pattern;
  TESSEL_RETURN_IF_ERROR(Regex::compile(kGpt2Pattern, pattern));

  // Count the pieces; the map's keys are slices of `texts`.
  std::unordered_map<std::string_view, int64_t> pieceCounts;
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t t = 0; t < texts.size(); ++t) {
    TESSEL_RETURN_IF_ERROR(checkUtf8(texts[t], names[t]));
    std::string_view text = texts[t];
    spans.clear();
    TESSEL_RETURN_IF_ERROR(pattern->split(text, 0, spans));
    for (auto [offset, length] : spans)
      ++pieceCounts[text.substr(offset, length)];
  }
  // Ids 0-255: the bytes in the order of their byte-level characters, as
  // GPT-2's vocabulary has them.
  std::vector<std::pair<std::string, int>> alphabet;
  for (int b = 0; b < 256; ++b)
    alphabet.push_back({toByteLevel(std::string(1, char(b))), b});
  std::sort(alphabet.begin(), alphabet.end(),
            [](const auto &x, const auto &y) {
              // By code point: UTF-8 byte order is code point order.
              return x.first < y.first;
            });
  out = BpeVocabulary();
  int32_t byteIds[256];
  for (size_t i = 0; i < alphabet.size(); ++i) {
    out.tokens.push_back(std::string(1, char(alphabet[i].second)));
    byteIds[alphabet[i].second] = static_cast<int32_t>(i);
  }

  // Words in byte order, so that nothing depends on hash order.
  std::vector<std::pair<std::string_view, int64_t>> pieces(pieceCounts.begin(),
                                                           pieceCounts.end());
  std::sort(pieces.begin(), pieces.end());
  Trainer trainer(out.tokens);
  for (const auto &[bytes, count] : pieces)
    trainer.addWord(bytes, count, byteIds);
  trainer.flush();

  int64_t wanted = options.vocabSize - 256 - specials;
  int64_t step = std::max<int64_t>(1, wanted / 10);
  for (int64_t done = 0; done < wanted; ++done) {
    std::pair<int32_t, int32_t> merged;
    if (!trainer.mergeOnce(merged))
      break;
    out.merges.push_back(merged);
    if (options.progress && ((done + 1) % step == 0 || done + 1 == wanted))
      options.progress(done + 1, wanted);
  }
  std::set<std::string> spellings;
  for (const std::string &token : out.tokens)
    spellings.insert(toByteLevel(token));
  for (const std::string &special : options.specialTokens) {
    if (spellings.count(special))
      return errorf("special token '", special,
                    "' is spelled like a learned token; choose another");
    out.tokens.push_back(special);
  }
  out.specialCount = specials;
  return Status::ok();
}

namespace {

void removeTree(const std::string &dir) {
  for (const char *name : {"vocab.json", "merges.txt", "tokenizer.json"})
    std::remove((dir + "/" + name).c_str());
  rmdir(dir.c_str());
}

} // namespace

Status writeBpeFiles(const BpeVocabulary &vocabulary,
                     const std::string &directory) {
  using ordered_json = nlohmann::ordered_json;
  size_t regular = vocabulary.tokens.size() - vocabulary.specialCount;
  ordered_json vocab = ordered_json::object();
  for (size_t id = 0; id < regular; ++id)
    vocab[toByteLevel(vocabulary.tokens[id])] = id;
  ordered_json added = ordered_json::array();
  for (size_t id = regular; id < vocabulary.tokens.size(); ++id) {
    vocab[vocabulary.tokens[id]] = id;
    added.push_back({{"id", id},
                     {"content", vocabulary.tokens[id]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  std::string mergesText = "#version: 0.2\n";
  ordered_json mergeList = ordered_json::array();
  for (auto [left, right] : vocabulary.merges) {
    std::string l = toByteLevel(vocabulary.tokens[left]),
                r = toByteLevel(vocabulary.tokens[right]);
    mergesText += l + " " + r + "\n";
    mergeList.push_back(l + " " + r);
  }
  ordered_json byteLevel = {{"type", "ByteLevel"},
                            {"add_prefix_space", false},
                            {"trim_offsets", true},
                            {"use_regex", true}};
  ordered_json tokenizer = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", byteLevel},
      {"post_processor", byteLevel},
      {"decoder", byteLevel},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", mergeList}}}};

  // Write beside the target and rename into place: a failure leaves
  // nothing, and an existing non-empty directory is never touched.
  struct stat info;
  if (stat(directory.c_str(), &info) == 0 && !S_ISDIR(info.st_mode))
    return errorf(directory, ": exists and is not a directory");
  std::string staging = directory + ".partial-" + std::to_string(getpid());
  if (mkdir(staging.c_str(), 0755) != 0)
    return errorf(staging, ": cannot create: ", std::strerror(errno));
  Status written = writeFile(staging + "/vocab.json", vocab.dump(1) + "\n");
  if (written.isOk())
    written = writeFile(staging + "/merges.txt", mergesText);
  if (written.isOk())
    written = writeFile(staging + "/tokenizer.json", tokenizer.dump(2) + "\n");
  if (written.isOk() && rename(staging.c_str(), directory.c_str()) != 0)
    written = errno == ENOTEMPTY || errno == EEXIST
                  ? errorf(directory, ": exists and is not empty; give a new "
                                      "or empty directory")
                  : errorf(directory, ": cannot create: ",
                           std::strerror(errno));
  if (!written.isOk())
    removeTree(staging);
  return written;
}

} // namespace tessel
