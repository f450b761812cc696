// Round trip of the shape ops: slice, concat, broadcast, position_ids.
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// GPT-2's c_attn output split into q, k and v.
// CHECK-LABEL: func.func @slice_qkv
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x2304xf32>)
// CHECK-NEXT: %[[Q:.+]] = tessel.slice %[[X]] {axis = 2 : i64, offset = 0 : i64} : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
// CHECK-NEXT: %[[K:.+]] = tessel.slice %[[X]] {axis = 2 : i64, offset = 768 : i64} : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
// CHECK-NEXT: %[[V:.+]] = tessel.slice %[[X]] {axis = 2 : i64, offset = 1536 : i64} : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
// CHECK-NEXT: return %[[Q]], %[[K]], %[[V]]
func.func @slice_qkv(%x: tensor<?x?x2304xf32>)
    -> (tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>) {
  %q = tessel.slice %x {axis = 2 : i64, offset = 0 : i64}
      : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
  %k = tessel.slice %x {axis = 2 : i64, offset = 768 : i64}
      : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
  %v = tessel.slice %x {offset = 1536 : i64, axis = 2 : i64}
      : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
  return %q, %k, %v
      : tensor<?x?x768xf32>, tensor<?x?x768xf32>, tensor<?x?x768xf32>
}

// A slice of an index tensor, along a dynamic axis (the range is checked at
// run time), on axis 0; i32 too; and the whole axis.
// CHECK-LABEL: func.func @slice_index_tensors
// CHECK-NEXT: tessel.slice %{{.+}} {axis = 1 : i64, offset = 3 : i64} : tensor<2x?xi64> -> tensor<2x4xi64>
// CHECK-NEXT: tessel.slice %{{.+}} {axis = 0 : i64, offset = 1 : i64} : tensor<5xi32> -> tensor<3xi32>
// CHECK-NEXT: tessel.slice %{{.+}} {axis = 0 : i64, offset = 0 : i64} : tensor<5xi32> -> tensor<5xi32>
func.func @slice_index_tensors(%ids: tensor<2x?xi64>, %p: tensor<5xi32>)
    -> (tensor<2x4xi64>, tensor<3xi32>, tensor<5xi32>) {
  %a = tessel.slice %ids {axis = 1 : i64, offset = 3 : i64}
      : tensor<2x?xi64> -> tensor<2x4xi64>
  %b = tessel.slice %p {axis = 0 : i64, offset = 1 : i64}
      : tensor<5xi32> -> tensor<3xi32>
  %c = tessel.slice %p {axis = 0 : i64, offset = 0 : i64}
      : tensor<5xi32> -> tensor<5xi32>
  return %a, %b, %c : tensor<2x4xi64>, tensor<3xi32>, tensor<5xi32>
}

// f16 and bf16; an empty slice at the end of the axis.
// CHECK-LABEL: func.func @slice_reduced_precision
// CHECK-NEXT: tessel.slice %{{.+}} {axis = 0 : i64, offset = 2 : i64} : tensor<6x?xf16> -> tensor<3x?xf16>
// CHECK-NEXT: tessel.slice %{{.+}} {axis = 2 : i64, offset = 8 : i64} : tensor<1x4x8xbf16> -> tensor<1x4x0xbf16>
func.func @slice_reduced_precision(%a: tensor<6x?xf16>, %b: tensor<1x4x8xbf16>)
    -> (tensor<3x?xf16>, tensor<1x4x0xbf16>) {
  %x = tessel.slice %a {axis = 0 : i64, offset = 2 : i64}
      : tensor<6x?xf16> -> tensor<3x?xf16>
  %y = tessel.slice %b {axis = 2 : i64, offset = 8 : i64}
      : tensor<1x4x8xbf16> -> tensor<1x4x0xbf16>
  return %x, %y : tensor<3x?xf16>, tensor<1x4x0xbf16>
}

// MLA's non-rotated and rotated halves.
// CHECK-LABEL: func.func @concat_mla
// CHECK-SAME: (%[[A:.+]]: tensor<?x16x?x128xf32>, %[[B:.+]]: tensor<?x16x?x64xf32>)
// CHECK-NEXT: %[[C:.+]] = tessel.concat %[[A]], %[[B]] {axis = 3 : i64} : tensor<?x16x?x128xf32>, tensor<?x16x?x64xf32> -> tensor<?x16x?x192xf32>
// CHECK-NEXT: return %[[C]]
func.func @concat_mla(%a: tensor<?x16x?x128xf32>, %b: tensor<?x16x?x64xf32>)
    -> tensor<?x16x?x192xf32> {
  %c = tessel.concat %a, %b {axis = 3 : i64}
      : tensor<?x16x?x128xf32>, tensor<?x16x?x64xf32> -> tensor<?x16x?x192xf32>
  return %c : tensor<?x16x?x192xf32>
}

// One input; three inputs along a dynamic axis (KV cache append) in f16;
// bf16; i64 ids.
// CHECK-LABEL: func.func @concat_variants
// CHECK-NEXT: tessel.concat %{{.+}} {axis = 0 : i64} : tensor<3x4xf32> -> tensor<3x4xf32>
// CHECK-NEXT: tessel.concat %{{.+}}, %{{.+}}, %{{.+}} {axis = 1 : i64} : tensor<2x?x8xf16>, tensor<2x1x8xf16>, tensor<2x3x8xf16> -> tensor<2x?x8xf16>
// CHECK-NEXT: tessel.concat %{{.+}}, %{{.+}} {axis = 0 : i64} : tensor<2x5xbf16>, tensor<3x5xbf16> -> tensor<5x5xbf16>
// CHECK-NEXT: tessel.concat %{{.+}}, %{{.+}} {axis = 1 : i64} : tensor<?x3xi64>, tensor<?x2xi64> -> tensor<?x5xi64>
func.func @concat_variants(%a: tensor<3x4xf32>, %c: tensor<2x?x8xf16>,
                           %n: tensor<2x1x8xf16>, %m: tensor<2x3x8xf16>,
                           %p: tensor<2x5xbf16>, %q: tensor<3x5xbf16>,
                           %i: tensor<?x3xi64>, %j: tensor<?x2xi64>) {
  %0 = tessel.concat %a {axis = 0 : i64} : tensor<3x4xf32> -> tensor<3x4xf32>
  %1 = tessel.concat %c, %n, %m {axis = 1 : i64}
      : tensor<2x?x8xf16>, tensor<2x1x8xf16>, tensor<2x3x8xf16>
      -> tensor<2x?x8xf16>
  %2 = tessel.concat %p, %q {axis = 0 : i64}
      : tensor<2x5xbf16>, tensor<3x5xbf16> -> tensor<5x5xbf16>
  %3 = tessel.concat %i, %j {axis = 1 : i64}
      : tensor<?x3xi64>, tensor<?x2xi64> -> tensor<?x5xi64>
  return
}

// MLA's single RoPE key head broadcast to every query head.
// CHECK-LABEL: func.func @broadcast_heads
// CHECK-SAME: (%[[K:.+]]: tensor<?x1x?x64xf32>)
// CHECK-NEXT: %[[B:.+]] = tessel.broadcast %[[K]] : tensor<?x1x?x64xf32> -> tensor<?x16x?x64xf32>
// CHECK-NEXT: return %[[B]]
func.func @broadcast_heads(%k: tensor<?x1x?x64xf32>) -> tensor<?x16x?x64xf32> {
  %b = tessel.broadcast %k : tensor<?x1x?x64xf32> -> tensor<?x16x?x64xf32>
  return %b : tensor<?x16x?x64xf32>
}

// New leading axes, rank 0 to rank 2, f16, bf16, i32; the same type is kept
// by the round trip (only folding removes it).
// CHECK-LABEL: func.func @broadcast_variants
// CHECK-NEXT: tessel.broadcast %{{.+}} : tensor<4xf16> -> tensor<2x3x4xf16>
// CHECK-NEXT: tessel.broadcast %{{.+}} : tensor<bf16> -> tensor<2x2xbf16>
// CHECK-NEXT: tessel.broadcast %{{.+}} : tensor<1x?xi32> -> tensor<7x?xi32>
// CHECK-NEXT: tessel.broadcast %{{.+}} : tensor<?x4xf32> -> tensor<?x4xf32>
func.func @broadcast_variants(%a: tensor<4xf16>, %s: tensor<bf16>,
                              %i: tensor<1x?xi32>, %x: tensor<?x4xf32>) {
  %0 = tessel.broadcast %a : tensor<4xf16> -> tensor<2x3x4xf16>
  %1 = tessel.broadcast %s : tensor<bf16> -> tensor<2x2xbf16>
  %2 = tessel.broadcast %i : tensor<1x?xi32> -> tensor<7x?xi32>
  %3 = tessel.broadcast %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return
}

// The default offset, 0, is not printed, whether or not it was written.
// CHECK-LABEL: func.func @position_ids
// CHECK-SAME: (%[[T:.+]]: tensor<?x?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.position_ids %[[T]] {axis = 1 : i64} : tensor<?x?xi64> -> tensor<?xi64>
// CHECK-NEXT: %[[B:.+]] = tessel.position_ids %[[T]] {axis = 1 : i64} : tensor<?x?xi64> -> tensor<?xi64>
// CHECK-NEXT: %[[C:.+]] = tessel.position_ids %[[T]] {axis = 0 : i64, offset = 7 : i64} : tensor<?x?xi64> -> tensor<?xi32>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]]
func.func @position_ids(%t: tensor<?x?xi64>)
    -> (tensor<?xi64>, tensor<?xi64>, tensor<?xi32>) {
  %a = tessel.position_ids %t {axis = 1 : i64}
      : tensor<?x?xi64> -> tensor<?xi64>
  %b = tessel.position_ids %t {axis = 1 : i64, offset = 0 : i64}
      : tensor<?x?xi64> -> tensor<?xi64>
  %c = tessel.position_ids %t {offset = 7 : i64, axis = 0 : i64}
      : tensor<?x?xi64> -> tensor<?xi32>
  return %a, %b, %c : tensor<?xi64>, tensor<?xi64>, tensor<?xi32>
}

// Only the shape is read: a float input, a static axis, a negative offset
// (a KV cache rolled back), and a static result from a dynamic axis.
// CHECK-LABEL: func.func @position_ids_variants
// CHECK-NEXT: tessel.position_ids %{{.+}} {axis = 1 : i64, offset = -2 : i64} : tensor<2x5x8xbf16> -> tensor<5xi64>
// CHECK-NEXT: tessel.position_ids %{{.+}} {axis = 2 : i64} : tensor<2x5x8xbf16> -> tensor<?xi32>
// CHECK-NEXT: tessel.position_ids %{{.+}} {axis = 0 : i64, offset = 1024 : i64} : tensor<?xf16> -> tensor<16xi64>
func.func @position_ids_variants(%x: tensor<2x5x8xbf16>, %h: tensor<?xf16>) {
  %0 = tessel.position_ids %x {axis = 1 : i64, offset = -2 : i64}
      : tensor<2x5x8xbf16> -> tensor<5xi64>
  %1 = tessel.position_ids %x {axis = 2 : i64}
      : tensor<2x5x8xbf16> -> tensor<?xi32>
  %2 = tessel.position_ids %h {axis = 0 : i64, offset = 1024 : i64}
      : tensor<?xf16> -> tensor<16xi64>
  return
}

// Shape ops on parameters: a fused qkv weight split and a bias broadcast.
// CHECK-LABEL: func.func @on_parameters
// CHECK-NEXT: %[[W:.+]] = tessel.get_parameter @c_attn.weight : tensor<24x8xf32>
// CHECK-NEXT: %[[K:.+]] = tessel.slice %[[W]] {axis = 0 : i64, offset = 8 : i64} : tensor<24x8xf32> -> tensor<8x8xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.get_parameter @c_attn.bias : tensor<8xf32>
// CHECK-NEXT: %[[BB:.+]] = tessel.broadcast %[[B]] : tensor<8xf32> -> tensor<8x8xf32>
// CHECK-NEXT: %[[J:.+]] = tessel.concat %[[K]], %[[BB]] {axis = 0 : i64} : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<16x8xf32>
// CHECK-NEXT: return %[[J]]
tessel.parameter @c_attn.weight : tensor<24x8xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @c_attn.bias : tensor<8xf32> init = zeros
func.func @on_parameters() -> tensor<16x8xf32> {
  %w = tessel.get_parameter @c_attn.weight : tensor<24x8xf32>
  %k = tessel.slice %w {axis = 0 : i64, offset = 8 : i64}
      : tensor<24x8xf32> -> tensor<8x8xf32>
  %b = tessel.get_parameter @c_attn.bias : tensor<8xf32>
  %bb = tessel.broadcast %b : tensor<8xf32> -> tensor<8x8xf32>
  %j = tessel.concat %k, %bb {axis = 0 : i64}
      : tensor<8x8xf32>, tensor<8x8xf32> -> tensor<16x8xf32>
  return %j : tensor<16x8xf32>
}
