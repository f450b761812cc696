//===- Passes.td - CPU codegen -----------------------------*- tablegen -*-===//

#ifndef TESSEL_PASSES_CODEGEN_CPU_PASSES_TD
#define TESSEL_PASSES_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def TesselCpuApproximateMath : Pass<"tessel-cpu-approximate-math"> {
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

def TesselCpuMapAttention
    : Pass<"tessel-cpu-map-attention", "::mlir::func::FuncOp"> {
  let summary = "Map the online-attention form onto CPU threads and linalg "
                "tiles";
  let description = [{
    Runs on the online form `tessel-tile-attention` builds: query tiles
    (`scf.forall`) walking key tiles (`scf.for`), one
    `tessel.online_attention` step per key tile. It makes the CPU's choices:

    - causal query tiles run last to first (threads take tiles in
      iteration order, so the costly ones, which see the most keys, go
      first and the schedule ends on cheap ones);
    - the keys are transposed once, before the threads start ([B, Hkv, D,
      T]), so each key tile is a slice whose rows are vectors; not in a
      decode entry point (`#tessel.entry_point<decode>`), whose keys are
      the KV cache: transposing it would copy the whole cache at every
      token, so there key tiles are read as they are ([K, D]);
    - each query tile is multiplied by the scale once, into an f32 buffer
      of its own, so no logit is multiplied;
    - the logits tile [G, bq, bk] and the row maxima are scratch carried
      through the key loops, so each query tile has one buffer of each,
      rewritten in place;

    and replaces each step by linalg ops: the zeroed logits tile, q.k^T,
    bias and mask, the row max, m' and alpha = exp(m - m') in one op,
    p = exp(s - m') with the new row sums in one op, acc' = alpha acc +
    p.v (each exp(d) as exp2(d log2 e)). tessel-cpu-tile-and-vectorize then
    register-tiles the two contractions.

    ```mlir
    %m1, %l1, %acc1 = tessel.online_attention %q, %k, %v into %m, %l, %acc
        {scale = 2.500000e-01 : f64} : ...
    // becomes (q scaled once, before the key loop, k a tile of the keys
    // transposed once):
    %s0 = linalg.fill ins(%zero) outs(%scratch_tile)
    %s = linalg.generic ins(%q_scaled, %kT_tile) outs(%s0) { mulf, addf }
    %max = linalg.generic ins(%s) outs(%rows) { maxnumf }
    %m1, %alpha = linalg.generic outs(%m, %max) { maximumf, exp2 }
    %p, %l1 = linalg.generic ins(%m1) outs(%s, %l_scaled) { exp2, addf }
    %acc1 = linalg.generic ins(%p, %v) outs(%acc_scaled) { mulf, addf }
    ```
  }];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect"
  ];
}

def TesselCpuTileAndVectorize
    : Pass<"tessel-cpu-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Split contractions and transposes into thread chunks and "
                "register tiles, then vectorize";
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

    Rows that do not fill a register tile (decode's one row per sequence)
    are split off and get one-row tiles: vector code too, and, when the
    column operand is laid out [k, cols], tiles wide enough that each of its
    rows is read in long contiguous runs (matrix-vector products are bound
    by how fast the weights stream from memory). Partial tiles at the edges
    (the peeled remainders) stay `linalg` ops and become plain loops.

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
    Option<"rowTileCols", "row-tile-cols", "int64_t", "128",
           "Output columns per one-row register tile when the column operand "
           "is laid out [k, cols]: rows that do not fill a tile (decode's "
           "matrix-vector products) stream each row of the operand in long "
           "contiguous runs">,
    Option<"rowTileK", "row-tile-k", "int64_t", "2",
           "Reduction steps per vectorized step of a one-row tile">,
    Option<"rowBlockK", "row-block-k", "int64_t", "64",
           "Reduction steps per block that every leftover row (below a full "
           "tile) goes through before the next block: the block of the "
           "column operand stays in cache across rows">,
    Option<"chunkRows", "chunk-rows", "int64_t", "32",
           "Output rows per parallel task">,
    Option<"chunkCols", "chunk-cols", "int64_t", "128",
           "Output columns per parallel task">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::affine::AffineDialect", "::mlir::tensor::TensorDialect"
  ];
}

def TesselCpuSequentialInnerLoops
    : Pass<"tessel-cpu-sequential-inner-loops", "::mlir::func::FuncOp"> {
  let summary = "Keep threads on outer loops; run innermost loops in order";
  let description = [{
    Rewrites each `scf.parallel` so that its innermost dimension becomes an
    `scf.for` (the loop LLVM vectorizes, over contiguous memory), and turns
    an `scf.parallel` nested in another, or in a thread's chunk
    (`scf.forall`), into `scf.for` loops, so that OpenMP forks once per op
    and never collapses the vectorizable loop into its index arithmetic.
    Runs before `scf.forall` becomes `scf.parallel`: every dimension of the
    threads' chunks stays parallel (a matrix-vector product has its chunks
    in the column dimension only).
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def TesselCpuOpenMPSchedule
    : Pass<"tessel-cpu-openmp-schedule", "::mlir::ModuleOp"> {
  let summary = "Give the OpenMP loops of coarse-tiled steps a dynamic "
                "schedule";
  let description = [{
    Runs after `convert-scf-to-openmp`. Steps that
    `tessel-outline-steps` marked `tessel.dynamic_schedule` hold an
    `scf.forall` of coarse, possibly uneven tiles (contraction chunks,
    FlashAttention's query tiles, heavier towards the end when causal);
    their worksharing loops get `schedule(dynamic)`: each thread takes the
    next tile when it is done, so neither a heavier tile nor a descheduled
    core holds the others up. Other loops keep OpenMP's static schedule.

    ```mlir
    func.func private @forward_s3(...) attributes {tessel.dynamic_schedule,
                                                   tessel.step} {
      omp.parallel {
        omp.wsloop {
    // becomes
        omp.wsloop schedule(dynamic) {
    ```
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect"];
}

#endif // TESSEL_PASSES_CODEGEN_CPU_PASSES_TD
