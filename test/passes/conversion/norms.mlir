// convert-tessel-to-linalg of the norms: layer_norm, rms_norm, scale_norm,
// batch_norm (training and inference). Statistics are reduced over the last
// axis (batch_norm: over all the others) in f32; the result is converted to
// the op's element type in the last generic.
//
// RUN: tessel-opt %s --convert-tessel-to-linalg | FileCheck %s
// RUN: tessel-opt %s --convert-tessel-to-linalg \
// RUN:     --convert-elementwise-to-linalg \
// RUN:     --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:   | FileCheck %s --check-prefix=BUF
// (--convert-elementwise-to-linalg is for the arith.extf on tensors in @main.)
//
// Numerics: the lowering, compiled for the CPU and run by mlir-runner, and
// the reference interpreter print the same numbers for the hand_* cases at
// the end of this file (derived by hand in the comments there, and equal to
// the interpreter's output). @main also runs the lowering on dynamic shapes.
// RUN: tessel-opt %s --convert-tessel-to-linalg \
// RUN:     --convert-elementwise-to-linalg \
// RUN:     --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:     --convert-linalg-to-loops --convert-scf-to-cf \
// RUN:     --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// RUN:     --convert-math-to-llvm --convert-math-to-libm --convert-arith-to-llvm \
// RUN:     --convert-cf-to-llvm --convert-func-to-llvm --convert-index-to-llvm \
// RUN:     --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=$(dirname $(command -v mlir-runner))/../lib/libmlir_runner_utils.so \
// RUN:   | FileCheck %s --check-prefix=JIT
// RUN: split-file %s %t
// RUN: tessel-interpret %t/hand.mlir --entry hand_layer_norm --print | FileCheck %s --check-prefix=REF-LN
// RUN: tessel-interpret %t/hand.mlir --entry hand_layer_norm_f16 --print | FileCheck %s --check-prefix=REF-LN16
// RUN: tessel-interpret %t/hand.mlir --entry hand_rms_norm --print | FileCheck %s --check-prefix=REF-RMS
// RUN: tessel-interpret %t/hand.mlir --entry hand_scale_norm --print | FileCheck %s --check-prefix=REF-SCALE
// RUN: tessel-interpret %t/hand.mlir --entry hand_batch_norm_training --print | FileCheck %s --check-prefix=REF-BN
// RUN: tessel-interpret %t/hand.mlir --entry hand_batch_norm_inference --print | FileCheck %s --check-prefix=REF-BNI

// BUF-LABEL: func.func @layer_norm
// BUF-SAME: memref<?x?x768xf32
// BUF-NOT: tensor.
// BUF: return {{.*}} : memref<?x?x768xf32

// CHECK-DAG: #[[SCALAR:map[0-9]*]] = affine_map<(d0, d1) -> ()>

// Sum, mean, sum of squared deviations, 1/sqrt(var + eps), then the output.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>, %[[G:.+]]: tensor<768xf32>, %[[B:.+]]: tensor<768xf32>)
// CHECK-DAG: %[[D:.+]] = arith.constant 7.680000e+02 : f32
// CHECK: %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<?x?xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]] : tensor<?x?x768xf32>) outs(%[[ZERO]] : tensor<?x?xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.+]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<?x?xf32>)
// CHECK: arith.divf %{{.+}}, %[[D]] : f32
// CHECK: %[[SQ:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[MEAN]] : tensor<?x?x768xf32>, tensor<?x?xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[INV:.+]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] : tensor<?x?xf32>)
// CHECK: arith.divf %{{.+}}, %[[D]] : f32
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: math.sqrt
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[MEAN]], %[[INV]], %[[G]], %[[B]] : tensor<?x?x768xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<768xf32>, tensor<768xf32>)
// CHECK-SAME: outs(%{{.+}} : tensor<?x?x768xf32>)
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>,
                      %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %y = tessel.layer_norm %x, %g, %b
      : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
  return %y : tensor<?x?x768xf32>
}

// A dynamic feature dimension: D comes from tensor.dim at run time.
// With its statistics: the per-row mean and 1/sqrt(var + eps) the
// normalization uses are returned as they are.
// CHECK-LABEL: func.func @layer_norm_stats
// CHECK: linalg.generic
// CHECK: %[[MEAN:.+]] = linalg.generic
// CHECK: arith.divf
// CHECK: linalg.generic
// CHECK: %[[INV:.+]] = linalg.generic
// CHECK: math.sqrt
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: ins(%{{.+}}, %[[MEAN]], %[[INV]], %{{.+}}, %{{.+}} :
// CHECK: return %[[Y]], %[[MEAN]], %[[INV]]
func.func @layer_norm_stats(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>,
                            %b: tensor<768xf32>)
    -> (tensor<?x?x768xf32>, tensor<?x?xf32>, tensor<?x?xf32>) {
  %y, %mean, %rstd = tessel.layer_norm %x, %g, %b
      : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
      -> tensor<?x?xf32>, tensor<?x?xf32>
  return %y, %mean, %rstd : tensor<?x?x768xf32>, tensor<?x?xf32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @rms_norm_stats
// CHECK: linalg.generic
// CHECK: %[[INV:.+]] = linalg.generic
// CHECK: math.sqrt
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK: %[[CAST:.+]] = tensor.cast %[[INV]] : tensor<2x?xf32> to tensor<?x?xf32>
// CHECK: return %[[Y]], %[[CAST]]
func.func @rms_norm_stats(%x: tensor<2x?x64xf16>, %g: tensor<64xf16>)
    -> (tensor<2x?x64xf16>, tensor<?x?xf32>) {
  %y, %rstd = tessel.rms_norm %x, %g
      : tensor<2x?x64xf16>, tensor<64xf16> -> tensor<?x?xf32>
  return %y, %rstd : tensor<2x?x64xf16>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @layer_norm_dynamic_features
// CHECK-SAME: (%[[X:.+]]: tensor<?xbf16>,
// CHECK: %[[DIM:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?xbf16>
// CHECK: %[[I:.+]] = arith.index_cast %[[DIM]] : index to i64
// CHECK: %[[D:.+]] = arith.sitofp %[[I]] : i64 to f32
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: outs(%{{.+}} : tensor<f32>)
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: arith.divf %{{.+}}, %[[D]] : f32
// CHECK: arith.truncf %{{.+}} : f32 to bf16
func.func @layer_norm_dynamic_features(%x: tensor<?xbf16>, %g: tensor<4xbf16>,
                                       %b: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tessel.layer_norm %x, %g, %b {epsilon = 0.0 : f64}
      : tensor<?xbf16>, tensor<4xbf16>, tensor<?xbf16>
  return %y : tensor<?xbf16>
}

// f16 in, f32 statistics, f16 out.
// CHECK-LABEL: func.func @rms_norm_f16
// CHECK-SAME: (%[[X:.+]]: tensor<?x4096xf16>, %[[G:.+]]: tensor<4096xf16>)
// CHECK: %[[SQ:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[X]] : tensor<?x4096xf16>) outs(%{{.+}} : tensor<?xf32>)
// CHECK: %[[E:.+]] = arith.extf %{{.+}} : f16 to f32
// CHECK: arith.mulf %[[E]], %[[E]] : f32
// CHECK: %[[INV:.+]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] : tensor<?xf32>)
// CHECK: arith.constant 9.99999997E-7 : f32
// CHECK: math.sqrt
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]], %[[INV]], %[[G]] : tensor<?x4096xf16>, tensor<?xf32>, tensor<4096xf16>)
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: return %[[Y]]
func.func @rms_norm_f16(%x: tensor<?x4096xf16>, %g: tensor<4096xf16>)
    -> tensor<?x4096xf16> {
  %y = tessel.rms_norm %x, %g : tensor<?x4096xf16>, tensor<4096xf16>
  return %y : tensor<?x4096xf16>
}

// The rank-0 scale is read through a map with no results (#SCALAR).
// CHECK-LABEL: func.func @scale_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?xf32>, %[[S:.+]]: tensor<f32>)
// CHECK: %[[SQ:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: %[[NORM:.+]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] : tensor<?xf32>)
// CHECK: %[[R:.+]] = math.sqrt
// CHECK: arith.maximumf %[[R]], %{{.+}} : f32
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: indexing_maps = [#{{.+}}, #{{.+}}, #[[SCALAR]], #{{.+}}]
// CHECK-SAME: ins(%[[X]], %[[NORM]], %[[S]] : tensor<?x?xf32>, tensor<?xf32>, tensor<f32>)
// CHECK: return %[[Y]]
func.func @scale_norm(%x: tensor<?x?xf32>, %g: tensor<f32>) -> tensor<?x?xf32> {
  %y = tessel.scale_norm %x, %g : tensor<?x?xf32>, tensor<f32>
  return %y : tensor<?x?xf32>
}

// Training: n = B * S from the dynamic sizes; sums over every axis but the
// last; one generic computes 1/sqrt(var + eps) and both running statistics.
// CHECK-LABEL: func.func @batch_norm_training
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>, %[[G:.+]]: tensor<512xf32>, %[[B:.+]]: tensor<512xf32>, %[[RM:.+]]: tensor<512xf32>, %[[RV:.+]]: tensor<512xf32>)
// CHECK: %[[B0:.+]] = tensor.dim %[[X]], %{{.+}}
// CHECK: %[[S0:.+]] = tensor.dim %[[X]], %{{.+}}
// CHECK: %[[N:.+]] = arith.muli %[[B0]], %[[S0]] : index
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "reduction", "parallel"]
// CHECK-SAME: ins(%[[X]] : tensor<?x?x512xf32>) outs(%{{.+}} : tensor<512xf32>)
// CHECK: %[[MEAN:.+]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]] : tensor<512xf32>)
// CHECK: %[[SQ:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "reduction", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[MEAN]] : tensor<?x?x512xf32>, tensor<512xf32>)
// CHECK: %[[STATS:.+]]:3 = linalg.generic
// CHECK-SAME: ins(%[[MEAN]], %[[SQ]], %[[RM]], %[[RV]] :
// CHECK: arith.constant 0.899999976 : f32
// CHECK: arith.constant 1.000000e-01 : f32
// CHECK: linalg.yield
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]], %[[MEAN]], %[[STATS]]#0, %[[G]], %[[B]] :
// CHECK: return %[[Y]], %[[STATS]]#1, %[[STATS]]#2
func.func @batch_norm_training(%x: tensor<?x?x512xf32>, %g: tensor<512xf32>,
                               %b: tensor<512xf32>, %rm: tensor<512xf32>,
                               %rv: tensor<512xf32>)
    -> (tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv {training}
      : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>,
        tensor<512xf32>, tensor<512xf32>
  return %y, %m, %v : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>
}

// Inference: no reduction; the running statistics are returned as they are.
// CHECK-LABEL: func.func @batch_norm_inference
// CHECK-SAME: (%[[X:.+]]: tensor<?x512xbf16>, %[[G:.+]]: tensor<512xbf16>, %[[B:.+]]: tensor<512xbf16>, %[[RM:.+]]: tensor<512xbf16>, %[[RV:.+]]: tensor<512xbf16>)
// CHECK-NOT: "reduction"
// CHECK: %[[INV:.+]] = linalg.generic
// CHECK-SAME: ins(%[[RV]] : tensor<512xbf16>) outs(%{{.+}} : tensor<512xf32>)
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: ins(%[[X]], %[[RM]], %[[INV]], %[[G]], %[[B]] :
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: return %[[Y]], %[[RM]], %[[RV]]
func.func @batch_norm_inference(%x: tensor<?x512xbf16>, %g: tensor<512xbf16>,
                                %b: tensor<512xbf16>, %rm: tensor<512xbf16>,
                                %rv: tensor<512xbf16>)
    -> (tensor<?x512xbf16>, tensor<512xbf16>, tensor<512xbf16>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      : tensor<?x512xbf16>, tensor<512xbf16>, tensor<512xbf16>,
        tensor<512xbf16>, tensor<512xbf16>
  return %y, %m, %v : tensor<?x512xbf16>, tensor<512xbf16>, tensor<512xbf16>
}

// batch_norm_grad in training: the batch statistics again (sum, then the
// squared deviations), rstd per feature, one reduction over every axis
// but the features for sum dy and sum dy xhat (dbeta, dgamma), then dx.
// CHECK-LABEL: func.func @batch_norm_grad_training
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x?x16xf32>, %[[G:[^:]+]]: tensor<16xf32>, %{{[^:]+}}: tensor<16xf32>, %{{[^:]+}}: tensor<16xf32>, %[[DY:[^:]+]]: tensor<?x?x16xf32>)
// CHECK: %[[SUM:.+]] = linalg.generic {{.+}} iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[X]] :
// CHECK: %[[SQ:.+]] = linalg.generic {{.+}} iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[X]], %{{.+}} :
// CHECK: %[[RSTD:.+]] = linalg.generic {{.+}} ins(%[[SQ]] : tensor<16xf32>)
// CHECK: math.sqrt
// CHECK: %[[SUMS:.+]]:2 = linalg.generic {{.+}} iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[X]], %[[DY]], %{{.+}}, %[[RSTD]] :
// CHECK: %[[DX:.+]] = linalg.generic {{.+}} ins(%[[X]], %[[DY]], %{{.+}}, %[[RSTD]], %[[G]], %[[SUMS]]#0, %[[SUMS]]#1 :
// CHECK: return %[[DX]], %[[SUMS]]#1, %[[SUMS]]#0
func.func @batch_norm_grad_training(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>,
    %rm: tensor<16xf32>, %rv: tensor<16xf32>, %dy: tensor<?x?x16xf32>)
    -> (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %dg, %db = tessel.batch_norm_grad %x, %g, %rm, %rv, %dy {training}
      : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
  return %dx, %dg, %db : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
}

//===----------------------------------------------------------------------===//
// Numerics
//===----------------------------------------------------------------------===//

// Dynamic-shape versions of hand cases, called by @main on the same inputs.
func.func @dyn_layer_norm(%x: tensor<?x?xf32>, %g: tensor<?xf32>,
                          %b: tensor<?xf32>) -> tensor<?x?xf32> {
  %y = tessel.layer_norm %x, %g, %b
      : tensor<?x?xf32>, tensor<?xf32>, tensor<?xf32>
  return %y : tensor<?x?xf32>
}

func.func @dyn_batch_norm(%x: tensor<?x?x2xf32>, %g: tensor<2xf32>,
                          %b: tensor<2xf32>, %rm: tensor<2xf32>,
                          %rv: tensor<2xf32>)
    -> (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 0.0 : f64, training}
      : tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
        tensor<2xf32>
  return %y, %m, %v : tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  call @printMemrefF32(%t) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %ln = call @hand_layer_norm() : () -> tensor<2x4xf32>
  %ln_u = tensor.cast %ln : tensor<2x4xf32> to tensor<*xf32>
  call @print(%ln_u) : (tensor<*xf32>) -> ()

  %ln16 = call @hand_layer_norm_f16() : () -> tensor<1x4xf16>
  %ln16_f = arith.extf %ln16 : tensor<1x4xf16> to tensor<1x4xf32>
  %ln16_u = tensor.cast %ln16_f : tensor<1x4xf32> to tensor<*xf32>
  call @print(%ln16_u) : (tensor<*xf32>) -> ()

  %rms = call @hand_rms_norm() : () -> tensor<2x2xf32>
  %rms_u = tensor.cast %rms : tensor<2x2xf32> to tensor<*xf32>
  call @print(%rms_u) : (tensor<*xf32>) -> ()

  %sn = call @hand_scale_norm() : () -> tensor<3x2xf32>
  %sn_u = tensor.cast %sn : tensor<3x2xf32> to tensor<*xf32>
  call @print(%sn_u) : (tensor<*xf32>) -> ()

  %bn:3 = call @hand_batch_norm_training()
      : () -> (tensor<2x2x2xf32>, tensor<2xf32>, tensor<2xf32>)
  %bn_y = tensor.cast %bn#0 : tensor<2x2x2xf32> to tensor<*xf32>
  %bn_m = tensor.cast %bn#1 : tensor<2xf32> to tensor<*xf32>
  %bn_v = tensor.cast %bn#2 : tensor<2xf32> to tensor<*xf32>
  call @print(%bn_y) : (tensor<*xf32>) -> ()
  call @print(%bn_m) : (tensor<*xf32>) -> ()
  call @print(%bn_v) : (tensor<*xf32>) -> ()

  %bni:3 = call @hand_batch_norm_inference()
      : () -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>)
  %bni_y = tensor.cast %bni#0 : tensor<2x2xf32> to tensor<*xf32>
  %bni_m = tensor.cast %bni#1 : tensor<2xf32> to tensor<*xf32>
  %bni_v = tensor.cast %bni#2 : tensor<2xf32> to tensor<*xf32>
  call @print(%bni_y) : (tensor<*xf32>) -> ()
  call @print(%bni_m) : (tensor<*xf32>) -> ()
  call @print(%bni_v) : (tensor<*xf32>) -> ()

  // The inputs of @hand_layer_norm, through dynamic shapes.
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]]>
      : tensor<2x4xf32>
  %g = arith.constant dense<[1.0, 2.0, 1.0, 1.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.0, 0.0, 0.5]> : tensor<4xf32>
  %xd = tensor.cast %x : tensor<2x4xf32> to tensor<?x?xf32>
  %gd = tensor.cast %g : tensor<4xf32> to tensor<?xf32>
  %bd = tensor.cast %b : tensor<4xf32> to tensor<?xf32>
  %dln = call @dyn_layer_norm(%xd, %gd, %bd)
      : (tensor<?x?xf32>, tensor<?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %dln_u = tensor.cast %dln : tensor<?x?xf32> to tensor<*xf32>
  call @print(%dln_u) : (tensor<*xf32>) -> ()

  // The inputs of @hand_batch_norm_training, n = 2 * 2 known at run time.
  %bx = arith.constant dense<[[[1.0, 10.0], [2.0, 20.0]],
                              [[3.0, 30.0], [4.0, 40.0]]]> : tensor<2x2x2xf32>
  %bg = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %bb = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %brm = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %brv = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %bxd = tensor.cast %bx : tensor<2x2x2xf32> to tensor<?x?x2xf32>
  %dbn:3 = call @dyn_batch_norm(%bxd, %bg, %bb, %brm, %brv)
      : (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
         tensor<2xf32>) -> (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>)
  %dbn_y = tensor.cast %dbn#0 : tensor<?x?x2xf32> to tensor<*xf32>
  %dbn_m = tensor.cast %dbn#1 : tensor<2xf32> to tensor<*xf32>
  %dbn_v = tensor.cast %dbn#2 : tensor<2xf32> to tensor<*xf32>
  call @print(%dbn_y) : (tensor<*xf32>) -> ()
  call @print(%dbn_m) : (tensor<*xf32>) -> ()
  call @print(%dbn_v) : (tensor<*xf32>) -> ()
  return
}

// JIT: sizes = [2, 4]
// JIT-NEXT: {{\[\[}}-1.34164, -0.894424, 0.447212, 1.84164],
// JIT-NEXT: [0, 0, 0, 0.5]]
// JIT: sizes = [1, 4]
// JIT-NEXT: {{\[\[}}-1.3418, -0.447266, 0.447266, 1.3418]]
// JIT: sizes = [2, 2]
// JIT-NEXT: {{\[\[}}0.848528, -2.26274],
// JIT-NEXT: [1, -2]]
// JIT: sizes = [3, 2]
// JIT-NEXT: {{\[\[}}1.2, 1.6],
// JIT-NEXT: [0, 0],
// JIT-NEXT: [0.6, -0.8]]
// JIT: sizes = [2, 2, 2]
// JIT-NEXT: {{\[\[\[}}-1.34164, -1.68328],
// JIT-NEXT: [-0.447214, 0.105573]],
// JIT-NEXT: {{\[\[}}0.447214, 1.89443],
// JIT-NEXT: [1.34164, 3.68328]]]
// JIT: sizes = [2]
// JIT-NEXT: [0.25, 2.5]
// JIT: sizes = [2]
// JIT-NEXT: [1.06667, 17.5667]
// JIT: sizes = [2, 2]
// JIT-NEXT: {{\[\[}}1, 3],
// JIT-NEXT: [-1, 1]]
// JIT: sizes = [2]
// JIT-NEXT: [1, 2]
// JIT: sizes = [2]
// JIT-NEXT: [4, 0.25]
// Dynamic shapes: the same numbers as the static cases.
// JIT: sizes = [2, 4]
// JIT-NEXT: {{\[\[}}-1.34164, -0.894424, 0.447212, 1.84164],
// JIT-NEXT: [0, 0, 0, 0.5]]
// JIT: sizes = [2, 2, 2]
// JIT-NEXT: {{\[\[\[}}-1.34164, -1.68328],
// JIT-NEXT: [-0.447214, 0.105573]],
// JIT-NEXT: {{\[\[}}0.447214, 1.89443],
// JIT-NEXT: [1.34164, 3.68328]]]
// JIT: sizes = [2]
// JIT-NEXT: [0.25, 2.5]
// JIT: sizes = [2]
// JIT-NEXT: [1.06667, 17.5667]

//--- hand.mlir
// Static cases run by both the interpreter and (through @main) the JIT.

// Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25, 1/sqrt(1.25 + 1e-5) =
// 0.894423: (x - 2.5) * 0.894423 * [1, 2, 1, 1] + [0, 0, 0, 0.5]
//   = [-1.34164, -0.894424, 0.447212, 1.84164].
// Row [2, 2, 2, 2]: variance 0, so x - mean = 0 and y = beta.
// REF-LN: result 0: tensor<2x4xf32> = {{\[\[}}-1.34164, -0.894424, 0.447212, 1.84164], [0, 0, 0, 0.5]]{{$}}
func.func @hand_layer_norm() -> tensor<2x4xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]]>
      : tensor<2x4xf32>
  %g = arith.constant dense<[1.0, 2.0, 1.0, 1.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.0, 0.0, 0.5]> : tensor<4xf32>
  %y = tessel.layer_norm %x, %g, %b
      : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<2x4xf32>
}

// f16, epsilon 0: [-1.5, -0.5, 0.5, 1.5] / sqrt(1.25) = +-1.341641, +-0.447214,
// rounded to f16 (spacing 2^-10 above 1, 2^-11 above 0.25): 1.341797 and
// 0.447266.
// REF-LN16: result 0: tensor<1x4xf16> = {{\[\[}}-1.3418, -0.447266, 0.447266, 1.3418]]{{$}}
func.func @hand_layer_norm_f16() -> tensor<1x4xf16> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf16>
  %g = arith.constant dense<1.0> : tensor<4xf16>
  %b = arith.constant dense<0.0> : tensor<4xf16>
  %y = tessel.layer_norm %x, %g, %b {epsilon = 0.0 : f64}
      : tensor<1x4xf16>, tensor<4xf16>, tensor<4xf16>
  return %y : tensor<1x4xf16>
}

// [3, 4]: mean square 12.5, rms 3.535534: [0.848528, 1.131371] * [1, -2].
// [1, 1]: rms 1, y = gamma.
// REF-RMS: result 0: tensor<2x2xf32> = {{\[\[}}0.848528, -2.26274], [1, -2]]{{$}}
func.func @hand_rms_norm() -> tensor<2x2xf32> {
  %x = arith.constant dense<[[3.0, 4.0], [1.0, 1.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %y = tessel.rms_norm %x, %g {epsilon = 0.0 : f64}
      : tensor<2x2xf32>, tensor<2xf32>
  return %y : tensor<2x2xf32>
}

// g = 2. [3, 4]: norm 5 -> [1.2, 1.6]. [0, 0]: norm 0 -> max(0, 1e-5), y = 0.
// [3e-6, -4e-6]: norm 5e-6 < epsilon, so y = 2 * x / 1e-5 = [0.6, -0.8].
// REF-SCALE: result 0: tensor<3x2xf32> = {{\[\[}}1.2, 1.6], [0, 0], [0.6, -0.8]]{{$}}
func.func @hand_scale_norm() -> tensor<3x2xf32> {
  %x = arith.constant dense<[[3.0, 4.0], [0.0, 0.0], [3.0e-6, -4.0e-6]]>
      : tensor<3x2xf32>
  %g = arith.constant dense<2.0> : tensor<f32>
  %y = tessel.scale_norm %x, %g : tensor<3x2xf32>, tensor<f32>
  return %y : tensor<3x2xf32>
}

// Feature 0 holds 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3),
// feature 1 holds 10, 20, 30, 40 (mean 25, var 125, unbiased 500/3).
// Normalized: [-1.34164, -0.447214, 0.447214, 1.34164] for both; feature 1
// then * 2 + 1 = [-1.68328, 0.105573, 1.89443, 3.68328].
// Momentum 0.1 from mean 0, var 1: mean [0.25, 2.5],
// var 0.9 + 0.1 * [5/3, 500/3] = [1.06667, 17.5667].
// REF-BN: result 0: tensor<2x2x2xf32> = {{\[\[\[}}-1.34164, -1.68328], [-0.447214, 0.105573]], {{\[\[}}0.447214, 1.89443], [1.34164, 3.68328]]]{{$}}
// REF-BN-NEXT: result 1: tensor<2xf32> = [0.25, 2.5]{{$}}
// REF-BN-NEXT: result 2: tensor<2xf32> = [1.06667, 17.5667]{{$}}
func.func @hand_batch_norm_training()
    -> (tensor<2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %x = arith.constant dense<[[[1.0, 10.0], [2.0, 20.0]],
                             [[3.0, 30.0], [4.0, 40.0]]]> : tensor<2x2x2xf32>
  %g = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %rm = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %rv = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 0.0 : f64, training}
      : tensor<2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
        tensor<2xf32>
  return %y, %m, %v : tensor<2x2x2xf32>, tensor<2xf32>, tensor<2xf32>
}

// Running mean [1, 2], var [4, 0.25] (std 2, 0.5), epsilon 0:
// feature 0: (x - 1) / 2 -> [1, -1]; feature 1: (x - 2) / 0.5 * 2 + 1 ->
// [3, 1]. The running statistics come back unchanged.
// REF-BNI: result 0: tensor<2x2xf32> = {{\[\[}}1, 3], [-1, 1]]{{$}}
// REF-BNI-NEXT: result 1: tensor<2xf32> = [1, 2]{{$}}
// REF-BNI-NEXT: result 2: tensor<2xf32> = [4, 0.25]{{$}}
func.func @hand_batch_norm_inference()
    -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %x = arith.constant dense<[[3.0, 2.5], [-1.0, 2.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %rm = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %rv = arith.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv {epsilon = 0.0 : f64}
      : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
        tensor<2xf32>
  return %y, %m, %v : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>
}
