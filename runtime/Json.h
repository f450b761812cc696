//===- Json.h - JSON parsing with located errors ----------------*- C++ -*-===//
//
// nlohmann/json without exceptions escaping: malformed text becomes one
// line `file:line:col: malformed JSON: what`. Shared by the frontend's model
// files and the runtime's tokenizer files.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_JSON_H
#define TESSEL_RUNTIME_JSON_H

#include "runtime/Status.h"

#include <nlohmann/json.hpp>

#include <string>

namespace tessel {

/// Parses `text` (read from `file`) into `document`.
Status parseJson(const std::string &file, const std::string &text,
                 nlohmann::json &document);

/// Checks `text` only: the same errors as parseJson, nothing built.
Status checkJson(const std::string &file, const std::string &text);

} // namespace tessel

#endif // TESSEL_RUNTIME_JSON_H
