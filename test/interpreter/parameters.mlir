// Reference interpreter: tessel.get_parameter reads DIR/<name>.npy from
// --params, or, when that file is absent and --seed is given, initializes
// the parameter as declared; otherwise it is an error.

// (a) Parameters from a --params directory, used in a computation.
// RUN: rm -rf %t.dir %t.partial %t.bad %t.badtype && mkdir -p %t.dir %t.partial %t.bad %t.badtype
// RUN: %python -c "import numpy as np; d = '%t.dir'; np.save(d + '/lin.weight.npy', np.array([[1, 2, 3], [4, 5, 6]], np.float32)); np.save(d + '/lin.bias.npy', np.array([0.5, -0.5], np.float32)); np.save(d + '/scale.npy', np.array([1, 2], np.float32)); np.save(d + '/wte.npy', np.array([[0.5, 1], [1.5, 2], [2.5, -3]], np.float16)); np.save(d + '/norm.gain.npy', np.array([1.00390625, 1.005859375, -3], np.float32))"
// RUN: tessel-interpret %s --entry forward --params %t.dir --print | FileCheck %s --check-prefix=FILES
// A file, when there is one, wins over --seed.
// RUN: tessel-interpret %s --entry forward --params %t.dir --seed 7 --print | FileCheck %s --check-prefix=FILES
// RUN: tessel-interpret %s --entry lookup --params %t.dir --print | FileCheck %s --check-prefix=LOOKUP
// RUN: tessel-interpret %s --entry gain_bf16 --params %t.dir --print | FileCheck %s --check-prefix=BF16
// A missing file with --seed falls back to the declared initializer.
// RUN: cp %t.dir/lin.weight.npy %t.dir/lin.bias.npy %t.partial/
// RUN: tessel-interpret %s --entry forward --params %t.partial --seed 7 --print | FileCheck %s --check-prefix=FALLBACK
// RUN: tessel-interpret %s --entry forward --params %t.partial --seed 0 --print | FileCheck %s --check-prefix=FALLBACK

// (b) The initializers' statistics and reproducibility with --seed (see
// test/lib/check_init.py).
// RUN: %python %S/../lib/check_init.py --tessel-interpret tessel-interpret --tmp %t.init \
// RUN:   --same-as=init_subset=5,4 %s init_all \
// RUN:   zeros:f32 ones:f32 constant:f32:0.1 constant:f16:-0.1 \
// RUN:   normal:f32:0.02 normal:f32:0.02 truncated_normal:f32:0.5 \
// RUN:   xavier_uniform:f32 xavier_normal:f32 kaiming_uniform:f32 \
// RUN:   kaiming_normal:f32 xavier_uniform:f32 kaiming_normal:f32 \
// RUN:   kaiming_uniform:bf16 normal:f16:1.0 truncated_normal:bf16:0.02 \
// RUN:   constant:bf16:0.1 same:f32:4

// (c) Errors: one line, at the get_parameter, naming the parameter.
// RUN: not tessel-interpret %s --entry forward 2> %t.err
// RUN: FileCheck %s --check-prefix=NOVALUE < %t.err && count 1 < %t.err
// RUN: not tessel-interpret %s --entry forward --params %t.partial 2> %t.err
// RUN: FileCheck %s --check-prefix=NOFILE -DDIR=%t.partial < %t.err && count 1 < %t.err
// A file of the wrong shape or type is an error, --seed or not.
// RUN: cp %t.dir/lin.bias.npy %t.dir/scale.npy %t.bad/
// RUN: %python -c "import numpy as np; np.save('%t.bad/lin.weight.npy', np.ones((3, 2), np.float32)); np.save('%t.badtype/lin.weight.npy', np.ones((2, 3), np.float16))"
// RUN: not tessel-interpret %s --entry forward --params %t.bad 2> %t.err
// RUN: FileCheck %s --check-prefix=SHAPE -DDIR=%t.bad < %t.err && count 1 < %t.err
// RUN: not tessel-interpret %s --entry forward --params %t.bad --seed 7 2> %t.err
// RUN: FileCheck %s --check-prefix=SHAPE -DDIR=%t.bad < %t.err && count 1 < %t.err
// RUN: not tessel-interpret %s --entry forward --params %t.badtype --seed 7 2> %t.err
// RUN: FileCheck %s --check-prefix=TYPE -DDIR=%t.badtype < %t.err && count 1 < %t.err

tessel.parameter @lin.weight : tensor<2x3xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @lin.bias : tensor<2xf32> init = zeros
tessel.parameter @scale : tensor<2xf32> init = constant {value = 10.0 : f64}
tessel.parameter @wte : tensor<3x2xf16> init = normal {std = 1.0 : f64}
tessel.parameter @norm.gain : tensor<3xbf16> init = ones

// y = W x + b with x = [1, 0, -1], W = [[1, 2, 3], [4, 5, 6]],
// b = [0.5, -0.5]: [1 - 3 + 0.5, 4 - 6 - 0.5] = [-1.5, -2.5]; then scale is
// read twice and added twice. From the files, scale = [1, 2]:
// [-1.5 + 2, -2.5 + 4] = [0.5, 1.5].
// FILES: result 0: tensor<2xf32> = [0.5, 1.5]{{$}}
// Initialized, scale = constant 10: [-1.5 + 20, -2.5 + 20] = [18.5, 17.5].
// FALLBACK: result 0: tensor<2xf32> = [18.5, 17.5]{{$}}
func.func @forward() -> tensor<2xf32> {
  %x = arith.constant dense<[1.0, 0.0, -1.0]> : tensor<3xf32>
  %w = tessel.get_parameter @lin.weight : tensor<2x3xf32>
  %b = tessel.get_parameter @lin.bias : tensor<2xf32>
  %y = tessel.linear %x, %w, %b
      : tensor<3xf32>, tensor<2x3xf32>, tensor<2xf32> -> tensor<2xf32>
  %s1 = tessel.get_parameter @scale : tensor<2xf32>
  %z = tessel.add %y, %s1 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %s2 = tessel.get_parameter @scale : tensor<2xf32>
  %r = tessel.add %z, %s2 : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// An f16 table from a float16 .npy: rows 2 and 0.
// LOOKUP: result 0: tensor<2x2xf16> = {{\[\[}}2.5, -3], [0.5, 1]]{{$}}
func.func @lookup() -> tensor<2x2xf16> {
  %ids = arith.constant dense<[2, 0]> : tensor<2xi64>
  %t = tessel.get_parameter @wte : tensor<3x2xf16>
  %h = tessel.embedding %ids, %t : tensor<2xi64>, tensor<3x2xf16> -> tensor<2x2xf16>
  return %h : tensor<2x2xf16>
}

// A bf16 parameter comes as float32 and is rounded to bf16 (8 significant
// bits, ties to even): 1 + 2^-8 is halfway between 1 and 1 + 2^-7 and goes
// to 1; 1 + 3 * 2^-9 is nearer 1 + 2^-7 = 1.0078125.
// BF16: result 0: tensor<3xbf16> = [1, 1.00781, -3]{{$}}
func.func @gain_bf16() -> tensor<3xbf16> {
  %g = tessel.get_parameter @norm.gain : tensor<3xbf16>
  return %g : tensor<3xbf16>
}

// NOVALUE: tessel-interpret: error: {{.*}}parameters.mlir:{{[0-9]+}}:{{[0-9]+}}: parameter @lin.weight has no value: pass --params DIR or --seed N to initialize it{{$}}
// NOFILE: tessel-interpret: error: {{.*}}parameters.mlir:{{[0-9]+}}:{{[0-9]+}}: parameter @scale has no value: no [[DIR]]/scale.npy or --seed N to initialize it{{$}}
// SHAPE: tessel-interpret: error: {{.*}}parameters.mlir:{{[0-9]+}}:{{[0-9]+}}: [[DIR]]/lin.weight.npy: parameter @lin.weight: expected tensor<2x3xf32>, got f32 [3, 2]{{$}}
// TYPE: tessel-interpret: error: {{.*}}parameters.mlir:{{[0-9]+}}:{{[0-9]+}}: [[DIR]]/lin.weight.npy: parameter @lin.weight: expected tensor<2x3xf32>, got f16 [2, 3]{{$}}

// Large parameters of every initializer, checked by check_init.py in the
// order of the results.
tessel.parameter @i.zeros : tensor<256x512xf32> init = zeros
tessel.parameter @i.ones : tensor<256x512xf32> init = ones
tessel.parameter @i.constant : tensor<256x512xf32> init = constant {value = 0.1 : f64}
tessel.parameter @i.constant_f16 : tensor<64x64xf16> init = constant {value = -0.1 : f64}
// Same declaration, different names.
tessel.parameter @i.normal_a : tensor<256x512xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @i.normal_b : tensor<256x512xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @i.truncated : tensor<256x512xf32> init = truncated_normal {std = 5.000000e-01 : f64}
// fan_in 512, fan_out 256.
tessel.parameter @i.xavier_uniform : tensor<256x512xf32> init = xavier_uniform
tessel.parameter @i.xavier_normal : tensor<256x512xf32> init = xavier_normal
tessel.parameter @i.kaiming_uniform : tensor<256x512xf32> init = kaiming_uniform
tessel.parameter @i.kaiming_normal : tensor<256x512xf32> init = kaiming_normal
// Rank 3: fan_in 64, fan_out 32 * 64 = 2048 (not PyTorch's receptive-field
// fans, 64 * 64 and 32 * 64).
tessel.parameter @i.xavier_uniform_3d : tensor<32x64x64xf32> init = xavier_uniform
tessel.parameter @i.kaiming_normal_3d : tensor<32x64x64xf32> init = kaiming_normal
// Reduced precision.
tessel.parameter @i.kaiming_uniform_bf16 : tensor<256x512xbf16> init = kaiming_uniform
tessel.parameter @i.normal_f16 : tensor<256x512xf16> init = normal {std = 1.0 : f64}
tessel.parameter @i.truncated_bf16 : tensor<256x512xbf16> init = truncated_normal {std = 2.000000e-02 : f64}
tessel.parameter @i.constant_bf16 : tensor<8x8xbf16> init = constant {value = 0.1 : f64}

func.func @init_all()
    -> (tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
        tensor<64x64xf16>, tensor<256x512xf32>, tensor<256x512xf32>,
        tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
        tensor<256x512xf32>, tensor<256x512xf32>, tensor<32x64x64xf32>,
        tensor<32x64x64xf32>, tensor<256x512xbf16>, tensor<256x512xf16>,
        tensor<256x512xbf16>, tensor<8x8xbf16>, tensor<256x512xf32>) {
  %0 = tessel.get_parameter @i.zeros : tensor<256x512xf32>
  %1 = tessel.get_parameter @i.ones : tensor<256x512xf32>
  %2 = tessel.get_parameter @i.constant : tensor<256x512xf32>
  %3 = tessel.get_parameter @i.constant_f16 : tensor<64x64xf16>
  %4 = tessel.get_parameter @i.normal_a : tensor<256x512xf32>
  %5 = tessel.get_parameter @i.normal_b : tensor<256x512xf32>
  %6 = tessel.get_parameter @i.truncated : tensor<256x512xf32>
  %7 = tessel.get_parameter @i.xavier_uniform : tensor<256x512xf32>
  %8 = tessel.get_parameter @i.xavier_normal : tensor<256x512xf32>
  %9 = tessel.get_parameter @i.kaiming_uniform : tensor<256x512xf32>
  %10 = tessel.get_parameter @i.kaiming_normal : tensor<256x512xf32>
  %11 = tessel.get_parameter @i.xavier_uniform_3d : tensor<32x64x64xf32>
  %12 = tessel.get_parameter @i.kaiming_normal_3d : tensor<32x64x64xf32>
  %13 = tessel.get_parameter @i.kaiming_uniform_bf16 : tensor<256x512xbf16>
  %14 = tessel.get_parameter @i.normal_f16 : tensor<256x512xf16>
  %15 = tessel.get_parameter @i.truncated_bf16 : tensor<256x512xbf16>
  %16 = tessel.get_parameter @i.constant_bf16 : tensor<8x8xbf16>
  // A second read of a parameter gives the same value.
  %17 = tessel.get_parameter @i.normal_a : tensor<256x512xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14,
         %15, %16, %17
      : tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
        tensor<64x64xf16>, tensor<256x512xf32>, tensor<256x512xf32>,
        tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
        tensor<256x512xf32>, tensor<256x512xf32>, tensor<32x64x64xf32>,
        tensor<32x64x64xf32>, tensor<256x512xbf16>, tensor<256x512xf16>,
        tensor<256x512xbf16>, tensor<8x8xbf16>, tensor<256x512xf32>
}

// normal_b alone, then normal_a: the values do not depend on which other
// parameters are read, nor in which order.
func.func @init_subset() -> (tensor<256x512xf32>, tensor<256x512xf32>) {
  %b = tessel.get_parameter @i.normal_b : tensor<256x512xf32>
  %a = tessel.get_parameter @i.normal_a : tensor<256x512xf32>
  return %b, %a : tensor<256x512xf32>, tensor<256x512xf32>
}
