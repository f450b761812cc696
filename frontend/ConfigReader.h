//===- ConfigReader.h - model definitions to ModelConfig --------*- C++ -*-===//

#ifndef TESSEL_FRONTEND_CONFIGREADER_H
#define TESSEL_FRONTEND_CONFIGREADER_H

#include "frontend/JsonSource.h"
#include "frontend/ModelConfig.h"

#include <string>

namespace tessel::frontend {

/// Reads a model definition: a HuggingFace config.json (it has a
/// "model_type") or Tessel's own format ("format": "tessel"; see
/// docs/model-format.md). On failure returns false with `error` set to
/// `file:line:col: .json.path: what is wrong`.
bool readModelConfig(const JsonSource &source, ModelConfig &config,
                     std::string &error);

/// Reads and parses `path`: file errors, malformed JSON and bad fields all
/// come back as one-line messages in `error`.
bool loadModelConfig(const std::string &path, ModelConfig &config,
                     JsonSource &source, std::string &error);

// The two formats (TesselFormat.cpp, HuggingFace.cpp).
class FieldReader;
void readTesselFormat(FieldReader &reader, ModelConfig &config);
void readHuggingFace(FieldReader &reader, ModelConfig &config);

/// `path` relative to the folder of the definition `file` (unchanged when
/// absolute).
std::string besideDefinition(const std::string &file, const std::string &path);

/// Checks the relations between sizes (divisibility, ranges) that every
/// format must satisfy; `reader` places the message.
void validateModelConfig(FieldReader &reader, const ModelConfig &config);

} // namespace tessel::frontend

#endif // TESSEL_FRONTEND_CONFIGREADER_H
