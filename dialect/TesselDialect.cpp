//===- TesselDialect.cpp - The tessel dialect -----------------------------===//

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tessel;

#include "dialect/TesselDialect.cpp.inc"
#include "dialect/TesselEnums.cpp.inc"

/// The keyword of one of `all`, whose names `name()` gives; `what` names
/// the enum in the error.
template <typename Enum, size_t N>
static ParseResult parseKeywordOf(AsmParser &parser, Enum &value,
                                  const Enum (&all)[N], StringRef what) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  for (Enum candidate : all)
    if (keyword == name(candidate)) {
      value = candidate;
      return success();
    }
  InFlightDiagnostic diag = parser.emitError(loc)
                            << "unknown " << what << " '" << keyword
                            << "'; expected one of";
  for (size_t i = 0; i < N; ++i)
    diag << (i ? ", " : " ") << name(all[i]);
  return diag;
}

ParseResult tessel::parseEnumKeyword(AsmParser &parser, InitKind &kind) {
  return parseKeywordOf(parser, kind, kInitKinds, "initializer");
}

ParseResult tessel::parseEnumKeyword(AsmParser &parser, EntryPointKind &kind) {
  return parseKeywordOf(parser, kind, kEntryPointKinds, "entry-point kind");
}

void tessel::printEnumKeyword(AsmPrinter &printer, InitKind kind) {
  printer << name(kind);
}

void tessel::printEnumKeyword(AsmPrinter &printer, EntryPointKind kind) {
  printer << name(kind);
}

#define GET_ATTRDEF_CLASSES
#include "dialect/TesselAttrs.cpp.inc"

LogicalResult
BufferPlanAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       int64_t slots, ArrayAttr buffers) {
  if (slots < 0)
    return emitError() << "a buffer plan has a non-negative slot count, got "
                       << slots;
  for (Attribute buffer : buffers) {
    auto planned = dyn_cast<PlannedBufferAttr>(buffer);
    if (!planned)
      return emitError() << "a buffer plan lists #tessel.buffer attributes, "
                            "got "
                         << buffer;
    if (planned.getSlot() < 0 || planned.getSlot() >= slots)
      return emitError() << "buffer slot " << planned.getSlot()
                         << " is outside the plan's " << slots << " slots";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// The compiler-runtime contract's discardable attributes
//===----------------------------------------------------------------------===//

/// Functions before and after conversion to the LLVM dialect.
static bool isFunction(Operation *op) { return isa<FunctionOpInterface>(op); }

LogicalResult TesselDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  auto fail = [&](StringRef what) {
    return op->emitError() << "'" << name << "' " << what;
  };
  if (name == EntryPointAttrHelper::getNameStr()) {
    if (!isa<EntryPointKindAttr>(value) || !isFunction(op))
      return fail("is a #tessel.entry_point on a function");
    return success();
  }
  if (name == StepAttrHelper::getNameStr() ||
      name == TensorStepAttrHelper::getNameStr() ||
      name == DifferentiateAttrHelper::getNameStr() ||
      name == DynamicScheduleAttrHelper::getNameStr()) {
    if (!isa<UnitAttr>(value) || !isFunction(op))
      return fail("is a unit attribute of a function");
    if (name == DynamicScheduleAttrHelper::getNameStr() &&
        !op->hasAttr(StepAttrHelper::getNameStr()))
      return fail("marks a step (tessel.step)");
    return success();
  }
  if (name == StepsAttrHelper::getNameStr()) {
    auto steps = dyn_cast<ArrayAttr>(value);
    if (!steps || !isFunction(op))
      return fail("is an array of #tessel.step on a function");
    for (Attribute step : steps) {
      auto described = dyn_cast<StepAttr>(step);
      if (!described)
        return fail("lists #tessel.step attributes, got ") << step;
      Operation *function =
          SymbolTable::lookupNearestSymbolFrom(op, described.getFunction());
      if (!function || !function->hasAttr(StepAttrHelper::getNameStr()))
        return fail("lists ") << described.getFunction()
                              << ", which is not a function marked tessel.step";
    }
    return success();
  }
  if (name == BufferPlanAttrHelper::getNameStr()) {
    if (!isa<BufferPlanAttr>(value) || !isFunction(op))
      return fail("is a #tessel.buffer_plan on a function");
    return success();
  }
  if (name == RegisterTileAttrHelper::getNameStr() ||
      name == DecodeContractionAttrHelper::getNameStr()) {
    if (!isa<UnitAttr>(value) || op->getDialect() == nullptr ||
        op->getDialect()->getNamespace() != "linalg")
      return fail("is a unit attribute of a linalg op");
    return success();
  }
  if (name == KernelsAttrHelper::getNameStr()) {
    auto names = dyn_cast<ArrayAttr>(value);
    if (!names || !isa<ModuleOp>(op) ||
        !llvm::all_of(names, [](Attribute a) { return kernelName(a); }))
      return fail("is an array of kernel names (or {name, "
                  "dynamic_shared_bytes} dictionaries) on a module");
    return success();
  }
  if (name == ParameterAttrHelper::getNameStr())
    return fail("names the parameter an argument receives; it belongs on a "
                "function argument");
  return op->emitError() << "unknown tessel attribute '" << name << "'";
}

LogicalResult TesselDialect::verifyRegionArgAttribute(Operation *op,
                                                      unsigned regionIndex,
                                                      unsigned argIndex,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == CacheAttrHelper::getNameStr()) {
    auto cache = dyn_cast<StringAttr>(attr.getValue());
    if (!cache || cache.getValue().empty() || !isa<FunctionOpInterface>(op))
      return op->emitError() << "'" << name << "' of argument " << argIndex
                             << " is the non-empty name of a function "
                                "argument's KV cache";
    return success();
  }
  if (name != ParameterAttrHelper::getNameStr())
    return op->emitError() << "unknown tessel argument attribute '" << name
                           << "'";
  auto parameter = dyn_cast<StringAttr>(attr.getValue());
  if (!parameter || parameter.getValue().empty())
    return op->emitError() << "'" << name << "' of argument " << argIndex
                           << " is the non-empty name of a parameter";
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function)
    return op->emitError() << "'" << name << "' belongs on a function's "
                           << "arguments";
  for (unsigned i = 0; i < argIndex; ++i)
    if (function.getArgAttr(i, name) == parameter)
      return op->emitError()
             << "arguments " << i << " and " << argIndex
             << " both receive parameter '" << parameter.getValue() << "'";
  return success();
}

LogicalResult TesselDialect::verifyRegionResultAttribute(Operation *op,
                                                         unsigned regionIndex,
                                                         unsigned resultIndex,
                                                         NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == GradientAttrHelper::getNameStr() ||
      name == UpdateAttrHelper::getNameStr()) {
    auto parameter = dyn_cast<StringAttr>(attr.getValue());
    if (!parameter || !isa<FunctionOpInterface>(op))
      return op->emitError()
             << "'" << name << "' names a parameter, on a function's result";
    return success();
  }
  if (name != InPlaceAttrHelper::getNameStr())
    return op->emitError() << "unknown tessel result attribute '" << name
                           << "'";
  auto function = dyn_cast<FunctionOpInterface>(op);
  auto index = dyn_cast<IntegerAttr>(attr.getValue());
  if (!function || !index)
    return op->emitError() << "'" << name
                           << "' is the index of an argument, on a "
                              "function's result";
  int64_t arg = index.getInt();
  if (arg < 0 || arg >= int64_t(function.getNumArguments()))
    return op->emitError() << "'" << name << "' of result " << resultIndex
                           << " names argument " << arg << " of "
                           << function.getNumArguments();
  if (function.getArgumentTypes()[arg] !=
      function.getResultTypes()[resultIndex])
    return op->emitError() << "result " << resultIndex << " is argument " << arg
                           << " updated in place, but their types "
                           << "differ";
  for (unsigned i = 0; i < resultIndex; ++i)
    if (function.getResultAttr(i, name) == index)
      return op->emitError() << "results " << i << " and " << resultIndex
                             << " both update argument " << arg;
  return success();
}

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

StringAttr tessel::kernelName(Attribute entry) {
  if (auto name = dyn_cast<StringAttr>(entry))
    return name;
  if (auto dict = dyn_cast<DictionaryAttr>(entry))
    return dict.getAs<StringAttr>("name");
  return {};
}

int64_t tessel::kernelDynamicSharedBytes(Attribute entry) {
  auto dict = dyn_cast<DictionaryAttr>(entry);
  auto bytes =
      dict ? dict.getAs<IntegerAttr>("dynamic_shared_bytes") : IntegerAttr();
  return bytes ? bytes.getInt() : 0;
}

Attribute tessel::kernelEntry(StringAttr name, int64_t dynamicSharedBytes) {
  Builder b(name.getContext());
  return b.getDictionaryAttr(
      {b.getNamedAttr("name", name),
       b.getNamedAttr("dynamic_shared_bytes",
                      b.getI64IntegerAttr(dynamicSharedBytes))});
}
