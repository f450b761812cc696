// convert-tessel-to-linalg: softmax, attention (naive, GQA, causal with the
// bottom-right diagonal, bias broadcast) and cross_entropy. The structure is
// checked on the linalg output, that it bufferizes (BUF), and the numbers by
// running the lowered code in the JIT (the @run_* entries); the expected
// numbers are those of `tessel-interpret` on the same inputs (hand
// checks in the comments).
//
// RUN: tessel-opt %s --convert-tessel-to-linalg | FileCheck %s
// RUN: tessel-opt %s --convert-tessel-to-linalg \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:   | FileCheck %s --check-prefix=BUF
//
// DEFINE: %{runner} = $(command -v mlir-runner)
// DEFINE: %{jit} = tessel-opt %s --convert-tessel-to-linalg \
// DEFINE:   --one-shot-bufferize="bufferize-function-boundaries" \
// DEFINE:   --convert-linalg-to-loops --convert-scf-to-cf \
// DEFINE:   --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// DEFINE:   --convert-math-to-llvm --convert-math-to-libm \
// DEFINE:   --convert-arith-to-llvm --convert-cf-to-llvm \
// DEFINE:   --convert-func-to-llvm --convert-index-to-llvm \
// DEFINE:   --reconcile-unrealized-casts \
// DEFINE:   | %{runner} -entry-point-result=void \
// DEFINE:     -shared-libs=$(dirname %{runner})/../lib/libmlir_runner_utils.so \
// DEFINE:     -shared-libs=$(dirname %{runner})/../lib/libmlir_c_runner_utils.so -e
// RUN: %{jit} run_gqa_causal | FileCheck %s --check-prefix=GQA
// RUN: %{jit} run_bias | FileCheck %s --check-prefix=BIAS
// RUN: %{jit} run_masked_row | FileCheck %s --check-prefix=MASKED
// RUN: %{jit} run_softmax_axis0 | FileCheck %s --check-prefix=SM0
// RUN: %{jit} run_softmax_last | FileCheck %s --check-prefix=SM1
// RUN: %{jit} run_cross_entropy | FileCheck %s --check-prefix=CE
// RUN: %{jit} run_cross_entropy_i32 | FileCheck %s --check-prefix=CE32
// RUN: %{jit} run_cross_entropy_ignored | FileCheck %s --check-prefix=CENAN

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

// Softmax over the last axis (-1) of a dynamic tensor: max, sum of exp, and
// the normalizing map.
// CHECK-DAG: #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ROWS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[KGQA:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d3, d4)>
// CHECK-DAG: #[[VGQA:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d4, d3)>
// CHECK-DAG: #[[OUT5:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[BMAP:.+]] = affine_map<(d0, d1, d2, d3) -> (0, d2, d3)>
// CHECK-DAG: #[[X3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[AX1:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>

// CHECK-LABEL: func.func @softmax_last(
// CHECK-SAME: %[[X:.+]]: tensor<?x8x?x?xf32>
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX0:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<?x8x?xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : {{.+}}) outs(%[[MAX0]] :
// CHECK: arith.maximumf
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]] :
// exp(x - max) is exp2((x - max) log2(e)) (the cheaper polynomial).
// CHECK: %[[D:.+]] = arith.subf
// CHECK: %[[D2:.+]] = arith.mulf %[[D]], %[[LOG2E:.+]] : f32
// CHECK: math.exp2 %[[D2]] : f32
// CHECK: arith.addf
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROWS]], #[[ROWS]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]], %[[SUM]] :
// CHECK: math.exp2
// CHECK: arith.divf
// CHECK: return %[[Y]] : tensor<?x8x?x?xf32>
func.func @softmax_last(%x: tensor<?x8x?x?xf32>) -> tensor<?x8x?x?xf32> {
  %y = tessel.softmax %x {axis = -1 : i64} : tensor<?x8x?x?xf32>
  return %y : tensor<?x8x?x?xf32>
}

// Softmax over a middle axis of bf16: f32 inside, truncated at the end.
// CHECK-LABEL: func.func @softmax_axis1_bf16(
// CHECK: linalg.generic {indexing_maps = [#[[X3]], #[[AX1]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: arith.maximumf
// CHECK: linalg.generic {indexing_maps = [#[[X3]], #[[AX1]], #[[AX1]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[X3]], #[[AX1]], #[[AX1]], #[[X3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: arith.truncf %{{.+}} : f32 to bf16
func.func @softmax_axis1_bf16(%x: tensor<2x3x4xbf16>) -> tensor<2x3x4xbf16> {
  %y = tessel.softmax %x {axis = 1 : i64} : tensor<2x3x4xbf16>
  return %y : tensor<2x3x4xbf16>
}

// Softmax's gradient from its result, along axis 1: the line sums
// sum(dy y) (axis 1 reduced), then y (dy - sum) elementwise.
// CHECK-LABEL: func.func @softmax_grad_axis1(
// CHECK-SAME: %[[Y:[^:]+]]: tensor<?x7x3xf32>, %[[DY:[^:]+]]: tensor<?x7x3xf32>
// CHECK: %[[DOT:.+]] = linalg.generic {indexing_maps = [#[[X3]], #[[X3]], #[[AX1]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[DY]], %[[Y]] :
// CHECK: %[[DX:.+]] = linalg.generic {indexing_maps = [#[[X3]], #[[X3]], #[[AX1]], #[[X3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[Y]], %[[DY]], %[[DOT]] :
// CHECK: %[[DIFF:.+]] = arith.subf
// CHECK: arith.mulf %{{.+}}, %[[DIFF]]
// CHECK: return %[[DX]]
func.func @softmax_grad_axis1(%y: tensor<?x7x3xf32>, %dy: tensor<?x7x3xf32>) -> tensor<?x7x3xf32> {
  %dx = tessel.softmax_grad %y, %dy {axis = 1 : i64} : tensor<?x7x3xf32>
  return %dx : tensor<?x7x3xf32>
}

// GQA (8 query heads on 2 kv heads: head h reads h floordiv 4), Dv != D,
// causal with T - S from tensor.dim compared against linalg.index.
// CHECK-LABEL: func.func @attention_gqa_causal(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x8x?x16xf32>, %[[K:[^:]+]]: tensor<?x2x?x16xf32>, %[[V:[^:]+]]: tensor<?x2x?x12xf32>
// CHECK-DAG: %[[S:.+]] = tensor.dim %[[Q]], %c2{{.*}} : tensor<?x8x?x16xf32>
// CHECK-DAG: %[[T:.+]] = tensor.dim %[[K]], %c2{{.*}} : tensor<?x2x?x16xf32>
// CHECK: %[[LOGITS:.+]] = linalg.generic {indexing_maps = [#[[QMAP]], #[[KGQA]], #[[OUT5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[Q]], %[[K]] : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>) outs(%{{.+}} : tensor<?x8x?x?xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[SHIFT:.+]] = arith.subi %[[T]], %[[S]] : index
// CHECK: %[[MLOGITS:.+]] = linalg.generic {indexing_maps = [#[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%[[LOGITS]] : tensor<?x8x?x?xf32>)
// CHECK: %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[SCALED:.+]] = arith.mulf %{{.+}}, %[[SCALE]] : f32
// CHECK: %[[I:.+]] = linalg.index 2 : index
// CHECK: %[[J:.+]] = linalg.index 3 : index
// CHECK: %[[LAST:.+]] = arith.addi %[[I]], %[[SHIFT]] : index
// CHECK: %[[VISIBLE:.+]] = arith.cmpi sle, %[[J]], %[[LAST]] : index
// CHECK: %[[MINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: arith.select %[[VISIBLE]], %[[SCALED]], %[[MINF]] : f32
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[MLOGITS]] :
// CHECK: arith.maximumf
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[ROWS]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[MLOGITS]], %[[MAX]] :
// CHECK: math.exp2
// CHECK: %[[P:.+]] = linalg.generic {indexing_maps = [#[[ROWS]], #[[ROWS]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[MAX]], %[[SUM]] : {{.+}}) outs(%[[MLOGITS]] :
// CHECK: arith.divf
// CHECK: %[[O:.+]] = linalg.generic {indexing_maps = [#[[QMAP]], #[[VGQA]], #[[OUT5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[P]], %[[V]] : tensor<?x8x?x?xf32>, tensor<?x2x?x12xf32>) outs(%{{.+}} : tensor<?x8x?x12xf32>)
// CHECK: return %[[O]] : tensor<?x8x?x12xf32>
func.func @attention_gqa_causal(%q: tensor<?x8x?x16xf32>,
                                %k: tensor<?x2x?x16xf32>,
                                %v: tensor<?x2x?x12xf32>)
    -> tensor<?x8x?x12xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x12xf32>
      -> tensor<?x8x?x12xf32>
  return %o : tensor<?x8x?x12xf32>
}

// MHA (no floordiv), f16 in and out with f32 logits, an explicit scale and a
// [1, S, T] bias whose size-1 dimension is broadcast by a constant 0.
// With its log-sum-exp: from the softmax's own row max and sum, before the
// softmax overwrites the logits in place; a row whose max is -inf (every
// key masked) keeps -inf.
// CHECK-LABEL: func.func @attention_lse(
// CHECK:         %[[MAX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[MAX]] :
// CHECK:           math.exp2
// CHECK:         %[[LSE:.+]] = linalg.generic {{.+}} ins(%[[MAX]], %[[SUM]] : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
// CHECK:           math.log
// CHECK:           arith.cmpf oeq
// CHECK:           arith.select
// CHECK:         %[[P:.+]] = linalg.generic {{.+}} ins(%[[MAX]], %[[SUM]] :
// CHECK:           arith.divf
// CHECK:         %[[O:.+]] = linalg.generic {{.+}} ins(%[[P]], %{{.+}} :
// CHECK:         return %[[O]], %[[LSE]]
func.func @attention_lse(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>)
    -> (tensor<1x2x4x8xf32>, tensor<1x2x4xf32>) {
  %o, %lse = tessel.attention %q, %k, %k {causal}
      : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>
      -> tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
  return %o, %lse : tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
}

// CHECK-LABEL: func.func @attention_bias_f16(
// CHECK-SAME: %[[BQ:[^:]+]]: tensor<2x4x3x8xf16>, %[[BK:[^:]+]]: tensor<2x4x5x8xf16>, %[[BV:[^:]+]]: tensor<2x4x5x8xf16>, %[[B:[^:]+]]: tensor<1x3x5xf16>
// CHECK: linalg.generic {{.+}} ins(%[[BQ]], %[[BK]] : tensor<2x4x3x8xf16>, tensor<2x4x5x8xf16>) outs(%{{.+}} : tensor<2x4x3x5xf32>)
// CHECK-NOT: floordiv
// CHECK: linalg.generic {indexing_maps = [#[[BMAP]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[B]] : tensor<1x3x5xf16>) outs(%{{.+}} : tensor<2x4x3x5xf32>)
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK-NOT: arith.cmpi
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: arith.addf
// CHECK: linalg.generic {{.+}} ins(%{{.+}}, %[[BV]] : tensor<2x4x3x5xf32>, tensor<2x4x5x8xf16>) outs(%{{.+}} : tensor<2x4x3x8xf32>)
// CHECK: %[[OUT:.+]] = linalg.generic
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: return %[[OUT]] : tensor<2x4x3x8xf16>
func.func @attention_bias_f16(%q: tensor<2x4x3x8xf16>, %k: tensor<2x4x5x8xf16>,
                              %v: tensor<2x4x5x8xf16>, %b: tensor<1x3x5xf16>)
    -> tensor<2x4x3x8xf16> {
  %o = tessel.attention %q, %k, %v, %b {scale = 1.250000e-01 : f64}
      : tensor<2x4x3x8xf16>, tensor<2x4x5x8xf16>, tensor<2x4x5x8xf16>,
        tensor<1x3x5xf16> -> tensor<2x4x3x8xf16>
  return %o : tensor<2x4x3x8xf16>
}

// Row logsumexp, then one reduction over every row of the total and the
// count of non-ignored rows, gathering logits[row, clamp(target)]; the mean
// is total / count (NaN for 0 / 0).
// CHECK-LABEL: func.func @cross_entropy(
// CHECK-SAME: %[[L:[^:]+]]: tensor<?x?x7xf32>, %[[TG:[^:]+]]: tensor<?x?xi32>
// CHECK: %[[LAST:.+]] = arith.subi %c7{{.*}}, %c1{{.*}} : index
// CHECK: %[[RMAX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[L]] :
// CHECK: arith.maximumf
// CHECK: %[[RSUM:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[L]], %[[RMAX]] :
// CHECK: math.exp2
// CHECK: %[[TOT:.+]]:2 = linalg.generic {{.+}} iterator_types = ["reduction", "reduction"]} ins(%[[RMAX]], %[[RSUM]], %[[TG]] : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xi32>) outs(%{{.+}}, %{{.+}} : tensor<f32>, tensor<i64>)
// CHECK: %[[T64:.+]] = arith.extsi %{{.+}} : i32 to i64
// CHECK: %[[IGN:.+]] = arith.constant -100 : i64
// CHECK: %[[SKIP:.+]] = arith.cmpi eq, %[[T64]], %[[IGN]] : i64
// CHECK: %[[C:.+]] = arith.index_cast %[[T64]] : i64 to index
// CHECK: %[[C0:.+]] = arith.maxsi %[[C]], %{{.+}} : index
// CHECK: %[[C1:.+]] = arith.minsi %[[C0]], %[[LAST]] : index
// CHECK: %[[R0:.+]] = linalg.index 0
// CHECK: %[[R1:.+]] = linalg.index 1
// CHECK: tensor.extract %[[L]][%[[R0]], %[[R1]], %[[C1]]] : tensor<?x?x7xf32>
// CHECK: math.log
// CHECK: arith.select %[[SKIP]]
// CHECK: arith.select %[[SKIP]]
// CHECK: %[[MEAN:.+]] = linalg.generic {{.+}} iterator_types = []} ins(%[[TOT]]#0, %[[TOT]]#1 : tensor<f32>, tensor<i64>)
// CHECK: arith.sitofp
// CHECK: arith.divf
// CHECK: return %[[MEAN]] : tensor<f32>
func.func @cross_entropy(%l: tensor<?x?x7xf32>, %t: tensor<?x?xi32>)
    -> tensor<f32> {
  %loss = tessel.cross_entropy %l, %t {ignore_index = -100 : i64}
      : tensor<?x?x7xf32>, tensor<?x?xi32> -> tensor<f32>
  return %loss : tensor<f32>
}

// Everything above bufferizes without tensors left over.
// BUF-LABEL: func.func @softmax_last(
// BUF-SAME: memref<?x8x?x?xf32
// BUF-NOT: tensor
// BUF-LABEL: func.func @softmax_axis1_bf16(
// BUF-NOT: tensor
// BUF-LABEL: func.func @attention_gqa_causal(
// BUF-SAME: memref<?x8x?x16xf32
// BUF-NOT: tensor
// BUF: memref.alloc({{.+}}) {{.*}}: memref<?x8x?x?xf32>
// BUF-NOT: tensor
// BUF-LABEL: func.func @attention_bias_f16(
// BUF-NOT: tensor
// BUF-LABEL: func.func @cross_entropy(
// BUF-NOT: tensor
// BUF: memref.alloc() {{.*}}: memref<i64>
// BUF-NOT: tensor
// BUF-LABEL: func.func @gqa_causal(
// BUF-NOT: tensor

//===----------------------------------------------------------------------===//
// Numbers: the lowered code run in the JIT (all dimensions that may be
// dynamic are dynamic).
//===----------------------------------------------------------------------===//

func.func private @printMemrefF32(tensor<*xf32>)

// GQA 4 / 2, causal with S = 2 < T = 3 (query i sees keys j <= i + 1),
// D = 2 (scale 1/sqrt 2), Dv = 1; kv head 0 values 1, 2, 3, kv head 1
// values 10, 20, 30. By hand: head 1 query 0 = [.5, .5] scores keys 0, 1
// equally -> (1 + 2) / 2 = 1.5; head 3 query 0 = 0 -> (10 + 20) / 2 = 15
// (it reads kv head 1 = 3 floordiv 2).
// GQA: sizes = [1, 4, 2, 1]
// GQA-NEXT: {{\[\[\[\[}}1.3302{{[0-9]*}}],
// GQA-NEXT: [2.2033{{[0-9]*}}]],
// GQA-NEXT: {{\[\[}}1.5],
// GQA-NEXT: [2.2552{{[0-9]*}}]],
// GQA-NEXT: {{\[\[}}18.044{{[0-9]*}}],
// GQA-NEXT: [18.586{{[0-9]*}}]],
// GQA-NEXT: {{\[\[}}15],
// GQA-NEXT: [23.142{{[0-9]*}}]]]]
func.func @gqa_causal(%q: tensor<?x4x?x2xf32>, %k: tensor<?x2x?x2xf32>,
                      %v: tensor<?x2x?x1xf32>) -> tensor<?x4x?x1xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x4x?x2xf32>, tensor<?x2x?x2xf32>, tensor<?x2x?x1xf32>
      -> tensor<?x4x?x1xf32>
  return %o : tensor<?x4x?x1xf32>
}
func.func @run_gqa_causal() {
  %q = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [1.0, 1.0]],
                              [[1.0, -1.0], [2.0, 0.0]], [[0.0, 0.0], [-1.0, 1.0]]]]>
      : tensor<1x4x2x2xf32>
  %k = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                              [[0.0, 1.0], [1.0, 0.0], [-1.0, 1.0]]]]>
      : tensor<1x2x3x2xf32>
  %v = arith.constant dense<[[[[1.0], [2.0], [3.0]], [[10.0], [20.0], [30.0]]]]>
      : tensor<1x2x3x1xf32>
  %qd = tensor.cast %q : tensor<1x4x2x2xf32> to tensor<?x4x?x2xf32>
  %kd = tensor.cast %k : tensor<1x2x3x2xf32> to tensor<?x2x?x2xf32>
  %vd = tensor.cast %v : tensor<1x2x3x1xf32> to tensor<?x2x?x1xf32>
  %o = call @gqa_causal(%qd, %kd, %vd)
      : (tensor<?x4x?x2xf32>, tensor<?x2x?x2xf32>, tensor<?x2x?x1xf32>)
      -> tensor<?x4x?x1xf32>
  %u = tensor.cast %o : tensor<?x4x?x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// MHA with scale 0.5 and a [H, 1, T] bias broadcast over B and S.
// BIAS: sizes = [1, 2, 2, 2]
// BIAS-NEXT: {{\[\[\[\[}}0.94338{{[0-9]*}}, {{ *}}0.74628{{[0-9]*}}],
// BIAS-NEXT: [0.90037{{[0-9]*}}, {{ *}}0.83574{{[0-9]*}}]],
// BIAS-NEXT: {{\[\[}}1.5512{{[0-9]*}}, {{ *}}0.65946{{[0-9]*}}],
// BIAS-NEXT: [1.6564{{[0-9]*}}, {{ *}}0.39757{{[0-9]*}}]]]]
func.func @bias(%q: tensor<?x2x?x2xf32>, %k: tensor<?x2x?x2xf32>,
                %v: tensor<?x2x?x2xf32>, %b: tensor<2x1x?xf32>)
    -> tensor<?x2x?x2xf32> {
  %o = tessel.attention %q, %k, %v, %b {scale = 5.000000e-01 : f64}
      : tensor<?x2x?x2xf32>, tensor<?x2x?x2xf32>, tensor<?x2x?x2xf32>,
        tensor<2x1x?xf32> -> tensor<?x2x?x2xf32>
  return %o : tensor<?x2x?x2xf32>
}
func.func @run_bias() {
  %q = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [-1.0, 0.0]]]]>
      : tensor<1x2x2x2xf32>
  %k = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                              [[1.0, -1.0], [0.0, 2.0], [2.0, 0.0]]]]>
      : tensor<1x2x3x2xf32>
  %v = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                              [[2.0, 0.0], [0.0, 2.0], [4.0, 4.0]]]]>
      : tensor<1x2x3x2xf32>
  %b = arith.constant dense<[[[0.0, -1.0, 1.0]], [[2.0, 0.0, -2.0]]]>
      : tensor<2x1x3xf32>
  %qd = tensor.cast %q : tensor<1x2x2x2xf32> to tensor<?x2x?x2xf32>
  %kd = tensor.cast %k : tensor<1x2x3x2xf32> to tensor<?x2x?x2xf32>
  %vd = tensor.cast %v : tensor<1x2x3x2xf32> to tensor<?x2x?x2xf32>
  %bd = tensor.cast %b : tensor<2x1x3xf32> to tensor<2x1x?xf32>
  %o = call @bias(%qd, %kd, %vd, %bd)
      : (tensor<?x2x?x2xf32>, tensor<?x2x?x2xf32>, tensor<?x2x?x2xf32>,
         tensor<2x1x?xf32>) -> tensor<?x2x?x2xf32>
  %u = tensor.cast %o : tensor<?x2x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// Causal with S = 3 > T = 2: query 0 sees no key (NaN, as the interpreter),
// query 1 sees key 0 (10), query 2 both: logits [0, 1] -> 17.3106.
// MASKED: sizes = [1, 1, 3, 1]
// MASKED-NEXT: {{\[\[\[\[}}{{-?nan}}],
// MASKED-NEXT: [10],
// MASKED-NEXT: [17.310{{[0-9]*}}]]]]
func.func @masked_row(%q: tensor<?x1x?x1xf32>, %k: tensor<?x1x?x1xf32>,
                      %v: tensor<?x1x?x1xf32>) -> tensor<?x1x?x1xf32> {
  %o = tessel.attention %q, %k, %v {causal, scale = 1.000000e+00 : f64}
      : tensor<?x1x?x1xf32>, tensor<?x1x?x1xf32>, tensor<?x1x?x1xf32>
      -> tensor<?x1x?x1xf32>
  return %o : tensor<?x1x?x1xf32>
}
func.func @run_masked_row() {
  %q = arith.constant dense<1.0> : tensor<1x1x3x1xf32>
  %k = arith.constant dense<[[[[0.0], [1.0]]]]> : tensor<1x1x2x1xf32>
  %v = arith.constant dense<[[[[10.0], [20.0]]]]> : tensor<1x1x2x1xf32>
  %qd = tensor.cast %q : tensor<1x1x3x1xf32> to tensor<?x1x?x1xf32>
  %kd = tensor.cast %k : tensor<1x1x2x1xf32> to tensor<?x1x?x1xf32>
  %vd = tensor.cast %v : tensor<1x1x2x1xf32> to tensor<?x1x?x1xf32>
  %o = call @masked_row(%qd, %kd, %vd)
      : (tensor<?x1x?x1xf32>, tensor<?x1x?x1xf32>, tensor<?x1x?x1xf32>)
      -> tensor<?x1x?x1xf32>
  %u = tensor.cast %o : tensor<?x1x?x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// Softmax of [[1, 2, 3], [0, -1, 5]] along axis 0 (by hand: column 0 is
// [e, 1] / (e + 1) = [0.731059, 0.268941]) and along -1.
// SM0: sizes = [2, 3]
// SM0-NEXT: {{\[\[}}0.73105{{[0-9]*}}, {{ *}}0.95257{{[0-9]*}}, {{ *}}0.11920{{[0-9]*}}],
// SM0-NEXT: [0.26894{{[0-9]*}}, {{ *}}0.047425{{[0-9]*}}, {{ *}}0.88079{{[0-9]*}}]]
// SM1: sizes = [2, 3]
// SM1-NEXT: {{\[\[}}0.090030{{[0-9]*}}, {{ *}}0.24472{{[0-9]*}}, {{ *}}0.66524{{[0-9]*}}],
// SM1-NEXT: [0.0066764{{[0-9]*}}, {{ *}}0.0024561{{[0-9]*}}, {{ *}}0.99086{{[0-9]*}}]]
func.func @softmax0(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = tessel.softmax %x {axis = 0 : i64} : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
func.func @softmax1(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = tessel.softmax %x : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
func.func @run_softmax_axis0() {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]]> : tensor<2x3xf32>
  %xd = tensor.cast %x : tensor<2x3xf32> to tensor<?x?xf32>
  %y = call @softmax0(%xd) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %u = tensor.cast %y : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
func.func @run_softmax_last() {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]]> : tensor<2x3xf32>
  %xd = tensor.cast %x : tensor<2x3xf32> to tensor<?x?xf32>
  %y = call @softmax1(%xd) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %u = tensor.cast %y : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// Rows [1, 2, 3] -> 2, [0, 0, 0] -> 1, [5, -5, 0] ignored, [2, 1, 0] -> 0.
// By hand: log(1 + e^-1 + e^-2) = 0.407606 for rows 0 and 3, log 3 =
// 1.098612 for row 1; mean (0.407606 * 2 + 1.098612) / 3 = 0.637941.
// CE: sizes = []
// CE-NEXT: [0.63794{{[0-9]*}}]
// With i32 targets [0, 3, 3, 3] and ignore_index 3: only row 0 counts,
// 3 + 0.407606 - 1 = 2.40761.
// CE32: sizes = []
// CE32-NEXT: [2.4076{{[0-9]*}}]
// Every row ignored: 0 / 0.
// CENAN: sizes = []
// CENAN-NEXT: [{{-?nan}}]
func.func @ce(%l: tensor<?x?x3xf32>, %t: tensor<?x?xi64>) -> tensor<f32> {
  %loss = tessel.cross_entropy %l, %t
      : tensor<?x?x3xf32>, tensor<?x?xi64> -> tensor<f32>
  return %loss : tensor<f32>
}
func.func @ce32(%l: tensor<?x2x3xf32>, %t: tensor<?x2xi32>) -> tensor<f32> {
  %loss = tessel.cross_entropy %l, %t {ignore_index = 3 : i64}
      : tensor<?x2x3xf32>, tensor<?x2xi32> -> tensor<f32>
  return %loss : tensor<f32>
}
func.func @run_cross_entropy() {
  %l = arith.constant dense<[[[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                             [[5.0, -5.0, 0.0], [2.0, 1.0, 0.0]]]> : tensor<2x2x3xf32>
  %t = arith.constant dense<[[2, 1], [-100, 0]]> : tensor<2x2xi64>
  %ld = tensor.cast %l : tensor<2x2x3xf32> to tensor<?x?x3xf32>
  %td = tensor.cast %t : tensor<2x2xi64> to tensor<?x?xi64>
  %loss = call @ce(%ld, %td) : (tensor<?x?x3xf32>, tensor<?x?xi64>) -> tensor<f32>
  %u = tensor.cast %loss : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
func.func @run_cross_entropy_i32() {
  %l = arith.constant dense<[[[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                             [[5.0, -5.0, 0.0], [2.0, 1.0, 0.0]]]> : tensor<2x2x3xf32>
  %t = arith.constant dense<[[0, 3], [3, 3]]> : tensor<2x2xi32>
  %ld = tensor.cast %l : tensor<2x2x3xf32> to tensor<?x2x3xf32>
  %td = tensor.cast %t : tensor<2x2xi32> to tensor<?x2xi32>
  %loss = call @ce32(%ld, %td) : (tensor<?x2x3xf32>, tensor<?x2xi32>) -> tensor<f32>
  %u = tensor.cast %loss : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
func.func @run_cross_entropy_ignored() {
  %l = arith.constant dense<[[[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                             [[5.0, -5.0, 0.0], [2.0, 1.0, 0.0]]]> : tensor<2x2x3xf32>
  %t = arith.constant dense<-100> : tensor<2x2xi64>
  %ld = tensor.cast %l : tensor<2x2x3xf32> to tensor<?x?x3xf32>
  %td = tensor.cast %t : tensor<2x2xi64> to tensor<?x?xi64>
  %loss = call @ce(%ld, %td) : (tensor<?x?x3xf32>, tensor<?x?xi64>) -> tensor<f32>
  %u = tensor.cast %loss : tensor<f32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
