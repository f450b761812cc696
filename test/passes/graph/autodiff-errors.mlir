// RUN: tessel-opt %s --split-input-file --tessel-autodiff --verify-diagnostics

// An op with no gradient rule on the path to the loss is named (backward
// ops have none: no second derivatives).

func.func @no_rule(%x: tensor<2x8xf32>) -> tensor<2x8xf32>
    attributes {tessel.differentiate} {
  // expected-error @+1 {{'tessel.silu_grad' has no gradient rule, so the loss cannot be differentiated through it}}
  %y = tessel.silu_grad %x, %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A loss entry point returns the loss, then only parameter updates.

// expected-error @+1 {{a loss entry point returns one rank-0 float tensor (then only parameter updates, tessel.update)}}
func.func @loss(%x: tensor<2x8xf32>, %t: tensor<2xi64>)
    -> (tensor<f32>, tensor<2x8xf32>)
    attributes {tessel.entry_point = #tessel.entry_point<loss>} {
  %l = tessel.cross_entropy %x, %t : tensor<2x8xf32>, tensor<2xi64> -> tensor<f32>
  return %l, %x : tensor<f32>, tensor<2x8xf32>
}

// -----

// An argument the results do not depend on has no gradient to build when
// its shape is dynamic.

// expected-error @+1 {{the differentiated results do not depend on argument 1, whose gradient (zeros of 'tensor<?x8xf32>') has no static shape}}
func.func @unused(%x: tensor<2x8xf32>, %u: tensor<?x8xf32>) -> tensor<2x8xf32>
    attributes {tessel.differentiate} {
  %y = tessel.silu %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// The marker is a unit attribute of a function.

// expected-error @+1 {{'tessel.differentiate' is a unit attribute of a function}}
func.func @marked(%x: tensor<2xf32>) -> tensor<2xf32>
    attributes {tessel.differentiate = 1 : i64} {
  return %x : tensor<2xf32>
}

// -----

// A slice counted from the end (a prefill's last position) has no
// gradient rule.

func.func @slice_from_end(%x: tensor<2x8xf32>) -> tensor<2x1xf32>
    attributes {tessel.differentiate} {
  // expected-error @+1 {{'tessel.slice' op counted from the end (offset -1) has no gradient rule}}
  %y = tessel.slice %x {axis = 1 : i64, offset = -1 : i64} : tensor<2x8xf32> -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

// A concatenation's gradient takes dy apart at static offsets: only the
// last input may have a dynamic size along the axis.

func.func @concat_dynamic_first(%a: tensor<?x4xf32>, %b: tensor<3x4xf32>) -> tensor<?x4xf32>
    attributes {tessel.differentiate} {
  // expected-error @+1 {{'tessel.concat' op along a dynamic axis has no gradient rule unless only the last input's size is dynamic}}
  %y = tessel.concat %a, %b {axis = 0 : i64} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
