//===- FrontendFuzzer.cpp - libFuzzer target for the model frontend -------===//
//
// Feeds arbitrary bytes through everything `tesselc` does with a model
// definition: JSON parsing with positions, both readers and validation, the
// statistics, and (for definitions that read cleanly) building and
// verifying the IR. Any crash, sanitizer report or hang is a bug: bad input
// must only ever produce an error message.
//
// Built by scripts/fuzz.sh frontend (clang, -DTESSEL_ENABLE_FUZZER=ON).
//
//===----------------------------------------------------------------------===//

#include "frontend/ConfigReader.h"
#include "frontend/ModelBuilder.h"
#include "frontend/ModelStats.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace fe = tessel::frontend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  fe::JsonSource source;
  fe::ModelConfig config;
  std::string error;
  if (!source.parse("fuzz.json", text, error) ||
      !fe::readModelConfig(source, config, error)) {
    // Every rejection is one line that says where.
    if (error.empty() || error.find('\n') != std::string::npos)
      __builtin_trap();
    return 0;
  }
  fe::ModelStats stats;
  fe::StatsOptions options;
  if (fe::computeStats(config, options, stats, error)) {
    (void)fe::formatStatsText(config, stats);
    (void)fe::formatStatsJson(config, stats);
  }
  // Building IR is linear in the model's layer count; keep the fuzzer fast.
  if (config.numLayers <= 4 && config.vocabSize <= 4096) {
    mlir::MLIRContext context;
    mlir::ScopedDiagnosticHandler quiet(
        &context, [](mlir::Diagnostic &) { return mlir::success(); });
    // A definition that reads cleanly must build IR that verifies.
    if (!fe::buildModel(context, config, source))
      __builtin_trap();
  }
  return 0;
}
