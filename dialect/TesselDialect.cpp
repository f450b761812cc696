//===- TesselDialect.cpp - The tessel dialect -----------------------------===//

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessel;

#include "dialect/TesselDialect.cpp.inc"
#include "dialect/TesselEnums.cpp.inc"

InFlightDiagnostic tessel::emitUnknownInitializer(InFlightDiagnostic diag,
                                                  StringRef keyword) {
  diag << "unknown initializer '" << keyword << "'; expected one of";
  for (InitKind kind : kInitKinds)
    diag << (kind == kInitKinds[0] ? " " : ", ") << name(kind);
  return diag;
}

/// `zeros`, `normal`, ...: an initializer's keyword (runtime/Enums.h).
static ParseResult parseInitKindKeyword(AsmParser &parser, InitKind &kind) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<InitKind> parsed = parseInitKind(keyword);
  if (!parsed)
    return emitUnknownInitializer(parser.emitError(loc), keyword);
  kind = *parsed;
  return success();
}

static void printInitKindKeyword(AsmPrinter &printer, InitKind kind) {
  printer << name(kind);
}

#define GET_ATTRDEF_CLASSES
#include "dialect/TesselAttrs.cpp.inc"

void TesselDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/TesselOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/TesselAttrs.cpp.inc"
      >();
}
