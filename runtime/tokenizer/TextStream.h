//===- TextStream.h - generated ids to text, up to a stop -------*- C++ -*-===//
//
// What generation shows as text: the generated ids decoded as they come,
// ending at the end-of-text token or where a stop string begins (neither
// shown). Shared by `tessel-run generate` and the server's streams.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_TOKENIZER_TEXTSTREAM_H
#define TESSEL_RUNTIME_TOKENIZER_TEXTSTREAM_H

#include "runtime/tokenizer/Tokenizer.h"

namespace tessel {

/// Generated ids to text: bytes of a character cut between tokens and a
/// tail that may begin a stop string are held back until they can be told
/// apart.
class TextStream {
public:
  /// `first`: the index of the first generated id in the sequence (the
  /// prompt's length). `stops` must not hold an empty string.
  TextStream(const Tokenizer &tokenizer, size_t first,
             std::vector<std::string> stops, bool stopAtEnd)
      : tokenizer(tokenizer), decoder(tokenizer, first),
        stops(std::move(stops)), stopAtEnd(stopAtEnd) {}

  /// Appends to `text` what `id` lets show; sets `ended` when the text
  /// ends with it (the end-of-text token, or a stop string completed).
  Status push(int64_t id, std::string &text, bool &ended);
  /// Appends what is held back at the end of generation (a stop string's
  /// possible beginning that never completed, an incomplete character).
  void finish(std::string &text);

private:
  /// Moves what of `more` can be shown to `text`; true at a stop string.
  bool take(const std::string &more, bool last, std::string &text);

  const Tokenizer &tokenizer;
  StreamDecoder decoder;
  std::vector<std::string> stops;
  bool stopAtEnd;
  std::string pending;
  bool stopped = false;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_TOKENIZER_TEXTSTREAM_H
