//===- TesselAttrs.td - tessel attributes ------------------*- tablegen -*-===//
//
// The attributes of the compiler-runtime contract: the initializer kind (its
// C++ enum lives in runtime/Enums.h, with no MLIR, and the attribute wraps
// it), the steps of an entry point's schedule and its memory plan, which
// the artifact's manifest lists. The discardable attributes that carry
// them (tessel.steps, tessel.buffer_plan, ...) are declared with the
// dialect (TesselDialect.td) and verified by it.
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
    `xavier_uniform`, `xavier_normal`, `kaiming_uniform`, `kaiming_normal`,
    `orthogonal`:
    the runtime's `tessel::InitKind` (runtime/Enums.h), which fills the
    parameter from the same name in an artifact's manifest.

    ```mlir
    #tessel.init<truncated_normal>
    ```
  }];
  let parameters = (ins "::tessel::InitKind":$value);
  let assemblyFormat = "`<` custom<EnumKeyword>($value) `>`";
  let returnType = "::tessel::InitKind";
  let convertFromStorage = "$_self.getValue()";
  let constBuilderCall =
      "::tessel::InitKindAttr::get($_builder.getContext(), $0)";
}

def Tessel_EntryPointKindAttr : Tessel_Attr<"EntryPointKind", "entry_point"> {
  let summary = "what an entry point of a compiled model does";
  let description = [{
    `forward`, `decode`, `loss`, `grads`, `prefill`, `policy` or
    `policy_grads`: the runtime's `tessel::EntryPointKind`
    (runtime/Enums.h). The frontend marks each function it builds with it
    (`tessel.entry_point`; `grads` is built by tessel-autodiff from `loss`,
    `policy_grads` from `policy`), the artifact's manifest records it, and
    the runtime finds entry points by it (`tessel-run generate` runs the
    `decode` one).

    ```mlir
    func.func @decode(...) attributes {tessel.entry_point = #tessel.entry_point<decode>}
    ```
  }];
  let parameters = (ins "::tessel::EntryPointKind":$value);
  let assemblyFormat = "`<` custom<EnumKeyword>($value) `>`";
  let returnType = "::tessel::EntryPointKind";
  let convertFromStorage = "$_self.getValue()";
  let constBuilderCall =
      "::tessel::EntryPointKindAttr::get($_builder.getContext(), $0)";
}

def Tessel_StepAttr : Tessel_Attr<"Step", "step"> {
  let summary = "one call of an entry point's schedule";
  let description = [{
    `tessel-outline-steps` moves each op that does work at the top level of
    an entry point into a function of its own (a step: on the CPU, a host
    function whose loops run on the threads); the entry point calls its
    steps in order. Each call is described by the function, the op it holds
    and, when known, the part of the model it came from; an entry point's
    `tessel.steps` lists them in order, and the artifact's manifest copies
    the list.

    ```mlir
    #tessel.step<function = @forward_s0, op = "linalg.generic",
                 at = "layers.0.attn_norm">
    ```
  }];
  let parameters = (ins "::mlir::FlatSymbolRefAttr":$function,
                        "::mlir::StringAttr":$op,
                        OptionalParameter<"::mlir::StringAttr">:$at);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Tessel_PlannedBufferAttr : Tessel_Attr<"PlannedBuffer", "buffer"> {
  let summary = "one temporary of a memory plan";
  let description = [{
    A buffer `tessel-plan-buffers` placed in the workspace: its type, the
    slot it shares with buffers whose lifetimes do not overlap, and the
    part of the model it came from.

    ```mlir
    #tessel.buffer<type = memref<?x64xf32>, slot = 2, at = "layers.0.mlp">
    ```
  }];
  let parameters = (ins "::mlir::MemRefType":$type, "int64_t":$slot,
                        OptionalParameter<"::mlir::StringAttr">:$at);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Tessel_BufferPlanAttr : Tessel_Attr<"BufferPlan", "buffer_plan"> {
  let summary = "an entry point's memory plan";
  let description = [{
    The workspace of an entry point: its slot count and every planned
    buffer (`#tessel.buffer`), as `tessel-plan-buffers` laid them out.

    ```mlir
    #tessel.buffer_plan<slots = 2, buffers = [
        #tessel.buffer<type = memref<?x64xf32>, slot = 0>,
        #tessel.buffer<type = memref<?x256xf32>, slot = 1>]>
    ```
  }];
  let parameters = (ins "int64_t":$slots, "::mlir::ArrayAttr":$buffers);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // TESSEL_DIALECT_TESSELATTRS_TD
