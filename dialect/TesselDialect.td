//===- TesselDialect.td - The tessel dialect ---------------*- tablegen -*-===//
//
// The dialect record, the type constraints shared by every op, and the op base
// class.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_TESSELDIALECT_TD
#define TESSEL_DIALECT_TESSELDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Tessel_Dialect : Dialect {
  let name = "tessel";
  let cppNamespace = "::tessel";
  let useDefaultAttributePrinterParser = 1;
  let summary = "Graph-level ops of transformer models";
  let description = [{
    Each op is one concept of modern LLMs (attention, norms, positional
    encodings, ...) on ranked tensors, with the concept's parameters as
    attributes. Batch and sequence dimensions may be dynamic (`?`); model
    sizes are static. Float tensors are f32, f16 or bf16.
  }];
  let hasConstantMaterializer = 0;
  // The compiler-runtime contract: attributes the codegen passes attach and
  // the backend reads into the artifact's manifest. Each is verified where
  // it appears (TesselDialect.cpp).
  let discardableAttrs = (ins
    // On an argument of a function: the parameter it receives
    // (tessel-parameters-to-arguments).
    "::mlir::StringAttr":$parameter,
    // On a function: the kind of entry point it is (#tessel.entry_point).
    "::tessel::EntryPointKindAttr":$entry_point,
    // On a function: tessel-autodiff adds its vector-Jacobian product,
    // NAME_vjp.
    "::mlir::UnitAttr":$differentiate,
    // On a result of a grads entry point: the parameter it is the gradient
    // of (tessel-autodiff); the manifest names the result so.
    "::mlir::StringAttr":$gradient,
    // On a result of a loss or grads entry point: the new value of the
    // parameter it names (batch norm's running statistics in training),
    // which the training loop writes into that parameter after a step.
    "::mlir::StringAttr":$update,
    // On a function: a step of an entry point's schedule
    // (tessel-outline-steps).
    "::mlir::UnitAttr":$step,
    // On a function: one op of an entry point on tensors, shared by every
    // identical op (tessel-share-tensor-steps), so that tiling and
    // bufferization see it once; inlined back after bufferization
    // (tessel-inline-tensor-steps).
    "::mlir::UnitAttr":$tensor_step,
    // On a step: its threads take coarse, uneven tiles, so its loops get a
    // dynamic schedule (tessel-cpu-openmp-schedule).
    "::mlir::UnitAttr":$dynamic_schedule,
    // On an entry point: its steps in call order (#tessel.step).
    "::mlir::ArrayAttr":$steps,
    // On an entry point: its memory plan (#tessel.buffer_plan).
    "::tessel::BufferPlanAttr":$buffer_plan,
    // On a linalg op, inside tessel-cpu-tile-and-vectorize only: a full
    // register tile, to be vectorized.
    "::mlir::UnitAttr":$register_tile,
    // On a contraction of a decode entry point, from
    // tessel-share-tensor-steps to tessel-cpu-tile-and-vectorize: it runs on
    // a decode step's few rows (sharing loses which entry point an op is
    // from), so its threads' chunks keep the row chunks outermost.
    "::mlir::UnitAttr":$decode_contraction,
    // On a result of a function: it is argument N updated in place (decode's
    // KV caches). The compiled code writes argument N's buffer and does not
    // return it; the manifest says `"in_place": N`.
    "::mlir::IntegerAttr":$in_place,
    // On an argument of a decode entry point: the KV cache it is, by name
    // ("keys.0", "values.0", MLA's "latent.0"); the manifest names the
    // input, and the result updating it in place, so.
    "::mlir::StringAttr":$cache,
    // On a module compiled for a GPU: its kernels' names in launch-index
    // order (tessel-gpu-gather-kernels); the manifest lists them so.
    "::mlir::ArrayAttr":$kernels
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
}

/// Float tensors every numeric op works on.
def Tessel_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
/// f32 tensors: statistics that backward passes keep (log-sum-exp, mean,
/// reciprocal standard deviation) and FlashAttention's running state.
def Tessel_F32Tensor : RankedTensorOf<[F32]>;
/// Index tensors: token ids, positions, class targets.
def Tessel_IndexTensor : RankedTensorOf<[I32, I64]>;

class Tessel_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tessel_Dialect, mnemonic, traits>;

#endif // TESSEL_DIALECT_TESSELDIALECT_TD
