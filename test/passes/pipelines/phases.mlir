// Each phase of the CPU flow runs and prints on its own; the two phases in
// a row compile what the whole pipeline compiles.

// RUN: tessel-opt %s --tessel-to-linalg-pipeline | FileCheck %s --check-prefix=NEUTRAL
// RUN: tessel-opt %s --tessel-to-linalg-pipeline='block-q=16 block-k=32' | FileCheck %s --check-prefix=BLOCKS
// RUN: tessel-opt %s --tessel-to-linalg-pipeline='flash-attention=false' | FileCheck %s --check-prefix=UNTILED
// RUN: tessel-opt %s --tessel-to-linalg-pipeline | tessel-opt --tessel-cpu-codegen-pipeline > %t.phases
// RUN: tessel-opt %s --tessel-cpu-pipeline > %t.whole
// RUN: diff %t.phases %t.whole
// RUN: FileCheck %s --check-prefix=CPU < %t.phases
// RUN: tessel-opt %s --tessel-cpu-pipeline='workspace-argument=true' | FileCheck %s --check-prefix=WORKSPACE

// The target-neutral phase: parameters are arguments, attention is tiled
// over query tiles (threads' tiles, scf.forall) and key tiles (scf.for),
// everything else is linalg on tensors; no buffers, no vectors, no target.

// NEUTRAL-LABEL: func.func @block(
// NEUTRAL-SAME:    tessel.parameter = "w"
// NEUTRAL-NOT:     tessel.get_parameter
// NEUTRAL:         linalg.generic
// NEUTRAL:         scf.forall
// NEUTRAL:           scf.for
// NEUTRAL-NOT:     memref.
// NEUTRAL-NOT:     vector.
// NEUTRAL-NOT:     llvm.

// BLOCKS:        scf.forall ({{.*}}) to ({{.*}}) step ({{.*}}, 16)
// BLOCKS:          scf.for {{.*}} step %c32

// The untiled lowering materializes the logits: no tiles.
// UNTILED-LABEL: func.func @block(
// UNTILED-NOT:     scf.forall
// UNTILED:         linalg.generic

// The CPU phase ends in the LLVM dialect with the uniform entry point.
// CPU-NOT: tessel.
// CPU-NOT: linalg.
// CPU-NOT: func.func
// CPU-LABEL: llvm.func internal @block(
// CPU:       omp.parallel
// CPU-LABEL: llvm.func @tessel_entry_block(

// WORKSPACE-LABEL: llvm.func internal @block_workspace(

tessel.parameter @w : tensor<64x64xf32> init = normal {std = 2.000000e-02 : f64}

func.func @block(%x: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %w = tessel.get_parameter @w : tensor<64x64xf32>
  %q = tessel.linear %x, %w : tensor<1x4x?x64xf32>, tensor<64x64xf32> -> tensor<1x4x?x64xf32>
  %o = tessel.attention %q, %x, %x {causal}
      : tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
