//===- TextStream.cpp - generated ids to text, up to a stop ---------------===//

#include "runtime/tokenizer/TextStream.h"

#include <algorithm>

namespace tessel {

Status TextStream::push(int64_t id, std::string &text, bool &ended) {
  ended = stopped;
  if (stopped)
    return Status::ok();
  if (stopAtEnd && tokenizer.endOfText() && id == *tokenizer.endOfText()) {
    stopped = ended = true;
    return Status::ok();
  }
  std::string ready;
  TESSEL_RETURN_IF_ERROR(decoder.push(static_cast<int32_t>(id), ready));
  ended = take(ready, /*last=*/false, text);
  return Status::ok();
}

void TextStream::finish(std::string &text) {
  if (!stopped)
    take(decoder.finish(), /*last=*/true, text);
}

bool TextStream::take(const std::string &more, bool last, std::string &text) {
  pending += more;
  size_t cut = std::string::npos;
  for (const std::string &stop : stops)
    cut = std::min(cut, pending.find(stop));
  stopped = cut != std::string::npos;
  size_t ready = stopped ? cut : pending.size();
  // A tail that may begin a stop string waits for the next text.
  if (!stopped && !last)
    for (const std::string &stop : stops)
      for (size_t k = std::min(stop.size() - 1, pending.size()); k > 0; --k)
        if (pending.compare(pending.size() - k, k, stop, 0, k) == 0) {
          ready = std::min(ready, pending.size() - k);
          break;
        }
  text.append(pending, 0, ready);
  pending.erase(0, stopped ? pending.size() : ready);
  return stopped;
}

} // namespace tessel
