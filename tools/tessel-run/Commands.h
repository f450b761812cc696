//===- Commands.h - tessel-run's commands in files of their own -*- C++ -*-===//

#ifndef TESSEL_TOOLS_TESSEL_RUN_COMMANDS_H
#define TESSEL_TOOLS_TESSEL_RUN_COMMANDS_H

#include "runtime/Artifact.h"
#include "tools/common/CommandLine.h"

#include <memory>
#include <string>
#include <vector>

#ifdef TESSEL_HAVE_TOKENIZERS
#include "runtime/tokenizer/Tokenizer.h"
#endif

namespace tessel::run {

/// Loads the artifact (at `path`, else the positional argument) and its
/// parameters (--weights, --seed); with --profile, starts timing its steps.
Status loadArtifact(const cli::ParsedArgs &args, Artifact &artifact,
                    const std::string &path = "");

/// The --tokenizer value that means one token per byte.
inline constexpr const char *kByteTokenizer = "bytes";

#ifdef TESSEL_HAVE_TOKENIZERS
/// The tokenizer at `path` (or bytes, kByteTokenizer), whose vocabulary
/// must fit the model's.
Status loadModelTokenizer(const std::string &path, const Artifact &artifact,
                          std::unique_ptr<Tokenizer> &tokenizer);
#endif

/// True when `path` is a file named *.json: a model definition, not an
/// artifact directory.
bool isModelDefinition(const std::string &path);

/// An artifact compiled from a model definition into a temporary
/// directory, removed with this object.
struct CompiledModel {
  std::string directory;
  std::string artifact;
  CompiledModel() = default;
  CompiledModel(const CompiledModel &) = delete;
  CompiledModel &operator=(const CompiledModel &) = delete;
  ~CompiledModel();
};

/// Compiles `model` with `tesselc MODEL FLAGS -o DIR/model.tsl`, the
/// tesselc beside this executable (the full build); prints what it runs
/// and how long it took.
Status compileModel(const std::string &model,
                    const std::vector<std::string> &flags, CompiledModel &out);

/// `tessel-run train`: its options, and the command (Train.cpp).
cli::CommandSpec trainCommand();
Status runTrain(const cli::ParsedArgs &args);
/// `tessel-run consolidate`: a sharded checkpoint as one file (Train.cpp).
cli::CommandSpec consolidateCommand();
Status runConsolidate(const cli::ParsedArgs &args);

} // namespace tessel::run

#endif // TESSEL_TOOLS_TESSEL_RUN_COMMANDS_H
