// Verifier and parser errors of every tessel op: one case per rule of
// dialect/TesselOps.cpp, the ODS type constraints, and the assembly formats.
// RUN: tessel-opt %s -split-input-file -verify-diagnostics

// An integer tensor where a float tensor is required.
func.func @an_integer_tensor_where_a_float_tensor(%x: tensor<4x16xi32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4x16xi32>'}}
  %y = tessel.linear %x, %w : tensor<4x16xi32>, tensor<8x16xf32> -> tensor<4x8xf32>
  return
}

// -----

// f64 is not one of the float types.
func.func @f64_is_not_one_of_the_float(%x: tensor<4xf64>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4xf64>'}}
  %y = tessel.silu %x : tensor<4xf64>
  return
}

// -----

// A float tensor where an index tensor is required.
func.func @a_float_tensor_where_an_index_tensor(%ids: tensor<4xf32>, %t: tensor<10x8xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf32>'}}
  %y = tessel.embedding %ids, %t : tensor<4xf32>, tensor<10x8xf32> -> tensor<4x8xf32>
  return
}

// -----

// i16 is not an index type.
func.func @i16_is_not_an_index_type(%l: tensor<4x10xf32>, %t: tensor<4xi16>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xi16>'}}
  %y = tessel.cross_entropy %l, %t : tensor<4x10xf32>, tensor<4xi16> -> tensor<f32>
  return
}

// -----

// Unsigned integers are not index types.
func.func @unsigned_integers_are_not_index_types(%x: tensor<2x4x8xf32>, %p: tensor<4xui64>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xui64>'}}
  %y = tessel.rope %x, %p : tensor<2x4x8xf32>, tensor<4xui64>
  return
}

// -----

// An integer result where a float tensor is required.
func.func @an_integer_result_where_a_float_tensor(%p: tensor<4xi64>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4x8xi64>'}}
  %y = tessel.sinusoidal_embedding %p : tensor<4xi64> -> tensor<4x8xi64>
  return
}

// -----

// An unranked float tensor (generic form: the custom form cannot even parse it).
func.func @an_unranked_float_tensor_generic_form_the(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<*xf32>'}}
  %y = "tessel.silu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

// The custom form only parses ranked tensors.
func.func @the_custom_form_only_parses_ranked_tensors(%x: tensor<*xf32>) {
  // expected-error @+1 {{expected builtin.tensor, but found 'tensor<*xf32>'}}
  %y = tessel.gelu %x : tensor<*xf32>
  return
}

// -----

// transpose takes any ranked tensor, but not an unranked one.
func.func @transpose_takes_any_ranked_tensor_but_not(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %y = "tessel.transpose"(%x) <{permutation = array<i64: 0>}> : (tensor<*xf32>) -> tensor<4xf32>
  return
}

// -----

// reshape takes a ranked tensor.
func.func @reshape_takes_a_ranked_tensor(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %y = "tessel.reshape"(%x) : (tensor<*xf32>) -> tensor<4xf32>
  return
}

// -----

// A vector is not a tensor.
func.func @a_vector_is_not_a_tensor(%x: vector<4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'vector<4xf32>'}}
  %y = "tessel.silu"(%x) : (vector<4xf32>) -> vector<4xf32>
  return
}

// -----

// An unranked index tensor.
func.func @an_unranked_index_tensor(%x: tensor<4x8xf32>, %p: tensor<*xi64>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<*xi64>'}}
  %y = "tessel.rope"(%x, %p) : (tensor<4x8xf32>, tensor<*xi64>) -> tensor<4x8xf32>
  return
}

// -----

// Unknown GELU approximation keyword.
func.func @unknown_gelu_approximation_keyword(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [exact, tanh]}}
  %y = tessel.gelu %x approximate = fast : tensor<4xf32>
  return
}

// -----

// Unknown relative-bias kind.
func.func @unknown_relative_bias_kind(%t: tensor<9x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [t5, shaw]}}
  %y = tessel.relative_bias alibi %t, %p, %p {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias requires max_distance.
func.func @relative_bias_requires_max_distance(%t: tensor<9x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{requires attribute 'max_distance'}}
  %y = tessel.relative_bias shaw %t, %p, %p : tensor<9x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// An out-of-range enum value in the generic form.
func.func @an_out_of_range_enum_value_in(%x: tensor<4xf32>) {
  // expected-error @+1 {{invalid properties {approximate = 2 : i32} for op tessel.gelu: Invalid attribute `approximate` in property conversion: 2 : i32}}
  %y = "tessel.gelu"(%x) <{approximate = 2 : i32}> : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// epsilon must be an f64 attribute.
func.func @epsilon_must_be_an_f64_attribute(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute}}
  %y = tessel.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

// The permutation is a dense i64 array.
func.func @the_permutation_is_a_dense_i64_array(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{invalid properties {permutation = [1, 0]} for op tessel.transpose: Invalid attribute `permutation` in property conversion: [1, 0]}}
  %y = "tessel.transpose"(%x) <{permutation = [1, 0]}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

// SameOperandsAndResultType (gelu).
func.func @sameoperandsandresulttype_gelu(%x: tensor<4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %y = "tessel.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

// SameOperandsAndResultType (swiglu operands).
func.func @sameoperandsandresulttype_swiglu_operands(%g: tensor<4xf32>, %u: tensor<8xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %y = "tessel.swiglu"(%g, %u) : (tensor<4xf32>, tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

// AllTypesMatch input/result (layer_norm).
func.func @alltypesmatch_input_result_layer_norm(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{failed to verify that all of {input, result} have same type}}
  %y = "tessel.layer_norm"(%x, %g, %g) <{resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x?xf32>
  return
}

// -----

// AllTypesMatch input/result (rope).
func.func @alltypesmatch_input_result_rope(%x: tensor<4x8xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{failed to verify that all of {input, result} have same type}}
  %y = "tessel.rope"(%x, %p) : (tensor<4x8xf32>, tensor<4xi64>) -> tensor<4x8xbf16>
  return
}

// -----

// batch_norm: running_mean and running_var have one type.
func.func @batch_norm_running_mean_and_running_var(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %rv: tensor<7xf32>) {
  // expected-error @+1 {{failed to verify that all of {running_mean, running_var, new_running_mean, new_running_var} have same type}}
  %y:3 = tessel.batch_norm %x, %g, %g, %g, %rv : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<7xf32>
  return
}

// -----

// linear: a bias operand needs a bias type.
func.func @linear_a_bias_operand_needs_a_bias(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{number of operands and types do not match: got 1 operands and 0 types}}
  %y = tessel.linear %x, %w, %b : tensor<4x16xf32>, tensor<8x16xf32> -> tensor<4x8xf32>
  return
}

// -----

// transpose: the permutation is not optional.
func.func @transpose_the_permutation_is_not_optional(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{expected '['}}
  %y = tessel.transpose %x : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

// relative_bias: the kind is not optional.
func.func @relative_bias_the_kind_is_not_optional(%t: tensor<9x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [t5, shaw]}}
  %y = tessel.relative_bias %t, %p, %p {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// gelu: `approximate = KIND`, not `approximate KIND`.
func.func @gelu_approximate_kind_not_approximate_kind(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected '='}}
  %y = tessel.gelu %x approximate tanh : tensor<4xf32>
  return
}

// -----

// linear: weight element type.
func.func @linear_weight_element_type(%x: tensor<4x16xf32>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{weight element type 'f16' differs from input element type 'f32'}}
  %y = tessel.linear %x, %w : tensor<4x16xf32>, tensor<8x16xf16> -> tensor<4x8xf32>
  return
}

// -----

// linear: bias element type.
func.func @linear_bias_element_type(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{bias element type 'bf16' differs from input element type 'f32'}}
  %y = tessel.linear %x, %w, %b : tensor<4x16xf32>, tensor<8x16xf32>, tensor<8xbf16> -> tensor<4x8xf32>
  return
}

// -----

// linear: result element type.
func.func @linear_result_element_type(%x: tensor<4x16xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{result element type 'f32' differs from input element type 'f16'}}
  %y = tessel.linear %x, %w : tensor<4x16xf16>, tensor<8x16xf16> -> tensor<4x8xf32>
  return
}

// -----

// linear: rank-0 input.
func.func @linear_rank_0_input(%x: tensor<f32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{input must have rank >= 1, got shape []}}
  %y = tessel.linear %x, %w : tensor<f32>, tensor<8x16xf32> -> tensor<8xf32>
  return
}

// -----

// linear: weight must be rank 2.
func.func @linear_weight_must_be_rank_2(%x: tensor<4x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{weight must be [out_features, in_features], got [16]}}
  %y = tessel.linear %x, %w : tensor<4x16xf32>, tensor<16xf32> -> tensor<4x8xf32>
  return
}

// -----

// linear: in_features mismatch.
func.func @linear_in_features_mismatch(%x: tensor<?x16xf32>, %w: tensor<8x32xf32>) {
  // expected-error @+1 {{weight shape [8, 32] expects 32 input features, but input shape [?, 16] has 16}}
  %y = tessel.linear %x, %w : tensor<?x16xf32>, tensor<8x32xf32> -> tensor<?x8xf32>
  return
}

// -----

// linear: bias of the wrong size.
func.func @linear_bias_of_the_wrong_size(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{bias shape [16] must be [8], the out_features of weight shape [8, 16]}}
  %y = tessel.linear %x, %w, %b : tensor<4x16xf32>, tensor<8x16xf32>, tensor<16xf32> -> tensor<4x8xf32>
  return
}

// -----

// linear: bias of the wrong rank.
func.func @linear_bias_of_the_wrong_rank(%x: tensor<4x16xf32>, %w: tensor<8x16xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{bias shape [1, 8] must be [8]}}
  %y = tessel.linear %x, %w, %b : tensor<4x16xf32>, tensor<8x16xf32>, tensor<1x8xf32> -> tensor<4x8xf32>
  return
}

// -----

// linear: result shape.
func.func @linear_result_shape(%x: tensor<2x4x16xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{result shape [2, 4, 16] does not match expected [2, 4, 8] (input with its last dimension replaced by weight dimension 0)}}
  %y = tessel.linear %x, %w : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<2x4x16xf32>
  return
}

// -----

// linear: result rank.
func.func @linear_result_rank(%x: tensor<2x4x16xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{result shape [8, 8] does not match expected [2, 4, 8]}}
  %y = tessel.linear %x, %w : tensor<2x4x16xf32>, tensor<8x16xf32> -> tensor<8x8xf32>
  return
}

// -----

// matmul: rhs element type.
func.func @matmul_rhs_element_type(%a: tensor<2x3xf32>, %b: tensor<3x4xf16>) {
  // expected-error @+1 {{rhs element type 'f16' differs from lhs element type 'f32'}}
  %c = tessel.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf16> -> tensor<2x4xf32>
  return
}

// -----

// matmul: result element type.
func.func @matmul_result_element_type(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{result element type 'bf16' differs from lhs element type 'f32'}}
  %c = tessel.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x4xbf16>
  return
}

// -----

// matmul: rank 1.
func.func @matmul_rank_1(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{lhs and rhs must have rank >= 2, the rhs's no larger, got [3] and [3]}}
  %c = tessel.matmul %a, %b : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  return
}

// -----

// matmul: an rhs of higher rank than the lhs.
func.func @matmul_rhs_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x4xf32>) {
  // expected-error @+1 {{lhs and rhs must have rank >= 2, the rhs's no larger, got [2, 3] and [2, 3, 4]}}
  %c = tessel.matmul %a, %b : tensor<2x3xf32>, tensor<2x3x4xf32> -> tensor<2x4xf32>
  return
}

// -----

// matmul: a broadcast rhs's batch dimensions are the lhs's last ones.
func.func @matmul_broadcast_batch(%a: tensor<2x5x4x3xf32>, %b: tensor<2x3x6xf32>) {
  // expected-error @+1 {{batch dimension 1 differs: lhs shape [2, 5, 4, 3], rhs shape [2, 3, 6]}}
  %c = tessel.matmul %a, %b : tensor<2x5x4x3xf32>, tensor<2x3x6xf32> -> tensor<2x5x4x6xf32>
  return
}

// -----

// matmul: a transposed rhs is [N, K].
func.func @matmul_transposed(%a: tensor<4x3xf32>, %b: tensor<3x6xf32>) {
  // expected-error @+1 {{contraction dimensions differ: lhs shape [4, 3] has 3 columns, rhs shape [3, 6] (transposed) has 6 rows}}
  %c = tessel.matmul %a, %b {transpose_rhs} : tensor<4x3xf32>, tensor<3x6xf32> -> tensor<4x3xf32>
  return
}

// -----

// matmul: batch dimensions differ.
func.func @matmul_batch_dimensions_differ(%a: tensor<?x2x5x3xf32>, %b: tensor<?x4x3x6xf32>) {
  // expected-error @+1 {{batch dimension 1 differs: lhs shape [?, 2, 5, 3], rhs shape [?, 4, 3, 6]}}
  %c = tessel.matmul %a, %b : tensor<?x2x5x3xf32>, tensor<?x4x3x6xf32> -> tensor<?x2x5x6xf32>
  return
}

// -----

// matmul: contraction dimensions differ.
func.func @matmul_contraction_dimensions_differ(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{contraction dimensions differ: lhs shape [2, 3] has 3 columns, rhs shape [4, 5] has 4 rows}}
  %c = tessel.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}

// -----

// matmul: result shape.
func.func @matmul_result_shape(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{result shape [5, 2] does not match expected [2, 5] ([..., M, N])}}
  %c = tessel.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<5x2xf32>
  return
}

// -----

// embedding: result element type.
func.func @embedding_result_element_type(%ids: tensor<4xi64>, %t: tensor<10x8xf32>) {
  // expected-error @+1 {{result element type 'f16' differs from table element type 'f32'}}
  %y = tessel.embedding %ids, %t : tensor<4xi64>, tensor<10x8xf32> -> tensor<4x8xf16>
  return
}

// -----

// embedding: table rank.
func.func @embedding_table_rank(%ids: tensor<4xi64>, %t: tensor<10x8x2xf32>) {
  // expected-error @+1 {{table must be [num_embeddings, dim], got [10, 8, 2]}}
  %y = tessel.embedding %ids, %t : tensor<4xi64>, tensor<10x8x2xf32> -> tensor<4x8xf32>
  return
}

// -----

// embedding: result shape.
func.func @embedding_result_shape(%ids: tensor<?x5xi32>, %t: tensor<10x8xf32>) {
  // expected-error @+1 {{result shape [?, 5, 10] does not match expected [?, 5, 8] (ids shape followed by the table's dim)}}
  %y = tessel.embedding %ids, %t : tensor<?x5xi32>, tensor<10x8xf32> -> tensor<?x5x10xf32>
  return
}

// -----

// add: rhs element type.
func.func @add_rhs_element_type(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{rhs element type 'f16' differs from lhs element type 'f32'}}
  %y = tessel.add %a, %b : tensor<4xf32>, tensor<4xf16> -> tensor<4xf32>
  return
}

// -----

// mul: result element type.
func.func @mul_result_element_type(%a: tensor<4xbf16>, %b: tensor<4xbf16>) {
  // expected-error @+1 {{result element type 'f32' differs from lhs element type 'bf16'}}
  %y = tessel.mul %a, %b : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xf32>
  return
}

// -----

// add: shapes that do not broadcast.
func.func @add_shapes_that_do_not_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{lhs shape [2, 3] and rhs shape [4, 3] do not broadcast}}
  %y = tessel.add %a, %b : tensor<2x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

// -----

// mul: shapes that do not broadcast.
func.func @mul_shapes_that_do_not_broadcast(%a: tensor<?x3xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{lhs shape [?, 3] and rhs shape [5] do not broadcast}}
  %y = tessel.mul %a, %b : tensor<?x3xf32>, tensor<5xf32> -> tensor<?x5xf32>
  return
}

// -----

// add: result shape is not the broadcast.
func.func @add_result_shape_is_not_the_broadcast(%a: tensor<4x1xf32>, %b: tensor<1x3xf32>) {
  // expected-error @+1 {{result shape [4, 1] does not match expected [4, 3] (the broadcast of lhs and rhs)}}
  %y = tessel.add %a, %b : tensor<4x1xf32>, tensor<1x3xf32> -> tensor<4x1xf32>
  return
}

// -----

// mul: result rank is not the broadcast rank.
func.func @mul_result_rank_is_not_the_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{result shape [3] does not match expected [2, 3]}}
  %y = tessel.mul %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

// transpose: result element type.
func.func @transpose_result_element_type(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{result element type 'i64' differs from input element type 'i32'}}
  %y = tessel.transpose %x [1, 0] : tensor<2x3xi32> -> tensor<3x2xi64>
  return
}

// -----

// transpose: permutation length.
func.func @transpose_permutation_length(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{permutation has 2 entries, but input shape [2, 3, 4] has rank 3}}
  %y = tessel.transpose %x [1, 0] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  return
}

// -----

// transpose: out-of-range entry.
func.func @transpose_out_of_range_entry(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation [2, 0] is not a permutation of [0, 2)}}
  %y = tessel.transpose %x [2, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

// transpose: negative entry.
func.func @transpose_negative_entry(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation [-1, 0] is not a permutation of [0, 2)}}
  %y = tessel.transpose %x [-1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

// transpose: repeated entry.
func.func @transpose_repeated_entry(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{permutation [0, 2, 0] is not a permutation of [0, 3)}}
  %y = tessel.transpose %x [0, 2, 0] : tensor<2x3x4xf32> -> tensor<2x4x2xf32>
  return
}

// -----

// transpose: result shape.
func.func @transpose_result_shape(%x: tensor<?x3x4xf32>) {
  // expected-error @+1 {{result shape [?, 3, 4] does not match expected [?, 4, 3] (input shape permuted)}}
  %y = tessel.transpose %x [0, 2, 1] : tensor<?x3x4xf32> -> tensor<?x3x4xf32>
  return
}

// -----

// reshape: result element type.
func.func @reshape_result_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result element type 'f16' differs from input element type 'f32'}}
  %y = tessel.reshape %x : tensor<2x3xf32> -> tensor<6xf16>
  return
}

// -----

// reshape: a dynamic dimension after a static one.
func.func @reshape_a_dynamic_dimension_after_a_static(%x: tensor<2x?xf32>) {
  // expected-error @+1 {{dynamic dimensions must be a leading prefix of the same length in input and result, got input shape [2, ?] and result shape [?, 2]}}
  %y = tessel.reshape %x : tensor<2x?xf32> -> tensor<?x2xf32>
  return
}

// -----

// reshape: dynamic prefixes of different lengths.
func.func @reshape_dynamic_prefixes_of_different_lengths(%x: tensor<?x?x768xf32>) {
  // expected-error @+1 {{dynamic dimensions must be a leading prefix of the same length in input and result}}
  %y = tessel.reshape %x : tensor<?x?x768xf32> -> tensor<?x768xf32>
  return
}

// -----

// reshape: a static input to a dynamic result.
func.func @reshape_a_static_input_to_a_dynamic(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{dynamic dimensions must be a leading prefix of the same length in input and result}}
  %y = tessel.reshape %x : tensor<4x6xf32> -> tensor<?x6xf32>
  return
}

// -----

// reshape: element counts differ.
func.func @reshape_element_counts_differ(%x: tensor<?x?x768xf32>) {
  // expected-error @+1 {{input shape [?, ?, 768] and result shape [?, ?, 12, 32] hold different numbers of elements (768 vs 384 per leading index)}}
  %y = tessel.reshape %x : tensor<?x?x768xf32> -> tensor<?x?x12x32xf32>
  return
}

// -----

// layer_norm: gamma element type.
func.func @layer_norm_gamma_element_type(%x: tensor<4x8xf32>, %g: tensor<8xf16>, %b: tensor<8xf32>) {
  // expected-error @+1 {{gamma element type 'f16' differs from input element type 'f32'}}
  %y = tessel.layer_norm %x, %g, %b : tensor<4x8xf32>, tensor<8xf16>, tensor<8xf32>
  return
}

// -----

// layer_norm: beta element type.
func.func @layer_norm_beta_element_type(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{beta element type 'bf16' differs from input element type 'f32'}}
  %y = tessel.layer_norm %x, %g, %b : tensor<4x8xf32>, tensor<8xf32>, tensor<8xbf16>
  return
}

// -----

// layer_norm: rank-0 input.
func.func @layer_norm_rank_0_input(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{input must have rank >= 1, got shape []}}
  %y = tessel.layer_norm %x, %g, %g : tensor<f32>, tensor<1xf32>, tensor<1xf32>
  return
}

// -----

// layer_norm: gamma size.
func.func @layer_norm_gamma_size(%x: tensor<?x?x768xf32>, %g: tensor<512xf32>, %b: tensor<768xf32>) {
  // expected-error @+1 {{gamma shape [512] must be [768], the last dimension of input shape [?, ?, 768]}}
  %y = tessel.layer_norm %x, %g, %b : tensor<?x?x768xf32>, tensor<512xf32>, tensor<768xf32>
  return
}

// -----

// layer_norm: beta rank (with a dynamic feature dimension).
func.func @layer_norm_beta_rank_with_a_dynamic(%x: tensor<4x?xf32>, %g: tensor<?xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{beta shape [1, 8] must be [?], the last dimension of input shape [4, ?]}}
  %y = tessel.layer_norm %x, %g, %b : tensor<4x?xf32>, tensor<?xf32>, tensor<1x8xf32>
  return
}

// -----

// layer_norm: negative epsilon.
func.func @layer_norm_negative_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, got -1.000000e-05}}
  %y = tessel.layer_norm %x, %g, %g {epsilon = -1.0e-5 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// layer_norm: NaN epsilon.
func.func @layer_norm_nan_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, got nan}}
  %y = tessel.layer_norm %x, %g, %g {epsilon = 0x7FF8000000000000 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// rms_norm: gamma element type.
func.func @rms_norm_gamma_element_type(%x: tensor<4x8xbf16>, %g: tensor<8xf32>) {
  // expected-error @+1 {{gamma element type 'f32' differs from input element type 'bf16'}}
  %y = tessel.rms_norm %x, %g : tensor<4x8xbf16>, tensor<8xf32>
  return
}

// -----

// rms_norm: rank-0 input.
func.func @rms_norm_rank_0_input(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{input must have rank >= 1, got shape []}}
  %y = tessel.rms_norm %x, %g : tensor<f32>, tensor<1xf32>
  return
}

// -----

// rms_norm: gamma size.
func.func @rms_norm_gamma_size(%x: tensor<4x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{gamma shape [4] must be [8], the last dimension of input shape [4, 8]}}
  %y = tessel.rms_norm %x, %g : tensor<4x8xf32>, tensor<4xf32>
  return
}

// -----

// rms_norm: infinite epsilon.
func.func @rms_norm_infinite_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, got INF}}
  %y = tessel.rms_norm %x, %g {epsilon = 0x7FF0000000000000 : f64} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

// scale_norm: scale element type.
func.func @scale_norm_scale_element_type(%x: tensor<4x8xf32>, %g: tensor<f16>) {
  // expected-error @+1 {{scale element type 'f16' differs from input element type 'f32'}}
  %y = tessel.scale_norm %x, %g : tensor<4x8xf32>, tensor<f16>
  return
}

// -----

// scale_norm: rank-0 input.
func.func @scale_norm_rank_0_input(%x: tensor<f32>, %g: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1, got shape []}}
  %y = tessel.scale_norm %x, %g : tensor<f32>, tensor<f32>
  return
}

// -----

// scale_norm: the scale is a scalar, not a feature vector.
func.func @scale_norm_the_scale_is_a_scalar(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{scale must be a rank-0 scalar, got shape [8]}}
  %y = tessel.scale_norm %x, %g : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

// scale_norm: negative epsilon.
func.func @scale_norm_negative_epsilon(%x: tensor<4x8xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, got -1.000000e+00}}
  %y = tessel.scale_norm %x, %g {epsilon = -1.0 : f64} : tensor<4x8xf32>, tensor<f32>
  return
}

// -----

// batch_norm: gamma element type.
func.func @batch_norm_gamma_element_type(%x: tensor<4x8xf32>, %g: tensor<8xf16>, %p: tensor<8xf32>) {
  // expected-error @+1 {{gamma element type 'f16' differs from input element type 'f32'}}
  %y:3 = tessel.batch_norm %x, %g, %p, %p, %p : tensor<4x8xf32>, tensor<8xf16>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: beta element type.
func.func @batch_norm_beta_element_type(%x: tensor<4x8xf32>, %b: tensor<8xbf16>, %p: tensor<8xf32>) {
  // expected-error @+1 {{beta element type 'bf16' differs from input element type 'f32'}}
  %y:3 = tessel.batch_norm %x, %p, %b, %p, %p : tensor<4x8xf32>, tensor<8xf32>, tensor<8xbf16>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: running statistics element type.
func.func @batch_norm_running_statistics_element_type(%x: tensor<4x8xf32>, %p: tensor<8xf32>, %r: tensor<8xf16>) {
  // expected-error @+1 {{running_mean element type 'f16' differs from input element type 'f32'}}
  %y:3 = tessel.batch_norm %x, %p, %p, %r, %r : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf16>, tensor<8xf16>
  return
}

// -----

// batch_norm: rank-0 input.
func.func @batch_norm_rank_0_input(%x: tensor<f32>, %p: tensor<1xf32>) {
  // expected-error @+1 {{input must have rank >= 1, got shape []}}
  %y:3 = tessel.batch_norm %x, %p, %p, %p, %p : tensor<f32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>
  return
}

// -----

// batch_norm: gamma size.
func.func @batch_norm_gamma_size(%x: tensor<4x8xf32>, %g: tensor<4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{gamma shape [4] must be [8], the last dimension of input shape [4, 8]}}
  %y:3 = tessel.batch_norm %x, %g, %p, %p, %p : tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: beta size.
func.func @batch_norm_beta_size(%x: tensor<4x8xf32>, %b: tensor<2x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{beta shape [2, 8] must be [8], the last dimension of input shape [4, 8]}}
  %y:3 = tessel.batch_norm %x, %p, %b, %p, %p : tensor<4x8xf32>, tensor<8xf32>, tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: running statistics size.
func.func @batch_norm_running_statistics_size(%x: tensor<4x8xf32>, %p: tensor<8xf32>, %r: tensor<4xf32>) {
  // expected-error @+1 {{running_mean shape [4] must be [8], the last dimension of input shape [4, 8]}}
  %y:3 = tessel.batch_norm %x, %p, %p, %r, %r : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// batch_norm: momentum above 1.
func.func @batch_norm_momentum_above_1(%x: tensor<4x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1], got 1.500000e+00}}
  %y:3 = tessel.batch_norm %x, %p, %p, %p, %p {momentum = 1.5 : f64, training} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: negative momentum.
func.func @batch_norm_negative_momentum(%x: tensor<4x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1], got -5.000000e-01}}
  %y:3 = tessel.batch_norm %x, %p, %p, %p, %p {momentum = -0.5 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: NaN momentum.
func.func @batch_norm_nan_momentum(%x: tensor<4x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{momentum must be in [0, 1], got nan}}
  %y:3 = tessel.batch_norm %x, %p, %p, %p, %p {momentum = 0x7FF8000000000000 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// batch_norm: negative epsilon.
func.func @batch_norm_negative_epsilon(%x: tensor<4x8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be finite and non-negative, got -2.000000e+00}}
  %y:3 = tessel.batch_norm %x, %p, %p, %p, %p {epsilon = -2.0 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return
}

// -----

// rope: rank-1 input.
func.func @rope_rank_1_input(%x: tensor<8xf32>, %p: tensor<8xi64>) {
  // expected-error @+1 {{input must be [..., S, D], got [8]}}
  %y = tessel.rope %x, %p : tensor<8xf32>, tensor<8xi64>
  return
}

// -----

// rope: dynamic feature dimension.
func.func @rope_dynamic_feature_dimension(%x: tensor<?x?xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{feature dimension of input shape [?, ?] must be static}}
  %y = tessel.rope %x, %p : tensor<?x?xf32>, tensor<?xi64>
  return
}

// -----

// rope: odd rotary_dims.
func.func @rope_odd_rotary_dims(%x: tensor<2x4x64xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{rotary_dims must be even and in [2, 64] for input shape [2, 4, 64], got 33}}
  %y = tessel.rope %x, %p {rotary_dims = 33 : i64} : tensor<2x4x64xf32>, tensor<4xi64>
  return
}

// -----

// rope: rotary_dims above D.
func.func @rope_rotary_dims_above_d(%x: tensor<2x4x64xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{rotary_dims must be even and in [2, 64] for input shape [2, 4, 64], got 128}}
  %y = tessel.rope %x, %p {rotary_dims = 128 : i64} : tensor<2x4x64xf32>, tensor<4xi64>
  return
}

// -----

// rope: zero rotary_dims.
func.func @rope_zero_rotary_dims(%x: tensor<2x4x64xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{rotary_dims must be even and in [2, 64] for input shape [2, 4, 64], got 0}}
  %y = tessel.rope %x, %p {rotary_dims = 0 : i64} : tensor<2x4x64xf32>, tensor<4xi64>
  return
}

// -----

// rope: negative rotary_dims.
func.func @rope_negative_rotary_dims(%x: tensor<2x4x64xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{rotary_dims must be even and in [2, 64] for input shape [2, 4, 64], got -2}}
  %y = tessel.rope %x, %p {rotary_dims = -2 : i64} : tensor<2x4x64xf32>, tensor<4xi64>
  return
}

// -----

// rope: without rotary_dims, D itself must be even.
func.func @rope_without_rotary_dims_d_itself_must(%x: tensor<4x7xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{feature dimension of input shape [4, 7] must be even, or rotary_dims must select an even number of features}}
  %y = tessel.rope %x, %p : tensor<4x7xf32>, tensor<4xi64>
  return
}

// -----

// rope: positions length differs from S.
func.func @rope_positions_length_differs_from_s(%x: tensor<1x8x16x64xf32>, %p: tensor<12xi64>) {
  // expected-error @+1 {{positions shape [12] must be [S] or, for a rank-4 input, [B, S]; input shape is [1, 8, 16, 64]}}
  %y = tessel.rope %x, %p : tensor<1x8x16x64xf32>, tensor<12xi64>
  return
}

// -----

// rope: [B, S] positions need a rank-4 input.
func.func @rope_b_s_positions_need_a_rank(%x: tensor<2x16x64xf32>, %p: tensor<2x16xi64>) {
  // expected-error @+1 {{positions shape [2, 16] must be [S] or, for a rank-4 input, [B, S]; input shape is [2, 16, 64]}}
  %y = tessel.rope %x, %p : tensor<2x16x64xf32>, tensor<2x16xi64>
  return
}

// -----

// rope: [B, S] positions with the wrong batch.
func.func @rope_b_s_positions_with_the_wrong(%x: tensor<2x8x16x64xf32>, %p: tensor<3x16xi64>) {
  // expected-error @+1 {{positions shape [3, 16] must be [S] or, for a rank-4 input, [B, S]}}
  %y = tessel.rope %x, %p : tensor<2x8x16x64xf32>, tensor<3x16xi64>
  return
}

// -----

// rope: [B, S] positions with the wrong length.
func.func @rope_b_s_positions_with_the_wrong_2(%x: tensor<?x8x16x64xf32>, %p: tensor<?x15xi32>) {
  // expected-error @+1 {{positions shape [?, 15] must be [S] or, for a rank-4 input, [B, S]}}
  %y = tessel.rope %x, %p : tensor<?x8x16x64xf32>, tensor<?x15xi32>
  return
}

// -----

// rope: rank-0 positions.
func.func @rope_rank_0_positions(%x: tensor<4x8xf32>, %p: tensor<i64>) {
  // expected-error @+1 {{positions shape [] must be [S] or, for a rank-4 input, [B, S]}}
  %y = tessel.rope %x, %p : tensor<4x8xf32>, tensor<i64>
  return
}

// -----

// rope: zero theta.
func.func @rope_zero_theta(%x: tensor<4x8xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{theta must be finite and positive, got 0.000000e+00}}
  %y = tessel.rope %x, %p {theta = 0.0 : f64} : tensor<4x8xf32>, tensor<4xi64>
  return
}

// -----

// rope: infinite theta.
func.func @rope_infinite_theta(%x: tensor<4x8xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{theta must be finite and positive, got INF}}
  %y = tessel.rope %x, %p {theta = 0x7FF0000000000000 : f64} : tensor<4x8xf32>, tensor<4xi64>
  return
}

// -----

// sinusoidal_embedding: rank-0 result.
func.func @sinusoidal_embedding_rank_0_result(%p: tensor<i64>) {
  // expected-error @+1 {{result shape [] must end in a static, even, positive dimension}}
  %y = tessel.sinusoidal_embedding %p : tensor<i64> -> tensor<f32>
  return
}

// -----

// sinusoidal_embedding: dynamic D.
func.func @sinusoidal_embedding_dynamic_d(%p: tensor<?xi64>) {
  // expected-error @+1 {{result shape [?, ?] must end in a static, even, positive dimension}}
  %y = tessel.sinusoidal_embedding %p : tensor<?xi64> -> tensor<?x?xf32>
  return
}

// -----

// sinusoidal_embedding: odd D.
func.func @sinusoidal_embedding_odd_d(%p: tensor<?xi64>) {
  // expected-error @+1 {{result shape [?, 7] must end in a static, even, positive dimension}}
  %y = tessel.sinusoidal_embedding %p : tensor<?xi64> -> tensor<?x7xf32>
  return
}

// -----

// sinusoidal_embedding: zero D.
func.func @sinusoidal_embedding_zero_d(%p: tensor<?xi64>) {
  // expected-error @+1 {{result shape [?, 0] must end in a static, even, positive dimension}}
  %y = tessel.sinusoidal_embedding %p : tensor<?xi64> -> tensor<?x0xf32>
  return
}

// -----

// sinusoidal_embedding: result does not follow the positions shape.
func.func @sinusoidal_embedding_result_does_not_follow_the(%p: tensor<2x5xi64>) {
  // expected-error @+1 {{result shape [10, 8] does not match expected [2, 5, 8] (positions shape followed by D)}}
  %y = tessel.sinusoidal_embedding %p : tensor<2x5xi64> -> tensor<10x8xf32>
  return
}

// -----

// sinusoidal_embedding: negative base.
func.func @sinusoidal_embedding_negative_base(%p: tensor<4xi64>) {
  // expected-error @+1 {{base must be finite and positive, got -1.000000e+04}}
  %y = tessel.sinusoidal_embedding %p {base = -1.0e4 : f64} : tensor<4xi64> -> tensor<4x8xf32>
  return
}

// -----

// relative_bias: result element type.
func.func @relative_bias_result_element_type(%t: tensor<9x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{result element type 'f16' differs from table element type 'f32'}}
  %y = tessel.relative_bias shaw %t, %p, %p {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf16>
  return
}

// -----

// relative_bias: table rank.
func.func @relative_bias_table_rank(%t: tensor<9xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{table must be a static [num_buckets, heads], got [9]}}
  %y = tessel.relative_bias shaw %t, %p, %p {max_distance = 4 : i64} : tensor<9xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: dynamic number of buckets.
func.func @relative_bias_dynamic_number_of_buckets(%t: tensor<?x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{table must be a static [num_buckets, heads], got [?, 2]}}
  %y = tessel.relative_bias t5 %t, %p, %p {max_distance = 4 : i64} : tensor<?x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: dynamic number of heads.
func.func @relative_bias_dynamic_number_of_heads(%t: tensor<32x?xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{table must be a static [num_buckets, heads], got [32, ?]}}
  %y = tessel.relative_bias t5 %t, %p, %p {max_distance = 128 : i64} : tensor<32x?xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<?x4x4xf32>
  return
}

// -----

// relative_bias: query positions rank.
func.func @relative_bias_query_positions_rank(%t: tensor<9x2xf32>, %q: tensor<1x1x4xi64>, %k: tensor<4xi64>) {
  // expected-error @+1 {{query_positions must be [S] or [B, S], got shape [1, 1, 4]}}
  %y = tessel.relative_bias shaw %t, %q, %k {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<1x1x4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: query positions [B, S] give [B, H, S, T].
func.func @relative_bias_batch_result_shape(%t: tensor<9x2xf32>, %q: tensor<3x4xi64>, %k: tensor<5xi64>) {
  // expected-error @+1 {{result shape [2, 4, 5] does not match expected [3, 2, 4, 5] ([batch, heads, query positions, key positions])}}
  %y = tessel.relative_bias shaw %t, %q, %k {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<3x4xi64>, tensor<5xi64> -> tensor<2x4x5xf32>
  return
}

// -----

// relative_bias: key positions rank.
func.func @relative_bias_key_positions_rank(%t: tensor<9x2xf32>, %q: tensor<4xi64>, %k: tensor<i32>) {
  // expected-error @+1 {{key_positions must be rank 1, got shape []}}
  %y = tessel.relative_bias shaw %t, %q, %k {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<4xi64>, tensor<i32> -> tensor<2x4x1xf32>
  return
}

// -----

// relative_bias: result shape.
func.func @relative_bias_result_shape(%t: tensor<9x2xf32>, %q: tensor<3xi64>, %k: tensor<5xi64>) {
  // expected-error @+1 {{result shape [2, 5, 3] does not match expected [2, 3, 5] ([heads, query positions, key positions])}}
  %y = tessel.relative_bias shaw %t, %q, %k {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<3xi64>, tensor<5xi64> -> tensor<2x5x3xf32>
  return
}

// -----

// relative_bias: the heads come from the table.
func.func @relative_bias_the_heads_come_from_the(%t: tensor<9x2xf32>, %q: tensor<?xi64>) {
  // expected-error @+1 {{result shape [8, ?, ?] does not match expected [2, ?, ?]}}
  %y = tessel.relative_bias shaw %t, %q, %q {max_distance = 4 : i64} : tensor<9x2xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
  return
}

// -----

// relative_bias: shaw is always two-sided.
func.func @relative_bias_shaw_is_always_two_sided(%t: tensor<9x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{'bidirectional' applies to t5 buckets only; shaw clipping is always two-sided}}
  %y = tessel.relative_bias shaw %t, %p, %p {bidirectional, max_distance = 4 : i64} : tensor<9x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: shaw table rows.
func.func @relative_bias_shaw_table_rows(%t: tensor<8x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{shaw table shape [8, 2] must have 2 * max_distance + 1 = 9 rows}}
  %y = tessel.relative_bias shaw %t, %p, %p {max_distance = 4 : i64} : tensor<8x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: shaw with a negative max_distance.
func.func @relative_bias_shaw_with_a_negative_max(%t: tensor<1x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{max_distance must be non-negative, got -1}}
  %y = tessel.relative_bias shaw %t, %p, %p {max_distance = -1 : i64} : tensor<1x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: t5 with a single bucket.
func.func @relative_bias_t5_with_a_single_bucket(%t: tensor<1x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{t5 table shape [1, 2] needs at least 2 buckets}}
  %y = tessel.relative_bias t5 %t, %p, %p {max_distance = 4 : i64} : tensor<1x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: bidirectional t5 with an odd number of buckets.
func.func @relative_bias_bidirectional_t5_with_an_odd(%t: tensor<33x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{t5 table shape [33, 2] needs an even number of buckets, at least 4}}
  %y = tessel.relative_bias t5 %t, %p, %p {bidirectional, max_distance = 128 : i64} : tensor<33x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: bidirectional t5 with too few buckets.
func.func @relative_bias_bidirectional_t5_with_too_few(%t: tensor<2x2xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{t5 table shape [2, 2] needs an even number of buckets, at least 4}}
  %y = tessel.relative_bias t5 %t, %p, %p {bidirectional, max_distance = 128 : i64} : tensor<2x2xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<2x4x4xf32>
  return
}

// -----

// relative_bias: t5 max_distance inside the exact range.
func.func @relative_bias_t5_max_distance_inside_the(%t: tensor<32x8xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{max_distance (8) must exceed the exact-bucket range (8)}}
  %y = tessel.relative_bias t5 %t, %p, %p {bidirectional, max_distance = 8 : i64} : tensor<32x8xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<8x4x4xf32>
  return
}

// -----

// relative_bias: unidirectional t5 max_distance inside the exact range.
func.func @relative_bias_unidirectional_t5_max_distance_inside(%t: tensor<32x8xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{max_distance (16) must exceed the exact-bucket range (16)}}
  %y = tessel.relative_bias t5 %t, %p, %p {max_distance = 16 : i64} : tensor<32x8xf32>, tensor<4xi64>, tensor<4xi64> -> tensor<8x4x4xf32>
  return
}

// -----

// alibi: result rank.
func.func @alibi_result_rank(%p: tensor<4xi64>) {
  // expected-error @+1 {{result must be [heads, S, T] or [B, heads, S, T] with static heads, got [4, 4]}}
  %y = tessel.alibi %p, %p : tensor<4xi64>, tensor<4xi64> -> tensor<4x4xf32>
  return
}

// -----

// alibi: dynamic heads.
func.func @alibi_dynamic_heads(%p: tensor<?xi64>) {
  // expected-error @+1 {{result must be [heads, S, T] or [B, heads, S, T] with static heads, got [?, ?, ?]}}
  %y = tessel.alibi %p, %p : tensor<?xi64>, tensor<?xi64> -> tensor<?x?x?xf32>
  return
}

// -----

// alibi: zero heads.
func.func @alibi_zero_heads(%p: tensor<4xi64>) {
  // expected-error @+1 {{result must be [heads, S, T] or [B, heads, S, T] with static heads, got [0, 4, 4]}}
  %y = tessel.alibi %p, %p : tensor<4xi64>, tensor<4xi64> -> tensor<0x4x4xf32>
  return
}

// -----

// alibi: query positions [B, S] give [B, H, S, T].
func.func @alibi_query_positions_rank(%q: tensor<2x4xi64>, %k: tensor<4xi64>) {
  // expected-error @+1 {{result shape [8, 4, 4] does not match expected [2, 8, 4, 4] ([batch, heads, query positions, key positions])}}
  %y = tessel.alibi %q, %k : tensor<2x4xi64>, tensor<4xi64> -> tensor<8x4x4xf32>
  return
}

// -----

// alibi: key positions rank.
func.func @alibi_key_positions_rank(%q: tensor<4xi64>, %k: tensor<4x1xi32>) {
  // expected-error @+1 {{key_positions must be rank 1, got shape [4, 1]}}
  %y = tessel.alibi %q, %k : tensor<4xi64>, tensor<4x1xi32> -> tensor<8x4x4xf32>
  return
}

// -----

// alibi: result S and T swapped.
func.func @alibi_result_s_and_t_swapped(%q: tensor<3xi64>, %k: tensor<5xi64>) {
  // expected-error @+1 {{result shape [8, 5, 3] does not match expected [8, 3, 5] ([heads, query positions, key positions])}}
  %y = tessel.alibi %q, %k : tensor<3xi64>, tensor<5xi64> -> tensor<8x5x3xf32>
  return
}

// -----

// softmax: axis past the last.
func.func @softmax_axis_past_the_last(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for input shape [2, 3]}}
  %y = tessel.softmax %x {axis = 2 : i64} : tensor<2x3xf32>
  return
}

// -----

// softmax: negative axis before the first.
func.func @softmax_negative_axis_before_the_first(%x: tensor<?x3xf32>) {
  // expected-error @+1 {{axis -3 is out of range for input shape [?, 3]}}
  %y = tessel.softmax %x {axis = -3 : i64} : tensor<?x3xf32>
  return
}

// -----

// softmax: a rank-0 input has no axis.
func.func @softmax_a_rank_0_input_has_no(%x: tensor<f32>) {
  // expected-error @+1 {{axis -1 is out of range for input shape []}}
  %y = tessel.softmax %x : tensor<f32>
  return
}

// -----

// attention: key element type.
func.func @attention_key_element_type(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf16>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{key element type 'f16' differs from query element type 'f32'}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf16>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: value element type.
func.func @attention_value_element_type(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xbf16>) {
  // expected-error @+1 {{value element type 'bf16' differs from query element type 'f32'}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xbf16> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: bias element type.
func.func @attention_bias_element_type(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>, %b: tensor<4x6xf16>) {
  // expected-error @+1 {{bias element type 'f16' differs from query element type 'f32'}}
  %o = tessel.attention %q, %k, %v, %b : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32>, tensor<4x6xf16> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: result element type.
func.func @attention_result_element_type(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{result element type 'f16' differs from query element type 'f32'}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf16>
  return
}

// -----

// attention: query rank.
func.func @attention_query_rank(%q: tensor<8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{query must be [B, H, S, D], got shape [8, 4, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: key rank.
func.func @attention_key_rank(%q: tensor<2x8x4x32xf32>, %k: tensor<1x2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{key must be [B, H, S, D], got shape [1, 2, 8, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<1x2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: value rank.
func.func @attention_value_rank(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<6x32xf32>) {
  // expected-error @+1 {{value must be [B, H, S, D], got shape [6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: batch sizes differ (key).
func.func @attention_batch_sizes_differ_key(%q: tensor<2x8x4x32xf32>, %k: tensor<3x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{batch sizes differ: query [2, 8, 4, 32], key [3, 8, 6, 32], value [2, 8, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<3x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: batch sizes differ (value).
func.func @attention_batch_sizes_differ_value(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<3x8x6x32xf32>) {
  // expected-error @+1 {{batch sizes differ: query [2, 8, 4, 32], key [2, 8, 6, 32], value [3, 8, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<3x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: dynamic query heads.
func.func @attention_dynamic_query_heads(%q: tensor<2x?x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{head counts and head dim must be static: query [2, ?, 4, 32], key [2, 8, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x?x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x?x4x32xf32>
  return
}

// -----

// attention: dynamic key heads.
func.func @attention_dynamic_key_heads(%q: tensor<2x8x4x32xf32>, %k: tensor<2x?x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{head counts and head dim must be static: query [2, 8, 4, 32], key [2, ?, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x?x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: dynamic head dim.
func.func @attention_dynamic_head_dim(%q: tensor<2x8x4x?xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{head counts and head dim must be static: query [2, 8, 4, ?], key [2, 8, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x?xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: key and value head counts differ.
func.func @attention_key_and_value_head_counts_differ(%q: tensor<2x8x4x32xf32>, %k: tensor<2x4x6x32xf32>, %v: tensor<2x2x6x32xf32>) {
  // expected-error @+1 {{key shape [2, 4, 6, 32] and value shape [2, 2, 6, 32] have different head counts}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x4x6x32xf32>, tensor<2x2x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: query heads not a multiple of kv heads.
func.func @attention_query_heads_not_a_multiple_of(%q: tensor<2x6x4x32xf32>, %k: tensor<2x4x6x32xf32>, %v: tensor<2x4x6x32xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4): query [2, 6, 4, 32], key [2, 4, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<2x6x4x32xf32>, tensor<2x4x6x32xf32>, tensor<2x4x6x32xf32> -> tensor<2x6x4x32xf32>
  return
}

// -----

// attention: zero kv heads.
func.func @attention_zero_kv_heads(%q: tensor<2x8x4x32xf32>, %k: tensor<2x0x6x32xf32>, %v: tensor<2x0x6x32xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of key/value heads (0)}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x0x6x32xf32>, tensor<2x0x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: head dims differ.
func.func @attention_head_dims_differ(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x64xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{query shape [2, 8, 4, 32] and key shape [2, 8, 6, 64] have different head dims}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x64xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: key and value lengths differ.
func.func @attention_key_and_value_lengths_differ(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x7x32xf32>) {
  // expected-error @+1 {{key shape [2, 8, 6, 32] and value shape [2, 8, 7, 32] have different lengths}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x7x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: bias of rank 5.
func.func @attention_bias_of_rank_5(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>, %b: tensor<1x2x8x4x6xf32>) {
  // expected-error @+1 {{bias shape [1, 2, 8, 4, 6] does not broadcast to the logits shape [2, 8, 4, 6]}}
  %o = tessel.attention %q, %k, %v, %b : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32>, tensor<1x2x8x4x6xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: bias with the wrong key length.
func.func @attention_bias_with_the_wrong_key_length(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{bias shape [4, 5] does not broadcast to the logits shape [2, 8, 4, 6]}}
  %o = tessel.attention %q, %k, %v, %b : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32>, tensor<4x5xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: a bias that would enlarge the logits.
func.func @attention_a_bias_that_would_enlarge_the(%q: tensor<2x8x1x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>, %b: tensor<2x8x4x6xf32>) {
  // expected-error @+1 {{bias shape [2, 8, 4, 6] does not broadcast to the logits shape [2, 8, 1, 6]}}
  %o = tessel.attention %q, %k, %v, %b : tensor<2x8x1x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x4x6xf32> -> tensor<2x8x1x32xf32>
  return
}

// -----

// attention: zero scale.
func.func @attention_zero_scale(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{scale must be finite and non-zero, got 0.000000e+00}}
  %o = tessel.attention %q, %k, %v {scale = 0.0 : f64} : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: infinite scale.
func.func @attention_infinite_scale(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{scale must be finite and non-zero, got -INF}}
  %o = tessel.attention %q, %k, %v {scale = 0xFFF0000000000000 : f64} : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: NaN scale.
func.func @attention_nan_scale(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{scale must be finite and non-zero, got nan}}
  %o = tessel.attention %q, %k, %v {causal, scale = 0x7FF8000000000000 : f64} : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// attention: result shape.
func.func @attention_result_shape(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x32xf32>) {
  // expected-error @+1 {{result shape [2, 8, 6, 32] does not match expected [2, 8, 4, 32] ([B, query heads, S, value head dim])}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x32xf32> -> tensor<2x8x6x32xf32>
  return
}

// -----

// attention: the result takes the value head dim.
func.func @attention_the_result_takes_the_value_head(%q: tensor<2x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<2x8x6x16xf32>) {
  // expected-error @+1 {{result shape [2, 8, 4, 32] does not match expected [2, 8, 4, 16]}}
  %o = tessel.attention %q, %k, %v : tensor<2x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<2x8x6x16xf32> -> tensor<2x8x4x32xf32>
  return
}

// -----

// cross_entropy: result element type.
func.func @cross_entropy_result_element_type(%l: tensor<4x10xf32>, %t: tensor<4xi64>) {
  // expected-error @+1 {{result element type 'f16' differs from logits element type 'f32'}}
  %y = tessel.cross_entropy %l, %t : tensor<4x10xf32>, tensor<4xi64> -> tensor<f16>
  return
}

// -----

// cross_entropy: rank-0 logits.
func.func @cross_entropy_rank_0_logits(%l: tensor<f32>, %t: tensor<i64>) {
  // expected-error @+1 {{logits must have rank >= 1, got shape []}}
  %y = tessel.cross_entropy %l, %t : tensor<f32>, tensor<i64> -> tensor<f32>
  return
}

// -----

// cross_entropy: targets with the class dimension.
func.func @cross_entropy_targets_with_the_class_dimension(%l: tensor<4x10xf32>, %t: tensor<4x10xi64>) {
  // expected-error @+1 {{targets shape [4, 10] must be the logits shape [4, 10] without its class dimension}}
  %y = tessel.cross_entropy %l, %t : tensor<4x10xf32>, tensor<4x10xi64> -> tensor<f32>
  return
}

// -----

// cross_entropy: targets of the wrong size.
func.func @cross_entropy_targets_of_the_wrong_size(%l: tensor<?x5x10xf32>, %t: tensor<?x4xi32>) {
  // expected-error @+1 {{targets shape [?, 4] must be the logits shape [?, 5, 10] without its class dimension}}
  %y = tessel.cross_entropy %l, %t : tensor<?x5x10xf32>, tensor<?x4xi32> -> tensor<f32>
  return
}

// -----

// cross_entropy: the loss is a scalar.
func.func @cross_entropy_the_loss_is_a_scalar(%l: tensor<4x10xf32>, %t: tensor<4xi64>) {
  // expected-error @+1 {{result must be a rank-0 tensor, got shape [4]}}
  %y = tessel.cross_entropy %l, %t : tensor<4x10xf32>, tensor<4xi64> -> tensor<4xf32>
  return
}

// -----

// Key and value batch sizes must agree even when the query's is dynamic.
func.func @attention_key_value_batch(%q: tensor<?x8x4x32xf32>, %k: tensor<2x8x6x32xf32>, %v: tensor<3x8x6x32xf32>) -> tensor<?x8x4x32xf32> {
  // expected-error @+1 {{batch sizes differ: query [?, 8, 4, 32], key [2, 8, 6, 32], value [3, 8, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<?x8x4x32xf32>, tensor<2x8x6x32xf32>, tensor<3x8x6x32xf32> -> tensor<?x8x4x32xf32>
  return %o : tensor<?x8x4x32xf32>
}

// -----

func.func @attention_dynamic_value_heads(%q: tensor<1x8x4x32xf32>, %k: tensor<1x8x6x32xf32>, %v: tensor<1x?x6x32xf32>) -> tensor<1x8x4x32xf32> {
  // expected-error @+1 {{head counts and head dim must be static: query [1, 8, 4, 32], key [1, 8, 6, 32], value [1, ?, 6, 32]}}
  %o = tessel.attention %q, %k, %v : tensor<1x8x4x32xf32>, tensor<1x8x6x32xf32>, tensor<1x?x6x32xf32> -> tensor<1x8x4x32xf32>
  return %o : tensor<1x8x4x32xf32>
}

// -----

// A dynamic weight dimension prints as '?'.
func.func @linear_dynamic_weight_bias(%x: tensor<4x16xf32>, %w: tensor<?x16xf32>, %b: tensor<2x3xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{bias shape [2, 3] must be [?], the out_features of weight shape [?, 16]}}
  %y = tessel.linear %x, %w, %b : tensor<4x16xf32>, tensor<?x16xf32>, tensor<2x3xf32> -> tensor<4x?xf32>
  return %y : tensor<4x?xf32>
}

// -----

//===----------------------------------------------------------------------===//
// tessel.parameter
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'tessel.parameter' op parameter shape [?, 768] must be static}}
tessel.parameter @dynamic : tensor<?x768xf32> init = zeros

// -----

// expected-error @+1 {{'tessel.parameter' op init = normal needs a finite, positive 'std'}}
tessel.parameter @normal_without_std : tensor<4x4xf32> init = normal

// -----

// expected-error @+1 {{'tessel.parameter' op init = truncated_normal needs a finite, positive 'std'}}
tessel.parameter @truncated_without_std : tensor<4x4xbf16> init = truncated_normal

// -----

// expected-error @+1 {{'tessel.parameter' op init = normal needs a finite, positive 'std'}}
tessel.parameter @zero_std : tensor<4xf32> init = normal {std = 0.0 : f64}

// -----

// expected-error @+1 {{'tessel.parameter' op init = truncated_normal needs a finite, positive 'std'}}
tessel.parameter @negative_std : tensor<4xf32> init = truncated_normal {std = -0.02 : f64}

// -----

// +inf as a hex float.
// expected-error @+1 {{'tessel.parameter' op init = normal needs a finite, positive 'std'}}
tessel.parameter @infinite_std : tensor<4xf32> init = normal {std = 0x7FF0000000000000 : f64}

// -----

// A NaN std is not positive either.
// expected-error @+1 {{'tessel.parameter' op init = normal needs a finite, positive 'std'}}
tessel.parameter @nan_std : tensor<4xf32> init = normal {std = 0x7FF8000000000000 : f64}

// -----

// expected-error @+1 {{'tessel.parameter' op 'std' applies only to normal and truncated_normal initializers, not zeros}}
tessel.parameter @zeros_with_std : tensor<4xf32> init = zeros {std = 2.000000e-02 : f64}

// -----

// expected-error @+1 {{'tessel.parameter' op 'std' applies only to normal and truncated_normal initializers, not kaiming_normal}}
tessel.parameter @kaiming_with_std : tensor<4x4xf32> init = kaiming_normal {std = 1.0 : f64}

// -----

// expected-error @+1 {{'tessel.parameter' op 'value' is required by init = constant and allowed only there and as kaiming's negative slope}}
tessel.parameter @constant_without_value : tensor<4xf32> init = constant

// -----

// expected-error @+1 {{'tessel.parameter' op 'value' is required by init = constant and allowed only there and as kaiming's negative slope}}
tessel.parameter @ones_with_value : tensor<4xf32> init = ones {value = 1.0 : f64}

// -----

// expected-error @+1 {{'tessel.parameter' op kaiming's negative slope 'value' must be finite}}
tessel.parameter @kaiming_nan_slope : tensor<4x4xf32> init = kaiming_uniform {value = 0x7FF8000000000000 : f64}

// -----

// expected-error @+1 {{'tessel.parameter' op init = xavier_uniform needs a non-empty parameter of rank >= 2 for its fan-in and fan-out, got shape [768]}}
tessel.parameter @xavier_rank1 : tensor<768xf32> init = xavier_uniform

// -----

// expected-error @+1 {{'tessel.parameter' op init = kaiming_normal needs a non-empty parameter of rank >= 2 for its fan-in and fan-out, got shape []}}
tessel.parameter @kaiming_rank0 : tensor<f16> init = kaiming_normal

// -----

// Rank 2 but empty: the fans would divide by zero.
// expected-error @+1 {{'tessel.parameter' op init = xavier_normal needs a non-empty parameter of rank >= 2 for its fan-in and fan-out, got shape [0, 4]}}
tessel.parameter @xavier_empty : tensor<0x4xf32> init = xavier_normal

// -----

// expected-error @+1 {{'tessel.parameter' op init = kaiming_uniform needs a non-empty parameter of rank >= 2 for its fan-in and fan-out, got shape [8, 0]}}
tessel.parameter @kaiming_empty : tensor<8x0xbf16> init = kaiming_uniform

// -----

// Parameters are float tensors.
// expected-error @+1 {{'tessel.parameter' op attribute 'type' failed to satisfy constraint: type attribute of ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
tessel.parameter @integer_parameter : tensor<4xi64> init = zeros

// -----

// An unknown initializer.
// expected-error @+1 {{unknown initializer 'uniform'; expected one of zeros, ones, constant, normal, truncated_normal, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal}}
tessel.parameter @unknown_init : tensor<4xf32> init = uniform

// -----

// Parameters live at module level, not in a function.
func.func @parameter_in_function() {
  // expected-error @+1 {{'tessel.parameter' op expects parent op 'builtin.module'}}
  tessel.parameter @local : tensor<4xf32> init = zeros
  return
}

// -----

//===----------------------------------------------------------------------===//
// tessel.get_parameter
//===----------------------------------------------------------------------===//

tessel.parameter @w : tensor<8xf32> init = zeros

func.func @get_unknown_parameter() -> tensor<8xf32> {
  // expected-error @+1 {{'tessel.get_parameter' op no tessel.parameter named @nope}}
  %w = tessel.get_parameter @nope : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

// A symbol that is not a parameter.
func.func @not_a_parameter() -> tensor<8xf32> {
  // expected-error @+1 {{'tessel.get_parameter' op no tessel.parameter named @not_a_parameter}}
  %w = tessel.get_parameter @not_a_parameter : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

tessel.parameter @w : tensor<8xf32> init = zeros

func.func @get_parameter_wrong_shape() -> tensor<4xf32> {
  // expected-error @+1 {{'tessel.get_parameter' op result type 'tensor<4xf32>' differs from the declared type 'tensor<8xf32>' of @w}}
  %w = tessel.get_parameter @w : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

tessel.parameter @w : tensor<8xf32> init = zeros

func.func @get_parameter_wrong_element_type() -> tensor<8xf16> {
  // expected-error @+1 {{'tessel.get_parameter' op result type 'tensor<8xf16>' differs from the declared type 'tensor<8xf32>' of @w}}
  %w = tessel.get_parameter @w : tensor<8xf16>
  return %w : tensor<8xf16>
}

// -----

// The result type is the declared type exactly: no dynamic dims.
tessel.parameter @w : tensor<8xf32> init = zeros

func.func @get_parameter_dynamic() -> tensor<?xf32> {
  // expected-error @+1 {{'tessel.get_parameter' op result type 'tensor<?xf32>' differs from the declared type 'tensor<8xf32>' of @w}}
  %w = tessel.get_parameter @w : tensor<?xf32>
  return %w : tensor<?xf32>
}

// -----

//===----------------------------------------------------------------------===//
// tessel.slice
//===----------------------------------------------------------------------===//

func.func @slice_element_type(%x: tensor<4x6xf32>) -> tensor<4x3xf16> {
  // expected-error @+1 {{'tessel.slice' op result element type 'f16' differs from input element type 'f32'}}
  %y = tessel.slice %x {axis = 1 : i64, offset = 0 : i64} : tensor<4x6xf32> -> tensor<4x3xf16>
  return %y : tensor<4x3xf16>
}

// -----

func.func @slice_axis_too_large(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{'tessel.slice' op axis 2 is out of range for input shape [4, 6]}}
  %y = tessel.slice %x {axis = 2 : i64, offset = 0 : i64} : tensor<4x6xf32> -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// -----

func.func @slice_negative_axis(%x: tensor<4x6xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'tessel.slice' op axis -1 is out of range for input shape [4, 6]}}
  %y = tessel.slice %x {axis = -1 : i64, offset = 0 : i64} : tensor<4x6xf32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @slice_wrong_rank(%x: tensor<4x6xf32>) -> tensor<4x3x1xf32> {
  // expected-error @+1 {{'tessel.slice' op result shape [4, 3, 1] must have the rank of input shape [4, 6]}}
  %y = tessel.slice %x {axis = 1 : i64, offset = 0 : i64} : tensor<4x6xf32> -> tensor<4x3x1xf32>
  return %y : tensor<4x3x1xf32>
}

// -----

func.func @slice_from_end_past_the_end(%x: tensor<?x?x8xf32>) -> tensor<?x2x8xf32> {
  // expected-error @+1 {{'tessel.slice' op offset -1 with size 2 on axis 1 is outside input shape [?, ?, 8]}}
  %y = tessel.slice %x {axis = 1 : i64, offset = -1 : i64} : tensor<?x?x8xf32> -> tensor<?x2x8xf32>
  return %y : tensor<?x2x8xf32>
}

// -----

func.func @slice_from_end_before_the_start(%x: tensor<4x6xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{'tessel.slice' op offset -7 with size 1 on axis 1 is outside input shape [4, 6]}}
  %y = tessel.slice %x {axis = 1 : i64, offset = -7 : i64} : tensor<4x6xf32> -> tensor<4x1xf32>
  return %y : tensor<4x1xf32>
}

// -----

// A dynamic size is the rest of the axis: from an offset inside it.
func.func @slice_dynamic_size(%x: tensor<?x?x2304xf32>) -> tensor<?x?x?xf32> {
  // expected-error @+1 {{'tessel.slice' op result shape [?, ?, ?] is dynamic along axis 2: the rest of the axis needs an offset in [0, the axis size], got 3000}}
  %y = tessel.slice %x {axis = 2 : i64, offset = 3000 : i64} : tensor<?x?x2304xf32> -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}

// -----

// The last of q, k, v shifted one too far.
func.func @slice_past_the_end(%x: tensor<?x?x2304xf32>) -> tensor<?x?x768xf32> {
  // expected-error @+1 {{'tessel.slice' op offset 1537 with size 768 on axis 2 is outside input shape [?, ?, 2304]}}
  %y = tessel.slice %x {axis = 2 : i64, offset = 1537 : i64} : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
  return %y : tensor<?x?x768xf32>
}

// -----

// A negative offset counts from the end: -1 leaves room for one.
func.func @slice_negative_offset(%x: tensor<?x8xi64>) -> tensor<?x2xi64> {
  // expected-error @+1 {{'tessel.slice' op offset -1 with size 2 on axis 1 is outside input shape [?, 8]}}
  %y = tessel.slice %x {axis = 1 : i64, offset = -1 : i64} : tensor<?x8xi64> -> tensor<?x2xi64>
  return %y : tensor<?x2xi64>
}

// -----

// The other axes are kept.
func.func @slice_other_axis_changed(%x: tensor<4x6xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'tessel.slice' op result shape [2, 3] does not match expected [4, 3] (input shape with the sliced axis resized)}}
  %y = tessel.slice %x {axis = 1 : i64, offset = 0 : i64} : tensor<4x6xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// tessel.concat
//===----------------------------------------------------------------------===//

// No inputs (only the generic form can say so).
func.func @concat_no_inputs() -> tensor<0xf32> {
  // expected-error @+1 {{'tessel.concat' op needs at least one input}}
  %y = "tessel.concat"() <{axis = 0 : i64}> : () -> tensor<0xf32>
  return %y : tensor<0xf32>
}

// -----

func.func @concat_input_element_type(%a: tensor<2x4xf32>, %b: tensor<2x4xf16>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'tessel.concat' op input element type 'f16' differs from input 0 element type 'f32'}}
  %y = tessel.concat %a, %b {axis = 1 : i64} : tensor<2x4xf32>, tensor<2x4xf16> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @concat_result_element_type(%a: tensor<2x4xi64>, %b: tensor<2x4xi64>) -> tensor<2x8xi32> {
  // expected-error @+1 {{'tessel.concat' op result element type 'i32' differs from input 0 element type 'i64'}}
  %y = tessel.concat %a, %b {axis = 1 : i64} : tensor<2x4xi64>, tensor<2x4xi64> -> tensor<2x8xi32>
  return %y : tensor<2x8xi32>
}

// -----

func.func @concat_axis_too_large(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'tessel.concat' op axis 2 is out of range for input shape [2, 4]}}
  %y = tessel.concat %a, %b {axis = 2 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @concat_negative_axis(%a: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'tessel.concat' op axis -1 is out of range for input shape [2, 4]}}
  %y = tessel.concat %a {axis = -1 : i64} : tensor<2x4xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A rank-0 input has no axis to join along.
func.func @concat_scalars(%a: tensor<f32>, %b: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'tessel.concat' op axis 0 is out of range for input shape []}}
  %y = tessel.concat %a, %b {axis = 0 : i64} : tensor<f32>, tensor<f32> -> tensor<f32>
  return %y : tensor<f32>
}

// -----

// MLA's halves with different head counts.
func.func @concat_mismatch_outside_axis(%a: tensor<?x16x?x128xf32>, %b: tensor<?x8x?x64xf32>) -> tensor<?x16x?x192xf32> {
  // expected-error @+1 {{'tessel.concat' op input 1 shape [?, 8, ?, 64] differs from input 0 shape [?, 16, ?, 128] outside axis 3}}
  %y = tessel.concat %a, %b {axis = 3 : i64} : tensor<?x16x?x128xf32>, tensor<?x8x?x64xf32> -> tensor<?x16x?x192xf32>
  return %y : tensor<?x16x?x192xf32>
}

// -----

// The third input is the one at fault; its index is reported.
func.func @concat_mismatch_third(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>, %c: tensor<3x4xf32>) -> tensor<2x12xf32> {
  // expected-error @+1 {{'tessel.concat' op input 2 shape [3, 4] differs from input 0 shape [2, 4] outside axis 1}}
  %y = tessel.concat %a, %b, %c {axis = 1 : i64} : tensor<2x4xf32>, tensor<2x4xf32>, tensor<3x4xf32> -> tensor<2x12xf32>
  return %y : tensor<2x12xf32>
}

// -----

func.func @concat_rank_mismatch(%a: tensor<2x4xf32>, %b: tensor<2x4x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'tessel.concat' op input 1 shape [2, 4, 1] differs from input 0 shape [2, 4] outside axis 1}}
  %y = tessel.concat %a, %b {axis = 1 : i64} : tensor<2x4xf32>, tensor<2x4x1xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// 128 + 64 is 192, not 256.
func.func @concat_wrong_sum(%a: tensor<?x16x?x128xf32>, %b: tensor<?x16x?x64xf32>) -> tensor<?x16x?x256xf32> {
  // expected-error @+1 {{'tessel.concat' op result shape [?, 16, ?, 256] does not match expected [?, 16, ?, 192] (the inputs joined along the axis)}}
  %y = tessel.concat %a, %b {axis = 3 : i64} : tensor<?x16x?x128xf32>, tensor<?x16x?x64xf32> -> tensor<?x16x?x256xf32>
  return %y : tensor<?x16x?x256xf32>
}

// -----

func.func @concat_result_other_axis(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<3x8xf32> {
  // expected-error @+1 {{'tessel.concat' op result shape [3, 8] does not match expected [2, 8] (the inputs joined along the axis)}}
  %y = tessel.concat %a, %b {axis = 1 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

func.func @concat_result_rank(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{'tessel.concat' op result shape [16] does not match expected [2, 8] (the inputs joined along the axis)}}
  %y = tessel.concat %a, %b {axis = 1 : i64} : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

//===----------------------------------------------------------------------===//
// tessel.broadcast
//===----------------------------------------------------------------------===//

func.func @broadcast_element_type(%x: tensor<1x4xf32>) -> tensor<3x4xbf16> {
  // expected-error @+1 {{'tessel.broadcast' op result element type 'bf16' differs from input element type 'f32'}}
  %y = tessel.broadcast %x : tensor<1x4xf32> -> tensor<3x4xbf16>
  return %y : tensor<3x4xbf16>
}

// -----

func.func @broadcast_higher_rank_input(%x: tensor<2x1x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [2, 1, 4] has a higher rank than result shape [3, 4]}}
  %y = tessel.broadcast %x : tensor<2x1x4xf32> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Only size-1 dimensions stretch.
func.func @broadcast_not_one(%x: tensor<2x4xf32>) -> tensor<6x4xf32> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [2, 4] cannot broadcast to [6, 4] (result dimension 0: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %x : tensor<2x4xf32> -> tensor<6x4xf32>
  return %y : tensor<6x4xf32>
}

// -----

// Alignment is at the trailing axis: [4] does not go to [4, 3].
func.func @broadcast_leading_alignment(%x: tensor<4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [4] cannot broadcast to [4, 3] (result dimension 1: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %x : tensor<4xf32> -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// A size-1 input dimension cannot become a dynamic one: its size would be
// unknown at run time.
func.func @broadcast_one_to_dynamic(%k: tensor<?x1x?x64xf32>) -> tensor<?x?x?x64xf32> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [?, 1, ?, 64] cannot broadcast to [?, ?, ?, 64] (result dimension 1: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %k : tensor<?x1x?x64xf32> -> tensor<?x?x?x64xf32>
  return %y : tensor<?x?x?x64xf32>
}

// -----

// Nor can a new leading axis.
func.func @broadcast_new_dynamic_axis(%x: tensor<4xf16>) -> tensor<?x4xf16> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [4] cannot broadcast to [?, 4] (result dimension 0: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %x : tensor<4xf16> -> tensor<?x4xf16>
  return %y : tensor<?x4xf16>
}

// -----

// A kept dimension keeps its staticness: static to dynamic...
func.func @broadcast_static_to_dynamic(%x: tensor<1x4xf32>) -> tensor<3x?xf32> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [1, 4] cannot broadcast to [3, ?] (result dimension 1: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %x : tensor<1x4xf32> -> tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}

// -----

// ...and dynamic to static (a dynamic input of size 1 would stretch at run
// time, which broadcast does not do).
func.func @broadcast_dynamic_to_static(%x: tensor<?x4xi64>) -> tensor<5x4xi64> {
  // expected-error @+1 {{'tessel.broadcast' op input shape [?, 4] cannot broadcast to [5, 4] (result dimension 0: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %x : tensor<?x4xi64> -> tensor<5x4xi64>
  return %y : tensor<5x4xi64>
}

// -----

//===----------------------------------------------------------------------===//
// tessel.position_ids
//===----------------------------------------------------------------------===//

func.func @position_ids_axis_too_large(%t: tensor<?x?xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{'tessel.position_ids' op axis 2 is out of range for input shape [?, ?]}}
  %p = tessel.position_ids %t {axis = 2 : i64} : tensor<?x?xi64> -> tensor<?xi64>
  return %p : tensor<?xi64>
}

// -----

func.func @position_ids_negative_axis(%t: tensor<?x?xi64>) -> tensor<?xi64> {
  // expected-error @+1 {{'tessel.position_ids' op axis -1 is out of range for input shape [?, ?]}}
  %p = tessel.position_ids %t {axis = -1 : i64} : tensor<?x?xi64> -> tensor<?xi64>
  return %p : tensor<?xi64>
}

// -----

func.func @position_ids_scalar_input(%t: tensor<i64>) -> tensor<1xi64> {
  // expected-error @+1 {{'tessel.position_ids' op axis 0 is out of range for input shape []}}
  %p = tessel.position_ids %t {axis = 0 : i64} : tensor<i64> -> tensor<1xi64>
  return %p : tensor<1xi64>
}

// -----

func.func @position_ids_wrong_length(%t: tensor<2x5xi64>) -> tensor<2xi64> {
  // expected-error @+1 {{'tessel.position_ids' op result shape [2] does not match expected [5] (the size of the input's axis)}}
  %p = tessel.position_ids %t {axis = 1 : i64} : tensor<2x5xi64> -> tensor<2xi64>
  return %p : tensor<2xi64>
}

// -----

func.func @position_ids_wrong_rank(%t: tensor<2x5xi64>) -> tensor<2x5xi64> {
  // expected-error @+1 {{'tessel.position_ids' op result shape [2, 5] does not match expected [5] (the size of the input's axis)}}
  %p = tessel.position_ids %t {axis = 1 : i64} : tensor<2x5xi64> -> tensor<2x5xi64>
  return %p : tensor<2x5xi64>
}

// -----

// Positions are integers.
func.func @position_ids_float_result(%t: tensor<2x5xi64>) -> tensor<5xf32> {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<5xf32>'}}
  %p = tessel.position_ids %t {axis = 1 : i64} : tensor<2x5xi64> -> tensor<5xf32>
  return %p : tensor<5xf32>
}

// -----

// An offset so large that offset + size would overflow is still caught.
func.func @slice_offset_overflow(%x: tensor<8xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'tessel.slice' op offset 9223372036854775806 with size 2 on axis 0 is outside input shape [8]}}
  %y = tessel.slice %x {axis = 0 : i64, offset = 9223372036854775806 : i64} : tensor<8xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// attention: lse shape.
func.func @attention_lse_shape(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x6x8xf32>) {
  // expected-error @+1 {{'tessel.attention' op lse shape [2, 4, 6] does not match expected [2, 4, 5] ([B, query heads, S])}}
  %o, %lse = tessel.attention %q, %k, %k : tensor<2x4x5x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32> -> tensor<2x4x5x8xf32>, tensor<2x4x6xf32>
  return
}

// -----

// attention: lse element type (always f32).
func.func @attention_lse_type(%q: tensor<2x4x5x8xf16>) {
  // expected-error @+1 {{'tessel.attention' op result #1 must be ranked tensor of 32-bit float values, but got 'tensor<2x4x5xf16>'}}
  %o, %lse = tessel.attention %q, %q, %q : tensor<2x4x5x8xf16>, tensor<2x4x5x8xf16>, tensor<2x4x5x8xf16> -> tensor<2x4x5x8xf16>, tensor<2x4x5xf16>
  return
}

// -----

// layer_norm: mean without rstd.
func.func @layer_norm_mean_only(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'tessel.layer_norm' op returns both mean and rstd, or neither}}
  %y, %m = "tessel.layer_norm"(%x, %g, %g) <{resultSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>)
  return
}

// -----

// layer_norm: statistics shape.
func.func @layer_norm_stats_shape(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'tessel.layer_norm' op mean shape [4, 8] does not match expected [4] (the input shape without its last axis)}}
  %y, %m, %r = tessel.layer_norm %x, %g, %g : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>
  return
}

// -----

// rms_norm: rstd shape.
func.func @rms_norm_rstd_shape(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{'tessel.rms_norm' op rstd shape [4] does not match expected [2, 4] (the input shape without its last axis)}}
  %y, %r = tessel.rms_norm %x, %g : tensor<2x4x8xf32>, tensor<8xf32> -> tensor<4xf32>
  return
}

// -----

// online_attention: query rank.
func.func @online_attention_query_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<32x16xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op query must be [G, Q, D], got shape [1, 4, 8, 16]}}
  %a, %b, %c = tessel.online_attention %q, %k, %k into %m, %m, %acc : tensor<1x4x8x16xf32>, tensor<32x16xf32>, tensor<32x16xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: key and value rank.
func.func @online_attention_key_rank(%q: tensor<4x8x16xf32>, %k: tensor<1x32x16xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op key and value must be [K, D] and [K, Dv], got shapes [1, 32, 16] and [1, 32, 16]}}
  %a, %b, %c = tessel.online_attention %q, %k, %k into %m, %m, %acc : tensor<4x8x16xf32>, tensor<1x32x16xf32>, tensor<1x32x16xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: head dims.
func.func @online_attention_head_dim(%q: tensor<4x8x16xf32>, %k: tensor<32x8xf32>, %v: tensor<32x16xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op query shape [4, 8, 16] and key shape [32, 8] have different head dims}}
  %a, %b, %c = tessel.online_attention %q, %k, %v into %m, %m, %acc : tensor<4x8x16xf32>, tensor<32x8xf32>, tensor<32x16xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: key and value lengths.
func.func @online_attention_lengths(%q: tensor<4x8x16xf32>, %k: tensor<32x16xf32>, %v: tensor<31x16xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op key shape [32, 16] and value shape [31, 16] have different lengths}}
  %a, %b, %c = tessel.online_attention %q, %k, %v into %m, %m, %acc : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<31x16xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: the row state's shape.
func.func @online_attention_state(%q: tensor<4x8x16xf32>, %k: tensor<32x16xf32>, %m: tensor<2x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op max shape [2, 8] does not match expected [4, 8] ([G, Q] of query shape [4, 8, 16])}}
  %a, %b, %c = tessel.online_attention %q, %k, %k into %m, %m, %acc : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<32x16xf32> -> tensor<2x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: the accumulator's shape.
func.func @online_attention_acc(%q: tensor<4x8x16xf32>, %k: tensor<32x16xf32>, %v: tensor<32x24xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op acc shape [4, 8, 16] does not match expected [4, 8, 24] ([G, Q, Dv] of query shape [4, 8, 16] and value shape [32, 24])}}
  %a, %b, %c = tessel.online_attention %q, %k, %v into %m, %m, %acc : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<32x24xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: bias shape.
func.func @online_attention_bias(%q: tensor<4x8x16xf32>, %k: tensor<32x16xf32>, %bias: tensor<8x16xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op bias shape [8, 16] does not broadcast to the tile's logits shape [4, 8, 32]}}
  %a, %b, %c = tessel.online_attention %q, %k, %k bias %bias into %m, %m, %acc : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>, tensor<8x16xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// online_attention: zero scale.
func.func @online_attention_scale(%q: tensor<4x8x16xf32>, %k: tensor<32x16xf32>, %m: tensor<4x8xf32>, %acc: tensor<4x8x16xf32>) {
  // expected-error @+1 {{'tessel.online_attention' op scale must be finite and non-zero, got 0}}
  %a, %b, %c = tessel.online_attention %q, %k, %k into %m, %m, %acc {scale = 0.0 : f64} : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<32x16xf32> -> tensor<4x8xf32>, tensor<4x8x16xf32>
  return
}

// -----

// The contract attributes: a step list holds #tessel.step.
// expected-error @+1 {{'tessel.steps' lists #tessel.step attributes, got "forward_s0"}}
func.func @steps_not_steps() attributes {tessel.steps = ["forward_s0"]} {
  return
}

// -----

// tessel.step is a unit attribute of a function.
func.func @step_value() {
  // expected-error @+1 {{'tessel.step' is a unit attribute of a function}}
  %c = arith.constant {tessel.step} 0 : index
  return
}

// -----

// A buffer plan's slots hold its buffers.
// expected-error @+1 {{buffer slot 2 is outside the plan's 2 slots}}
func.func @plan_slot() attributes {tessel.buffer_plan = #tessel.buffer_plan<slots = 2, buffers = [#tessel.buffer<type = memref<4xf32>, slot = 2>]>} {
  return
}

// -----

// An unknown tessel attribute (a typo of the contract) is an error.
// expected-error @+1 {{unknown tessel attribute 'tessel.kernel_calls'}}
func.func @unknown_attribute() attributes {tessel.kernel_calls = []} {
  return
}

// -----

// tessel.parameter names the parameter an argument receives.
// expected-error @+1 {{'tessel.parameter' of argument 0 is the non-empty name of a parameter}}
func.func @parameter_name(%w: tensor<4xf32> {tessel.parameter = 3 : i64}) {
  return
}

// -----

// An entry-point kind is one the runtime knows.
// expected-error @+1 {{unknown entry-point kind 'train'; expected one of forward, decode}}
func.func @entry_kind() attributes {tessel.entry_point = #tessel.entry_point<train>} {
  return
}

// -----

// tessel.entry_point belongs on a function.
func.func @entry_kind_on_op() {
  // expected-error @+1 {{'tessel.entry_point' is a #tessel.entry_point on a function}}
  %c = arith.constant {tessel.entry_point = #tessel.entry_point<forward>} 0 : index
  return
}

// -----

// A step list names functions marked tessel.step.
// expected-error @+1 {{'tessel.steps' lists @missing_s0, which is not a function marked tessel.step}}
func.func @steps_missing() attributes {tessel.steps = [#tessel.step<function = @missing_s0, op = "linalg.generic">]} {
  return
}

// -----

// tessel.dynamic_schedule marks a step.
// expected-error @+1 {{'tessel.dynamic_schedule' marks a step (tessel.step)}}
func.func private @not_a_step() attributes {tessel.dynamic_schedule} {
  return
}

// -----

// tessel.register_tile marks linalg ops only.
func.func @register_tile_elsewhere() {
  // expected-error @+1 {{'tessel.register_tile' is a unit attribute of a linalg op}}
  %c = arith.constant {tessel.register_tile} 0 : index
  return
}

// -----

// Two arguments cannot receive the same parameter.
// expected-error @+1 {{arguments 0 and 1 both receive parameter 'w'}}
func.func @parameter_twice(%a: tensor<4xf32> {tessel.parameter = "w"}, %b: tensor<4xf32> {tessel.parameter = "w"}) {
  return
}

// -----

// A KV cache is [B, H, T, D].
func.func @cache_rank(%c: tensor<2x16xf32>, %k: tensor<1x2x1x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{'tessel.cache_write' op cache and update must be [B, H, T, D], got [2, 16] and [1, 2, 1, 16]}}
  %w = tessel.cache_write %k into %c[%p] : tensor<1x2x1x16xf32> into tensor<2x16xf32>, tensor<1xi64>
  return
}

// -----

// The update has the cache's batch, heads and head size.
func.func @cache_heads(%c: tensor<1x4x8x16xf32>, %k: tensor<1x2x1x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{'tessel.cache_write' op cache [1, 4, 8, 16] and update [1, 2, 1, 16] differ in dimension 1}}
  %w = tessel.cache_write %k into %c[%p] : tensor<1x2x1x16xf32> into tensor<1x4x8x16xf32>, tensor<1xi64>
  return
}

// -----

// One position per row of the update.
func.func @cache_positions(%c: tensor<1x2x8x16xf32>, %k: tensor<1x2x3x16xf32>, %p: tensor<2xi64>) {
  // expected-error @+1 {{'tessel.cache_write' op positions [2] must give one position per row of the update [1, 2, 3, 16]}}
  %w = tessel.cache_write %k into %c[%p] : tensor<1x2x3x16xf32> into tensor<1x2x8x16xf32>, tensor<2xi64>
  return
}

// -----

// Positions are [S], or [B, S] of the cache's batch.
func.func @cache_positions_batch(%c: tensor<2x2x8x16xf32>, %k: tensor<2x2x1x16xf32>, %p: tensor<3x1xi64>) {
  // expected-error @+1 {{'tessel.cache_write' op positions must be [S] or [B, S] of cache [2, 2, 8, 16], got [3, 1]}}
  %w = tessel.cache_write %k into %c[%p] : tensor<2x2x1x16xf32> into tensor<2x2x8x16xf32>, tensor<3x1xi64>
  return
}

// -----

// A read keeps the cache's batch, heads and head size.
func.func @cache_read_heads(%c: tensor<1x2x8x16xf32>, %p: tensor<1xi64>) {
  // expected-error @+1 {{'tessel.cache_read' op cache [1, 2, 8, 16] and result [1, 2, ?, 8] differ in dimension 3}}
  %r = tessel.cache_read %c[%p] : tensor<1x2x8x16xf32>, tensor<1xi64> -> tensor<1x2x?x8xf32>
  return
}

// -----

// A result updated in place names an argument of its type.
// expected-error @+1 {{result 0 is argument 0 updated in place, but their types differ}}
func.func @in_place_type(%a: tensor<4xf32>, %b: tensor<8xf32>) -> (tensor<8xf32> {tessel.in_place = 0 : i64}) {
  return %b : tensor<8xf32>
}

// -----

// ... an argument the function has.
// expected-error @+1 {{'tessel.in_place' of result 0 names argument 2 of 2}}
func.func @in_place_range(%a: tensor<4xf32>, %b: tensor<8xf32>) -> (tensor<8xf32> {tessel.in_place = 2 : i64}) {
  return %b : tensor<8xf32>
}

// -----

// ... and only one result updates each argument.
// expected-error @+1 {{results 0 and 1 both update argument 0}}
func.func @in_place_twice(%a: tensor<4xf32>) -> (tensor<4xf32> {tessel.in_place = 0 : i64}, tensor<4xf32> {tessel.in_place = 0 : i64}) {
  return %a, %a : tensor<4xf32>, tensor<4xf32>
}

// -----

// attention's positions are [B, S] of the query.
func.func @attention_positions_shape(%q: tensor<2x4x3x8xf32>, %k: tensor<2x4x9x8xf32>, %p: tensor<2x1xi64>) {
  // expected-error @+1 {{'tessel.attention' op positions shape [2, 1] must be [B, S] of query shape [2, 4, 3, 8]}}
  %o = tessel.attention %q, %k, %k positions(%p : tensor<2x1xi64>) {causal} : tensor<2x4x3x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x3x8xf32>
  return
}

// -----

// ... and bound causal attention.
func.func @attention_positions_causal(%q: tensor<2x4x3x8xf32>, %k: tensor<2x4x9x8xf32>, %p: tensor<2x3xi64>) {
  // expected-error @+1 {{'tessel.attention' op positions bound causal attention; the op must be 'causal'}}
  %o = tessel.attention %q, %k, %k positions(%p : tensor<2x3xi64>) : tensor<2x4x3x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x3x8xf32>
  return
}

// -----

// A paged cache's pool has a static block size.
func.func @paged_block_size(%k: tensor<2x2x1x16xf32>, %pool: tensor<9x2x?x16xf32>, %t: tensor<2x4xi64>, %p: tensor<2x1xi64>) {
  // expected-error @+1 {{'tessel.paged_cache_write' op pool [9, 2, ?, 16] must have a static, positive block size (dimension 2)}}
  %w = tessel.paged_cache_write %k into %pool[%t, %p] : tensor<2x2x1x16xf32> into tensor<9x2x?x16xf32>, tensor<2x4xi64>, tensor<2x1xi64>
  return
}

// -----

// ... and one block table per sequence.
func.func @paged_table(%pool: tensor<9x2x4x16xf32>, %t: tensor<3x4xi64>, %p: tensor<2x1xi64>) {
  // expected-error @+1 {{'tessel.paged_cache_read' op block table must be [B, blocks] of result [2, 2, ?, 16], got [3, 4]}}
  %r = tessel.paged_cache_read %pool[%t, %p] : tensor<9x2x4x16xf32>, tensor<3x4xi64>, tensor<2x1xi64> -> tensor<2x2x?x16xf32>
  return
}

// -----

// relative_buckets: shaw's rows, t5's bucket count, the result's shape.
func.func @relative_buckets_shaw_rows(%p: tensor<4xi64>) {
  // expected-error @+1 {{shaw num_buckets 8 must have 2 * max_distance + 1 = 9 rows}}
  %y = tessel.relative_buckets shaw %p, %p {max_distance = 4 : i64, num_buckets = 8 : i64} : tensor<4xi64>, tensor<4xi64> -> tensor<4x4xi64>
  return
}

// -----

func.func @relative_buckets_t5_odd(%p: tensor<4xi64>) {
  // expected-error @+1 {{t5 num_buckets 33 needs an even number of buckets, at least 4}}
  %y = tessel.relative_buckets t5 %p, %p {bidirectional, max_distance = 64 : i64, num_buckets = 33 : i64} : tensor<4xi64>, tensor<4xi64> -> tensor<4x4xi64>
  return
}

// -----

func.func @relative_buckets_shape(%q: tensor<2x4xi64>, %k: tensor<6xi64>) {
  // expected-error @+1 {{result shape [4, 6] does not match expected [2, 4, 6] ([batch, query positions, key positions])}}
  %y = tessel.relative_buckets shaw %q, %k {max_distance = 2 : i64, num_buckets = 5 : i64} : tensor<2x4xi64>, tensor<6xi64> -> tensor<4x6xi64>
  return
}

// -----

// broadcast: a new axis of dynamic size with no 'like' to take it from.
func.func @broadcast_dynamic_new_axis(%p: tensor<4x8xf32>) {
  // expected-error @+1 {{input shape [4, 8] cannot broadcast to [?, 4, 8] (result dimension 0: each input dimension is 1 with a static result or a dynamic one of 'like', or is kept, dynamic or not)}}
  %y = tessel.broadcast %p : tensor<4x8xf32> -> tensor<?x4x8xf32>
  return
}

// -----

// broadcast: 'like' of another rank than the result.
func.func @broadcast_like_rank(%p: tensor<4x8xf32>, %k: tensor<?x8xf32>) {
  // expected-error @+1 {{'like' has rank 2, not the result's 3}}
  %y = tessel.broadcast %p like(%k : tensor<?x8xf32>) : tensor<4x8xf32> -> tensor<?x4x8xf32>
  return
}

// -----

// slice: the rest of an axis from an offset counted from the end.
func.func @slice_rest_from_end(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{result shape [?, ?] is dynamic along axis 1: the rest of the axis needs an offset in [0, the axis size], got -2}}
  %y = tessel.slice %x {axis = 1 : i64, offset = -2 : i64} : tensor<?x?xf32> -> tensor<?x?xf32>
  return
}

// -----

// position_mask: the result is the positions' shape with an axis of 1.
func.func @position_mask_shape(%p: tensor<?xi64>) {
  // expected-error @+1 {{result shape [?] does not match expected [?, 1] (the positions' shape with an axis of 1)}}
  %m = tessel.position_mask %p {first = 1 : i64, last = 0 : i64} : tensor<?xi64> -> tensor<?xf32>
  return
}

// -----

func.func @position_mask_negative(%p: tensor<?xi64>) {
  // expected-error @+1 {{first -1 and last 0 must not be negative}}
  %m = tessel.position_mask %p {first = -1 : i64, last = 0 : i64} : tensor<?xi64> -> tensor<?x1xf32>
  return
}

