// tessel-recompute on the grads entry point tessel-autodiff builds from a
// two-layer loss (ops named after their layer by their locations, as the
// frontend names them). blocks: each layer's forward ops are copied in
// front of that layer's backward, reading the layer's input through
// tessel.recompute_barrier, and the backward reads the copies; what other
// forward ops read (each layer's output %h) stays as it is. attention:
// only layer 1's sublayer (named layers.1.attention). blocks:1: layer 0
// only. none: unchanged.
//
// RUN: tessel-opt %s --pass-pipeline="builtin.module(tessel-autodiff,canonicalize,cse,func.func(tessel-recompute{schedule=blocks}))" | FileCheck %s --check-prefix=BLOCKS
// RUN: tessel-opt %s --pass-pipeline="builtin.module(tessel-autodiff,canonicalize,cse,func.func(tessel-recompute{schedule=attention}))" | FileCheck %s --check-prefix=ATTN
// RUN: tessel-opt %s --pass-pipeline="builtin.module(tessel-autodiff,canonicalize,cse,func.func(tessel-recompute{schedule=blocks:1}))" | FileCheck %s --check-prefix=FIRST
// RUN: tessel-opt %s --pass-pipeline="builtin.module(tessel-autodiff,canonicalize,cse,func.func(tessel-recompute{schedule=none}))" | FileCheck %s --check-prefix=NONE
// RUN: not tessel-opt %s --pass-pipeline="builtin.module(func.func(tessel-recompute{schedule=some}))" 2>&1 | FileCheck %s --check-prefix=BAD

// BLOCKS-LABEL: func.func @grads
// BLOCKS-SAME:    (%[[X:[^:]+]]: tensor<?x8xf32>, %[[T:[^:]+]]: tensor<?xi64>)
// BLOCKS:         %[[W0:.+]] = tessel.get_parameter @w0
// BLOCKS-NEXT:    %[[A0:.+]] = tessel.linear %[[X]], %[[W0]]
// BLOCKS-NEXT:    %[[G0:.+]] = tessel.gelu %[[A0]]
// BLOCKS-NEXT:    %[[H0:.+]] = tessel.add %[[X]], %[[G0]]
// BLOCKS-NEXT:    %[[W1:.+]] = tessel.get_parameter @w1
// BLOCKS-NEXT:    %[[A1:.+]] = tessel.linear %[[H0]], %[[W1]]
// BLOCKS:         %[[LOSS:.+]] = tessel.cross_entropy
// BLOCKS:         %[[DH1:.+]] = tessel.matmul
// Layer 1's backward: its pre-activation recomputed from a copy of %h0.
// BLOCKS:         %[[R1:.+]] = tessel.recompute_barrier %[[H0]]
// BLOCKS-NEXT:    %[[A1R:.+]] = tessel.linear %[[R1]], %[[W1]]
// BLOCKS-NEXT:    %[[D1:.+]] = tessel.gelu_grad %[[A1R]], %[[DH1]]
// BLOCKS-NOT:     %[[A1]]
// Layer 0's, after layer 1's: from a copy of the input.
// BLOCKS:         %[[R0:.+]] = tessel.recompute_barrier %[[X]]
// BLOCKS-NEXT:    %[[A0R:.+]] = tessel.linear %[[R0]], %[[W0]]
// BLOCKS-NEXT:    tessel.gelu_grad %[[A0R]],
// BLOCKS-NOT:     tessel.recompute_barrier
// BLOCKS:         return %[[LOSS]],

// ATTN-LABEL: func.func @grads
// ATTN:         %[[A0:.+]] = tessel.linear %{{.+}}, %{{.+}} : tensor<?x8xf32>, tensor<8x8xf32>
// ATTN:         %[[H0:.+]] = tessel.add
// ATTN:         tessel.recompute_barrier %[[H0]]
// ATTN-NOT:     tessel.recompute_barrier
// ATTN:         tessel.gelu_grad %[[A0]],

// FIRST-LABEL: func.func @grads
// FIRST:         tessel.get_parameter @w1
// FIRST-NEXT:    %[[A1:.+]] = tessel.linear
// FIRST:         tessel.gelu_grad %[[A1]],
// FIRST:         tessel.recompute_barrier %arg0
// FIRST-NOT:     tessel.recompute_barrier

// NONE-LABEL: func.func @grads
// NONE-NOT:     tessel.recompute_barrier

// BAD: error: unknown recomputation schedule 'some' (expected none, attention, blocks or blocks:K)

module {
  tessel.parameter @w0 : tensor<8x8xf32> init = normal {std = 2.000000e-02 : f64}
  tessel.parameter @w1 : tensor<8x8xf32> init = normal {std = 2.000000e-02 : f64}
  tessel.parameter @head : tensor<5x8xf32> init = normal {std = 2.000000e-02 : f64}
  func.func @loss(%x: tensor<?x8xf32>, %t: tensor<?xi64>) -> tensor<f32>
      attributes {tessel.entry_point = #tessel.entry_point<loss>} {
    %w0 = tessel.get_parameter @w0 : tensor<8x8xf32> loc("layers.0.mlp")
    %a0 = tessel.linear %x, %w0 : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32> loc("layers.0.mlp")
    %g0 = tessel.gelu %a0 : tensor<?x8xf32> loc("layers.0.mlp")
    %h0 = tessel.add %x, %g0 : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32> loc("layers.0.mlp")
    %w1 = tessel.get_parameter @w1 : tensor<8x8xf32> loc("layers.1.attention")
    %a1 = tessel.linear %h0, %w1 : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32> loc("layers.1.attention")
    %g1 = tessel.gelu %a1 : tensor<?x8xf32> loc("layers.1.attention")
    %h1 = tessel.add %h0, %g1 : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32> loc("layers.1.attention")
    %wh = tessel.get_parameter @head : tensor<5x8xf32> loc("lm_head")
    %y = tessel.linear %h1, %wh : tensor<?x8xf32>, tensor<5x8xf32> -> tensor<?x5xf32> loc("lm_head")
    %l = tessel.cross_entropy %y, %t : tensor<?x5xf32>, tensor<?xi64> -> tensor<f32> loc("loss")
    return %l : tensor<f32>
  }
}
