// Reference interpreter: tessel.swiglu (silu(gate) * up) in f32 and f16,
// against NumPy and by hand.
// RUN: %oracle check %s swiglu
// RUN: %oracle check %s swiglu_f16
// RUN: tessel-interpret %s --entry hand --print | FileCheck %s --check-prefix=HAND

func.func @swiglu(%gate: tensor<?x?x11xf32>, %up: tensor<?x?x11xf32>)
    -> tensor<?x?x11xf32> {
  %y = tessel.swiglu %gate, %up : tensor<?x?x11xf32>
  return %y : tensor<?x?x11xf32>
}

func.func @swiglu_f16(%gate: tensor<5x8xf16>, %up: tensor<5x8xf16>)
    -> tensor<5x8xf16> {
  %y = tessel.swiglu %gate, %up : tensor<5x8xf16>
  return %y : tensor<5x8xf16>
}

// silu(1) = 0.731059, silu(-1) = -0.268941, silu(2) = 1.761594, silu(0) = 0
// (see silu.mlir); the gate is the first operand:
//   silu(1) * 2 = 1.46212, silu(-1) * 3 = -0.806824,
//   silu(2) * -0.5 = -0.880797, silu(0) * 7 = 0;
//   swapped, silu(2) * 1 = 1.76159 (not silu(1) * 2 = 1.46212).
// HAND: result 0: tensor<5xf32> = [1.46212, -0.806824, -0.880797, 0, 1.76159]{{$}}
func.func @hand() -> tensor<5xf32> {
  %g = arith.constant dense<[1.0, -1.0, 2.0, 0.0, 2.0]> : tensor<5xf32>
  %u = arith.constant dense<[2.0, 3.0, -0.5, 7.0, 1.0]> : tensor<5xf32>
  %y = tessel.swiglu %g, %u : tensor<5xf32>
  return %y : tensor<5xf32>
}
