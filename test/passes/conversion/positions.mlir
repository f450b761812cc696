// convert-tessel-to-linalg of the position encodings: rope, sinusoidal
// embedding, relative bias (t5 buckets, shaw clipping) and ALiBi.
// Compile-time per-feature and per-head constants (frequencies, slopes) are
// arith.constant tensors read through an input map; angles and trigonometry
// run in f32.
//
// RUN: tessel-opt %s --convert-tessel-to-linalg | FileCheck %s
// RUN: tessel-opt %s --convert-tessel-to-linalg \
// RUN:     --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:   | FileCheck %s --check-prefix=BUF
//
// Numerics: the lowering, compiled for the CPU and run by mlir-runner, and
// the reference interpreter print the same numbers for the hand_* cases at
// the end of this file (derived by hand in the comments there, and equal to
// the interpreter's output). @main also runs the lowering on dynamic shapes.
// RUN: tessel-opt %s --convert-tessel-to-linalg \
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
// RUN: tessel-interpret %t/hand.mlir --entry hand_rope_half --print | FileCheck %s --check-prefix=REF-ROPE-HALF
// RUN: tessel-interpret %t/hand.mlir --entry hand_rope_heads --print | FileCheck %s --check-prefix=REF-ROPE-HEADS
// RUN: tessel-interpret %t/hand.mlir --entry hand_rope_batch --print | FileCheck %s --check-prefix=REF-ROPE-BATCH
// RUN: tessel-interpret %t/hand.mlir --entry hand_sinusoidal --print | FileCheck %s --check-prefix=REF-SIN
// RUN: tessel-interpret %t/hand.mlir --entry hand_sinusoidal_base --print | FileCheck %s --check-prefix=REF-SIN-BASE
// RUN: tessel-interpret %t/hand.mlir --entry hand_t5_bi --print | FileCheck %s --check-prefix=REF-T5-BI
// RUN: tessel-interpret %t/hand.mlir --entry hand_t5_uni --print | FileCheck %s --check-prefix=REF-T5-UNI
// RUN: tessel-interpret %t/hand.mlir --entry hand_shaw --print | FileCheck %s --check-prefix=REF-SHAW
// RUN: tessel-interpret %t/hand.mlir --entry hand_alibi --print | FileCheck %s --check-prefix=REF-ALIBI

// CHECK-DAG: #[[ID4:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ROW_TABLE:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[BATCH_TABLE:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[HEAD:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[QUERY:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[KEY:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[QK:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>

// BUF-LABEL: func.func @rope
// BUF-SAME: memref<?x32x?x128xf32
// BUF-NOT: tensor.
// BUF: memref.get_global
// BUF-NOT: tensor.
// BUF: return {{.*}} : memref<?x32x?x128xf32

// Rotate-half: the cos/sin tables [S, D] are computed once from the
// positions and the constant frequencies, then shared by every head; the
// partner x[i +- D/2] is read with tensor.extract.
// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[X:.+]]: tensor<?x32x?x128xf32>, %[[P:.+]]: tensor<?xi64>)
// CHECK: %[[W:.+]] = arith.constant dense<"0x0000803F{{[0-9A-F]+}}"> : tensor<128xf32>
// CHECK: %[[T:.+]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[P]], %[[W]] : tensor<?xi64>, tensor<128xf32>) outs(%{{.+}}, %{{.+}} : tensor<?x128xf32>, tensor<?x128xf32>)
// CHECK: %[[PF:.+]] = arith.sitofp %{{.+}} : i64 to f32
// CHECK: %[[A:.+]] = arith.mulf %[[PF]], %{{.+}} : f32
// CHECK: math.cos %[[A]]
// CHECK: math.sin %[[A]]
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[ID4]], #[[ROW_TABLE]], #[[ROW_TABLE]], #[[ID4]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[T]]#0, %[[T]]#1 :
// CHECK: %[[F:.+]] = linalg.index 3 : index
// CHECK: %[[C64:.+]] = arith.constant 64 : index
// CHECK: %[[FIRST:.+]] = arith.cmpi ult, %[[F]], %[[C64]]
// CHECK: %[[UP:.+]] = arith.addi %[[F]]
// CHECK: %[[DOWN:.+]] = arith.subi %[[F]]
// CHECK: %[[PARTNER:.+]] = arith.select %[[FIRST]], %[[UP]], %[[DOWN]] : index
// CHECK: %[[I0:.+]] = linalg.index 0
// CHECK: %[[I1:.+]] = linalg.index 1
// CHECK: %[[I2:.+]] = linalg.index 2
// CHECK: tensor.extract %[[X]][%[[I0]], %[[I1]], %[[I2]], %[[PARTNER]]] : tensor<?x32x?x128xf32>
// CHECK: %[[MINUS:.+]] = arith.subf
// CHECK: %[[PLUS:.+]] = arith.addf
// CHECK: %[[R:.+]] = arith.select %[[FIRST]], %[[MINUS]], %[[PLUS]] : f32
// CHECK: linalg.yield %[[R]] : f32
// CHECK: return %[[Y]]
func.func @rope(%x: tensor<?x32x?x128xf32>, %pos: tensor<?xi64>)
    -> tensor<?x32x?x128xf32> {
  %y = tessel.rope %x, %pos : tensor<?x32x?x128xf32>, tensor<?xi64>
  return %y : tensor<?x32x?x128xf32>
}

// Interleaved, partial (rotary_dims 4 of 10), [B, S] positions, f16: the
// tables are [B, S, D]; the partner is 2i+1 or 2i; features from 4 on keep
// their input value (frequency 0 in the table, and a final select).
// CHECK-LABEL: func.func @rope_interleaved_partial
// CHECK-SAME: (%[[X:.+]]: tensor<?x2x?x10xf16>, %[[P:.+]]: tensor<?x?xi32>)
// CHECK: %[[W:.+]] = arith.constant dense<[1.000000e+00, 1.000000e+00, 0.00999999977, 0.00999999977, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]> : tensor<10xf32>
// CHECK: %[[T:.+]]:2 = linalg.generic
// CHECK-SAME: ins(%[[P]], %[[W]] : tensor<?x?xi32>, tensor<10xf32>) outs(%{{.+}}, %{{.+}} : tensor<?x?x10xf32>, tensor<?x?x10xf32>)
// CHECK: arith.extsi %{{.+}} : i32 to i64
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[ID4]], #[[BATCH_TABLE]], #[[BATCH_TABLE]], #[[ID4]]]
// CHECK-SAME: ins(%[[X]], %[[T]]#0, %[[T]]#1 :
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f16,
// CHECK: %[[F:.+]] = linalg.index 3 : index
// CHECK: %[[PARITY:.+]] = arith.remui %[[F]], %{{.+}} : index
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[PARITY]]
// CHECK: %[[PAIR:.+]] = arith.select %[[FIRST]]
// CHECK: %[[ROTATED:.+]] = arith.cmpi ult, %[[F]], %{{.+}} : index
// CHECK: %[[PARTNER:.+]] = arith.select %[[ROTATED]], %[[PAIR]], %[[F]] : index
// CHECK: tensor.extract %[[X]][%{{.+}}, %{{.+}}, %{{.+}}, %[[PARTNER]]] : tensor<?x2x?x10xf16>
// CHECK: %[[R:.+]] = arith.truncf %{{.+}} : f32 to f16
// CHECK: %[[OUT:.+]] = arith.select %[[ROTATED]], %[[R]], %[[IN]] : f16
// CHECK: linalg.yield %[[OUT]] : f16
// CHECK: return %[[Y]]
func.func @rope_interleaved_partial(%x: tensor<?x2x?x10xf16>,
                                    %pos: tensor<?x?xi32>)
    -> tensor<?x2x?x10xf16> {
  %y = tessel.rope %x, %pos {interleaved, rotary_dims = 4 : i64}
      : tensor<?x2x?x10xf16>, tensor<?x?xi32>
  return %y : tensor<?x2x?x10xf16>
}

// The table holds base^(2i/D) per feature; even features take the sine, odd
// ones the cosine.
// CHECK-LABEL: func.func @sinusoidal_embedding
// CHECK-SAME: (%[[P:.+]]: tensor<?xi64>)
// CHECK: %[[DEN:.+]] = arith.constant dense<[1.000000e+00, 1.000000e+00, 1.000000e+01, 1.000000e+01, 1.000000e+02, 1.000000e+02, 1.000000e+03, 1.000000e+03]> : tensor<8xf32>
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: ins(%[[P]], %[[DEN]] : tensor<?xi64>, tensor<8xf32>) outs(%{{.+}} : tensor<?x8xf16>)
// CHECK: %[[PF:.+]] = arith.sitofp %{{.+}} : i64 to f32
// CHECK: %[[A:.+]] = arith.divf %[[PF]], %{{.+}} : f32
// CHECK: %[[F:.+]] = linalg.index 1 : index
// CHECK: %[[PARITY:.+]] = arith.remui %[[F]]
// CHECK: %[[EVEN:.+]] = arith.cmpi eq, %[[PARITY]]
// CHECK: %[[SIN:.+]] = math.sin %[[A]]
// CHECK: %[[COS:.+]] = math.cos %[[A]]
// CHECK: %[[V:.+]] = arith.select %[[EVEN]], %[[SIN]], %[[COS]] : f32
// CHECK: arith.truncf %[[V]] : f32 to f16
// CHECK: return %[[Y]]
func.func @sinusoidal_embedding(%pos: tensor<?xi64>) -> tensor<?x8xf16> {
  %pe = tessel.sinusoidal_embedding %pos : tensor<?xi64> -> tensor<?x8xf16>
  return %pe : tensor<?x8xf16>
}

// T5 buckets: an [S, T] i64 tensor of table rows (the log in f32, as
// HuggingFace computes it in torch, truncated by fptosi, capped at
// num_buckets/2 - 1), then a gather of table[row, h] for every head.
// CHECK-LABEL: func.func @relative_bias_t5
// CHECK-SAME: (%[[TABLE:.+]]: tensor<32x8xf32>, %[[Q:.+]]: tensor<?xi64>, %[[K:.+]]: tensor<?xi32>)
// CHECK: %[[ROWS:.+]] = linalg.generic
// CHECK-SAME: ins(%[[Q]], %[[K]] : tensor<?xi64>, tensor<?xi32>) outs(%{{.+}} : tensor<?x?xi64>)
// CHECK: %[[KPOS:.+]] = arith.extsi %{{.+}} : i32 to i64
// CHECK: %[[R:.+]] = arith.subi %[[KPOS]], %{{.+}} : i64
// CHECK: %[[AFTER:.+]] = arith.cmpi sgt, %[[R]]
// CHECK: %[[SIDE:.+]] = arith.select %[[AFTER]]
// CHECK: %[[N:.+]] = math.absi %[[R]] : i64
// CHECK: %[[SMALL:.+]] = arith.cmpi slt, %[[N]]
// CHECK: %[[SAFE:.+]] = arith.maxsi %[[N]]
// CHECK: %[[NF:.+]] = arith.sitofp %[[SAFE]] : i64 to f32
// CHECK: %[[RATIO:.+]] = arith.divf %[[NF]], %{{.+}} : f32
// CHECK: %[[LOG:.+]] = math.log %[[RATIO]] : f32
// CHECK: arith.constant 2.77258873 : f32
// CHECK: %[[STEPS:.+]] = arith.fptosi %{{.+}} : f32 to i64
// CHECK: %[[LARGE:.+]] = arith.addi %{{.+}}, %[[STEPS]] : i64
// CHECK: %[[CAPPED:.+]] = arith.minsi %[[LARGE]], %{{.+}} : i64
// CHECK: %[[IN_SIDE:.+]] = arith.select %[[SMALL]], %[[N]], %[[CAPPED]] : i64
// CHECK: %[[ROW:.+]] = arith.addi %[[SIDE]], %[[IN_SIDE]] : i64
// CHECK: linalg.yield %[[ROW]] : i64
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[QK]], #{{.+}}]
// CHECK-SAME: ins(%[[ROWS]] : tensor<?x?xi64>) outs(%{{.+}} : tensor<8x?x?xf32>)
// CHECK: %[[I:.+]] = arith.index_cast %{{.+}} : i64 to index
// CHECK: %[[H:.+]] = linalg.index 0 : index
// CHECK: %[[V:.+]] = tensor.extract %[[TABLE]][%[[I]], %[[H]]] : tensor<32x8xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[Y]]
func.func @relative_bias_t5(%table: tensor<32x8xf32>, %q: tensor<?xi64>,
                            %k: tensor<?xi32>) -> tensor<8x?x?xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 128 : i64}
      : tensor<32x8xf32>, tensor<?xi64>, tensor<?xi32> -> tensor<8x?x?xf32>
  return %b : tensor<8x?x?xf32>
}

// Unidirectional: n = max(-r, 0), no side offset.
// CHECK-LABEL: func.func @relative_bias_t5_unidirectional
// CHECK: %[[R:.+]] = arith.subi
// CHECK: %[[NEG:.+]] = arith.subi %{{.+}}, %[[R]] : i64
// CHECK: arith.maxsi %[[NEG]], %{{.+}} : i64
// CHECK-NOT: arith.cmpi sgt
// CHECK: math.log
// CHECK: return
func.func @relative_bias_t5_unidirectional(%table: tensor<32x2xbf16>,
                                           %q: tensor<4xi64>,
                                           %k: tensor<?xi64>)
    -> tensor<2x4x?xbf16> {
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 128 : i64}
      : tensor<32x2xbf16>, tensor<4xi64>, tensor<?xi64> -> tensor<2x4x?xbf16>
  return %b : tensor<2x4x?xbf16>
}

// Shaw: row = clamp(r, -k, k) + k.
// CHECK-LABEL: func.func @relative_bias_shaw
// CHECK-SAME: (%[[TABLE:.+]]: tensor<9x3xf32>,
// CHECK: linalg.generic
// CHECK: %[[R:.+]] = arith.subi
// CHECK: %[[LO:.+]] = arith.maxsi %[[R]], %{{.+}} : i64
// CHECK: %[[HI:.+]] = arith.minsi %[[LO]], %{{.+}} : i64
// CHECK: %[[ROW:.+]] = arith.addi %[[HI]], %{{.+}} : i64
// CHECK: linalg.yield %[[ROW]]
// CHECK: linalg.generic
// CHECK: tensor.extract %[[TABLE]]
func.func @relative_bias_shaw(%table: tensor<9x3xf32>, %q: tensor<?xi64>,
                              %k: tensor<?xi64>) -> tensor<3x?x?xf32> {
  %b = tessel.relative_bias shaw %table, %q, %k {max_distance = 4 : i64}
      : tensor<9x3xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<3x?x?xf32>
  return %b : tensor<3x?x?xf32>
}

// relative_buckets: the same rows, as the result (per-sequence positions
// [B, S] give [B, S, T]; the query map reads (d0, d1)).
// CHECK-LABEL: func.func @relative_buckets_shaw
// CHECK-SAME: (%[[QB:.+]]: tensor<2x?xi64>, %[[KB:.+]]: tensor<?xi64>)
// CHECK: %[[ROWS:.+]] = linalg.generic {{.+}} ins(%[[QB]], %[[KB]] : tensor<2x?xi64>, tensor<?xi64>) outs(%{{.+}} : tensor<2x?x?xi64>)
// CHECK: arith.subi
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: return %[[ROWS]]
func.func @relative_buckets_shaw(%q: tensor<2x?xi64>, %k: tensor<?xi64>)
    -> tensor<2x?x?xi64> {
  %r = tessel.relative_buckets shaw %q, %k {max_distance = 4 : i64, num_buckets = 9 : i64}
      : tensor<2x?xi64>, tensor<?xi64> -> tensor<2x?x?xi64>
  return %r : tensor<2x?x?xi64>
}

// 12 heads: the 8 slopes of 8 heads, then every other one of 16 heads
// (2^-0.5, 2^-1.5, ...), negated, as a constant read per head.
// CHECK-LABEL: func.func @alibi
// CHECK-SAME: (%[[Q:.+]]: tensor<?xi64>, %[[K:.+]]: tensor<?xi64>)
// CHECK: %[[M:.+]] = arith.constant dense<[-5.000000e-01, -2.500000e-01, -1.250000e-01, -6.250000e-02, -3.125000e-02, -1.562500e-02, -7.812500e-03, -3.906250e-03, -0.707106769, -0.353553385, -0.176776692, -0.0883883461]> : tensor<12xf32>
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[HEAD]], #[[QUERY]], #[[KEY]], #{{.+}}]
// CHECK-SAME: ins(%[[M]], %[[Q]], %[[K]] : tensor<12xf32>, tensor<?xi64>, tensor<?xi64>) outs(%{{.+}} : tensor<12x?x?xf32>)
// CHECK-NEXT: ^bb0(%[[SLOPE:.+]]: f32, %[[QI:.+]]: i64, %[[KJ:.+]]: i64,
// CHECK: %[[DIFF:.+]] = arith.subi %[[QI]], %[[KJ]] : i64
// CHECK: %[[ABS:.+]] = math.absi %[[DIFF]] : i64
// CHECK: %[[DIST:.+]] = arith.sitofp %[[ABS]] : i64 to f32
// CHECK: %[[V:.+]] = arith.mulf %[[SLOPE]], %[[DIST]] : f32
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[Y]]
func.func @alibi(%q: tensor<?xi64>, %k: tensor<?xi64>) -> tensor<12x?x?xf32> {
  %b = tessel.alibi %q, %k : tensor<?xi64>, tensor<?xi64> -> tensor<12x?x?xf32>
  return %b : tensor<12x?x?xf32>
}

//===----------------------------------------------------------------------===//
// Numerics
//===----------------------------------------------------------------------===//

// Dynamic-shape versions of hand cases, called by @main on the same inputs.
func.func @dyn_rope_heads(%x: tensor<?x?x?x4xf32>, %pos: tensor<?xi64>)
    -> tensor<?x?x?x4xf32> {
  %y = tessel.rope %x, %pos {theta = 100.0 : f64}
      : tensor<?x?x?x4xf32>, tensor<?xi64>
  return %y : tensor<?x?x?x4xf32>
}

func.func @dyn_t5_bi(%table: tensor<8x2xf32>, %q: tensor<?xi64>,
                     %k: tensor<?xi64>) -> tensor<2x?x?xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 16 : i64}
      : tensor<8x2xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<2x?x?xf32>
  return %b : tensor<2x?x?xf32>
}

// HuggingFace's bucket at an exact boundary of the logarithmic range:
// 10 buckets, unidirectional, max_distance 160, so max_exact = 5 and
// n >= 5 goes to 5 + trunc(ln(n/5) / ln(32) * 5), capped at 9. For n = 10
// that is 5 + trunc(ln 2 / (5 ln 2) * 5) = 5 + 1 = 6 (torch's f32 evaluation
// gives 1.0 too); n = 20: 5 + 2 = 7; n = 160: 5 + 5 -> capped 9.
// Rows: query 30, keys 20, 10, 0, 25 -> n = 10, 20, 30, 5; n = 30:
// 5 + trunc(ln 6 / ln 32 * 5) = 5 + trunc(2.585) = 7; n = 5: 5 + 0 = 5.
// Table row b holds b, so the result shows the bucket.
// (The reference interpreter evaluates this in f64, where ln 2 / ln 32 * 5
// is 0.99999999999999989, and gives buckets 5 and 6 for n = 10 and 20.)
func.func @t5_boundary() -> tensor<1x1x4xf32> {
  %table = arith.constant dense<[[0.0], [1.0], [2.0], [3.0], [4.0], [5.0],
      [6.0], [7.0], [8.0], [9.0]]> : tensor<10x1xf32>
  %q = arith.constant dense<[30]> : tensor<1xi64>
  %k = arith.constant dense<[20, 10, 0, 25]> : tensor<4xi64>
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 160 : i64}
      : tensor<10x1xf32>, tensor<1xi64>, tensor<4xi64> -> tensor<1x1x4xf32>
  return %b : tensor<1x1x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  call @printMemrefF32(%t) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %rh = call @hand_rope_half() : () -> tensor<2x4xf32>
  %rh_u = tensor.cast %rh : tensor<2x4xf32> to tensor<*xf32>
  call @print(%rh_u) : (tensor<*xf32>) -> ()

  %rs = call @hand_rope_heads() : () -> tensor<1x2x1x4xf32>
  %rs_u = tensor.cast %rs : tensor<1x2x1x4xf32> to tensor<*xf32>
  call @print(%rs_u) : (tensor<*xf32>) -> ()

  %rb = call @hand_rope_batch() : () -> tensor<2x1x1x4xf32>
  %rb_u = tensor.cast %rb : tensor<2x1x1x4xf32> to tensor<*xf32>
  call @print(%rb_u) : (tensor<*xf32>) -> ()

  %s = call @hand_sinusoidal() : () -> tensor<2x4xf32>
  %s_u = tensor.cast %s : tensor<2x4xf32> to tensor<*xf32>
  call @print(%s_u) : (tensor<*xf32>) -> ()

  %sb = call @hand_sinusoidal_base() : () -> tensor<2x1x4xf32>
  %sb_u = tensor.cast %sb : tensor<2x1x4xf32> to tensor<*xf32>
  call @print(%sb_u) : (tensor<*xf32>) -> ()

  %tb = call @hand_t5_bi() : () -> tensor<2x1x9xf32>
  %tb_u = tensor.cast %tb : tensor<2x1x9xf32> to tensor<*xf32>
  call @print(%tb_u) : (tensor<*xf32>) -> ()

  %tu = call @hand_t5_uni() : () -> tensor<1x1x9xf32>
  %tu_u = tensor.cast %tu : tensor<1x1x9xf32> to tensor<*xf32>
  call @print(%tu_u) : (tensor<*xf32>) -> ()

  %sh = call @hand_shaw() : () -> tensor<1x3x5xf32>
  %sh_u = tensor.cast %sh : tensor<1x3x5xf32> to tensor<*xf32>
  call @print(%sh_u) : (tensor<*xf32>) -> ()

  %al = call @hand_alibi() : () -> tensor<3x2x3xf32>
  %al_u = tensor.cast %al : tensor<3x2x3xf32> to tensor<*xf32>
  call @print(%al_u) : (tensor<*xf32>) -> ()

  %tt = call @t5_boundary() : () -> tensor<1x1x4xf32>
  %tt_u = tensor.cast %tt : tensor<1x1x4xf32> to tensor<*xf32>
  call @print(%tt_u) : (tensor<*xf32>) -> ()

  // The inputs of @hand_rope_heads, through dynamic shapes.
  %x = arith.constant dense<[[[[1.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 1.0]]]]>
      : tensor<1x2x1x4xf32>
  %pos = arith.constant dense<[2]> : tensor<1xi64>
  %xd = tensor.cast %x : tensor<1x2x1x4xf32> to tensor<?x?x?x4xf32>
  %posd = tensor.cast %pos : tensor<1xi64> to tensor<?xi64>
  %dr = call @dyn_rope_heads(%xd, %posd)
      : (tensor<?x?x?x4xf32>, tensor<?xi64>) -> tensor<?x?x?x4xf32>
  %dr_u = tensor.cast %dr : tensor<?x?x?x4xf32> to tensor<*xf32>
  call @print(%dr_u) : (tensor<*xf32>) -> ()

  // The inputs of @hand_t5_bi, through dynamic shapes.
  %table = arith.constant dense<[[0.0, 100.0], [1.0, 101.0], [2.0, 102.0],
      [3.0, 103.0], [4.0, 104.0], [5.0, 105.0], [6.0, 106.0], [7.0, 107.0]]>
      : tensor<8x2xf32>
  %q = arith.constant dense<[5]> : tensor<1xi64>
  %k = arith.constant dense<[0, 1, 3, 4, 5, 6, 8, 11, 40]> : tensor<9xi64>
  %qd = tensor.cast %q : tensor<1xi64> to tensor<?xi64>
  %kd = tensor.cast %k : tensor<9xi64> to tensor<?xi64>
  %dt = call @dyn_t5_bi(%table, %qd, %kd)
      : (tensor<8x2xf32>, tensor<?xi64>, tensor<?xi64>) -> tensor<2x?x?xf32>
  %dt_u = tensor.cast %dt : tensor<2x?x?xf32> to tensor<*xf32>
  call @print(%dt_u) : (tensor<*xf32>) -> ()
  return
}

// JIT: sizes = [2, 4]
// JIT-NEXT: {{\[\[}}0.540302, {{-?}}0, 0.841471, {{-?}}0],
// JIT-NEXT: [{{-?}}0, 0.99995, {{-?}}0, 0.00999983]]
// JIT: sizes = [1, 2, 1, 4]
// JIT-NEXT: {{\[\[\[\[}}-0.416147, {{-?}}0, 0.909297, {{-?}}0]],
// JIT-NEXT: {{\[\[}}{{-?}}0, -0.198669, {{-?}}0, 0.980067]]]]
// JIT: sizes = [2, 1, 1, 4]
// JIT-NEXT: {{\[\[\[\[}}1, {{-?}}0, 5, 6]]],
// JIT-NEXT: {{\[\[\[}}0.540302, 0.841471, 5, 6]]]]
// JIT: sizes = [2, 4]
// JIT-NEXT: {{\[\[}}0, 1, 0, 1],
// JIT-NEXT: [0.841471, 0.540302, 0.00999983, 0.99995]]
// JIT: sizes = [2, 1, 4]
// JIT-NEXT: {{\[\[\[}}0, 1, 0, 1]],
// JIT-NEXT: {{\[\[}}0.909297, -0.416147, 0.198669, 0.980067]]]
// JIT: sizes = [2, 1, 9]
// JIT-NEXT: {{\[\[\[}}2, 2, 2, 1, 0, 5, 6, 7, 7]],
// JIT-NEXT: {{\[\[}}102, 102, 102, 101, 100, 105, 106, 107, 107]]]
// JIT: sizes = [1, 1, 9]
// JIT-NEXT: {{\[\[\[}}3.5, 3.5, 2.5, 2.5, 2.5, 1.5, 0.5, 0.5, 0.5]]]
// JIT: sizes = [1, 3, 5]
// JIT-NEXT: {{\[\[\[}}30, 40, 50, 50, 50],
// JIT-NEXT: [20, 30, 40, 50, 50],
// JIT-NEXT: [10, 10, 10, 20, 30]]]
// JIT: sizes = [3, 2, 3]
// JIT-NEXT: {{\[\[\[}}{{-?}}0, -0.0625, -0.1875],
// JIT-NEXT: [-0.125, -0.0625, -0.0625]],
// JIT-NEXT: {{\[\[}}{{-?}}0, -0.00390625, -0.0117188],
// JIT-NEXT: [-0.0078125, -0.00390625, -0.00390625]],
// JIT-NEXT: {{\[\[}}{{-?}}0, -0.25, -0.75],
// JIT-NEXT: [-0.5, -0.25, -0.25]]]
// The t5 boundary case (by hand, HuggingFace's answer).
// JIT: sizes = [1, 1, 4]
// JIT-NEXT: {{\[\[\[}}6, 7, 7, 5]]]
// Dynamic shapes: the same numbers as the static cases.
// JIT: sizes = [1, 2, 1, 4]
// JIT-NEXT: {{\[\[\[\[}}-0.416147, {{-?}}0, 0.909297, {{-?}}0]],
// JIT-NEXT: {{\[\[}}{{-?}}0, -0.198669, {{-?}}0, 0.980067]]]]
// JIT: sizes = [2, 1, 9]
// JIT-NEXT: {{\[\[\[}}2, 2, 2, 1, 0, 5, 6, 7, 7]],
// JIT-NEXT: {{\[\[}}102, 102, 102, 101, 100, 105, 106, 107, 107]]]

//--- hand.mlir
// Static cases run by both the interpreter and (through @main) the JIT.

// D = 4, position 1: w_0 = 1, w_1 = 10000^(-1/2) = 0.01. Rotate-half pairs
// (x0, x2) and (x1, x3):
//   [1, 0, 0, 0] -> pair (x0, x2) = (1, 0) by 1 rad -> [cos 1, 0, sin 1, 0]
//   [0, 1, 0, 0] -> pair (x1, x3) = (1, 0) by 0.01 rad
//                -> [0, cos 0.01, 0, sin 0.01] = [0, 0.99995, 0, 0.00999983]
// REF-ROPE-HALF: result 0: tensor<2x4xf32> = {{\[\[}}0.540302, {{-?}}0, 0.841471, {{-?}}0], [{{-?}}0, 0.99995, {{-?}}0, 0.00999983]]{{$}}
func.func @hand_rope_half() -> tensor<2x4xf32> {
  %x = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]>
      : tensor<2x4xf32>
  %pos = arith.constant dense<[1, 1]> : tensor<2xi64>
  %y = tessel.rope %x, %pos : tensor<2x4xf32>, tensor<2xi64>
  return %y : tensor<2x4xf32>
}

// Two heads share position 2, theta 100: w_0 = 1, w_1 = 100^(-1/2) = 0.1.
// Head 0, (x0, x2) = (1, 0) by 2 rad -> [cos 2, 0, sin 2, 0]
//   = [-0.416147, 0, 0.909297, 0].
// Head 1, (x1, x3) = (0, 1) by 0.2 rad -> (-sin 0.2, cos 0.2)
//   = [0, -0.198669, 0, 0.980067].
// REF-ROPE-HEADS: result 0: tensor<1x2x1x4xf32> = {{\[\[\[\[}}-0.416147, {{-?}}0, 0.909297, {{-?}}0]], {{\[\[}}{{-?}}0, -0.198669, {{-?}}0, 0.980067]]]]{{$}}
func.func @hand_rope_heads() -> tensor<1x2x1x4xf32> {
  %x = arith.constant dense<[[[[1.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 1.0]]]]>
      : tensor<1x2x1x4xf32>
  %pos = arith.constant dense<[2]> : tensor<1xi64>
  %y = tessel.rope %x, %pos {theta = 100.0 : f64}
      : tensor<1x2x1x4xf32>, tensor<1xi64>
  return %y : tensor<1x2x1x4xf32>
}

// [B, S] positions [[0], [1]], interleaved, rotary_dims 2 of 4: sequence 0
// is unchanged; in sequence 1 (x0, x1) = (1, 0) turns by 1 rad to
// (cos 1, sin 1) and x2, x3 = 5, 6 pass through.
// REF-ROPE-BATCH: result 0: tensor<2x1x1x4xf32> = {{\[\[\[\[}}1, {{-?}}0, 5, 6]]], {{\[\[\[}}0.540302, 0.841471, 5, 6]]]]{{$}}
func.func @hand_rope_batch() -> tensor<2x1x1x4xf32> {
  %x = arith.constant dense<[[[[1.0, 0.0, 5.0, 6.0]]], [[[1.0, 0.0, 5.0, 6.0]]]]>
      : tensor<2x1x1x4xf32>
  %pos = arith.constant dense<[[0], [1]]> : tensor<2x1xi32>
  %y = tessel.rope %x, %pos {interleaved, rotary_dims = 2 : i64}
      : tensor<2x1x1x4xf32>, tensor<2x1xi32>
  return %y : tensor<2x1x1x4xf32>
}

// D = 4: p = 0 -> [sin 0, cos 0, sin 0, cos 0] = [0, 1, 0, 1];
// p = 1 -> angles 1 and 1 / 10000^(1/2) = 0.01:
//   [sin 1, cos 1, sin 0.01, cos 0.01] = [0.841471, 0.540302, 0.00999983, 0.99995].
// REF-SIN: result 0: tensor<2x4xf32> = {{\[\[}}0, 1, 0, 1], [0.841471, 0.540302, 0.00999983, 0.99995]]{{$}}
func.func @hand_sinusoidal() -> tensor<2x4xf32> {
  %pos = arith.constant dense<[0, 1]> : tensor<2xi64>
  %y = tessel.sinusoidal_embedding %pos : tensor<2xi64> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// [2, 1] i32 positions, base 100: p = 2 -> angles 2 and 2 / 100^(1/2) = 0.2:
//   [sin 2, cos 2, sin 0.2, cos 0.2] = [0.909297, -0.416147, 0.198669, 0.980067].
// REF-SIN-BASE: result 0: tensor<2x1x4xf32> = {{\[\[\[}}0, 1, 0, 1]], {{\[\[}}0.909297, -0.416147, 0.198669, 0.980067]]]{{$}}
func.func @hand_sinusoidal_base() -> tensor<2x1x4xf32> {
  %pos = arith.constant dense<[[0], [2]]> : tensor<2x1xi32>
  %y = tessel.sinusoidal_embedding %pos {base = 100.0 : f64}
      : tensor<2x1xi32> -> tensor<2x1x4xf32>
  return %y : tensor<2x1x4xf32>
}

// t5, bidirectional, 8 buckets (4 per side, max_exact 2), max_distance 16.
// Query at 5, keys [0, 1, 3, 4, 5, 6, 8, 11, 40]: r = -5 -4 -2 -1 0 1 3 6 35.
// n = |r| < 2 is its own bucket; otherwise
// 2 + trunc(ln(n/2) / ln(8) * 2), capped at 3:
//   n=2: 2; n=3: 2 + trunc(0.390) = 2; n=4: 2 + trunc(0.667) = 2;
//   n=5: 2 + trunc(0.881) = 2; n=6: 2 + trunc(1.057) = 3; n=35: capped 3.
// r > 0 adds 4: buckets [2, 2, 2, 1, 0, 5, 6, 7, 7].
// Table row b is [b, 100 + b], so head 0 shows the bucket, head 1 100 more.
// REF-T5-BI: result 0: tensor<2x1x9xf32> = {{\[\[\[}}2, 2, 2, 1, 0, 5, 6, 7, 7]], {{\[\[}}102, 102, 102, 101, 100, 105, 106, 107, 107]]]{{$}}
func.func @hand_t5_bi() -> tensor<2x1x9xf32> {
  %table = arith.constant dense<[[0.0, 100.0], [1.0, 101.0], [2.0, 102.0],
      [3.0, 103.0], [4.0, 104.0], [5.0, 105.0], [6.0, 106.0], [7.0, 107.0]]>
      : tensor<8x2xf32>
  %q = arith.constant dense<[5]> : tensor<1xi64>
  %k = arith.constant dense<[0, 1, 3, 4, 5, 6, 8, 11, 40]> : tensor<9xi64>
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 16 : i64}
      : tensor<8x2xf32>, tensor<1xi64>, tensor<9xi64> -> tensor<2x1x9xf32>
  return %b : tensor<2x1x9xf32>
}

// t5, unidirectional, 4 buckets (max_exact 2), max_distance 16. Query at 7,
// same keys: r = -7 -6 -4 -3 -2 -1 1 4 33, n = max(-r, 0) = 7 6 4 3 2 1 0 0 0.
// n=7: 2 + trunc(ln 3.5 / ln 8 * 2) = 2 + trunc(1.205) = 3; n=6: 3 (1.057);
// n=4, 3, 2: 2; n=1: 1; future keys: 0. Row b of the table is b + 0.5.
// REF-T5-UNI: result 0: tensor<1x1x9xf32> = {{\[\[\[}}3.5, 3.5, 2.5, 2.5, 2.5, 1.5, 0.5, 0.5, 0.5]]]{{$}}
func.func @hand_t5_uni() -> tensor<1x1x9xf32> {
  %table = arith.constant dense<[[0.5], [1.5], [2.5], [3.5]]> : tensor<4x1xf32>
  %q = arith.constant dense<[7]> : tensor<1xi32>
  %k = arith.constant dense<[0, 1, 3, 4, 5, 6, 8, 11, 40]> : tensor<9xi32>
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 16 : i64}
      : tensor<4x1xf32>, tensor<1xi32>, tensor<9xi32> -> tensor<1x1x9xf32>
  return %b : tensor<1x1x9xf32>
}

// shaw, k = 2: row clip(j - i, -2, 2) + 2 of table [10, 20, 30, 40, 50].
//   i = 0, keys 0..4: r = 0..4   -> rows 2 3 4 4 4 -> 30 40 50 50 50
//   i = 1:            r = -1..3  -> rows 1 2 3 4 4 -> 20 30 40 50 50
//   i = 4:            r = -4..0  -> rows 0 0 0 1 2 -> 10 10 10 20 30
// REF-SHAW: result 0: tensor<1x3x5xf32> = {{\[\[\[}}30, 40, 50, 50, 50], [20, 30, 40, 50, 50], [10, 10, 10, 20, 30]]]{{$}}
func.func @hand_shaw() -> tensor<1x3x5xf32> {
  %table = arith.constant dense<[[10.0], [20.0], [30.0], [40.0], [50.0]]>
      : tensor<5x1xf32>
  %q = arith.constant dense<[0, 1, 4]> : tensor<3xi64>
  %k = arith.constant dense<[0, 1, 2, 3, 4]> : tensor<5xi64>
  %b = tessel.relative_bias shaw %table, %q, %k {max_distance = 2 : i64}
      : tensor<5x1xf32>, tensor<3xi64>, tensor<5xi64> -> tensor<1x3x5xf32>
  return %b : tensor<1x3x5xf32>
}

// 3 heads (not a power of two): the slopes of 2 heads, 2^-4 and 2^-8, then
// the first of every other slope of 4 heads, 2^-2. |q - k| for q = [0, 2],
// k = [0, 1, 3] is [[0, 1, 3], [2, 1, 1]]; y = -m_h * |q - k|.
// REF-ALIBI: result 0: tensor<3x2x3xf32> = {{\[\[\[}}{{-?}}0, -0.0625, -0.1875], [-0.125, -0.0625, -0.0625]], {{\[\[}}{{-?}}0, -0.00390625, -0.0117188], [-0.0078125, -0.00390625, -0.00390625]], {{\[\[}}{{-?}}0, -0.25, -0.75], [-0.5, -0.25, -0.25]]]{{$}}
func.func @hand_alibi() -> tensor<3x2x3xf32> {
  %q = arith.constant dense<[0, 2]> : tensor<2xi64>
  %k = arith.constant dense<[0, 1, 3]> : tensor<3xi64>
  %b = tessel.alibi %q, %k : tensor<2xi64>, tensor<3xi64> -> tensor<3x2x3xf32>
  return %b : tensor<3x2x3xf32>
}
