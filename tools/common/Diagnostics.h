//===- Diagnostics.h - one-line diagnostics for the tools -------*- C++ -*-===//
//
// Tools report every problem as one line, `tool: error: file:line:col: what`,
// so that a script or a person sees at once what is wrong and where.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_TOOLS_COMMON_DIAGNOSTICS_H
#define TESSEL_TOOLS_COMMON_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace tessel {

/// Renders a location as `file:line:col` (looking through call sites and
/// fused locations), followed by the names of enclosing name locations,
/// innermost first (`model.json:9:3: .attention: layers.0.attention`); an
/// empty string when it carries neither.
std::string formatLocation(mlir::Location loc);

/// While alive, prints every diagnostic of `context` to stderr as one line
/// prefixed with `tool`; notes are appended to their error's line.
class OneLineDiagnostics {
public:
  OneLineDiagnostics(mlir::MLIRContext &context, llvm::StringRef tool);
  ~OneLineDiagnostics();

private:
  mlir::MLIRContext &context;
  mlir::DiagnosticEngine::HandlerID id;
};

/// Prints `tool: error: message` to stderr.
void printError(llvm::StringRef tool, llvm::StringRef message);

} // namespace tessel

#endif // TESSEL_TOOLS_COMMON_DIAGNOSTICS_H
