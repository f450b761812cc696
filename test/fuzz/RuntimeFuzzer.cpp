//===- RuntimeFuzzer.cpp - libFuzzer target for the runtime's readers
//------===//
//
// Feeds arbitrary bytes to what the runtime reads from users: .npy images,
// safetensors files, tokenizer.json files, text and ids for a tokenizer,
// an artifact's manifest.json, a sharded checkpoint's index.json and a
// LoRA adapter's adapter_config.json. Every input must end in a Status (an
// error is fine); a crash, a sanitizer report, a hang or an uncaught exception
// is a bug. The first byte picks the reader. Built by scripts/fuzz.sh runtime
// (clang, ASan, UBSan, libFuzzer; the runtime-only configuration).
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"
#include "runtime/dist/ShardedCheckpoint.h"
#include "runtime/tokenizer/BpeTokenizer.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/train/Lora.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

using namespace tessel;

namespace {

/// Writes `bytes` to a file of this process's own and returns its path
/// (the tokenizer readers take paths).
std::string scratchFile(const std::string &bytes) {
  static const std::string path =
      "/tmp/tessel-fuzz-" + std::to_string(getpid()) + ".json";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

/// Writes `bytes` as `name` in a directory of this process's own and
/// returns the directory (the artifact, checkpoint and adapter readers take
/// directories).
std::string scratchDirectory(const std::string &name,
                             const std::string &bytes) {
  static const std::string dir =
      "/tmp/tessel-fuzz-" + std::to_string(getpid()) + ".d";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << bytes;
  return dir;
}

/// A small byte-level BPE tokenizer with a Split pattern, byte fallback,
/// an added token and a few merges, read once.
const Tokenizer &smallTokenizer() {
  static std::unique_ptr<Tokenizer> tokenizer = [] {
    std::string json = R"({
      "added_tokens": [{"id": 300, "content": "<|end|>"}],
      "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+"},
         "behavior": "Isolated"},
        {"type": "ByteLevel", "use_regex": false}]},
      "model": {"type": "BPE", "ignore_merges": true, "vocab": {)";
    for (int b = 0; b < 256; ++b)
      json += "\"<0x" + std::string(1, "0123456789ABCDEF"[b / 16]) +
              std::string(1, "0123456789ABCDEF"[b % 16]) + ">\": " +
              std::to_string(b) + ",";
    json += R"("a": 256, "b": 257, "ab": 258, "aba": 259, "Ġ": 260},
      "byte_fallback": true, "merges": ["a b", "ab a"]}})";
    std::unique_ptr<Tokenizer> t;
    Status s = BpeTokenizer::fromTokenizerJson(scratchFile(json), t);
    if (!s.isOk()) {
      std::fprintf(stderr, "fuzz setup: %s\n", s.message().c_str());
      std::abort();
    }
    return t;
  }();
  return *tokenizer;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
  switch (data[0] % 8) {
  case 0: {
    Tensor tensor;
    (void)parseNpy(bytes, "fuzz.npy", tensor);
    break;
  }
  case 1: {
    SafetensorsFile file;
    if (file.openBytes(bytes, "fuzz.safetensors").isOk())
      for (const auto &[name, entry] : file.tensors()) {
        Tensor tensor;
        (void)file.readFloat(name, tensor);
      }
    break;
  }
  case 2: {
    std::unique_ptr<Tokenizer> tokenizer;
    if (BpeTokenizer::fromTokenizerJson(scratchFile(bytes), tokenizer)
            .isOk()) {
      std::vector<int32_t> ids;
      std::string text;
      if (tokenizer->encode("fuzz <|x|> 123 \xC3\xA9", ids).isOk())
        (void)tokenizer->decode(ids, text);
    }
    break;
  }
  case 3: {
    // Text: encode (invalid UTF-8 is an error), then decode must give it
    // back byte for byte.
    const Tokenizer &tokenizer = smallTokenizer();
    std::vector<int32_t> ids;
    if (tokenizer.encode(bytes, ids, 1 + data[0] % 2).isOk()) {
      std::string text;
      if (!tokenizer.decode(ids, text).isOk() || text != bytes)
        std::abort();
    }
    break;
  }
  case 4: {
    // Ids: any id, streamed.
    const Tokenizer &tokenizer = smallTokenizer();
    StreamDecoder stream(tokenizer);
    std::string ready;
    for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
      int32_t id = static_cast<unsigned char>(bytes[i]) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8);
      (void)stream.push(id % 400, ready);
    }
    (void)stream.finish();
    break;
  }
  case 5: {
    // A manifest: parsed and checked before the library it names is
    // loaded (there is none here).
    Artifact artifact;
    (void)artifact.load(scratchDirectory("manifest.json", bytes));
    break;
  }
  case 6: {
    // A sharded checkpoint's index (its shard files are missing unless
    // the index names none).
    std::string consolidated;
    (void)dist::consolidateCheckpoint(scratchDirectory("index.json", bytes),
                                      "tessel.train", consolidated);
    break;
  }
  case 7: {
    // An adapter's config (its tensors and the base are missing).
    std::string dir = scratchDirectory("adapter_config.json", bytes);
    (void)train::mergeAdapter(dir + "/base.safetensors", dir,
                              dir + "/merged.safetensors");
    break;
  }
  }
  return 0;
}
