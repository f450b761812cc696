// Folders and canonicalization patterns: transpose and reshape, unused
// statistics of attention and the norms.
// RUN: tessel-opt %s -canonicalize -split-input-file | FileCheck %s

// A transpose of a transpose becomes one transpose whose result dim i is
// input dim p1[p2[i]]: here [1, 0, 2] then [0, 2, 1] is [1, 2, 0] (the
// reverse composition, [2, 0, 1], would not even verify against the types).
// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.+]] = tessel.transpose %[[X]] [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %a = tessel.transpose %x [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %b = tessel.transpose %a [0, 2, 1] : tensor<3x2x4xf32> -> tensor<3x4x2xf32>
  return %b : tensor<3x4x2xf32>
}

// -----

// Three transposes collapse to one.
// CHECK-LABEL: func.func @transpose_chain
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x12x64xf16>)
// CHECK-NEXT: %[[T:.+]] = tessel.transpose %[[X]] [0, 2, 3, 1] : tensor<?x?x12x64xf16> -> tensor<?x12x64x?xf16>
// CHECK-NEXT: return %[[T]]
func.func @transpose_chain(%x: tensor<?x?x12x64xf16>) -> tensor<?x12x64x?xf16> {
  %a = tessel.transpose %x [0, 2, 1, 3]
      : tensor<?x?x12x64xf16> -> tensor<?x12x?x64xf16>
  %b = tessel.transpose %a [0, 1, 3, 2]
      : tensor<?x12x?x64xf16> -> tensor<?x12x64x?xf16>
  %c = tessel.transpose %b [0, 1, 2, 3]
      : tensor<?x12x64x?xf16> -> tensor<?x12x64x?xf16>
  return %c : tensor<?x12x64x?xf16>
}

// -----

// Head split and merge: the composition is the identity, and both go.
// CHECK-LABEL: func.func @transpose_inverse_pair
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x12x64xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_inverse_pair(%x: tensor<?x?x12x64xf32>)
    -> tensor<?x?x12x64xf32> {
  %a = tessel.transpose %x [0, 2, 1, 3]
      : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
  %b = tessel.transpose %a [0, 2, 1, 3]
      : tensor<?x12x?x64xf32> -> tensor<?x?x12x64xf32>
  return %b : tensor<?x?x12x64xf32>
}

// -----

// A cyclic permutation and its inverse.
// CHECK-LABEL: func.func @transpose_cycle_inverse
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xbf16>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_cycle_inverse(%x: tensor<2x3x4xbf16>)
    -> tensor<2x3x4xbf16> {
  %a = tessel.transpose %x [1, 2, 0] : tensor<2x3x4xbf16> -> tensor<3x4x2xbf16>
  %b = tessel.transpose %a [2, 0, 1] : tensor<3x4x2xbf16> -> tensor<2x3x4xbf16>
  return %b : tensor<2x3x4xbf16>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.+]]: tensor<?x3xf32>, %[[S:.+]]: tensor<f32>)
// CHECK-NEXT: return %[[X]], %[[S]]
func.func @transpose_identity(%x: tensor<?x3xf32>, %s: tensor<f32>)
    -> (tensor<?x3xf32>, tensor<f32>) {
  %a = tessel.transpose %x [0, 1] : tensor<?x3xf32> -> tensor<?x3xf32>
  %b = tessel.transpose %s [] : tensor<f32> -> tensor<f32>
  return %a, %b : tensor<?x3xf32>, tensor<f32>
}

// -----

// When the inner transpose has another use it stays; the outer one is still
// rewritten to read the original input.
// CHECK-LABEL: func.func @transpose_inner_multi_use
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[A:.+]] = tessel.transpose %[[X]] [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK-NEXT: return %[[X]], %[[A]]
func.func @transpose_inner_multi_use(%x: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  %a = tessel.transpose %x [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %b = tessel.transpose %a [1, 0] : tensor<3x2xf32> -> tensor<2x3xf32>
  return %b, %a : tensor<2x3xf32>, tensor<3x2xf32>
}

// -----

// Negative: a single non-identity transpose stays.
// CHECK-LABEL: func.func @transpose_single
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x12x64xf32>)
// CHECK-NEXT: %[[T:.+]] = tessel.transpose %[[X]] [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_single(%x: tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32> {
  %t = tessel.transpose %x [0, 2, 1, 3]
      : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
  return %t : tensor<?x12x?x64xf32>
}

// -----

// Negative: an identity permutation that refines the type (? to 5) cannot be
// replaced by its input, whose type differs.
// CHECK-LABEL: func.func @transpose_identity_refines_type
// CHECK-SAME: (%[[X:.+]]: tensor<?x3xf32>)
// CHECK-NEXT: %[[T:.+]] = tessel.transpose %[[X]] [0, 1] : tensor<?x3xf32> -> tensor<5x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_identity_refines_type(%x: tensor<?x3xf32>)
    -> tensor<5x3xf32> {
  %t = tessel.transpose %x [0, 1] : tensor<?x3xf32> -> tensor<5x3xf32>
  return %t : tensor<5x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.+]] = tessel.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %a = tessel.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %b = tessel.reshape %a : tensor<24xf32> -> tensor<4x6xf32>
  return %b : tensor<4x6xf32>
}

// -----

// Dynamic prefix, three reshapes.
// CHECK-LABEL: func.func @reshape_chain_dynamic
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xbf16>)
// CHECK-NEXT: %[[R:.+]] = tessel.reshape %[[X]] : tensor<?x?x768xbf16> -> tensor<?x?x24x32xbf16>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain_dynamic(%x: tensor<?x?x768xbf16>)
    -> tensor<?x?x24x32xbf16> {
  %a = tessel.reshape %x : tensor<?x?x768xbf16> -> tensor<?x?x12x64xbf16>
  %b = tessel.reshape %a : tensor<?x?x12x64xbf16> -> tensor<?x?x768xbf16>
  %c = tessel.reshape %b : tensor<?x?x768xbf16> -> tensor<?x?x24x32xbf16>
  return %c : tensor<?x?x24x32xbf16>
}

// -----

// Split heads and merge them again: both reshapes go.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_round_trip(%x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %a = tessel.reshape %x : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  %b = tessel.reshape %a : tensor<?x?x12x64xf32> -> tensor<?x?x768xf32>
  return %b : tensor<?x?x768xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf16>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_same_type(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %a = tessel.reshape %x : tensor<?x4xf16> -> tensor<?x4xf16>
  return %a : tensor<?x4xf16>
}

// -----

// Negative: a reshape that changes the type stays.
// CHECK-LABEL: func.func @reshape_single
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>)
// CHECK-NEXT: %[[R:.+]] = tessel.reshape %[[X]] : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_single(%x: tensor<?x?x768xf32>) -> tensor<?x?x12x64xf32> {
  %a = tessel.reshape %x : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  return %a : tensor<?x?x12x64xf32>
}

// -----

// Negative: a unit dimension added is still a change of type.
// CHECK-LABEL: func.func @reshape_unit_dim
// CHECK-NEXT: tessel.reshape %{{.+}} : tensor<4xf32> -> tensor<1x4xf32>
func.func @reshape_unit_dim(%x: tensor<4xf32>) -> tensor<1x4xf32> {
  %a = tessel.reshape %x : tensor<4xf32> -> tensor<1x4xf32>
  return %a : tensor<1x4xf32>
}

// -----

// Negative: a reshape of a transpose, or a transpose of a reshape, is not
// merged.
// CHECK-LABEL: func.func @reshape_transpose_mix
// CHECK-SAME: (%[[X:.+]]: tensor<2x6xf32>)
// CHECK-NEXT: %[[T:.+]] = tessel.transpose %[[X]] [1, 0] : tensor<2x6xf32> -> tensor<6x2xf32>
// CHECK-NEXT: %[[R:.+]] = tessel.reshape %[[T]] : tensor<6x2xf32> -> tensor<2x6xf32>
// CHECK-NEXT: %[[U:.+]] = tessel.transpose %[[R]] [1, 0] : tensor<2x6xf32> -> tensor<6x2xf32>
// CHECK-NEXT: return %[[U]]
func.func @reshape_transpose_mix(%x: tensor<2x6xf32>) -> tensor<6x2xf32> {
  %t = tessel.transpose %x [1, 0] : tensor<2x6xf32> -> tensor<6x2xf32>
  %r = tessel.reshape %t : tensor<6x2xf32> -> tensor<2x6xf32>
  %u = tessel.transpose %r [1, 0] : tensor<2x6xf32> -> tensor<6x2xf32>
  return %u : tensor<6x2xf32>
}

// -----

// A broadcast to its own type does nothing and folds away, dynamic dims,
// integer and reduced-precision tensors included.
// CHECK-LABEL: func.func @broadcast_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<?x1x4xf32>, %[[I:.+]]: tensor<2x3xi64>, %[[S:.+]]: tensor<bf16>)
// CHECK-NEXT: return %[[X]], %[[I]], %[[S]]
func.func @broadcast_same_type(%x: tensor<?x1x4xf32>, %i: tensor<2x3xi64>,
                               %s: tensor<bf16>)
    -> (tensor<?x1x4xf32>, tensor<2x3xi64>, tensor<bf16>) {
  %a = tessel.broadcast %x : tensor<?x1x4xf32> -> tensor<?x1x4xf32>
  %b = tessel.broadcast %i : tensor<2x3xi64> -> tensor<2x3xi64>
  %c = tessel.broadcast %s : tensor<bf16> -> tensor<bf16>
  return %a, %b, %c : tensor<?x1x4xf32>, tensor<2x3xi64>, tensor<bf16>
}

// -----

// A chain of same-type broadcasts folds to the input.
// CHECK-LABEL: func.func @broadcast_same_type_chain
// CHECK-SAME: (%[[X:.+]]: tensor<3x4xf16>)
// CHECK-NEXT: return %[[X]]
func.func @broadcast_same_type_chain(%x: tensor<3x4xf16>) -> tensor<3x4xf16> {
  %a = tessel.broadcast %x : tensor<3x4xf16> -> tensor<3x4xf16>
  %b = tessel.broadcast %a : tensor<3x4xf16> -> tensor<3x4xf16>
  return %b : tensor<3x4xf16>
}

// -----

// Negative: a broadcast that stretches an axis or adds one stays.
// CHECK-LABEL: func.func @broadcast_stretch
// CHECK-SAME: (%[[K:.+]]: tensor<?x1x?x64xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK-NEXT: %[[H:.+]] = tessel.broadcast %[[K]] : tensor<?x1x?x64xf32> -> tensor<?x16x?x64xf32>
// CHECK-NEXT: %[[L:.+]] = tessel.broadcast %[[B]] : tensor<4xf32> -> tensor<1x4xf32>
// CHECK-NEXT: return %[[H]], %[[L]]
func.func @broadcast_stretch(%k: tensor<?x1x?x64xf32>, %b: tensor<4xf32>)
    -> (tensor<?x16x?x64xf32>, tensor<1x4xf32>) {
  %h = tessel.broadcast %k : tensor<?x1x?x64xf32> -> tensor<?x16x?x64xf32>
  %l = tessel.broadcast %b : tensor<4xf32> -> tensor<1x4xf32>
  return %h, %l : tensor<?x16x?x64xf32>, tensor<1x4xf32>
}

// -----

// Statistics nobody reads are not computed: the log-sum-exp, the mean and
// rstd of layer_norm, the rstd of rms_norm fold away.
// CHECK-LABEL: func.func @unused_statistics
// CHECK-NEXT: %[[O:.+]] = tessel.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
// CHECK-NEXT: %[[Y:.+]] = tessel.layer_norm %{{.+}}, %{{.+}}, %{{.+}} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[Z:.+]] = tessel.rms_norm %[[Y]], %{{.+}} : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: return %[[O]], %[[Z]]
func.func @unused_statistics(%q: tensor<1x2x4x8xf32>, %x: tensor<4x8xf32>,
                             %g: tensor<8xf32>)
    -> (tensor<1x2x4x8xf32>, tensor<4x8xf32>) {
  %o, %lse = tessel.attention %q, %q, %q {causal}
      : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
      -> tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
  %y, %mean, %rstd = tessel.layer_norm %x, %g, %g
      : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4xf32>, tensor<4xf32>
  %z, %r = tessel.rms_norm %y, %g : tensor<4x8xf32>, tensor<8xf32> -> tensor<4xf32>
  return %o, %z : tensor<1x2x4x8xf32>, tensor<4x8xf32>
}

// -----

// Statistics that are read stay; one of two used keeps both (layer_norm).
// CHECK-LABEL: func.func @used_statistics
// CHECK-NEXT: %[[O:.+]], %[[LSE:.+]] = tessel.attention
// CHECK-NEXT: %[[Y:.+]], %[[MEAN:.+]], %[[RSTD:.+]] = tessel.layer_norm
// CHECK-NEXT: return %[[O]], %[[LSE]], %[[Y]], %[[RSTD]]
func.func @used_statistics(%q: tensor<1x2x4x8xf32>, %x: tensor<4x8xf32>,
                           %g: tensor<8xf32>)
    -> (tensor<1x2x4x8xf32>, tensor<1x2x4xf32>, tensor<4x8xf32>, tensor<4xf32>) {
  %o, %lse = tessel.attention %q, %q, %q {causal}
      : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
      -> tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
  %y, %mean, %rstd = tessel.layer_norm %x, %g, %g
      : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4xf32>, tensor<4xf32>
  return %o, %lse, %y, %rstd
      : tensor<1x2x4x8xf32>, tensor<1x2x4xf32>, tensor<4x8xf32>, tensor<4xf32>
}
