// Round trip of tessel.parameter (every initializer, with its std or value)
// and tessel.get_parameter (f32, f16, bf16; one parameter read several
// times; a read before the declaration).
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// HuggingFace names, dots included, are bare symbols.
// CHECK: tessel.parameter @transformer.wte.weight : tensor<50257x768xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @transformer.wte.weight : tensor<50257x768xf32>
    init = normal {std = 2.000000e-02 : f64}

// CHECK-NEXT: tessel.parameter @transformer.ln_f.weight : tensor<768xf32> init = ones{{$}}
tessel.parameter @transformer.ln_f.weight : tensor<768xf32> init = ones

// CHECK-NEXT: tessel.parameter @transformer.ln_f.bias : tensor<768xf32> init = zeros{{$}}
tessel.parameter @transformer.ln_f.bias : tensor<768xf32> init = zeros

// The value is an f64 attribute, negative and written in any float form.
// CHECK-NEXT: tessel.parameter @scale : tensor<4xf16> init = constant {value = -2.500000e-01 : f64}
tessel.parameter @scale : tensor<4xf16> init = constant {value = -0.25 : f64}

// CHECK-NEXT: tessel.parameter @trunc : tensor<16x8xbf16> init = truncated_normal {std = 1.000000e+00 : f64}
tessel.parameter @trunc : tensor<16x8xbf16> init = truncated_normal {std = 1.0 : f64}

// CHECK-NEXT: tessel.parameter @h.0.attn.c_attn.weight : tensor<2304x768xf32> init = xavier_uniform{{$}}
tessel.parameter @h.0.attn.c_attn.weight : tensor<2304x768xf32> init = xavier_uniform

// CHECK-NEXT: tessel.parameter @xn : tensor<2x3x4xf16> init = xavier_normal{{$}}
tessel.parameter @xn : tensor<2x3x4xf16> init = xavier_normal

// A frozen parameter (the base model under LoRA), and Kaiming's negative
// slope (PEFT's lora_A: a = sqrt(5)).
// CHECK-NEXT: tessel.parameter @base.weight : tensor<8x4xf32> init = normal frozen {std = 2.000000e-02 : f64}
tessel.parameter @base.weight : tensor<8x4xf32> init = normal frozen {std = 0.02 : f64}
// CHECK-NEXT: tessel.parameter @base.lora_A.weight : tensor<2x4xf32> init = kaiming_uniform {value = 2.2360679774997898 : f64}
tessel.parameter @base.lora_A.weight : tensor<2x4xf32> init = kaiming_uniform {value = 2.2360679774997898 : f64}

// CHECK-NEXT: tessel.parameter @ku : tensor<64x32xbf16> init = kaiming_uniform{{$}}
tessel.parameter @ku : tensor<64x32xbf16> init = kaiming_uniform

// CHECK-NEXT: tessel.parameter @kn : tensor<1x1xf32> init = kaiming_normal{{$}}
tessel.parameter @kn : tensor<1x1xf32> init = kaiming_normal

// A rank-0 parameter, and a name that needs quotes.
// CHECK-NEXT: tessel.parameter @temperature : tensor<f32> init = constant {value = 1.000000e+00 : f64}
tessel.parameter @temperature : tensor<f32> init = constant {value = 1.0 : f64}
// CHECK-NEXT: tessel.parameter @"model/layer 0:w" : tensor<3xbf16> init = normal {std = 5.000000e-01 : f64}
tessel.parameter @"model/layer 0:w" : tensor<3xbf16> init = normal {std = 0.5 : f64}

// One parameter read twice; both reads are kept by the round trip.
// CHECK-LABEL: func.func @read_twice
// CHECK-NEXT: %[[A:.+]] = tessel.get_parameter @transformer.wte.weight : tensor<50257x768xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.get_parameter @transformer.wte.weight : tensor<50257x768xf32>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @read_twice() -> (tensor<50257x768xf32>, tensor<50257x768xf32>) {
  %a = tessel.get_parameter @transformer.wte.weight : tensor<50257x768xf32>
  %b = tessel.get_parameter @transformer.wte.weight : tensor<50257x768xf32>
  return %a, %b : tensor<50257x768xf32>, tensor<50257x768xf32>
}

// Parameters feed ops like any value: a layer norm's gamma and beta.
// CHECK-LABEL: func.func @ln_f
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>)
// CHECK-NEXT: %[[G:.+]] = tessel.get_parameter @transformer.ln_f.weight : tensor<768xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.get_parameter @transformer.ln_f.bias : tensor<768xf32>
// CHECK-NEXT: %[[Y:.+]] = tessel.layer_norm %[[X]], %[[G]], %[[B]]
// CHECK-NEXT: return %[[Y]]
func.func @ln_f(%x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %g = tessel.get_parameter @transformer.ln_f.weight : tensor<768xf32>
  %b = tessel.get_parameter @transformer.ln_f.bias : tensor<768xf32>
  %y = tessel.layer_norm %x, %g, %b {epsilon = 1.000000e-05 : f64}
      : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
  return %y : tensor<?x?x768xf32>
}

// f16, bf16, rank 0 and quoted names.
// CHECK-LABEL: func.func @reduced_precision
// CHECK-NEXT: tessel.get_parameter @scale : tensor<4xf16>
// CHECK-NEXT: tessel.get_parameter @trunc : tensor<16x8xbf16>
// CHECK-NEXT: tessel.get_parameter @xn : tensor<2x3x4xf16>
// CHECK-NEXT: tessel.get_parameter @ku : tensor<64x32xbf16>
// CHECK-NEXT: tessel.get_parameter @kn : tensor<1x1xf32>
// CHECK-NEXT: tessel.get_parameter @temperature : tensor<f32>
// CHECK-NEXT: tessel.get_parameter @"model/layer 0:w" : tensor<3xbf16>
// CHECK-NEXT: tessel.get_parameter @h.0.attn.c_attn.weight : tensor<2304x768xf32>
func.func @reduced_precision() {
  %0 = tessel.get_parameter @scale : tensor<4xf16>
  %1 = tessel.get_parameter @trunc : tensor<16x8xbf16>
  %2 = tessel.get_parameter @xn : tensor<2x3x4xf16>
  %3 = tessel.get_parameter @ku : tensor<64x32xbf16>
  %4 = tessel.get_parameter @kn : tensor<1x1xf32>
  %5 = tessel.get_parameter @temperature : tensor<f32>
  %6 = tessel.get_parameter @"model/layer 0:w" : tensor<3xbf16>
  %7 = tessel.get_parameter @h.0.attn.c_attn.weight : tensor<2304x768xf32>
  return
}

// A read may come before the declaration (symbol lookup is order-free).
// CHECK-LABEL: func.func @read_before_declaration
// CHECK-NEXT: tessel.get_parameter @late : tensor<2x2xf32>
func.func @read_before_declaration() -> tensor<2x2xf32> {
  %w = tessel.get_parameter @late : tensor<2x2xf32>
  return %w : tensor<2x2xf32>
}
// CHECK: tessel.parameter @late : tensor<2x2xf32> init = xavier_uniform{{$}}
tessel.parameter @late : tensor<2x2xf32> init = xavier_uniform

// The compiler-runtime contract's attributes on functions and arguments
// (what the frontend and the codegen passes attach).
// CHECK-LABEL: func.func @contract
// CHECK-SAME:    (%{{.+}}: tensor<4xf32> {tessel.parameter = "lm_head.weight"})
// CHECK-SAME:    attributes {tessel.buffer_plan = #tessel.buffer_plan<slots = 1, buffers = [#tessel.buffer<type = memref<?x4xf32>, slot = 0, at = "layers.0.mlp">]>, tessel.entry_point = #tessel.entry_point<decode>, tessel.steps = [#tessel.step<function = @contract_s0, op = "linalg.generic", at = "lm_head">]}
// CHECK-LABEL: func.func private @contract_s0
// CHECK-SAME:    attributes {tessel.dynamic_schedule, tessel.step}
func.func @contract(%w: tensor<4xf32> {tessel.parameter = "lm_head.weight"})
    attributes {tessel.entry_point = #tessel.entry_point<decode>,
                tessel.steps = [#tessel.step<function = @contract_s0, op = "linalg.generic", at = "lm_head">],
                tessel.buffer_plan = #tessel.buffer_plan<slots = 1, buffers = [#tessel.buffer<type = memref<?x4xf32>, slot = 0, at = "layers.0.mlp">]>} {
  return
}
func.func private @contract_s0() attributes {tessel.step, tessel.dynamic_schedule} {
  return
}
