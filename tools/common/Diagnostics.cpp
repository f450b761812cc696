//===- Diagnostics.cpp - one-line diagnostics for the tools ---------------===//

#include "tools/common/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace tessel {

std::string formatLocation(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().str() + ":" + std::to_string(file.getLine()) +
            ":" + std::to_string(file.getColumn()));
  if (auto name = dyn_cast<NameLoc>(loc)) {
    // Names nest outwards: file:line:col: inner name: outer name.
    std::string inner = formatLocation(name.getChildLoc());
    return inner.empty() ? name.getName().str()
                         : inner + ": " + name.getName().str();
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return formatLocation(call.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations()) {
      std::string s = formatLocation(part);
      if (!s.empty())
        return s;
    }
  return "";
}

static const char *severityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Remark:
    return "remark";
  case DiagnosticSeverity::Note:
    return "note";
  }
  return "error";
}

OneLineDiagnostics::OneLineDiagnostics(MLIRContext &context, StringRef tool)
    : context(context) {
  // The op's full text would add lines; the location already says where.
  context.printOpOnDiagnostic(false);
  context.printStackTraceOnDiagnostic(false);
  id = context.getDiagEngine().registerHandler(
      [tool = tool.str()](Diagnostic &diag) {
        std::string line;
        llvm::raw_string_ostream os(line);
        os << tool << ": " << severityName(diag.getSeverity()) << ": ";
        std::string where = formatLocation(diag.getLocation());
        if (!where.empty())
          os << where << ": ";
        os << diag.str();
        for (Diagnostic &note : diag.getNotes())
          os << " (note: " << note.str() << ")";
        // Keep it to one line even when a message embeds newlines.
        for (char &c : line)
          if (c == '\n')
            c = ' ';
        llvm::errs() << line << "\n";
        return success();
      });
}

OneLineDiagnostics::~OneLineDiagnostics() {
  context.getDiagEngine().eraseHandler(id);
}

void printError(StringRef tool, StringRef message) {
  llvm::errs() << tool << ": error: " << message << "\n";
}

} // namespace tessel
