//===- ByteTokenizer.cpp - one token per byte -----------------------------===//
//
// The tokenizer of a model trained on raw bytes (a vocabulary of 256 and no
// tokenizer files, as `tessel-run train` reads a text file for a model
// that names no tokenizer): token i is byte i.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

namespace tessel {
namespace {

class ByteTokenizer : public Tokenizer {
public:
  std::string kind() const override { return "bytes"; }
  int64_t vocabSize() const override { return 256; }
  std::vector<std::pair<std::string, int32_t>> specialTokens() const override {
    return {};
  }
  std::optional<int32_t> endOfText() const override { return std::nullopt; }

  Status encode(std::string_view text, std::vector<int32_t> &ids,
                unsigned) const override {
    TESSEL_RETURN_IF_ERROR(checkUtf8(text, "input"));
    for (char c : text)
      ids.push_back(static_cast<unsigned char>(c));
    return Status::ok();
  }

  Status decode(const std::vector<int32_t> &ids,
                std::string &text) const override {
    for (size_t i = 0; i < ids.size(); ++i)
      TESSEL_RETURN_IF_ERROR(appendByte(ids[i], text));
    return Status::ok();
  }

  Status tokenBytes(int32_t id, size_t, std::string &bytes) const override {
    bytes.clear();
    return appendByte(id, bytes);
  }

private:
  static Status appendByte(int32_t id, std::string &out) {
    if (id < 0 || id > 255)
      return errorf("token id ", id, " is not a byte (0 to 255)");
    out.push_back(static_cast<char>(id));
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Tokenizer> makeByteTokenizer() {
  return std::make_unique<ByteTokenizer>();
}

} // namespace tessel
