//===- Text.cpp - UTF-8 and GPT-2's byte-level alphabet -------------------===//

#include "runtime/tokenizer/Text.h"

#include <array>

namespace tessel {

namespace {

/// The length of the valid UTF-8 sequence at `text[i]`; 0 when invalid;
/// -1 when valid so far but cut off by the end of `text`.
int sequenceAt(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80)
    return 1;
  int length;
  unsigned char low = 0x80, high = 0xBF; // Bounds of the second byte.
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0)
      low = 0xA0; // No overlong forms.
    if (lead == 0xED)
      high = 0x9F; // No surrogates.
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0)
      low = 0x90;
    if (lead == 0xF4)
      high = 0x8F; // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  for (int k = 1; k < length; ++k) {
    if (i + k >= text.size())
      return -1;
    unsigned char next = byte(i + k);
    unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
    if (next < lo || next > hi)
      return 0;
  }
  return length;
}

/// GPT-2's map: printable Latin-1 bytes stand for themselves, the other 68
/// take the code points from U+0100 on, in byte order.
struct ByteLevelAlphabet {
  std::array<uint32_t, 256> toCodePoint;
  std::array<int16_t, 324> toByte; // Code points below 324 only.
  ByteLevelAlphabet() {
    toByte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      toCodePoint[b] = printable ? b : next++;
      toByte[toCodePoint[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteLevelAlphabet &alphabet() {
  static const ByteLevelAlphabet table;
  return table;
}

} // namespace

std::optional<size_t> findInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    int length = sequenceAt(text, i);
    if (length <= 0)
      return i;
    i += length;
  }
  return std::nullopt;
}

size_t completeUtf8Prefix(std::string_view bytes) {
  // An open sequence has at most three bytes: look at the last byte that
  // is not a continuation byte among them.
  size_t stop = bytes.size() > 3 ? bytes.size() - 3 : 0;
  for (size_t i = bytes.size(); i-- > stop;) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    if (b >= 0x80 && b < 0xC0)
      continue;
    return sequenceAt(bytes, i) == -1 ? i : bytes.size();
  }
  return bytes.size();
}

/// Appends code point `cp` to `out` as UTF-8.
static void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string toByteLevel(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    appendUtf8(out, alphabet().toCodePoint[static_cast<unsigned char>(c)]);
  return out;
}

std::optional<std::string> fromByteLevel(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    int length = sequenceAt(text, i);
    if (length <= 0)
      return std::nullopt;
    uint32_t cp = static_cast<unsigned char>(text[i]);
    if (length > 1) {
      cp &= 0xFF >> (length + 1);
      for (int k = 1; k < length; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    if (cp >= alphabet().toByte.size() || alphabet().toByte[cp] < 0)
      return std::nullopt;
    out += static_cast<char>(alphabet().toByte[cp]);
    i += length;
  }
  return out;
}

} // namespace tessel
