// RUN: tessel-opt %s --split-input-file --tessel-autodiff | FileCheck %s
// RUN: tessel-opt %s --split-input-file --tessel-autodiff --tessel-autodiff | FileCheck %s

// An elementwise op: the vjp takes the argument and the seed, and returns
// the result and the gradient, dy * gelu'(x). The marked function stays.

// CHECK-LABEL: func.func @gelu(
// CHECK-LABEL: func.func @gelu_vjp
// CHECK-SAME:    (%[[X:.+]]: tensor<4x8xf32>, %[[DY:.+]]: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK-NEXT:    %[[Y:.+]] = tessel.gelu %[[X]] approximate = tanh
// CHECK-NEXT:    %[[DX:.+]] = tessel.gelu_grad %[[X]], %[[DY]] approximate = tanh
// CHECK-NEXT:    return %[[Y]], %[[DX]]
// CHECK-NOT:     tessel.differentiate
func.func @gelu(%x: tensor<4x8xf32>) -> tensor<4x8xf32>
    attributes {tessel.differentiate} {
  %y = tessel.gelu %x approximate = tanh : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Dropout: its gradient is the same dropout (same rng, rate and stream) of
// dy, so the mask is recomputed from the counter-based generator, never
// stored; the rng argument gets no gradient.

// CHECK-LABEL: func.func @dropout_vjp
// CHECK-SAME:    (%[[X:[^:]+]]: tensor<?x8xf32>, %[[RNG:[^:]+]]: tensor<2xi64>, %[[DY:[^:]+]]: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK-NEXT:    %[[Y:.+]] = tessel.dropout %[[X]], %[[RNG]] rate = 2.500000e-01 stream = 4
// CHECK-NEXT:    %[[DX:.+]] = tessel.dropout %[[DY]], %[[RNG]] rate = 2.500000e-01 stream = 4
// CHECK-NEXT:    return %[[Y]], %[[DX]]
func.func @dropout(%x: tensor<?x8xf32>, %rng: tensor<2xi64>) -> tensor<?x8xf32>
    attributes {tessel.differentiate} {
  %y = tessel.dropout %x, %rng rate = 2.500000e-01 stream = 4
      : tensor<?x8xf32>, tensor<2xi64>
  return %y : tensor<?x8xf32>
}

// -----

// A linear layer: dx = dy . W, dW = sum dy (x) x, db = dy summed over the
// leading axes. Integer arguments (the targets) get no gradient; the loss's
// seed is the last argument.

// CHECK-LABEL: func.func @linear_loss_vjp
// CHECK-SAME:    (%[[X:[^:]+]]: tensor<?x?x8xf32>, %[[W:[^:]+]]: tensor<5x8xf32>, %[[B:[^:]+]]: tensor<5xf32>, %[[T:[^:]+]]: tensor<?x?xi64>, %[[SEED:[^:]+]]: tensor<f32>)
// CHECK-SAME:    -> (tensor<f32>, tensor<?x?x8xf32>, tensor<5x8xf32>, tensor<5xf32>)
// CHECK:         %[[Y:.+]] = tessel.linear %[[X]], %[[W]], %[[B]]
// CHECK-NEXT:    %[[L:.+]] = tessel.cross_entropy %[[Y]], %[[T]]
// CHECK-NEXT:    %[[DY:.+]] = tessel.cross_entropy_grad %[[Y]], %[[T]], %[[SEED]] {ignore_index = 0 : i64}
// CHECK-NEXT:    %[[DX:.+]] = tessel.matmul %[[DY]], %[[W]] : tensor<?x?x5xf32>, tensor<5x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT:    %[[DW:.+]] = tessel.linear_weight_grad %[[DY]], %[[X]] : tensor<?x?x5xf32>, tensor<?x?x8xf32> -> tensor<5x8xf32>
// CHECK-NEXT:    %[[DB:.+]] = tessel.sum_to %[[DY]] : tensor<?x?x5xf32> -> tensor<5xf32>
// CHECK-NEXT:    return %[[L]], %[[DX]], %[[DW]], %[[DB]]
func.func @linear_loss(%x: tensor<?x?x8xf32>, %w: tensor<5x8xf32>, %b: tensor<5xf32>, %t: tensor<?x?xi64>) -> tensor<f32>
    attributes {tessel.differentiate} {
  %y = tessel.linear %x, %w, %b : tensor<?x?x8xf32>, tensor<5x8xf32>, tensor<5xf32> -> tensor<?x?x5xf32>
  %l = tessel.cross_entropy %y, %t {ignore_index = 0 : i64} : tensor<?x?x5xf32>, tensor<?x?xi64> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Broadcasting: the operand that was broadcast gets its gradient summed back
// to its shape, the other one the gradient itself. A value used twice (x in
// the residual and in the product) gets the sum of both gradients.

// CHECK-LABEL: func.func @residual_vjp
// CHECK-SAME:    (%[[X:[^:]+]]: tensor<?x4x6xf32>, %[[S:[^:]+]]: tensor<6xf32>, %[[DY:[^:]+]]: tensor<?x4x6xf32>)
// CHECK:         %[[P:.+]] = tessel.mul %[[X]], %[[S]]
// CHECK-NEXT:    %[[Y:.+]] = tessel.add %[[X]], %[[P]]
// CHECK-NEXT:    %[[DXP:.+]] = tessel.mul %[[DY]], %[[S]] : tensor<?x4x6xf32>, tensor<6xf32> -> tensor<?x4x6xf32>
// CHECK-NEXT:    %[[DSFULL:.+]] = tessel.mul %[[DY]], %[[X]]
// CHECK-NEXT:    %[[DS:.+]] = tessel.sum_to %[[DSFULL]] : tensor<?x4x6xf32> -> tensor<6xf32>
// CHECK-NEXT:    %[[DX:.+]] = tessel.add %[[DY]], %[[DXP]]
// CHECK-NEXT:    return %[[Y]], %[[DX]], %[[DS]]
func.func @residual(%x: tensor<?x4x6xf32>, %s: tensor<6xf32>) -> tensor<?x4x6xf32>
    attributes {tessel.differentiate} {
  %p = tessel.mul %x, %s : tensor<?x4x6xf32>, tensor<6xf32> -> tensor<?x4x6xf32>
  %y = tessel.add %x, %p : tensor<?x4x6xf32>, tensor<?x4x6xf32> -> tensor<?x4x6xf32>
  return %y : tensor<?x4x6xf32>
}

// -----

// Parameters: a table read twice (an embedding tied to the output
// projection) gets one gradient, the sum of the lookup's scatter-add and the
// projection's weight gradient; parameters come after the arguments' gradients
// in declaration order, and one the loss does not reach gets zeros.

tessel.parameter @wte : tensor<16x4xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @unused : tensor<3xf32> init = zeros
tessel.parameter @ln : tensor<4xf32> init = ones

// CHECK-LABEL: func.func @tied_vjp
// CHECK-SAME:    (%[[IDS:[^:]+]]: tensor<?x?xi64>, %[[T:[^:]+]]: tensor<?x?xi64>, %[[SEED:[^:]+]]: tensor<f32>)
// CHECK-SAME:    -> (tensor<f32>, tensor<16x4xf32>, tensor<4xf32>)
// CHECK:         %[[DLOGITS:.+]] = tessel.cross_entropy_grad
// CHECK:         %[[DWOUT:.+]] = tessel.linear_weight_grad %[[DLOGITS]]
// CHECK:         %[[DLN:.+]] = tessel.sum_to
// CHECK:         %[[DWIN:.+]] = tessel.embedding_grad %[[IDS]]
// CHECK:         %[[DW:.+]] = tessel.add %[[DWOUT]], %[[DWIN]] : tensor<16x4xf32>
// CHECK-NEXT:    return %{{.+}}, %[[DW]], %[[DLN]]
func.func @tied(%ids: tensor<?x?xi64>, %t: tensor<?x?xi64>) -> tensor<f32>
    attributes {tessel.differentiate} {
  %w = tessel.get_parameter @wte : tensor<16x4xf32>
  %h = tessel.embedding %ids, %w : tensor<?x?xi64>, tensor<16x4xf32> -> tensor<?x?x4xf32>
  %g = tessel.get_parameter @ln : tensor<4xf32>
  %n = tessel.mul %h, %g : tensor<?x?x4xf32>, tensor<4xf32> -> tensor<?x?x4xf32>
  %w2 = tessel.get_parameter @wte : tensor<16x4xf32>
  %y = tessel.linear %n, %w2 : tensor<?x?x4xf32>, tensor<16x4xf32> -> tensor<?x?x16xf32>
  %l = tessel.cross_entropy %y, %t : tensor<?x?x16xf32>, tensor<?x?xi64> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Matmul, batched with the rhs broadcast over the lhs's leading axis, and
// with transpose_rhs: the rhs's gradient is summed over that axis.

// CHECK-LABEL: func.func @scores_vjp
// CHECK-SAME:    (%[[A:[^:]+]]: tensor<2x3x4x5xf32>, %[[B:[^:]+]]: tensor<3x6x5xf32>, %[[DC:[^:]+]]: tensor<2x3x4x6xf32>)
// CHECK:         %[[DA:.+]] = tessel.matmul %[[DC]], %[[B]] : tensor<2x3x4x6xf32>, tensor<3x6x5xf32> -> tensor<2x3x4x5xf32>
// CHECK-NEXT:    %[[DCT:.+]] = tessel.transpose %[[DC]] [0, 1, 3, 2] : tensor<2x3x4x6xf32> -> tensor<2x3x6x4xf32>
// CHECK-NEXT:    %[[DBFULL:.+]] = tessel.matmul %[[DCT]], %[[A]] : tensor<2x3x6x4xf32>, tensor<2x3x4x5xf32> -> tensor<2x3x6x5xf32>
// CHECK-NEXT:    %[[DB:.+]] = tessel.sum_to %[[DBFULL]] : tensor<2x3x6x5xf32> -> tensor<3x6x5xf32>
// CHECK-NEXT:    return %{{.+}}, %[[DA]], %[[DB]]
func.func @scores(%a: tensor<2x3x4x5xf32>, %b: tensor<3x6x5xf32>) -> tensor<2x3x4x6xf32>
    attributes {tessel.differentiate} {
  %c = tessel.matmul %a, %b {transpose_rhs} : tensor<2x3x4x5xf32>, tensor<3x6x5xf32> -> tensor<2x3x4x6xf32>
  return %c : tensor<2x3x4x6xf32>
}

// -----

// A loss entry point gets a grads entry point: dL/dL = 1, no seed argument,
// the loss then one gradient per parameter, each named by tessel.gradient.
// The norm returns the statistics its backward op reads. Running the pass
// again adds nothing (the loss is differentiated once).

tessel.parameter @emb : tensor<16x4xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @ln.weight : tensor<4xf32> init = ones
tessel.parameter @ln.bias : tensor<4xf32> init = zeros

// CHECK-LABEL: func.func @loss(
// CHECK-LABEL: func.func @grads
// CHECK-SAME:    (%[[IDS:[^:]+]]: tensor<?x?xi64>, %[[T:[^:]+]]: tensor<?x?xi64>)
// CHECK-SAME:    -> (tensor<f32>, tensor<16x4xf32> {tessel.gradient = "emb"}, tensor<4xf32> {tessel.gradient = "ln.weight"}, tensor<4xf32> {tessel.gradient = "ln.bias"})
// CHECK-SAME:    attributes {tessel.entry_point = #tessel.entry_point<grads>}
// CHECK:         %[[N:.+]], %[[MEAN:.+]], %[[RSTD:.+]] = tessel.layer_norm
// CHECK:         %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         tessel.cross_entropy_grad %{{.+}}, %[[T]], %[[ONE]]
// CHECK:         %[[DX:.+]], %[[DG:.+]], %[[DB:.+]] = tessel.layer_norm_grad %{{.+}}, %{{.+}}, %[[MEAN]], %[[RSTD]]
// CHECK:         %[[DE:.+]] = tessel.add
// CHECK:         return %{{.+}}, %[[DE]], %[[DG]], %[[DB]]
// CHECK-NOT:     func.func @grads
func.func @loss(%ids: tensor<?x?xi64>, %t: tensor<?x?xi64>) -> tensor<f32>
    attributes {tessel.entry_point = #tessel.entry_point<loss>} {
  %w = tessel.get_parameter @emb : tensor<16x4xf32>
  %h = tessel.embedding %ids, %w : tensor<?x?xi64>, tensor<16x4xf32> -> tensor<?x?x4xf32>
  %g = tessel.get_parameter @ln.weight : tensor<4xf32>
  %b = tessel.get_parameter @ln.bias : tensor<4xf32>
  %n = tessel.layer_norm %h, %g, %b : tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>
  %y = tessel.linear %n, %w : tensor<?x?x4xf32>, tensor<16x4xf32> -> tensor<?x?x16xf32>
  %l = tessel.cross_entropy %y, %t : tensor<?x?x16xf32>, tensor<?x?xi64> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Batch norm in a loss trains with the batch's statistics; the loss also
// returns the updated running statistics (tessel.update), and grads passes
// them through, marked, between the loss and the gradients. The running
// statistics get no gradient.

tessel.parameter @bn.weight : tensor<4xf32> init = ones
tessel.parameter @bn.bias : tensor<4xf32> init = zeros
tessel.parameter @bn.running_mean : tensor<4xf32> init = zeros
tessel.parameter @bn.running_var : tensor<4xf32> init = ones

// CHECK-LABEL: func.func @grads
// CHECK-SAME:    -> (tensor<f32>, tensor<4xf32> {tessel.update = "bn.running_mean"}, tensor<4xf32> {tessel.update = "bn.running_var"}, tensor<4xf32> {tessel.gradient = "bn.weight"}, tensor<4xf32> {tessel.gradient = "bn.bias"})
// CHECK:         %[[Y:.+]], %[[M:.+]], %[[V:.+]] = tessel.batch_norm {{.+}} {training}
// CHECK:         %{{.+}}, %[[DG:.+]], %[[DB:.+]] = tessel.batch_norm_grad {{.+}} {training}
// CHECK:         return %{{.+}}, %[[M]], %[[V]], %[[DG]], %[[DB]]
func.func @loss(%x: tensor<2x3x4xf32>, %t: tensor<2x3xi64>)
    -> (tensor<f32>, tensor<4xf32> {tessel.update = "bn.running_mean"},
        tensor<4xf32> {tessel.update = "bn.running_var"})
    attributes {tessel.entry_point = #tessel.entry_point<loss>} {
  %g = tessel.get_parameter @bn.weight : tensor<4xf32>
  %b = tessel.get_parameter @bn.bias : tensor<4xf32>
  %rm = tessel.get_parameter @bn.running_mean : tensor<4xf32>
  %rv = tessel.get_parameter @bn.running_var : tensor<4xf32>
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv {training}
      : tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<4xf32>
  %l = tessel.cross_entropy %y, %t : tensor<2x3x4xf32>, tensor<2x3xi64> -> tensor<f32>
  return %l, %m, %v : tensor<f32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A frozen parameter (LoRA's base) gets no gradient; the adapter's do, and
// the input gradient still flows through the frozen layer to reach them.
tessel.parameter @w : tensor<4x4xf32> init = normal frozen {std = 2.000000e-02 : f64}
tessel.parameter @w.lora_A.weight : tensor<2x4xf32> init = kaiming_uniform {value = 2.2360679774997898 : f64}

// (The weight gradient the rule builds for @w is left unused: the
// canonicalizer removes it.)
// CHECK-LABEL: func.func @adapted_vjp
// CHECK-SAME:    -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<2x4xf32>)
// CHECK:         %[[W:.+]] = tessel.get_parameter @w :
// CHECK:         %[[DA:.+]] = tessel.add
// CHECK:         %[[DX:.+]] = tessel.matmul %{{.+}}, %[[W]]
// CHECK:         return %{{.+}}, %[[DX]], %[[DA]] : tensor<?x4xf32>, tensor<?x4xf32>, tensor<2x4xf32>
func.func @adapted(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
    attributes {tessel.differentiate} {
  %w = tessel.get_parameter @w : tensor<4x4xf32>
  %y = tessel.linear %x, %w : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %a = tessel.get_parameter @w.lora_A.weight : tensor<2x4xf32>
  %d = tessel.linear %y, %a : tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x2xf32>
  %r = tessel.matmul %d, %a : tensor<?x2xf32>, tensor<2x4xf32> -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// The policy entry point's derivative, policy_grads: policy's arguments,
// then one seed per result (dlogits, dvalues); only the parameters'
// gradients out, each named: the head's from dlogits, the value head's
// from dvalues (what flows into the trunk below sums both).
tessel.parameter @head : tensor<5x4xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @value_head.weight : tensor<1x4xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @value_head.bias : tensor<1xf32> init = zeros

// CHECK-LABEL: func.func @policy_grads
// CHECK-SAME:    (%[[X:[^:]+]]: tensor<?x4xf32>, %[[DL:[^:]+]]: tensor<?x5xf32>, %[[DV:[^:]+]]: tensor<?x1xf32>)
// CHECK-SAME:    -> (tensor<5x4xf32> {tessel.gradient = "head"}, tensor<1x4xf32> {tessel.gradient = "value_head.weight"}, tensor<1xf32> {tessel.gradient = "value_head.bias"})
// CHECK-SAME:    attributes {tessel.entry_point = #tessel.entry_point<policy_grads>}
// CHECK-DAG:     %[[DH:.+]] = tessel.linear_weight_grad %[[DL]], %{{.+}} : tensor<?x5xf32>
// CHECK-DAG:     %[[DW:.+]] = tessel.linear_weight_grad %[[DV]], %{{.+}} : tensor<?x1xf32>
// CHECK-DAG:     %[[DB:.+]] = tessel.sum_to %[[DV]]
// CHECK:         return %[[DH]], %[[DW]], %[[DB]] :
func.func @policy(%x: tensor<?x4xf32>) -> (tensor<?x5xf32>, tensor<?x1xf32>)
    attributes {tessel.entry_point = #tessel.entry_point<policy>} {
  %h = tessel.get_parameter @head : tensor<5x4xf32>
  %l = tessel.linear %x, %h : tensor<?x4xf32>, tensor<5x4xf32> -> tensor<?x5xf32>
  %w = tessel.get_parameter @value_head.weight : tensor<1x4xf32>
  %b = tessel.get_parameter @value_head.bias : tensor<1xf32>
  %v = tessel.linear %x, %w, %b : tensor<?x4xf32>, tensor<1x4xf32>, tensor<1xf32> -> tensor<?x1xf32>
  return %l, %v : tensor<?x5xf32>, tensor<?x1xf32>
}

// -----

// A concatenation whose last input has a dynamic size (prefix tuning's
// keys before the sequence's): dy's first 3 rows, then the rest of them.
// CHECK-LABEL: func.func @prefix_vjp
// CHECK-SAME:    (%[[P:[^:]+]]: tensor<2x3x4xf32>, %[[K:[^:]+]]: tensor<?x2x?x4xf32>, %[[DY:[^:]+]]: tensor<?x2x?x4xf32>)
// CHECK-DAG:     %[[DB:.+]] = tessel.slice %[[DY]] {axis = 2 : i64, offset = 0 : i64} : tensor<?x2x?x4xf32> -> tensor<?x2x3x4xf32>
// CHECK-DAG:     %[[DK:.+]] = tessel.slice %[[DY]] {axis = 2 : i64, offset = 3 : i64} : tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
// CHECK:         %[[DP:.+]] = tessel.sum_to %[[DB]] : tensor<?x2x3x4xf32> -> tensor<2x3x4xf32>
// CHECK:         return %{{.+}}, %[[DP]], %[[DK]]
func.func @prefix(%p: tensor<2x3x4xf32>, %k: tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
    attributes {tessel.differentiate} {
  %b = tessel.broadcast %p like(%k : tensor<?x2x?x4xf32>) : tensor<2x3x4xf32> -> tensor<?x2x3x4xf32>
  %y = tessel.concat %b, %k {axis = 2 : i64} : tensor<?x2x3x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %y : tensor<?x2x?x4xf32>
}

// -----

// tanh: dy (1 - y^2), built as dy + (dy y)(-y) from the result.
// CHECK-LABEL: func.func @tanh_vjp
// CHECK-SAME:    (%[[X:[^:]+]]: tensor<4xf32>, %[[DY:[^:]+]]: tensor<4xf32>)
// CHECK:         %[[Y:.+]] = tessel.tanh %[[X]]
// CHECK:         %[[NEG:.+]] = tessel.mul %[[Y]], %{{.+}} : tensor<4xf32>, tensor<f32>
// CHECK:         %[[DYY:.+]] = tessel.mul %[[DY]], %[[Y]]
// CHECK:         %[[P:.+]] = tessel.mul %[[DYY]], %[[NEG]]
// CHECK:         %[[DX:.+]] = tessel.add %[[DY]], %[[P]]
// CHECK:         return %[[Y]], %[[DX]]
func.func @tanh(%x: tensor<4xf32>) -> tensor<4xf32>
    attributes {tessel.differentiate} {
  %y = tessel.tanh %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
