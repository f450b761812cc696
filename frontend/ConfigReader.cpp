//===- ConfigReader.cpp - model definitions to ModelConfig ----------------===//

#include "frontend/ConfigReader.h"
#include "frontend/FieldReader.h"
#include "runtime/Files.h"

#include <fstream>
#include <sstream>

namespace tessel::frontend {

bool readModelConfig(const JsonSource &source, ModelConfig &config,
                     std::string &error) {
  error.clear();
  FieldReader reader(source, error);
  const nlohmann::json &root = source.root();
  if (!reader.expectObject(root, ""))
    return false;
  if (root.contains("model_type")) {
    readHuggingFace(reader, config);
    // A HuggingFace directory keeps the tokenizer beside config.json.
    for (const char *name : {"tokenizer.json", "tokenizer.model", "vocab.json"}) {
      std::string candidate = besideDefinition(source.file(), name);
      if (std::ifstream(candidate).good()) {
        config.tokenizerPath = besideDefinition(source.file(), ".");
        config.tokenizerFound = true;
        break;
      }
    }
  }
  else if (root.contains("format"))
    readTesselFormat(reader, config);
  else
    reader.fail("", "not a model definition: expected \"model_type\" (a "
                    "HuggingFace config.json) or \"format\": \"tessel\"");
  if (!reader.failed())
    validateModelConfig(reader, config);
  return !reader.failed();
}

bool loadModelConfig(const std::string &path, ModelConfig &config,
                     JsonSource &source, std::string &error) {
  std::string text;
  if (tessel::Status read = tessel::readFile(path, text); !read.isOk()) {
    error = read.message();
    return false;
  }
  if (!source.parse(path, text, error))
    return false;
  return readModelConfig(source, config, error);
}

std::string besideDefinition(const std::string &file, const std::string &path) {
  if (!path.empty() && path[0] == '/')
    return path;
  size_t slash = file.rfind('/');
  std::string folder = slash == std::string::npos ? "." : file.substr(0, slash);
  return path == "." ? folder : folder + "/" + path;
}

void validateModelConfig(FieldReader &reader, const ModelConfig &config) {
  const AttentionConfig &a = config.attention;
  const std::string &at = config.attentionPath;
  if (!a.mla) {
    if (a.heads % a.kvHeads != 0)
      reader.fail(at, "the number of heads (" + std::to_string(a.heads) +
                          ") is not divisible by the number of key/value "
                          "heads (" +
                          std::to_string(a.kvHeads) + ")");
    if (config.position == PositionKind::Rope) {
      int64_t rotary = config.rotaryDims ? config.rotaryDims : a.headDim;
      if (rotary % 2 != 0 || rotary > a.headDim)
        reader.fail(config.positionPath,
                    "the rotary dims (" + std::to_string(rotary) +
                        ") must be even and at most the head dim (" +
                        std::to_string(a.headDim) + ")");
    }
  } else if (a.qkRopeHeadDim % 2 != 0) {
    reader.fail(at, "qk_rope_head_dim (" + std::to_string(a.qkRopeHeadDim) +
                        ") must be even: RoPE rotates pairs");
  }
  if (config.position == PositionKind::Sinusoidal && config.hiddenSize % 2)
    reader.fail(config.positionPath,
                "sinusoidal positions need an even hidden size, got " +
                    std::to_string(config.hiddenSize));
}

} // namespace tessel::frontend
