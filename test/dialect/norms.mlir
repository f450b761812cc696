// Round trip of the norms: layer_norm, rms_norm, scale_norm, batch_norm.
// Default-valued attributes (epsilon, momentum) are elided on print.
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>, %[[G:.+]]: tensor<768xf32>, %[[B:.+]]: tensor<768xf32>)
// CHECK-NEXT: %[[Y:.+]] = tessel.layer_norm %[[X]], %[[G]], %[[B]] {epsilon = 9.9999999999999995E-7 : f64} : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>,
                      %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %y = tessel.layer_norm %x, %g, %b {epsilon = 1.0e-6 : f64}
      : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
  return %y : tensor<?x?x768xf32>
}

// epsilon = 1e-5 is the default: written or not, it is not printed.
// CHECK-LABEL: func.func @layer_norm_default_epsilon
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf16>, %[[G:.+]]: tensor<8xf16>, %[[B:.+]]: tensor<8xf16>)
// CHECK-NEXT: %[[Y:.+]] = tessel.layer_norm %[[X]], %[[G]], %[[B]] : tensor<2x8xf16>, tensor<8xf16>, tensor<8xf16>
// CHECK-NEXT: %[[Z:.+]] = tessel.layer_norm %[[Y]], %[[G]], %[[B]] : tensor<2x8xf16>, tensor<8xf16>, tensor<8xf16>
// CHECK-NEXT: return %[[Z]]
func.func @layer_norm_default_epsilon(%x: tensor<2x8xf16>, %g: tensor<8xf16>,
                                      %b: tensor<8xf16>) -> tensor<2x8xf16> {
  %y = tessel.layer_norm %x, %g, %b
      : tensor<2x8xf16>, tensor<8xf16>, tensor<8xf16>
  %z = tessel.layer_norm %y, %g, %b {epsilon = 1.0e-5 : f64}
      : tensor<2x8xf16>, tensor<8xf16>, tensor<8xf16>
  return %z : tensor<2x8xf16>
}

// A dynamic feature dimension matches gamma and beta of any size.
// CHECK-LABEL: func.func @layer_norm_dynamic_features
// CHECK-NEXT: tessel.layer_norm %{{.+}}, %{{.+}}, %{{.+}} {epsilon = 0.000000e+00 : f64} : tensor<?xbf16>, tensor<4xbf16>, tensor<?xbf16>
func.func @layer_norm_dynamic_features(%x: tensor<?xbf16>, %g: tensor<4xbf16>,
                                       %b: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tessel.layer_norm %x, %g, %b {epsilon = 0.0 : f64}
      : tensor<?xbf16>, tensor<4xbf16>, tensor<?xbf16>
  return %y : tensor<?xbf16>
}

// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x4096xf32>, %[[G:.+]]: tensor<4096xf32>)
// CHECK-NEXT: %[[Y:.+]] = tessel.rms_norm %[[X]], %[[G]] {epsilon = 1.000000e-05 : f64} : tensor<?x?x4096xf32>, tensor<4096xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rms_norm(%x: tensor<?x?x4096xf32>, %g: tensor<4096xf32>)
    -> tensor<?x?x4096xf32> {
  %y = tessel.rms_norm %x, %g {epsilon = 1.0e-5 : f64}
      : tensor<?x?x4096xf32>, tensor<4096xf32>
  return %y : tensor<?x?x4096xf32>
}

// rms_norm's default epsilon is 1e-6 (not layer_norm's 1e-5).
// CHECK-LABEL: func.func @rms_norm_default_epsilon
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x4096xbf16>, %[[G:.+]]: tensor<4096xbf16>)
// CHECK-NEXT: %[[Y:.+]] = tessel.rms_norm %[[X]], %[[G]] : tensor<?x?x4096xbf16>, tensor<4096xbf16>
// CHECK-NEXT: %[[Z:.+]] = tessel.rms_norm %[[Y]], %[[G]] : tensor<?x?x4096xbf16>, tensor<4096xbf16>
// CHECK-NEXT: return %[[Z]]
func.func @rms_norm_default_epsilon(%x: tensor<?x?x4096xbf16>,
                                   %g: tensor<4096xbf16>)
    -> tensor<?x?x4096xbf16> {
  %y = tessel.rms_norm %x, %g : tensor<?x?x4096xbf16>, tensor<4096xbf16>
  %z = tessel.rms_norm %y, %g {epsilon = 1.0e-6 : f64}
      : tensor<?x?x4096xbf16>, tensor<4096xbf16>
  return %z : tensor<?x?x4096xbf16>
}

// CHECK-LABEL: func.func @scale_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>, %[[G:.+]]: tensor<f32>)
// CHECK-NEXT: %[[Y:.+]] = tessel.scale_norm %[[X]], %[[G]] {epsilon = 1.000000e-03 : f64} : tensor<?x?x512xf32>, tensor<f32>
// CHECK-NEXT: %[[Z:.+]] = tessel.scale_norm %[[Y]], %[[G]] : tensor<?x?x512xf32>, tensor<f32>
// CHECK-NEXT: return %[[Z]]
func.func @scale_norm(%x: tensor<?x?x512xf32>, %g: tensor<f32>)
    -> tensor<?x?x512xf32> {
  %y = tessel.scale_norm %x, %g {epsilon = 1.0e-3 : f64}
      : tensor<?x?x512xf32>, tensor<f32>
  %z = tessel.scale_norm %y, %g {epsilon = 1.0e-5 : f64}
      : tensor<?x?x512xf32>, tensor<f32>
  return %z : tensor<?x?x512xf32>
}

// CHECK-LABEL: func.func @scale_norm_f16
// CHECK-NEXT: tessel.scale_norm %{{.+}}, %{{.+}} : tensor<3x4xf16>, tensor<f16>
func.func @scale_norm_f16(%x: tensor<3x4xf16>, %g: tensor<f16>)
    -> tensor<3x4xf16> {
  %y = tessel.scale_norm %x, %g : tensor<3x4xf16>, tensor<f16>
  return %y : tensor<3x4xf16>
}

// CHECK-LABEL: func.func @batch_norm_training
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x512xf32>, %[[G:.+]]: tensor<512xf32>, %[[B:.+]]: tensor<512xf32>, %[[RM:.+]]: tensor<512xf32>, %[[RV:.+]]: tensor<512xf32>)
// CHECK-NEXT: %[[Y:[^,]+]], %[[M:[^,]+]], %[[V:[^ ]+]] = tessel.batch_norm %[[X]], %[[G]], %[[B]], %[[RM]], %[[RV]] {epsilon = 1.000000e-03 : f64, momentum = 2.000000e-01 : f64, training} : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>
// CHECK-NEXT: return %[[Y]], %[[M]], %[[V]]
func.func @batch_norm_training(%x: tensor<?x?x512xf32>, %g: tensor<512xf32>,
                               %b: tensor<512xf32>, %rm: tensor<512xf32>,
                               %rv: tensor<512xf32>)
    -> (tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>) {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 1.0e-3 : f64, momentum = 0.2 : f64, training}
      : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>,
        tensor<512xf32>, tensor<512xf32>
  return %y, %m, %v : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>
}

// Inference (no `training`) with the default epsilon and momentum: no
// attribute is printed.
// CHECK-LABEL: func.func @batch_norm_inference
// CHECK-SAME: (%[[X:.+]]: tensor<4x16xbf16>, %[[G:.+]]: tensor<16xbf16>, %[[B:.+]]: tensor<16xbf16>, %[[RM:.+]]: tensor<16xbf16>, %[[RV:.+]]: tensor<16xbf16>)
// CHECK-NEXT: %[[Y:[^,]+]], %[[M:[^,]+]], %[[V:[^ ]+]] = tessel.batch_norm %[[X]], %[[G]], %[[B]], %[[RM]], %[[RV]] : tensor<4x16xbf16>, tensor<16xbf16>, tensor<16xbf16>, tensor<16xbf16>, tensor<16xbf16>
// CHECK-NEXT: %[[Z:[^,]+]], %{{.+}}, %{{.+}} = tessel.batch_norm %[[Y]], %[[G]], %[[B]], %[[M]], %[[V]] : tensor<4x16xbf16>, tensor<16xbf16>, tensor<16xbf16>, tensor<16xbf16>, tensor<16xbf16>
// CHECK-NEXT: return %[[Z]] :
func.func @batch_norm_inference(%x: tensor<4x16xbf16>, %g: tensor<16xbf16>,
                                %b: tensor<16xbf16>, %rm: tensor<16xbf16>,
                                %rv: tensor<16xbf16>) -> tensor<4x16xbf16> {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      : tensor<4x16xbf16>, tensor<16xbf16>, tensor<16xbf16>, tensor<16xbf16>,
        tensor<16xbf16>
  %z:3 = tessel.batch_norm %y, %g, %b, %m, %v
      {epsilon = 1.0e-5 : f64, momentum = 0.1 : f64}
      : tensor<4x16xbf16>, tensor<16xbf16>, tensor<16xbf16>, tensor<16xbf16>,
        tensor<16xbf16>
  return %z#0 : tensor<4x16xbf16>
}

// Momentum at the ends of [0, 1]; f16 with a dynamic feature dimension.
// CHECK-LABEL: func.func @batch_norm_momentum_bounds
// CHECK-NEXT: tessel.batch_norm {{.+}} {momentum = 0.000000e+00 : f64, training} : tensor<?x?xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>
// CHECK-NEXT: tessel.batch_norm {{.+}} {momentum = 1.000000e+00 : f64, training} : tensor<?x?xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>
func.func @batch_norm_momentum_bounds(%x: tensor<?x?xf16>, %p: tensor<8xf16>)
    -> tensor<?x?xf16> {
  %a:3 = tessel.batch_norm %x, %p, %p, %p, %p {momentum = 0.0 : f64, training}
      : tensor<?x?xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>,
        tensor<8xf16>
  %b:3 = tessel.batch_norm %a#0, %p, %p, %p, %p
      {momentum = 1.0 : f64, training}
      : tensor<?x?xf16>, tensor<8xf16>, tensor<8xf16>, tensor<8xf16>,
        tensor<8xf16>
  return %b#0 : tensor<?x?xf16>
}

// With the statistics a backward pass keeps (f32, the input's shape without
// its last axis), named in the printed form.
// CHECK-LABEL: func.func @norm_statistics
// CHECK-NEXT: %[[Y:.+]], %[[MEAN:.+]], %[[RSTD:.+]] = tessel.layer_norm %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x?x64xbf16>, tensor<64xbf16>, tensor<64xbf16> -> tensor<?x?xf32>, tensor<?x?xf32>
// CHECK-NEXT: %[[Z:.+]], %[[RSTD2:.+]] = tessel.rms_norm %[[Y]], %{{.+}} {epsilon = 1.000000e-05 : f64} : tensor<?x?x64xbf16>, tensor<64xbf16> -> tensor<?x?xf32>
// CHECK-NEXT: return %[[Z]], %[[MEAN]], %[[RSTD]], %[[RSTD2]]
func.func @norm_statistics(%x: tensor<?x?x64xbf16>, %g: tensor<64xbf16>,
                           %b: tensor<64xbf16>)
    -> (tensor<?x?x64xbf16>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>) {
  %y, %mean, %rstd = tessel.layer_norm %x, %g, %b
      : tensor<?x?x64xbf16>, tensor<64xbf16>, tensor<64xbf16>
      -> tensor<?x?xf32>, tensor<?x?xf32>
  %z, %rstd2 = tessel.rms_norm %y, %g {epsilon = 1.0e-5 : f64}
      : tensor<?x?x64xbf16>, tensor<64xbf16> -> tensor<?x?xf32>
  return %z, %mean, %rstd, %rstd2
      : tensor<?x?x64xbf16>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
}
