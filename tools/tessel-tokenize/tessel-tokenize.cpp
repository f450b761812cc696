//===- tessel-tokenize.cpp - text to token ids and back --------------------===//
//
//   tessel-tokenize encode TOKENIZER [FILE] [--text STR] [-o ids.npy]
//   tessel-tokenize decode TOKENIZER [FILE] [--ids "1 2 3"] [-o text.txt]
//   tessel-tokenize train CORPUS... --vocab-size N -o DIR
//   tessel-tokenize info TOKENIZER
//
// TOKENIZER is a directory (tokenizer.json; vocab.json + merges.txt;
// tokenizer.model) or one of those files. Ids are printed as one line of
// space-separated numbers, or written as .npy [1, N] int32 (what
// `tessel-run forward --tokens` takes). No MLIR: it builds in both
// configurations.
//
//===----------------------------------------------------------------------===//

#include "runtime/Files.h"
#include "runtime/Npy.h"
#include "runtime/tokenizer/BpeTrainer.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "tools/common/CommandLine.h"

#include <cctype>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dirent.h>

using namespace tessel;

namespace {

constexpr const char *kTool = "tessel-tokenize";

const cli::OptionSpec kOutput = {"output", "FILE", "Write here, not stdout",
                                 false, false, "o"};

const std::vector<cli::CommandSpec> &commands() {
  static const std::vector<cli::CommandSpec> list = {
      {"encode",
       "Print the token ids of a text (a file, --text, or stdin)",
       "TOKENIZER",
       {{"text", "STR", "Encode this text instead of a file"},
        {"threads", "N", "Merge with N threads (the ids are the same)"},
        {"time", "", "Print the bytes encoded and the time taken to stderr"},
        {"output", "FILE", "Write the ids here (.npy: [1, N] int32)", false,
         false, "o"}},
       "[FILE]",
       1},
      {"decode",
       "Print the text of token ids (a file of ids or .npy, --ids, or stdin)",
       "TOKENIZER",
       {{"ids", "\"1 2 3\"", "Decode these ids instead of a file"},
        {"stream", "",
         "Decode one id at a time, as generate streams (same bytes)"},
        kOutput},
       "[FILE]",
       1},
      {"train",
       "Learn a byte-level BPE vocabulary from text files",
       "CORPUS",
       {{"vocab-size", "N",
         "Tokens in all: 256 bytes, the merges, the special tokens", true},
        {"special", "TOKEN",
         "A special token (default <|endoftext|>); may be repeated", false,
         true},
        {"output", "DIR",
         "New directory for vocab.json, merges.txt, tokenizer.json", true,
         false, "o"}},
       "[CORPUS...]",
       SIZE_MAX},
      {"info", "Describe a tokenizer", "TOKENIZER", {}},
  };
  return list;
}

/// Reads FILE, or stdin when there is none.
Status readInput(const cli::ParsedArgs &args, std::string &bytes,
                 std::string &name) {
  if (!args.extras().empty()) {
    name = args.extras()[0];
    return readFile(name, bytes);
  }
  name = "stdin";
  Status read = readFile("/dev/stdin", bytes);
  if (!read.isOk())
    return errorf("stdin", read.message().substr(10)); // After "/dev/stdin".
  return Status::ok();
}

/// Writes `bytes` to --output (see runtime/Files.h) or stdout.
Status writeOutput(const cli::ParsedArgs &args, const std::string &bytes) {
  if (!args.has("output")) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    return Status::ok();
  }
  return writeFile(args.get("output", ""), bytes);
}

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status runEncode(const cli::ParsedArgs &args) {
  uint64_t threads = 1;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("threads", threads));
  if (threads < 1 || threads > 256)
    return errorf("--threads: expected 1 to 256, got ", threads);
  if (args.has("text") && !args.extras().empty())
    return errorf("encode: give a FILE or --text, not both");
  std::unique_ptr<Tokenizer> tokenizer;
  TESSEL_RETURN_IF_ERROR(loadTokenizer(args.positional(), tokenizer));
  std::string text, name = "--text";
  if (args.has("text"))
    text = args.get("text", "");
  else
    TESSEL_RETURN_IF_ERROR(readInput(args, text, name));

  std::vector<int32_t> ids;
  auto start = std::chrono::steady_clock::now();
  Status encoded = tokenizer->encode(text, ids, threads);
  auto end = std::chrono::steady_clock::now();
  if (!encoded.isOk()) {
    // "input: invalid UTF-8 at byte 7" names the file instead.
    std::string message = encoded.message();
    if (message.rfind("input:", 0) == 0)
      message = name + message.substr(5);
    return Status::error(message);
  }
  if (args.has("time"))
    std::fprintf(stderr, "encoded %zu bytes in %.3f ms (%zu tokens)\n",
                 text.size(),
                 std::chrono::duration<double, std::milli>(end - start).count(),
                 ids.size());
  std::string output = args.get("output", "");
  if (endsWith(output, ".npy")) {
    Tensor tensor = Tensor::zeros(DType::I32, {1, int64_t(ids.size())});
    tensor.ints.assign(ids.begin(), ids.end());
    return writeNpy(output, tensor);
  }
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i)
    line += (i ? " " : "") + std::to_string(ids[i]);
  return writeOutput(args, line + "\n");
}

/// Ids from whitespace-separated text.
Status parseIds(const std::string &text, const std::string &name,
                std::vector<int32_t> &ids) {
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    std::string word = text.substr(i, end - i);
    char *stop = nullptr;
    long long value = std::strtoll(word.c_str(), &stop, 10);
    if (*stop || word.empty() || value < 0 || value > INT32_MAX ||
        !std::isdigit(static_cast<unsigned char>(word[0])))
      return errorf(name, ": '", word.substr(0, 40),
                    "' is not a token id (a non-negative integer)");
    ids.push_back(static_cast<int32_t>(value));
    i = end;
  }
  return Status::ok();
}

Status runDecode(const cli::ParsedArgs &args) {
  if (args.has("ids") && !args.extras().empty())
    return errorf("decode: give a FILE or --ids, not both");
  std::unique_ptr<Tokenizer> tokenizer;
  TESSEL_RETURN_IF_ERROR(loadTokenizer(args.positional(), tokenizer));
  std::vector<int32_t> ids;
  if (args.has("ids")) {
    TESSEL_RETURN_IF_ERROR(parseIds(args.get("ids", ""), "--ids", ids));
  } else if (!args.extras().empty() && endsWith(args.extras()[0], ".npy")) {
    Tensor tensor;
    TESSEL_RETURN_IF_ERROR(readNpy(args.extras()[0], tensor));
    if (tensor.dtype != DType::I32 && tensor.dtype != DType::I64)
      return errorf(args.extras()[0], ": token ids are int32 or int64");
    for (int64_t id : tensor.ints) {
      if (id < 0 || id > INT32_MAX)
        return errorf(args.extras()[0], ": ", id, " is not a token id");
      ids.push_back(static_cast<int32_t>(id));
    }
  } else {
    std::string text, name;
    TESSEL_RETURN_IF_ERROR(readInput(args, text, name));
    TESSEL_RETURN_IF_ERROR(parseIds(text, name, ids));
  }
  std::string text;
  if (args.has("stream")) {
    StreamDecoder stream(*tokenizer);
    std::string ready;
    for (int32_t id : ids) {
      TESSEL_RETURN_IF_ERROR(stream.push(id, ready));
      text += ready;
    }
    text += stream.finish();
  } else {
    TESSEL_RETURN_IF_ERROR(tokenizer->decode(ids, text));
  }
  return writeOutput(args, text);
}

Status runTrain(const cli::ParsedArgs &args) {
  uint64_t vocabSize = 0;
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("vocab-size", vocabSize));
  if (vocabSize > 1000000)
    return errorf("--vocab-size: at most 1000000, got ", vocabSize);
  BpeTrainerOptions options;
  options.vocabSize = static_cast<int64_t>(vocabSize);
  if (args.has("special"))
    options.specialTokens = args.all("special");
  std::string dir = args.get("output", "");
  if (DIR *existing = opendir(dir.c_str())) {
    // Refuse before training, not after: a non-empty directory is kept.
    int entries = 0;
    while (readdir(existing))
      ++entries;
    closedir(existing);
    if (entries > 2)
      return errorf(dir, ": exists and is not empty; give a new or empty "
                         "directory");
  }
  std::vector<std::string> names = {args.positional()};
  names.insert(names.end(), args.extras().begin(), args.extras().end());
  std::vector<std::string> texts(names.size());
  for (size_t i = 0; i < names.size(); ++i)
    TESSEL_RETURN_IF_ERROR(readFile(names[i], texts[i]));
  options.progress = [](int64_t done, int64_t wanted) {
    std::fprintf(stderr, "%s: %lld / %lld merges\n", kTool, (long long)done,
                 (long long)wanted);
  };
  auto start = std::chrono::steady_clock::now();
  BpeVocabulary vocabulary;
  TESSEL_RETURN_IF_ERROR(trainBpe(texts, names, options, vocabulary));
  TESSEL_RETURN_IF_ERROR(writeBpeFiles(vocabulary, dir));
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  std::fprintf(stderr, "%s: %zu tokens (%zu merges) written to %s in %.2f s\n",
               kTool, vocabulary.tokens.size(), vocabulary.merges.size(),
               dir.c_str(), seconds);
  return Status::ok();
}

Status runInfo(const cli::ParsedArgs &args) {
  std::unique_ptr<Tokenizer> tokenizer;
  TESSEL_RETURN_IF_ERROR(loadTokenizer(args.positional(), tokenizer));
  std::printf("kind: %s\n", tokenizer->kind().c_str());
  std::printf("vocab size: %lld\n", (long long)tokenizer->vocabSize());
  std::string list;
  for (const auto &[content, id] : tokenizer->specialTokens())
    list += (list.empty() ? "" : " ") + content + "=" + std::to_string(id);
  std::printf("special tokens: %s\n", list.empty() ? "none" : list.c_str());
  if (std::optional<int32_t> end = tokenizer->endOfText())
    std::printf("end of text: %d\n", *end);
  for (const std::string &note : tokenizer->notes())
    std::printf("note: %s\n", note.c_str());
  return Status::ok();
}

} // namespace

int main(int argc, char **argv) {
  const char *description =
      "tessel-tokenize: byte-level BPE and SentencePiece tokenizers";
  cli::ParsedArgs args;
  bool wantsHelp = false;
  Status parsed = cli::parse(argc, argv, commands(), args, wantsHelp);
  if (wantsHelp) {
    std::printf("%s", cli::usage(kTool, description, commands(),
                                 argc >= 2 ? argv[1] : "")
                          .c_str());
    return 0;
  }
  if (!parsed.isOk()) {
    cli::printError(kTool, parsed.message());
    return 1;
  }
  Status status = Status::ok();
  if (args.command() == "encode")
    status = runEncode(args);
  else if (args.command() == "decode")
    status = runDecode(args);
  else if (args.command() == "train")
    status = runTrain(args);
  else
    status = runInfo(args);
  if (!status.isOk()) {
    cli::printError(kTool, status.message());
    return 1;
  }
  return 0;
}
