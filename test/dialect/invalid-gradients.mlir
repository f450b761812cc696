// RUN: tessel-opt %s -split-input-file -verify-diagnostics

func.func @sum_to_not_broadcast(%x: tensor<4x8xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result shape [3] is not a shape that broadcasts to input shape [4, 8]}}
  %0 = tessel.sum_to %x : tensor<4x8xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @weight_grad_leading(%dy: tensor<2x3x8xf32>, %x: tensor<2x5x4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{result_grad shape [2, 3, 8] and input shape [2, 5, 4] must have the same leading dimensions}}
  %0 = tessel.linear_weight_grad %dy, %x : tensor<2x3x8xf32>, tensor<2x5x4xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @embedding_grad_rows(%ids: tensor<?xi64>, %dy: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{result must be [num_embeddings, dim] with a static num_embeddings, got [?, 8]}}
  %0 = tessel.embedding_grad %ids, %dy : tensor<?xi64>, tensor<?x8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @cross_entropy_grad_seed(%x: tensor<4x8xf32>, %t: tensor<4xi64>, %dl: tensor<1xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{loss_grad must be a rank-0 tensor, got shape [1]}}
  %0 = tessel.cross_entropy_grad %x, %t, %dl : tensor<4x8xf32>, tensor<4xi64>, tensor<1xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @layer_norm_grad_stat(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %s: tensor<5xf32>) {
  // expected-error @+1 {{mean shape [5] does not match expected [4] (the input shape without its last axis)}}
  %0:3 = tessel.layer_norm_grad %x, %g, %s, %s, %x : tensor<4x8xf32>, tensor<8xf32>, tensor<5xf32>
  return
}

// -----

func.func @attention_grad_heads(%q: tensor<1x6x4x16xf32>, %k: tensor<1x4x4x16xf32>, %lse: tensor<1x6x4xf32>) {
  // expected-error @+1 {{key [1, 4, 4, 16] and value [1, 4, 4, 16] do not fit query [1, 6, 4, 16] (static heads, query heads a multiple of key heads)}}
  %0:3 = tessel.attention_grad %q, %k, %k, %q, %lse, %q {scale = 0.25 : f64}
      : tensor<1x6x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>,
        tensor<1x6x4x16xf32>, tensor<1x6x4xf32>
  return
}

// -----

func.func @attention_grad_no_bias_grad(%q: tensor<1x4x4x16xf32>, %lse: tensor<1x4x4xf32>) {
  // expected-error @+1 {{has a bias_grad result exactly when it has a bias}}
  %0:4 = "tessel.attention_grad"(%q, %q, %q, %q, %lse, %q) {scale = 0.25 : f64}
      : (tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>,
         tensor<1x4x4x16xf32>, tensor<1x4x4xf32>, tensor<1x4x4x16xf32>)
      -> (tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>, tensor<1x4x4x16xf32>,
          tensor<1x4x4x4xf32>)
  return
}

// -----

func.func @slice_grad_range(%dy: tensor<2x5xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{the range [3, 3 + 5) of axis 1 must lie, statically, in the result's 6}}
  %0 = tessel.slice_grad %dy {axis = 1 : i64, offset = 3 : i64} : tensor<2x5xf32> -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @slice_grad_off_axis(%dy: tensor<2x5xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{result_grad [2, 5] and result [3, 6] differ off axis 1}}
  %0 = tessel.slice_grad %dy {axis = 1 : i64, offset = 0 : i64} : tensor<2x5xf32> -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

func.func @softmax_grad_axis(%y: tensor<2x5xf32>, %dy: tensor<2x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{axis 2 is out of range for result shape [2, 5]}}
  %0 = tessel.softmax_grad %y, %dy {axis = 2 : i64} : tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @batch_norm_grad_features(%x: tensor<3x8xf32>, %g: tensor<6xf32>) {
  // expected-error @+1 {{gamma shape [6] must be [8], the last dimension of input shape [3, 8]}}
  %0:3 = tessel.batch_norm_grad %x, %g, %g, %g, %x : tensor<3x8xf32>, tensor<6xf32>, tensor<6xf32>
  return
}
