//===- Commands.h - tessel-run's commands in files of their own -*- C++ -*-===//

#ifndef TESSEL_TOOLS_TESSEL_RUN_COMMANDS_H
#define TESSEL_TOOLS_TESSEL_RUN_COMMANDS_H

#include "runtime/Artifact.h"
#include "tools/common/CommandLine.h"

#include <memory>
#include <string>

#ifdef TESSEL_HAVE_TOKENIZERS
#include "runtime/tokenizer/Tokenizer.h"
#endif

namespace tessel::run {

/// Loads the artifact and its parameters (--weights, --seed); with
/// --profile, starts timing its steps.
Status loadArtifact(const cli::ParsedArgs &args, Artifact &artifact);

#ifdef TESSEL_HAVE_TOKENIZERS
/// The tokenizer at `path`, whose vocabulary must fit the model's.
Status loadModelTokenizer(const std::string &path, const Artifact &artifact,
                          std::unique_ptr<Tokenizer> &tokenizer);
#endif

/// `tessel-run train`: its options, and the command (Train.cpp).
cli::CommandSpec trainCommand();
Status runTrain(const cli::ParsedArgs &args);

} // namespace tessel::run

#endif // TESSEL_TOOLS_TESSEL_RUN_COMMANDS_H
