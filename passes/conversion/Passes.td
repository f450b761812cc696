//===- Passes.td - tessel to linalg ------------------------*- tablegen -*-===//

#ifndef TESSEL_PASSES_CONVERSION_PASSES_TD
#define TESSEL_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

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
    "::mlir::affine::AffineDialect", "::mlir::scf::SCFDialect",
    "::mlir::bufferization::BufferizationDialect"
  ];
}

#endif // TESSEL_PASSES_CONVERSION_PASSES_TD
