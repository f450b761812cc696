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
