//===- Passes.td - GPU codegen -----------------------------*- tablegen -*-===//

#ifndef TESSEL_PASSES_CODEGEN_GPU_PASSES_TD
#define TESSEL_PASSES_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def TesselGpuCoalesceLoops
    : Pass<"tessel-gpu-coalesce-loops", "::mlir::func::FuncOp"> {
  let summary = "Put each parallel loop nest's innermost dimension first, "
                "so that it maps to consecutive threads";
  let description = [{
    `convert-linalg-to-parallel-loops` writes a loop nest's dimensions
    outermost first, and the GPU mapping gives the first one to the x
    threads of a block. For a row-major buffer that makes neighbouring
    threads touch elements a row apart: every load and store its own
    memory transaction. Reversing the dimensions of each outermost
    `scf.parallel` gives the x threads the contiguous (last) dimension, so a
    warp reads 32 consecutive elements at once. Nested loops and loops
    with reductions are left as they are.

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
      memref.store %v, %out[%i, %j]
    }
    // becomes
    scf.parallel (%j, %i) = (%c0, %c0) to (%n, %m) step (%c1, %c1) {
      memref.store %v, %out[%i, %j]
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def TesselGpuMmaAttention
    : Pass<"tessel-gpu-mma-attention", "::mlir::func::FuncOp"> {
  let summary = "Give attention to the tensor-core FlashAttention kernel "
                "where it computes it";
  let description = [{
    Runs on tessel ops, before attention is lowered to linalg. Each
    `tessel.attention` without a bias, per-sequence positions or a used
    log-sum-exp, whose head dimensions are multiples of 16 up to 128,
    becomes a `tessel.mma_attention` (destination style) on `element-type`
    copies of its query, key and value, into a fresh result of the op's
    type. The copies give the kernel contiguous rows to stage with
    cp.async; `tessel-gpu-flash-attention` writes the kernel once the op
    is on memrefs. Attention this pass leaves is lowered untiled.

    ```mlir
    %o = tessel.attention %q, %k, %v {causal} : ... -> tensor<1x4x?x64xf32>
    // becomes
    %qb = linalg.generic ... -> tensor<1x4x?x64xbf16>   // and %kb, %vb
    %o = tessel.mma_attention ins(%qb, %kb, %vb) outs(%init)
        {causal, scale = 1.250000e-01 : f64} : ... -> tensor<1x4x?x64xf32>
    ```
  }];
  let options = [
    Option<"elementType", "element-type", "std::string", "\"bf16\"",
           "the tensor cores' input type: bf16 or f16">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TesselGpuFlashAttention
    : Pass<"tessel-gpu-flash-attention", "::mlir::func::FuncOp"> {
  let summary = "Write each tessel.mma_attention on memrefs as a "
                "FlashAttention kernel on tensor cores";
  let description = [{
    Each `tessel.mma_attention` on memrefs becomes a `gpu.launch` whose
    body is FlashAttention-2 on `mma.sync`:

    - one block of 4 warps per (query-row tile, key/value head, batch);
      a tile is 64 rows of the [S, G] (query, head of the group) pairs of
      one key/value head, so the G query heads of grouped-query attention
      share each key/value tile, and a decode step's G rows fill one tile;
    - the query tile and each 64-key tile of K and V staged in dynamic
      shared memory by `cp.async` (16 bytes a thread, rows past the end
      zero-filled), 16-byte chunks XOR-swizzled by row so that `ldmatrix`
      reads 8 rows without bank conflicts; V of tile j loads while
      S = Q K^T is computed, K of tile j+1 while the softmax and P V run;
    - each warp owns 16 rows: Q fragments loaded once by `ldmatrix`, K by
      `ldmatrix`, V by `ldmatrix.trans`, S and O accumulated in f32 by
      `mma.sync.m16n8k16` (bf16 or f16 inputs); P reuses S's accumulator
      registers as the A operand (two f32 to one packed pair);
    - the online softmax in registers: row max and sum over the 4 threads
      of a row by `shfl.bfly`, exp2 with scale·log2(e) folded into one
      FMA, the running max kept in logit units;
    - causal: key tiles past a tile's last visible key are never loaded;
      tiles every row of the block sees entirely run a loop without a
      mask, the diagonal and last tiles a loop with one.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TesselGpuMmaLinear
    : Pass<"tessel-gpu-mma-linear", "::mlir::func::FuncOp"> {
  let summary = "Give linear layers to the tensor-core kernel where it "
                "computes them";
  let description = [{
    Runs on tessel ops, before they are lowered to linalg. Each
    `tessel.linear` whose input is [M, K] or [B, M, K] and whose weight is
    static with K a multiple of 8 becomes a `tessel.mma_linear` of the
    same operands into a fresh result. Nothing is converted beforehand:
    `tessel-gpu-linear-kernel` converts each tile to `element-type` as it
    stages it.

    ```mlir
    %y = tessel.linear %x, %w, %b : tensor<?x?x64xf32>, tensor<256x64xf32>,
        tensor<256xf32> -> tensor<?x?x256xf32>
    // becomes
    %y = tessel.mma_linear ins(%x, %w) bias(%b : tensor<256xf32>)
        outs(%init) {mma_type = bf16} : ... -> tensor<?x?x256xf32>, ...
    ```
  }];
  let options = [
    Option<"elementType", "element-type", "std::string", "\"bf16\"",
           "the tensor cores' input type: bf16 or f16">
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TesselGpuLinearKernel
    : Pass<"tessel-gpu-linear-kernel", "::mlir::func::FuncOp"> {
  let summary = "Write each tessel.mma_linear on memrefs as a tensor-core "
                "kernel";
  let description = [{
    Each `tessel.mma_linear` on memrefs becomes a `gpu.launch`: one block
    of 4 warps per 64 x 64 tile of the output (and batch); for each 64-wide slice of
    K, the threads load the input and weight tiles (8 elements a thread a
    row, rows and columns past the end as zeros), convert them to
    `mma_type` and store them to XOR-swizzled shared tiles; each warp then
    multiplies its 16 rows by the 64 columns with `ldmatrix` and
    `mma.sync.m16n8k16` into f32 accumulators; the bias is added as the
    results are stored.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TesselGpuGatherKernels
    : Pass<"tessel-gpu-gather-kernels", "::mlir::ModuleOp"> {
  let summary = "Gather the outlined kernels into one gpu.module and keep "
                "the host off device memory";
  let description = [{
    Runs after `gpu-kernel-outlining`, which gives every kernel a
    `gpu.module` of its own. Moves every kernel into one module,
    `@tessel_kernels` (one cubin for the artifact), named after the entry
    point that launches it and numbered in launch order
    (`forward_k0`, `forward_k1`, ...). Kernels with the same body (a
    model's layers launch the same kernels) are kept once, under the first
    name. The module's `tessel.kernels` attribute lists them in order: the
    index a launch names, once the gpu.module has become a binary.

    Then the host side: a buffer that host code only fills and reads
    (`memref.reshape`'s shape operands) becomes a `memref.alloca` (host
    stack); every other buffer is device memory, and a host `memref.load`,
    `memref.store` or `memref.copy` of it is an error that names the op,
    since the host cannot dereference a device pointer. Host memory are:
    the sizes argument of a `tessel-plan-buffers` workspace function, and
    the integer arguments (token ids, positions, block tables), which the
    runtime places in pinned host memory mapped into the device's address
    space; host code reads them to place a decode step's cache writes.

    ```mlir
    gpu.module @forward_kernel { gpu.func @forward_kernel(...) kernel {...} }
    gpu.launch_func @forward_kernel::@forward_kernel blocks in (...) ...
    // becomes
    gpu.module @tessel_kernels { gpu.func @forward_k0(...) kernel {...} }
    gpu.launch_func @tessel_kernels::@forward_k0 blocks in (...) ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TesselGpuEmulateKernels
    : Pass<"tessel-gpu-emulate-kernels", "::mlir::ModuleOp"> {
  let summary = "Turn the kernels into host functions, for testing the "
                "CUDA path on a machine without a GPU";
  let description = [{
    Test-only (`tesselc --target=cuda --cuda-emulate`). Each `gpu.func` of
    `@tessel_kernels` becomes a `func.func` of the same name in a nested
    module `@tessel_kernels_emulated`, with thirteen more index arguments:
    block id, thread id, block size and grid size (x, y, z each), which
    replace the `gpu.block_id`, `gpu.thread_id`, `gpu.block_dim` and
    `gpu.grid_dim` ops, and the address of the block's shared memory. The
    backend compiles that module for the host into the artifact's "cubin",
    a shared object that the test suite's stand-in for the CUDA driver
    (test/fakecuda) loads and runs block by block. The host side, the
    launch interface and the runtime are the real ones, and the gpu.module
    stays, for the PTX and the manifest.

    What threads do together becomes a call of the stand-in driver, which
    then runs the kernel's threads as fibers (the kernel exports
    `NAME_cooperative`): `gpu.barrier` (`tessel_emu_barrier`), f32 xor
    `gpu.shuffle` (`tessel_emu_shfl_xor`), `nvgpu.ldmatrix`
    (`tessel_emu_ldmatrix`, the addresses every lane gives), and
    `nvvm.mma.sync` m16n8k16 with bf16 or f16 inputs
    (`tessel_emu_mma_bf16`, `_f16`: the warp's fragments gathered, PTX's
    layouts). `nvgpu.device_async_copy` becomes a synchronous copy
    (`tessel_emu_copy`, with cp.async's zero fill) and its commits and
    waits disappear; dynamic shared memory is the driver's buffer; an
    f32-to-bf16 `arith.truncf` is done in integers (round to nearest even),
    since the host's compiler runtime may lack `__truncsfbf2`. Any other
    GPU or NVVM op is an error.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def TesselGpuLowerHost : Pass<"tessel-gpu-lower-host", "::mlir::ModuleOp"> {
  let summary = "Lower the host side of GPU code to the LLVM dialect, "
                "launching through Tessel's launch interface";
  let description = [{
    The host functions (entry points and their workspace functions) to the
    LLVM dialect. `gpu.launch_func` becomes a call through the function
    pointer `tessel_cuda_launch` (a global of the compiled code that the
    runtime sets when it loads it):

    ```c
    void launch(int32_t kernel, int64_t gx, gy, gz, bx, by, bz,
                int32_t sharedBytes, void **params);
    ```

    where `kernel` is the kernel's index in the module's `tessel.kernels`
    (the manifest's kernel list) and `params` points at each kernel argument
    (memrefs expanded into their descriptor fields, as the kernels take
    them). Buffers (`memref.alloc`, `memref.dealloc`) are device memory
    from `tessel_cuda_alloc` and `tessel_cuda_free`, the runtime's; the
    runtime owns the stream, so a launch creates and destroys nothing.
    `gpu.module` and `gpu.binary` are left as they are.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // TESSEL_PASSES_CODEGEN_GPU_PASSES_TD
