//===- Passes.td - Tessel passes ---------------------------*- tablegen -*-===//

#ifndef TESSEL_PASSES_PASSES_TD
#define TESSEL_PASSES_PASSES_TD

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

def ConvertTesselToLinalg : Pass<"convert-tessel-to-linalg"> {
  let summary = "Lower tessel ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Each tessel op becomes `linalg.generic`s (elementwise maps, reductions,
    contractions) and `tensor` ops that compute exactly its description;
    the upstream pipeline then bufferizes, vectorizes and lowers them to
    loops and LLVM. Reduced-precision (f16, bf16) tensors are computed in
    f32 inside the loop bodies. Attention is lowered naively here (the S x T
    logits are materialized); the FlashAttention passes replace it.

    ```mlir
    // Before
    %y = tessel.silu %x : tensor<?x64xf32>
    // After
    %e = tensor.empty(%d0) : tensor<?x64xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = [...]}
        ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) { ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::affine::AffineDialect"
  ];
}

def TesselApproximateMath : Pass<"tessel-approximate-math"> {
  let summary = "Replace exp, tanh, erf, ... by polynomial approximations";
  let description = [{
    Applies MLIR's math polynomial approximations (accurate to a few f32
    ulps) so that compiled loops vectorize and call no libm functions, and
    Tessel's own for f32 `exp2` (softmax and FlashAttention compute exp(d)
    as exp2(d log2 e)): 15 operations, about one ulp.

    ```mlir
    %y = math.exp2 %x : vector<16xf32>
    // becomes: x clamped to [-127, 129] (NaN kept), n = roundeven(x) (at
    // most 127), f = x - n, six math.fma of a degree-6 polynomial in f,
    // and the product with bitcast((fptosi(n) + 127) << 23)
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def TesselFuseAttention : Pass<"tessel-fuse-attention"> {
  let summary = "Fuse matmul, scale, bias or mask, softmax, matmul into "
                "tessel.attention";
  let description = [{
    Finds attention written op by op on rank-4 [B, H, S, D] tensors:

        s = tessel.matmul q, kT          (kT: [B, H, D, T])
        s = s * c   or   s / c           (c a splat constant; optional)
        s = s + bias                     (optional)
        p = tessel.softmax s             (over the last, key axis)
        o = tessel.matmul p, v

    and replaces it by `tessel.attention q, transpose(kT), v` with `scale`
    = c (or 1/c; 1 without a scale) and the bias. A constant bias that is 0
    on and below the bottom-right-aligned diagonal and -inf (or the most
    negative f32) above it becomes the `causal` attribute instead. The
    chain must be private: if the logits, the scaled or biased logits or
    the probabilities have another user, nothing fuses. A softmax over
    another axis, or a scale applied after the softmax, does not match.
  }];
}

def TesselTileAttention : Pass<"tessel-tile-attention"> {
  let summary = "Rewrite tessel.attention as FlashAttention tiles";
  let description = [{
    Each `tessel.attention` becomes an `scf.forall` over (batch, key/value
    head, query tile of `block-q` rows). A thread loads the query tile of
    every query head that shares the key/value head ([G, bq, D]) and walks
    the key/value tiles of `block-k` rows in an `scf.for` carrying the
    online-softmax state: the running row maximum m, the running sum l and
    the output accumulator.  Per key tile:

        s      = scale * q k^T (+ bias)          [G, bq, bk]
        m'     = max(m, rowmax s)
        p      = exp(s - m')
        alpha  = exp(m - m')
        l'     = alpha l + rowsum p
        acc'   = alpha acc + p v

    and at the end O = acc / l and lse = m + log l.  Each key/value tile is
    read once for the whole group of query heads (GQA, MQA).  The keys are
    transposed once, before the threads start ([B, Hkv, D, T], O(T D)
    memory), so each key tile is a slice whose rows are vectors; each query
    tile is multiplied by the scale once, into a buffer of its own (f32,
    contiguous), so no logit is multiplied.  With `causal`,
    key tiles wholly above the diagonal are not visited, tiles wholly below
    it run without a mask, and only the tiles crossing it are masked.  No
    [S, T] tensor is created; the largest temporary is [G, block-q,
    block-k].  The result is O (the log-sum-exp is computed alongside for
    the backward pass).  Ops with dynamic head counts or head sizes are
    left to the naive lowering.
  }];
  let options = [
    Option<"blockQ", "block-q", "int64_t", "64", "Query rows per tile">,
    Option<"blockK", "block-k", "int64_t", "64", "Key rows per tile">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect", "::mlir::affine::AffineDialect"
  ];
}

def TesselVectorizeContractions
    : Pass<"tessel-vectorize-contractions", "::mlir::func::FuncOp"> {
  let summary = "Tile contractions for registers and caches, then vectorize";
  let description = [{
    Every `linalg` contraction with one reduction dimension (linear layers,
    batched matmuls, attention's q.k and p.v) becomes:

    - an `scf.forall` over its leading parallel dimensions (tile 1), over
      chunks of `chunk-rows` output rows and `chunk-cols` output columns:
      the work the threads share;
    - inside it, `scf.for` loops over `tile-rows` x `tile-cols` register
      tiles of the output (`tile-rows` x `wide-tile-cols` when the operand
      that spans the columns is laid out [k, cols], so no transpose is
      needed: twice the accumulators, so the FMAs rather than the loads
      bound the loop) and `tile-k` steps of the reduction (`wide-tile-k`
      for wide tiles, whose accumulators leave room for only a few rows of
      the column operand in the 32 vector registers; a dimension
      smaller than its tile, like a head size of 8, gets a tile of its own
      size), each loop peeled so that the main loops see full, static
      tiles;
    - the full tiles vectorized: the accumulator tile stays in vector
      registers across the reduction loop (when the output is a
      `linalg.fill`, the fill is fused into each register tile and the
      accumulators start as a splat), and each step is a sequence of
      broadcast-FMAs (outer products; an operand laid out [cols, k], as
      Linear weights are, is transposed in registers by shuffles).

    Partial tiles at the edges (the peeled remainders) stay `linalg` ops and
    become plain loops.

    A `linalg.transpose` of the last two dimensions (FlashAttention's keys to
    [B, H, D, T]) is tiled the same way: threads share 64 x 64 chunks, and
    each full 16 x 16 tile is 16 row loads, a transpose by shuffles and 16
    row stores, rather than strided gathers.  Runs on tensors, before
    bufferization.
  }];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", "8",
           "Output rows per register tile">,
    Option<"tileCols", "tile-cols", "int64_t", "16",
           "Output columns per register tile (the vector width)">,
    Option<"wideTileCols", "wide-tile-cols", "int64_t", "32",
           "Output columns per register tile when the column operand is "
           "laid out [k, cols]">,
    Option<"tileK", "tile-k", "int64_t", "16",
           "Reduction steps per vectorized step">,
    Option<"wideTileK", "wide-tile-k", "int64_t", "4",
           "Reduction steps per vectorized step of a wide tile: its "
           "accumulators take 16 vector registers, so only a few rows of the "
           "column operand may be live at once without spills">,
    Option<"chunkRows", "chunk-rows", "int64_t", "32",
           "Output rows per parallel task">,
    Option<"chunkCols", "chunk-cols", "int64_t", "256",
           "Output columns per parallel task">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect", "::mlir::tensor::TensorDialect"
  ];
}

def TesselSequentialInnerLoops
    : Pass<"tessel-sequential-inner-loops", "::mlir::func::FuncOp"> {
  let summary = "Keep threads on outer loops; run innermost loops in order";
  let description = [{
    Rewrites each `scf.parallel` so that its innermost dimension becomes an
    `scf.for` (the loop LLVM vectorizes, over contiguous memory), and turns
    an `scf.parallel` nested in another into `scf.for` loops, so that OpenMP
    forks once per op and never collapses the vectorizable loop into its
    index arithmetic.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
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
    planned function is marked `tessel.buffer_plan = {buffers, slots}`:
    each buffer's type, slot and model part (from its location), and the
    slot count.
  }];
  let options = [
    Option<"workspaceArgument", "workspace-argument", "bool", "false",
           "Public functions take the workspace as an argument">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"
  ];
}

def TesselOutlineKernels : Pass<"tessel-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "Move each op's loops out of an entry point into a kernel "
                "function, called in order";
  let description = [{
    Runs on buffers, after the memory plan. Every top-level op of a public
    function that does work (an op with a body: loop nests, linalg ops; or
    a `memref.copy`) becomes a private function NAME_kN, which the entry
    point calls in place of the op; constants are rebuilt inside the kernel,
    other values it uses are passed. The kernels are marked `tessel.kernel`
    (tessel-emit-entry-points keeps them out of line, so that they stay
    functions in the compiled code) and get internal linkage; a kernel
    holding an `scf.forall` (threads' tiles) is also marked
    `tessel.dynamic_schedule`. The entry point is
    marked `tessel.kernel_calls`: its kernels in call order, each with the
    op it holds and the name of the model part it came from, which the
    artifact's manifest lists.

    ```mlir
    func.func @forward(%x: memref<?x64xf32>, ...) {
      %v = memref.view %ws[%c0][%n] : memref<?xi8> to memref<?x64xf32>
      linalg.generic ... ins(%x ...) outs(%v ...) { ... }
      ...
    // becomes
    func.func @forward(...) attributes {tessel.kernel_calls = [
        {at = "layers.0.attn_norm", kernel = "forward_k0",
         op = "linalg.generic"}, ...]} {
      %v = memref.view %ws[%c0][%n] : memref<?xi8> to memref<?x64xf32>
      call @forward_k0(%x, %v) : (memref<?x64xf32>, memref<?x64xf32>) -> ()
    ```
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def TesselEmitEntryPoints
    : Pass<"tessel-emit-entry-points", "::mlir::ModuleOp"> {
  let summary = "Give each C-interface function a `void kernel(void **)` entry";
  let description = [{
    Runs on the LLVM dialect, after `llvm.emit_c_interface` functions got
    their `_mlir_ciface_NAME` wrappers. Adds `tessel_entry_NAME(ptr args)`,
    which loads each argument pointer from the array and calls the wrapper:
    the runtime calls every kernel the same way, whatever its arity. Marks
    the functions of `tessel-outline-kernels` (`tessel.kernel`) `no_inline`,
    so that each op's kernel stays a function a profile can name, and gives
    the OpenMP loops of kernels marked `tessel.dynamic_schedule` (coarse
    tiles) a dynamic schedule.

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
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // TESSEL_PASSES_PASSES_TD
