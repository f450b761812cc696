// RUN: tessel-opt %s --split-input-file --tessel-cpu-approximate-math | FileCheck %s

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

// -----

// exp2 (FlashAttention's exponential): x clamped to [-127, 129] with
// unordered compares (a NaN passes), n = roundeven(x) capped at 127,
// f = x - n, a degree-6 polynomial in f (six FMAs), times 2^n made in the
// exponent bits.

// CHECK-LABEL: func.func @exp2
// CHECK-SAME:    (%[[X:.+]]: vector<16xf32>)
// CHECK-NOT:     math.exp2
// CHECK:         %[[LO:.+]] = arith.cmpf uge, %[[X]], %{{.+}} : vector<16xf32>
// CHECK:         %[[XL:.+]] = arith.select %[[LO]], %[[X]], %{{.+}}
// CHECK:         %[[HI:.+]] = arith.cmpf ule, %[[XL]], %{{.+}} : vector<16xf32>
// CHECK:         %[[XC:.+]] = arith.select %[[HI]], %[[XL]], %{{.+}}
// CHECK:         %[[N:.+]] = math.roundeven %[[XC]] : vector<16xf32>
// CHECK:         %[[NOK:.+]] = arith.cmpf ole, %[[N]], %{{.+}} : vector<16xf32>
// CHECK:         %[[NC:.+]] = arith.select %[[NOK]], %[[N]], %{{.+}}
// CHECK:         %[[F:.+]] = arith.subf %[[XC]], %[[NC]] : vector<16xf32>
// CHECK-COUNT-6: math.fma %{{.+}}, %[[F]], %{{.+}} : vector<16xf32>
// CHECK:         %[[I:.+]] = arith.fptosi %[[NC]] : vector<16xf32> to vector<16xi32>
// CHECK:         %[[E:.+]] = arith.addi %[[I]], %{{.+}} : vector<16xi32>
// CHECK:         %[[BITS:.+]] = arith.shli %[[E]], %{{.+}} : vector<16xi32>
// CHECK:         %[[SCALE:.+]] = arith.bitcast %[[BITS]] : vector<16xi32> to vector<16xf32>
// CHECK:         arith.mulf %{{.+}}, %[[SCALE]] : vector<16xf32>
func.func @exp2(%x: vector<16xf32>) -> vector<16xf32> {
  %y = math.exp2 %x : vector<16xf32>
  return %y : vector<16xf32>
}
