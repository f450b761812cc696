//===- TokenizerTextTest.cpp - UTF-8 and streaming decode -----------------===//
//
// The byte-level pieces of the tokenizers that lit cannot reach one byte at
// a time: UTF-8 validation at its edges, GPT-2's byte alphabet, and the
// stream decoder holding back a character split across tokens.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Text.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>

using namespace tessel;

namespace {

TEST(Utf8, AcceptsValidText) {
  EXPECT_FALSE(findInvalidUtf8("plain ascii\r\n\t"));
  EXPECT_FALSE(findInvalidUtf8("na\xC3\xAFve \xE4\xB8\xAD \xF0\x9F\xA4\x96"));
  EXPECT_FALSE(findInvalidUtf8(std::string("\0x", 2)));
}

TEST(Utf8, NamesTheFirstBadByte) {
  EXPECT_EQ(findInvalidUtf8("ab\xFF"), std::optional<size_t>(2));
  EXPECT_EQ(findInvalidUtf8("\xC0\xAF"), std::optional<size_t>(0)); // Overlong.
  EXPECT_EQ(findInvalidUtf8("x\xED\xA0\x80"), std::optional<size_t>(1)); // Surrogate.
  EXPECT_EQ(findInvalidUtf8("\xF4\x90\x80\x80"), std::optional<size_t>(0)); // > U+10FFFF.
  EXPECT_EQ(findInvalidUtf8("ok\xE4\xB8"), std::optional<size_t>(2)); // Cut off.
  EXPECT_EQ(findInvalidUtf8("\x80"), std::optional<size_t>(0));
}

TEST(Utf8, CompletePrefixHoldsOnlyAnOpenSequence) {
  EXPECT_EQ(completeUtf8Prefix("abc"), 3u);
  EXPECT_EQ(completeUtf8Prefix("ab\xF0\x9F\xA4"), 2u);
  EXPECT_EQ(completeUtf8Prefix("a\xE4\xB8"), 1u);
  EXPECT_EQ(completeUtf8Prefix("\xF0\x9F\xA4\x96"), 4u);
  // A complete character before an open one: only the open one waits.
  EXPECT_EQ(completeUtf8Prefix("\xC3\xAF\xE4"), 2u);
  // Bytes that can never become valid are not held back.
  EXPECT_EQ(completeUtf8Prefix("a\xFF"), 2u);
  EXPECT_EQ(completeUtf8Prefix("a\x80"), 2u);
}

TEST(ByteLevel, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all += static_cast<char>(b);
  std::string spelled = toByteLevel(all);
  EXPECT_FALSE(findInvalidUtf8(spelled));
  EXPECT_EQ(fromByteLevel(spelled), std::optional<std::string>(all));
  // GPT-2's spellings: a space is U+0120 (Ġ), a newline U+010A (Ċ).
  EXPECT_EQ(toByteLevel(" "), "\xC4\xA0");
  EXPECT_EQ(toByteLevel("\n"), "\xC4\x8A");
  EXPECT_EQ(toByteLevel("A"), "A");
  // Characters outside the alphabet spell no bytes.
  EXPECT_FALSE(fromByteLevel("\xE4\xB8\xAD"));
}

/// A tokenizer whose tokens are given byte strings, to drive StreamDecoder.
class FixedTokens : public Tokenizer {
public:
  explicit FixedTokens(std::vector<std::string> tokens)
      : tokens(std::move(tokens)) {}
  std::string kind() const override { return "fixed"; }
  int64_t vocabSize() const override { return tokens.size(); }
  std::vector<std::pair<std::string, int32_t>> specialTokens() const override {
    return {};
  }
  std::optional<int32_t> endOfText() const override { return std::nullopt; }
  Status encode(std::string_view, std::vector<int32_t> &,
                unsigned) const override {
    return Status::ok();
  }
  Status decode(const std::vector<int32_t> &ids,
                std::string &text) const override {
    for (int32_t id : ids)
      text += tokens.at(id);
    return Status::ok();
  }
  Status tokenBytes(int32_t id, size_t, std::string &bytes) const override {
    if (id < 0 || id >= int32_t(tokens.size()))
      return errorf("token id ", id, " is not in the vocabulary");
    bytes = tokens[id];
    return Status::ok();
  }

private:
  std::vector<std::string> tokens;
};

TEST(StreamDecoder, HoldsACharacterSplitAcrossTokens) {
  // The robot emoji F0 9F A4 96 in three tokens, then text.
  FixedTokens tokens({"\xF0\x9F", "\xA4", "\x96 ok", "!"});
  StreamDecoder stream(tokens);
  std::string ready;
  ASSERT_TRUE(stream.push(0, ready).isOk());
  EXPECT_EQ(ready, "");
  ASSERT_TRUE(stream.push(1, ready).isOk());
  EXPECT_EQ(ready, "");
  ASSERT_TRUE(stream.push(2, ready).isOk());
  EXPECT_EQ(ready, "\xF0\x9F\xA4\x96 ok");
  ASSERT_TRUE(stream.push(3, ready).isOk());
  EXPECT_EQ(ready, "!");
  EXPECT_EQ(stream.finish(), "");
}

TEST(StreamDecoder, FinishReturnsWhatIsHeld) {
  FixedTokens tokens({"a\xE4\xB8"});
  StreamDecoder stream(tokens);
  std::string ready;
  ASSERT_TRUE(stream.push(0, ready).isOk());
  EXPECT_EQ(ready, "a");
  EXPECT_EQ(stream.finish(), "\xE4\xB8");
}

TEST(StreamDecoder, UnknownIdIsAnError) {
  FixedTokens tokens({"a"});
  StreamDecoder stream(tokens);
  std::string ready;
  Status status = stream.push(7, ready);
  EXPECT_FALSE(status.isOk());
  EXPECT_NE(status.message().find("7"), std::string::npos);
}

} // namespace
