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
    module `@tessel_kernels_emulated`, with twelve more index arguments:
    block id, thread id, block size and grid size (x, y, z each), which
    replace the `gpu.block_id`, `gpu.thread_id`, `gpu.block_dim` and
    `gpu.grid_dim` ops. The backend compiles that module for the host into
    the artifact's "cubin", a shared object that the test suite's stand-in
    for the CUDA driver loads and runs block by block, thread by thread.
    The host side, the launch interface and the runtime are the real ones,
    and the gpu.module stays, for the PTX and the manifest. A kernel with
    a barrier or a warp shuffle cannot run this way and is an error.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::gpu::GPUDialect"];
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
