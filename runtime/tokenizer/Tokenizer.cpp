//===- Tokenizer.cpp - text to token ids and back -------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/tokenizer/BpeTokenizer.h"
#include "runtime/tokenizer/SentencePieceTokenizer.h"
#include "runtime/tokenizer/Text.h"

#include <sys/stat.h>

namespace tessel {

Tokenizer::~Tokenizer() = default;

namespace {

bool isDirectory(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool isFile(const std::string &path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

Status checkUtf8(std::string_view text, const std::string &where) {
  if (std::optional<size_t> bad = findInvalidUtf8(text))
    return errorf(where, ": invalid UTF-8 at byte ", *bad,
                  " (tokenizers take UTF-8 text)");
  return Status::ok();
}

Status loadTokenizer(const std::string &path, std::unique_ptr<Tokenizer> &out) {
  if (isDirectory(path)) {
    std::string dir = endsWith(path, "/") ? path : path + "/";
    if (isFile(dir + "tokenizer.json")) {
      Status json = BpeTokenizer::fromTokenizerJson(dir + "tokenizer.json", out);
      if (json.isOk() || !isFile(dir + "tokenizer.model"))
        return json;
      return SentencePieceTokenizer::load(dir + "tokenizer.model", out);
    }
    if (isFile(dir + "vocab.json") && isFile(dir + "merges.txt"))
      return BpeTokenizer::fromGpt2Files(dir + "vocab.json",
                                         dir + "merges.txt", out);
    if (isFile(dir + "tokenizer.model"))
      return SentencePieceTokenizer::load(dir + "tokenizer.model", out);
    return errorf(path, ": no tokenizer here (looked for tokenizer.json, "
                        "vocab.json with merges.txt, tokenizer.model)");
  }
  if (!isFile(path))
    return errorf(path, ": no such file or directory");
  if (endsWith(path, ".json")) {
    if (endsWith(path, "vocab.json")) {
      std::string merges = path.substr(0, path.size() - 10) + "merges.txt";
      if (isFile(merges))
        return BpeTokenizer::fromGpt2Files(path, merges, out);
      return errorf(path, ": a GPT-2 vocabulary needs merges.txt beside it");
    }
    return BpeTokenizer::fromTokenizerJson(path, out);
  }
  return SentencePieceTokenizer::load(path, out);
}

Status StreamDecoder::push(int32_t id, std::string &ready) {
  std::string bytes;
  TESSEL_RETURN_IF_ERROR(tokenizer.tokenBytes(id, count, bytes));
  ++count;
  pending += bytes;
  size_t complete = completeUtf8Prefix(pending);
  ready = pending.substr(0, complete);
  pending.erase(0, complete);
  return Status::ok();
}

std::string StreamDecoder::finish() {
  std::string rest;
  rest.swap(pending);
  return rest;
}

} // namespace tessel
