//===- SentencePieceTokenizer.cpp - SentencePiece .model files ------------===//

#include "runtime/tokenizer/SentencePieceTokenizer.h"

#include "runtime/Files.h"

#include <sentencepiece_processor.h>

namespace tessel {

SentencePieceTokenizer::SentencePieceTokenizer()
    : processor(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

Status SentencePieceTokenizer::load(const std::string &path,
                                    std::unique_ptr<Tokenizer> &out) {
  // Read the file ourselves: the error for a missing one names it as every
  // other loader does, and the library only parses bytes.
  std::string bytes;
  TESSEL_RETURN_IF_ERROR(readFile(path, bytes));
  std::unique_ptr<SentencePieceTokenizer> tokenizer(
      new SentencePieceTokenizer());
  sentencepiece::util::Status status =
      tokenizer->processor->LoadFromSerializedProto(bytes);
  if (!status.ok()) {
    // The library's message quotes its own source for a file it cannot
    // parse; say it plainly.
    std::string detail = status.message();
    if (detail.rfind("./src/", 0) == 0 || detail.empty())
      return errorf(path, ": not a SentencePiece model (cannot parse it)");
    return errorf(path, ": not a SentencePiece model: ", detail);
  }
  tokenizer->sources = {path};
  out = std::move(tokenizer);
  return Status::ok();
}

int64_t SentencePieceTokenizer::vocabSize() const {
  return processor->GetPieceSize();
}

std::vector<std::pair<std::string, int32_t>>
SentencePieceTokenizer::specialTokens() const {
  std::vector<std::pair<std::string, int32_t>> list;
  for (int id = 0; id < processor->GetPieceSize(); ++id)
    if (processor->IsControl(id) || processor->IsUnknown(id))
      list.push_back({processor->IdToPiece(id), id});
  return list;
}

std::optional<int32_t> SentencePieceTokenizer::endOfText() const {
  int id = processor->eos_id();
  return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
}

std::optional<int32_t> SentencePieceTokenizer::beginOfText() const {
  int id = processor->bos_id();
  return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
}

Status SentencePieceTokenizer::encode(std::string_view text,
                                      std::vector<int32_t> &ids,
                                      unsigned) const {
  TESSEL_RETURN_IF_ERROR(checkUtf8(text, "input"));
  std::vector<int> pieces;
  sentencepiece::util::Status status = processor->Encode(text, &pieces);
  if (!status.ok())
    return errorf("sentencepiece: ", status.message());
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  return Status::ok();
}

Status SentencePieceTokenizer::decode(const std::vector<int32_t> &ids,
                                      std::string &text) const {
  for (int32_t id : ids)
    if (id < 0 || id >= processor->GetPieceSize())
      return errorf("token id ", id, " is not in the vocabulary (size ",
                    processor->GetPieceSize(), ")");
  std::string decoded;
  sentencepiece::util::Status status =
      processor->Decode(std::vector<int>(ids.begin(), ids.end()), &decoded);
  if (!status.ok())
    return errorf("sentencepiece: ", status.message());
  text += decoded;
  return Status::ok();
}

Status SentencePieceTokenizer::tokenBytes(int32_t id, size_t index,
                                          std::string &bytes) const {
  if (id < 0 || id >= processor->GetPieceSize())
    return errorf("token id ", id, " is not in the vocabulary (size ",
                  processor->GetPieceSize(), ")");
  bytes.clear();
  const std::string &piece = processor->IdToPiece(id);
  if (processor->IsByte(id)) {
    // <0xNN>: the raw byte (the library's decode of it alone is U+FFFD).
    bytes = std::string(1, static_cast<char>(
                               std::stoi(piece.substr(3, 2), nullptr, 16)));
    return Status::ok();
  }
  if (index == 0)
    return decode({id}, bytes); // The library's rules for a first piece.
  if (processor->IsControl(id))
    return Status::ok();
  if (processor->IsUnknown(id)) {
    bytes = " \xE2\x81\x87 "; // " ⁇ ", the library's unknown surface.
    return Status::ok();
  }
  // U+2581 (the piece's spelling of a space) back to a space.
  static const std::string kSpace = "\xE2\x96\x81";
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, kSpace.size(), kSpace) == 0) {
      bytes += ' ';
      i += kSpace.size();
    } else {
      bytes += piece[i++];
    }
  }
  return Status::ok();
}

} // namespace tessel
