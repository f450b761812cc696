//===- Passes.td - codegen shared by targets ---------------*- tablegen -*-===//

#ifndef TESSEL_PASSES_CODEGEN_COMMON_PASSES_TD
#define TESSEL_PASSES_CODEGEN_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def TesselParametersToArguments
    : Pass<"tessel-parameters-to-arguments", "::mlir::ModuleOp"> {
  let summary = "Pass parameters to each function as trailing arguments";
  let description = [{
    Compiled code receives parameters as buffers from the runtime. This pass
    appends one argument per `tessel.parameter` a function reads (in
    declaration order, named by a `tessel.parameter` argument attribute),
    replaces each `tessel.get_parameter` by its argument, and erases the
    declarations.

    ```mlir
    // Before
    tessel.parameter @w : tensor<4x8xf32> init = zeros
    func.func @f(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
      %w = tessel.get_parameter @w : tensor<4x8xf32>
      ...
    // After
    func.func @f(%x: tensor<?x8xf32>,
                 %w: tensor<4x8xf32> {tessel.parameter = "w"}) -> ...
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def TesselInPlaceResults
    : Pass<"tessel-in-place-results", "::mlir::ModuleOp"> {
  let summary = "Drop the results a function updates in place, checking that "
                "bufferization wrote them in place";
  let description = [{
    Runs right after bufferization. A result marked `tessel.in_place = N` is
    argument N updated in place (decode's KV caches): its returned buffer
    must be argument N's own (through `memref.cast`, or an `scf.for` that
    carries it unchanged, as the per-sequence cache write does). The pass
    removes such results from the function and its returns: the caller
    holds the buffer already. A result that bufferization could not write
    in place (it returns a copy) is an error naming the result, never a
    silent copy of the whole cache per call.

    ```mlir
    // Before
    func.func @decode(..., %cache: memref<?x4x?x16xf32>)
        -> (memref<?x?x64xf32>, memref<?x4x?x16xf32> {tessel.in_place = 2}) {
      ...
      return %logits, %cache : ...
    // After
    func.func @decode(..., %cache: memref<?x4x?x16xf32>)
        -> memref<?x?x64xf32> {
      ...
      return %logits : memref<?x?x64xf32>
    ```
  }];
}

def TesselPlanBuffers : Pass<"tessel-plan-buffers", "::mlir::ModuleOp"> {
  let summary = "Lay out each function's temporary buffers in one workspace, "
                "reusing memory between buffers whose lifetimes do not overlap";
  let description = [{
    Runs after bufferization, before deallocation. Each `memref.alloc` at the
    top level of a function that the function does not return is live from
    its allocation to the last top-level op that touches it or a view of it.
    A linear scan gives each buffer a slot whose previous buffer is dead
    (same dynamic sizes preferred); a slot is as large as its largest buffer,
    rounded up to 64 bytes; slots lie one after another in one workspace,
    and every planned alloc becomes a `memref.view` of it. Sizes may depend
    on dynamic dimensions: they are computed at the start of the function.

    ```mlir
    %a = memref.alloc(%n) : memref<?x64xf32>   // dead before %c
    %b = memref.alloc(%n) : memref<?x64xf32>
    %c = memref.alloc(%n) : memref<?x64xf32>
    // becomes (%a and %c share slot 0)
    %ws = memref.alloc(%total) {alignment = 64} : memref<?xi8>
    %a = memref.view %ws[%off0][%n] : memref<?xi8> to memref<?x64xf32>
    %b = memref.view %ws[%off1][%n] : memref<?xi8> to memref<?x64xf32>
    %c = memref.view %ws[%off0][%n] : memref<?xi8> to memref<?x64xf32>
    ```

    With `workspace-argument`, a public function takes the workspace as a
    trailing `memref<?xi8>` argument instead,
    and a new public function `NAME_workspace(args..., memref<2xi64>)`
    stores its size in bytes and what the buffers would take without reuse,
    so that the runtime allocates it once and keeps it across calls. Each
    planned function is marked `tessel.buffer_plan` (a
    `#tessel.buffer_plan`): the slot count, and each buffer's type, slot
    and model part (from its location).
  }];
  let options = [
    Option<"workspaceArgument", "workspace-argument", "bool", "false",
           "Public functions take the workspace as an argument">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::tessel::TesselDialect"
  ];
}

def TesselShareTensorSteps
    : Pass<"tessel-share-tensor-steps", "::mlir::ModuleOp"> {
  let summary = "Give identical ops of the entry points one function, on "
                "tensors, so that tiling and bufferization see each once";
  let description = [{
    Runs on tensors, before tiling and bufferization. Every top-level op of a
    public function that has a body (linalg ops, the threads' loops of
    attention) becomes a call of a private function NAME_tN holding a copy
    of it, marked `tessel.tensor_step`; constants are rebuilt inside, other
    values it uses are passed, and its results are returned. A function
    equivalent to one made before (the same body, locations aside, on the
    same types, in any entry point) is not kept: the call calls the earlier
    one. A stack of identical layers then has each distinct op once, and the
    passes up to bufferization (tiling, vectorization, One-Shot Bufferize's
    analysis, the largest part of the compile time) work on one layer.
    `tessel-inline-tensor-steps` puts the ops back after bufferization.

    A decode entry point's contractions are first marked
    `tessel.decode_contraction` (the CPU tiles a decode step's few rows
    differently, and a shared function no longer says which entry point its
    op came from), so they are shared among decode's ops only.

    An op is shared only where each tensor it uses will be a buffer of the
    identity layout (an argument of the entry point, a new tensor, a
    reshape of one, or an op's result written into one): the function's
    arguments have that layout, so a call never copies a strided view.

    ```mlir
    func.func @forward(%x: tensor<?x64xf32>, ...) {
      %a = linalg.generic ... ins(%x ...) outs(%e0 ...) {...}
      %b = linalg.generic ... ins(%a ...) outs(%e1 ...) {...}  // the same op
    // becomes
      %a = call @forward_t0(%x, %e0) : (...) -> tensor<?x64xf32>
      %b = call @forward_t0(%a, %e1) : (...) -> tensor<?x64xf32>
    func.func private @forward_t0(%in: tensor<?x64xf32>, %out: ...)
        -> tensor<?x64xf32> attributes {tessel.tensor_step} {...}
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::tessel::TesselDialect"];
}

def TesselInlineTensorSteps
    : Pass<"tessel-inline-tensor-steps", "::mlir::ModuleOp"> {
  let summary = "Put the ops of tessel-share-tensor-steps back at their calls, "
                "on buffers";
  let description = [{
    Runs right after bufferization. Every call of a function marked
    `tessel.tensor_step` is replaced by the function's body, its arguments
    the call's operands, and the ops placed there take the call's location
    (the op's own, so that buffers and steps name their layer); the
    functions are erased. The memory plan and step outlining then see the
    entry points as if the ops had never left them.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def TesselOutlineSteps : Pass<"tessel-outline-steps", "::mlir::ModuleOp"> {
  let summary = "Move each op's loops out of an entry point into a step "
                "function, called in order";
  let description = [{
    Runs on buffers, after the memory plan. Every top-level op of a public
    function that does work (an op with a body: loop nests, linalg ops; or
    a `memref.copy`) becomes a private function NAME_sN, a step of the
    entry point's schedule, which the entry point calls in place of the op;
    constants are rebuilt inside the step, other values it uses are passed.
    Steps are marked `tessel.step` (tessel-emit-entry-points keeps them out
    of line, so that they stay functions in the compiled code) and get
    internal linkage; a step holding an `scf.forall` (threads' tiles) is
    also marked `tessel.dynamic_schedule`. The entry point is marked
    `tessel.steps`: its steps in call order, each a `#tessel.step` with the
    function, the op it holds and the part of the model it came from, which
    the artifact's manifest lists. (On the CPU a step is a host function
    whose loops run on the threads; a GPU target launches kernels from its
    steps.)

    A step equivalent to one made before (the same body, locations aside,
    on the same argument types, in any entry point of the module) is not
    kept: its call site calls the earlier step, and the schedule names that
    function with this call's own op and model part. A stack of identical
    layers is compiled as one layer's steps, each called once per layer.

    ```mlir
    func.func @forward(%x: memref<?x64xf32>, ...) {
      %v = memref.view %ws[%c0][%n] : memref<?xi8> to memref<?x64xf32>
      linalg.generic ... ins(%x ...) outs(%v ...) { ... }
      ...
    // becomes
    func.func @forward(...) attributes {tessel.steps = [
        #tessel.step<function = @forward_s0, op = "linalg.generic",
                     at = "layers.0.attn_norm">, ...]} {
      %v = memref.view %ws[%c0][%n] : memref<?xi8> to memref<?x64xf32>
      call @forward_s0(%x, %v) : (memref<?x64xf32>, memref<?x64xf32>) -> ()
    ```
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
    "::tessel::TesselDialect"
  ];
}

def TesselEmitEntryPoints
    : Pass<"tessel-emit-entry-points", "::mlir::ModuleOp"> {
  let summary = "Give each C-interface function a `void entry(void **)` entry";
  let description = [{
    Runs on the LLVM dialect, after `llvm.emit_c_interface` functions got
    their `_mlir_ciface_NAME` wrappers. Adds `tessel_entry_NAME(ptr args)`,
    which loads each argument pointer from the array and calls the wrapper:
    the runtime calls every entry point the same way, whatever its arity.
    The wrapper and the function NAME it unpacks descriptors for become
    internal and `always_inline`: LLVM inlines both into `tessel_entry_NAME`,
    so no call passes every buffer as its descriptor's fields (a 7B model's
    forward takes over 2,000 such arguments; code generation of that one
    call took seconds).
    Marks the steps of `tessel-outline-steps` (`tessel.step`) `no_inline`,
    so that each op's step stays a function a profile can name, and brackets
    each call of a step with calls through `tessel_step_hook` (a global
    pointer to `void (i32 step, i32 end)`, end 0 before the step and 1
    after; it points at a function that does nothing until a runtime that
    profiles sets it: `tessel-run --profile`).

    ```mlir
    llvm.func @tessel_entry_forward(%args: !llvm.ptr) {
      %p0 = llvm.load %args : !llvm.ptr -> !llvm.ptr
      ...
      llvm.call @_mlir_ciface_forward(%p0, %p1, ...)
    }
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TesselStridedCopiesToLinalg : Pass<"tessel-strided-copies-to-linalg"> {
  let summary = "Turn memref.copy of non-contiguous buffers into linalg.copy";
  let description = [{
    Contiguous copies become a memcpy when lowered to LLVM; strided ones
    would call the `memrefCopy` function of MLIR's C runner library, which
    a Tessel artifact does not ship. As `linalg.copy` they become loops.

    ```mlir
    memref.copy %a, %b : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
    // becomes
    linalg.copy ins(%a : ...) outs(%b : ...)
    ```
  }];
  let options = [
    Option<"all", "all", "bool", /*default=*/"false",
           "Every copy, contiguous too (GPU code: a copy between device "
           "buffers is a kernel, not a host memcpy)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TesselSplitEmptyTensors : Pass<"tessel-split-empty-tensors"> {
  let summary = "Give each use of a tensor.empty its own, before bufferization";
  let description = [{
    CSE merges equal `tensor.empty` ops, so unrelated ops write their results
    into one value. One-Shot Bufferize then analyzes all of them as one
    alias set, at a cost that grows with the cube of the chain's length
    (400 chained elementwise ops: 2.8 s instead of 0.01 s). An empty
    tensor's contents are undefined: each use beyond the first gets a copy
    of the op right before the op that holds the use in the original's
    block (not inside a loop the original is outside of; its buffer lives
    from there, which the memory plan's slot reuse needs). Run right before
    bufferization, after the last CSE.

    ```mlir
    %e = tensor.empty(%n) : tensor<?x64xf32>
    %a = linalg.generic ... outs(%e : tensor<?x64xf32>)
    %b = linalg.generic ... ins(%a ...) outs(%e : tensor<?x64xf32>)
    // becomes
    %e = tensor.empty(%n) : tensor<?x64xf32>
    %a = linalg.generic ... outs(%e : tensor<?x64xf32>)
    %e1 = tensor.empty(%n) : tensor<?x64xf32>
    %b = linalg.generic ... ins(%a ...) outs(%e1 : tensor<?x64xf32>)
    ```
  }];
}

#endif // TESSEL_PASSES_CODEGEN_COMMON_PASSES_TD
