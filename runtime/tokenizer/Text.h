//===- Text.h - UTF-8 and GPT-2's byte-level alphabet -----------*- C++ -*-===//
//
// What every tokenizer needs of text: UTF-8 validation (input must be valid
// UTF-8), the length of the complete prefix of a byte stream (streaming
// decode holds back a character cut in two), and GPT-2's byte-to-unicode
// map, which spells each byte as one printable character so that BPE
// vocabularies are JSON strings.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_TEXT_H
#define TESSEL_RUNTIME_TOKENIZER_TEXT_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessel {

/// The offset of the first byte that does not start a valid UTF-8 sequence
/// (overlong forms, surrogates and code points above U+10FFFF are invalid),
/// or none when all of `text` is valid.
std::optional<size_t> findInvalidUtf8(std::string_view text);

/// How many leading bytes of `bytes` can be emitted now: all of them, less
/// a trailing sequence that is valid so far but incomplete. Bytes that can
/// never become valid are not held back.
size_t completeUtf8Prefix(std::string_view bytes);

/// GPT-2's byte-level spelling of `bytes`: one code point per byte.
std::string toByteLevel(std::string_view bytes);

/// The bytes a byte-level string spells; none when a character is outside
/// the 256 of the alphabet (or the text is not valid UTF-8).
std::optional<std::string> fromByteLevel(std::string_view text);

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_TEXT_H
