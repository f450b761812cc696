// RUN: tessel-opt %s --tessel-approximate-math | FileCheck %s

// exp, tanh and erf become arithmetic (polynomials and bit tricks), so the
// compiled loops call no libm function and can vectorize.

// CHECK-LABEL: func.func @math
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.erf
// CHECK:         arith.mulf
// CHECK:         return
func.func @math(%x: f32) -> f32 {
  %a = math.exp %x : f32
  %b = math.tanh %a : f32
  %c = math.erf %b : f32
  return %c : f32
}
