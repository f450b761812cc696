//===- TesselAttrs.td - tessel attributes ------------------*- tablegen -*-===//
//
// Attributes whose values are shared with the runtime: their C++ enums live
// in runtime/Enums.h (no MLIR), and these attributes wrap them.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_TESSELATTRS_TD
#define TESSEL_DIALECT_TESSELATTRS_TD

include "dialect/TesselDialect.td"
include "mlir/IR/AttrTypeBase.td"

class Tessel_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Tessel_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Tessel_InitKindAttr : Tessel_Attr<"InitKind", "init"> {
  let summary = "how a parameter is initialized when no checkpoint provides it";
  let description = [{
    One of `zeros`, `ones`, `constant`, `normal`, `truncated_normal`,
    `xavier_uniform`, `xavier_normal`, `kaiming_uniform`, `kaiming_normal`:
    the runtime's `tessel::InitKind` (runtime/Enums.h), which fills the
    parameter from the same name in an artifact's manifest.

    ```mlir
    #tessel.init<truncated_normal>
    ```
  }];
  let parameters = (ins "::tessel::InitKind":$value);
  let assemblyFormat = "`<` custom<InitKindKeyword>($value) `>`";
  let returnType = "::tessel::InitKind";
  let convertFromStorage = "$_self.getValue()";
  let constBuilderCall =
      "::tessel::InitKindAttr::get($_builder.getContext(), $0)";
}

#endif // TESSEL_DIALECT_TESSELATTRS_TD
