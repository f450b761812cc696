// RUN: tessel-opt %s --split-input-file --tessel-tile-attention="block-q=32 block-k=16" --tessel-cpu-map-attention --cse | FileCheck %s
// RUN: tessel-opt %s --split-input-file --tessel-tile-attention --tessel-cpu-map-attention --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --canonicalize --cse --canonicalize | FileCheck %s --check-prefix=BUF
// RUN: tessel-opt %s --split-input-file --tessel-cpu-pipeline | FileCheck %s --check-prefix=NOST

// The CPU's mapping of the online form (tessel-tile-attention's output, in
// test/passes/graph/tile-attention.mlir). GQA (8 query heads, 2 key/value
// heads), causal. Query tiles go last to first (the costly ones, which see
// the most keys, first: threads take tiles in iteration order). Each key
// and value tile (no head dimension) is sliced once and read by all 4 heads
// of the group; the keys are transposed once, before the threads start
// ([B, Hkv, D, T]), so that inner products read keys as rows, and each
// query tile is scaled by 1/sqrt(d) once, into a buffer of its own, so no
// logit is multiplied (in the unmasked loop the row max reads the inner
// products directly). The loops carry the running max m, the running sum l
// and the accumulator, and two scratch tensors that every step reuses in
// place: the logits tile [4, bq, bk] (a slice of it when the key tile is
// short; the slice is zeroed and tessel-cpu-tile-and-vectorize fuses that
// fill into its register tiles) and the row maxima, which then hold
// alpha = exp(m - m'). p = exp(s - m') and its row sums are one op. Each
// exp(d) is exp2(d log2(e)), the multiplication applied to the difference,
// so logits keep the naive computation's rounding. O = acc / l and
// lse = m + log(l) are written per tile.

// CHECK-LABEL: func.func @gqa_causal
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x?x16xf32>, %[[K:.+]]: tensor<1x2x?x16xf32>, %[[V:.+]]: tensor<1x2x?x16xf32>)
// CHECK:         %[[KTALL:.+]] = linalg.transpose ins(%[[K]] : tensor<1x2x?x16xf32>) outs(%{{.+}} : tensor<1x2x16x?xf32>) permutation = [0, 1, 3, 2]
// CHECK:         %[[R:.+]]:2 = scf.forall (%[[B:.+]], %[[H:.+]], %[[I:.+]]) = (0, 0, 0) to (1, 2, %{{.+}}) step (1, 1, 32) shared_outs(%[[OUT:.+]] = %{{.+}}, %[[LSE:.+]] = %{{.+}}) -> (tensor<1x8x?x16xf32>, tensor<1x8x?xf32>)
// CHECK:           %[[LASTM1:.+]] = arith.subi %{{.+}}, %c1 : index
// CHECK:           %[[LASTT:.+]] = arith.floordivsi %[[LASTM1]], %c32 : index
// CHECK:           %[[LAST:.+]] = arith.muli %[[LASTT]], %c32 : index
// CHECK:           %[[QSTART:.+]] = arith.subi %[[LAST]], %[[I]] : index
// CHECK:           %[[QT:.+]] = tensor.extract_slice %[[Q]][%[[B]], %{{.+}}, %[[QSTART]], 0] [1, 4, %{{.+}}, 16] [1, 1, 1, 1] : tensor<1x8x?x16xf32> to tensor<4x?x16xf32>
// CHECK:           %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
// CHECK:           %[[QS:.+]] = linalg.generic {{.+}} ins(%[[QT]] : tensor<4x?x16xf32>)
// CHECK:             arith.mulf %{{.+}}, %[[SCALE]] : f32
// CHECK:           %[[FULL:.+]]:5 = scf.for %[[J:.+]] = %c0 to %[[FULLEND:.+]] step %c16 iter_args(%[[M:.+]] = %{{.+}}, %[[L:.+]] = %{{.+}}, %[[ACC:.+]] = %{{.+}}, %[[SBUF:.+]] = %{{.+}}, %[[ROWBUF:.+]] = %{{.+}}) -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<4x?x16xf32>, tensor<4x?x16xf32>, tensor<4x?xf32>)
// The key tiles of this first loop are all full: static sizes.
// CHECK-DAG:         %[[KTT:.+]] = tensor.extract_slice %[[KTALL]][%[[B]], %[[H]], 0, %[[J]]] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x16x?xf32> to tensor<16x16xf32>
// CHECK-DAG:         %[[VT:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[H]], %[[J]], 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x?x16xf32> to tensor<16x16xf32>
// CHECK:             %[[STILE:.+]] = tensor.extract_slice %[[SBUF]][0, 0, 0] [4, %{{.+}}, 16] [1, 1, 1] : tensor<4x?x16xf32> to tensor<4x?x16xf32>
// CHECK:             %[[SZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[STILE]] : tensor<4x?x16xf32>)
// CHECK:             %[[S:.+]] = linalg.generic {{.+}} ins(%[[QS]], %[[KTT]] : tensor<4x?x16xf32>, tensor<16x16xf32>) outs(%[[SZERO]] : tensor<4x?x16xf32>)
// CHECK-NEXT:          ^bb0
// CHECK-NEXT:            arith.mulf
// CHECK-NEXT:            arith.addf
// CHECK-NEXT:            linalg.yield
// CHECK-NEXT:          } -> tensor<4x?x16xf32>
// CHECK-NEXT:        %[[MAXINIT:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[ROWBUF]] : tensor<4x?xf32>)
// CHECK-NEXT:        %[[ROWMAX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[S]] : tensor<4x?x16xf32>) outs(%[[MAXINIT]] : tensor<4x?xf32>)
// CHECK-NEXT:          ^bb0
// CHECK-NEXT:            arith.maxnumf
// CHECK:             %[[UPD:.+]]:2 = linalg.generic {{.+}} outs(%[[M]], %[[ROWMAX]] : tensor<4x?xf32>, tensor<4x?xf32>)
// CHECK:               %[[MNEW:.+]] = arith.maximumf
// CHECK:               %[[MD:.+]] = arith.subf
// CHECK:               %[[MD2:.+]] = arith.mulf %[[MD]], %[[LOG2E:.+]] : f32
// CHECK:               %[[ALPHA:.+]] = math.exp2 %[[MD2]] : f32
// CHECK:               linalg.yield %[[MNEW]], %[[ALPHA]] : f32, f32
// CHECK:             %[[LS:.+]] = linalg.generic {{.+}} ins(%[[UPD]]#1 : tensor<4x?xf32>) outs(%[[L]] : tensor<4x?xf32>)
// CHECK:             %[[PL:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[UPD]]#0 : tensor<4x?xf32>) outs(%[[S]], %[[LS]] : tensor<4x?x16xf32>, tensor<4x?xf32>)
// CHECK:               %[[PD:.+]] = arith.subf
// CHECK:               %[[PD2:.+]] = arith.mulf %[[PD]], %[[LOG2E]] : f32
// CHECK:               %[[PEXP:.+]] = math.exp2 %[[PD2]] : f32
// CHECK:               %[[PSUM:.+]] = arith.addf %{{.+}}, %[[PEXP]] fastmath<reassoc>
// CHECK:               linalg.yield %[[PEXP]], %[[PSUM]] : f32, f32
// CHECK:             %[[ACCS:.+]] = linalg.generic {{.+}} ins(%[[UPD]]#1 : tensor<4x?xf32>) outs(%[[ACC]] : tensor<4x?x16xf32>)
// CHECK:             %[[ACCNEW:.+]] = linalg.generic {{.+}} ins(%[[PL]]#0, %[[VT]] : tensor<4x?x16xf32>, tensor<16x16xf32>) outs(%[[ACCS]] : tensor<4x?x16xf32>)
// CHECK:             %[[SNEXT:.+]] = tensor.insert_slice %[[PL]]#0 into %[[SBUF]][0, 0, 0] [4, %{{.+}}, 16] [1, 1, 1]
// CHECK:             scf.yield %[[UPD]]#0, %[[PL]]#1, %[[ACCNEW]], %[[SNEXT]], %[[UPD]]#1
// The diagonal tiles' loop: sizes are dynamic (the last key tile may be
// short).
// CHECK:           %[[DIAG:.+]]:5 = scf.for %{{.+}} = %[[FULLEND]] to %{{.+}} step %c16 iter_args(%{{.+}} = %[[FULL]]#0, %{{.+}} = %[[FULL]]#1, %{{.+}} = %[[FULL]]#2, %{{.+}} = %[[FULL]]#3, %{{.+}} = %[[FULL]]#4)
// CHECK:             tensor.extract_slice %[[KTALL]]{{.+}} : tensor<1x2x16x?xf32> to tensor<16x?xf32>
// CHECK:             linalg.index 1
// CHECK:             linalg.index 2
// CHECK:             arith.cmpi sle
// CHECK:             arith.select
// CHECK:           %[[OSLICE:.+]] = tensor.extract_slice %[[OUT]][%[[B]], %{{.+}}, %[[QSTART]], 0] [1, 4, %{{.+}}, 16] [1, 1, 1, 1] : tensor<1x8x?x16xf32> to tensor<4x?x16xf32>
// CHECK:           %[[OT:.+]] = linalg.generic {{.+}} ins(%[[DIAG]]#1, %[[DIAG]]#2 : tensor<4x?xf32>, tensor<4x?x16xf32>) outs(%[[OSLICE]] : tensor<4x?x16xf32>)
// CHECK:             arith.divf
// CHECK:           %[[LT:.+]] = linalg.generic {{.+}} ins(%[[DIAG]]#0, %[[DIAG]]#1 : tensor<4x?xf32>, tensor<4x?xf32>)
// CHECK:             math.log
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice %[[OT]] into %[[OUT]][%[[B]], %{{.+}}, %[[QSTART]], 0] [1, 4, %{{.+}}, 16]
// CHECK:             tensor.parallel_insert_slice %[[LT]] into %[[LSE]][%[[B]], %{{.+}}, %[[QSTART]]] [1, 4, %{{.+}}]
// CHECK:         return %[[R]]#0
// Bufferized, the key loops allocate and copy nothing: each step fills and
// reuses the scratch buffers allocated once per query tile, and the output
// tile is written in place.
// BUF-LABEL: func.func @gqa_causal
// BUF:         scf.forall
// BUF:           %[[SBUF:.+]] = memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<4x?x64xf32>
// BUF:           %[[ROWBUF:.+]] = memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<4x?xf32>
// BUF-NOT:       memref.alloc
// BUF-NOT:       memref.copy
// BUF:           scf.for
// BUF:             %[[STILE:.+]] = memref.subview %[[SBUF]][0, 0, 0] [4, %{{.+}}, 64] [1, 1, 1]
// BUF:             linalg.fill ins(%{{.+}} : f32) outs(%[[STILE]] :
// BUF:             linalg.fill ins(%{{.+}} : f32) outs(%[[ROWBUF]] :
// BUF-NOT:         memref.alloc
// BUF-NOT:         memref.copy
// BUF:           scf.for
// BUF-NOT:         memref.alloc
// BUF-NOT:         memref.copy
// BUF:             %[[STILE2:.+]] = memref.subview %[[SBUF]][0, 0, 0] [4, %{{.+}}, %{{.+}}] [1, 1, 1]
// BUF:             linalg.fill ins(%{{.+}} : f32) outs(%[[STILE2]] :
// BUF:             linalg.fill ins(%{{.+}} : f32) outs(%[[ROWBUF]] :
// BUF-NOT:         memref.alloc
// BUF-NOT:         memref.copy
// O = acc / l goes straight into the result.
// BUF:           %[[OSLICE:.+]] = memref.subview %{{.+}}[0, %{{.+}}, %{{.+}}, 0] [1, 4, %{{.+}}, 16] [1, 1, 1, 1]
// BUF-NEXT:      linalg.generic {{.+}} outs(%[[OSLICE]] :
// BUF-NOT:       memref.copy
// BUF:           return
func.func @gqa_causal(%q: tensor<1x8x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x8x?x16xf32> {
  %o = tessel.attention %q, %k, %v {causal} : tensor<1x8x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32> -> tensor<1x8x?x16xf32>
  return %o : tensor<1x8x?x16xf32>
}

// -----

// Not causal, with a bias [Hq, S, T] that broadcasts over the batch: a
// loop over the full key tiles (static sizes, 16 keys), then one over the
// last, shorter tile if T is not a multiple of 16; the bias tile [4, bq, bk]
// of the group's heads is sliced per step; MQA (1 key/value head) puts all 4
// heads in the group.

// CHECK-LABEL: func.func @mqa_bias
// CHECK:         %[[T:.+]] = tensor.dim %{{.+}}, %c2 : tensor<?x1x?x16xf32>
// CHECK:         scf.forall ({{.+}}) = (0, 0, 0) to (%{{.+}}, 1, %{{.+}}) step (1, 1, 32)
// CHECK:           %[[NFULL:.+]] = arith.floordivsi %[[T]], %c16 : index
// CHECK:           %[[FULLEND:.+]] = arith.muli %[[NFULL]], %c16 : index
// CHECK:           %[[FULL:.+]]:5 = scf.for %{{.+}} = %c0 to %[[FULLEND]] step %c16
// CHECK:             tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] [4, %{{.+}}, 16] [1, 1, 1] : tensor<4x?x?xf32> to tensor<4x?x16xf32>
// CHECK:             arith.addf
// CHECK:           scf.for %{{.+}} = %[[FULLEND]] to %[[T]] step %c16 iter_args(%{{.+}} = %[[FULL]]#0
// CHECK:             tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] [4, %{{.+}}, %{{.+}}] [1, 1, 1] : tensor<4x?x?xf32> to tensor<4x?x?xf32>
// CHECK:             arith.addf
// CHECK-NOT:       scf.for
// CHECK:           scf.forall.in_parallel
func.func @mqa_bias(%q: tensor<?x4x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %bias: tensor<4x?x?xf32>) -> tensor<?x4x?x16xf32> {
  %o = tessel.attention %q, %k, %v, %bias : tensor<?x4x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>, tensor<4x?x?xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Through the whole CPU pipeline at S = T = 384 (2 heads, D = 32): no
// buffer of S x T logits is allocated, per head (147456 elements, 589824
// bytes) or for both heads (294912, 1179648); the largest attention
// temporary is one [G, block-q, block-k] tile.

// NOST-LABEL: llvm.func internal @static_sizes
// NOST-NOT:     384x384
// NOST-NOT:     147456
// NOST-NOT:     294912
// NOST-NOT:     589824
// NOST-NOT:     1179648
func.func @static_sizes(%q: tensor<1x2x384x32xf32>, %k: tensor<1x2x384x32xf32>, %v: tensor<1x2x384x32xf32>) -> tensor<1x2x384x32xf32> {
  %o = tessel.attention %q, %k, %v {causal} : tensor<1x2x384x32xf32>, tensor<1x2x384x32xf32>, tensor<1x2x384x32xf32> -> tensor<1x2x384x32xf32>
  return %o : tensor<1x2x384x32xf32>
}

// -----

// A step outside the tiles' structure (no key loop, keys not sliced from a
// whole key tensor) is decomposed on its own: a fresh logits tile, q.k^T
// read through the keys' [K, D] layout, and one op that scales the logits,
// adds the bias (here [K], broadcast over heads and rows) and applies the
// diagonal mask.

// CHECK-LABEL: func.func @standalone_step
// CHECK-SAME:    (%[[Q:.+]]: tensor<2x8x16xf32>, %[[K:.+]]: tensor<24x16xf32>, %[[V:.+]]: tensor<24x8xf32>, %[[M:.+]]: tensor<2x8xf32>, %[[L:.+]]: tensor<2x8xf32>, %[[ACC:.+]]: tensor<2x8x8xf32>, %[[BIAS:.+]]: tensor<24xf32>)
// CHECK-NOT:     tessel.online_attention
// CHECK:         %[[SBUF:.+]] = tensor.empty() : tensor<2x8x24xf32>
// CHECK:         %[[STILE:.+]] = tensor.extract_slice %[[SBUF]][0, 0, 0] [2, 8, 24] [1, 1, 1]
// CHECK:         %[[S0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[STILE]] : tensor<2x8x24xf32>)
// CHECK:         %[[S:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[KMAP:.+]], #{{.+}}], {{.+}} ins(%[[Q]], %[[K]] : tensor<2x8x16xf32>, tensor<24x16xf32>) outs(%[[S0]] : tensor<2x8x24xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[BMAP:.+]], #{{.+}}], {{.+}} ins(%[[BIAS]] : tensor<24xf32>) outs(%[[S]] : tensor<2x8x24xf32>)
// CHECK:           arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK:           arith.addf
// CHECK:           linalg.index 1
// CHECK:           linalg.index 2
// CHECK:           arith.cmpi sle
// CHECK:           arith.select
// CHECK:         return
func.func @standalone_step(%q: tensor<2x8x16xf32>, %k: tensor<24x16xf32>, %v: tensor<24x8xf32>, %m: tensor<2x8xf32>, %l: tensor<2x8xf32>, %acc: tensor<2x8x8xf32>, %bias: tensor<24xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>) {
  %d = arith.constant 3 : index
  %m1, %l1, %acc1 = tessel.online_attention %q, %k, %v bias %bias diagonal %d into %m, %l, %acc {scale = 0.25 : f64} : tensor<2x8x16xf32>, tensor<24x16xf32>, tensor<24x8xf32>, tensor<24xf32> -> tensor<2x8xf32>, tensor<2x8x8xf32>
  return %m1, %l1, %acc1 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>
}

// -----

// Scratch is carried through a key loop only when every key tile fits it
// ([G, Q, step]): a 32-key tile in a loop of step 16 gets a fresh logits
// tile of its own. Two steps of one query tile in one loop each get their
// own scratch (the IR stays valid: no loop is fed its own results).

// CHECK-LABEL: func.func @scratch_choices
// CHECK:         scf.for {{.*}} iter_args(%{{[^,]+}} = %{{[^,]+}}, %{{[^,]+}} = %{{[^,]+}}, %{{[^,]+}} = %{{[^)]+}}) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>)
// CHECK:           tensor.empty() : tensor<2x8x32xf32>
// CHECK:         scf.for {{.*}} -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>, tensor<2x8x16xf32>, tensor<2x8xf32>, tensor<2x8x16xf32>, tensor<2x8xf32>)
// CHECK-NOT:       tensor.empty
// CHECK:           scf.yield
func.func @scratch_choices(%q: tensor<2x8x16xf32>, %k: tensor<64x16xf32>, %v: tensor<64x8xf32>, %m0: tensor<2x8xf32>, %l0: tensor<2x8xf32>, %a0: tensor<2x8x8xf32>) -> (tensor<2x8x8xf32>, tensor<2x8x8xf32>, tensor<2x8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %big:3 = scf.for %j = %c0 to %c32 step %c16 iter_args(%m = %m0, %l = %l0, %a = %a0) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>) {
    %kt = tensor.extract_slice %k[%j, 0] [32, 16] [1, 1] : tensor<64x16xf32> to tensor<32x16xf32>
    %vt = tensor.extract_slice %v[%j, 0] [32, 8] [1, 1] : tensor<64x8xf32> to tensor<32x8xf32>
    %m1, %l1, %a1 = tessel.online_attention %q, %kt, %vt into %m, %l, %a : tensor<2x8x16xf32>, tensor<32x16xf32>, tensor<32x8xf32> -> tensor<2x8xf32>, tensor<2x8x8xf32>
    scf.yield %m1, %l1, %a1 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>
  }
  %two:6 = scf.for %j = %c0 to %c32 step %c16 iter_args(%m = %m0, %l = %l0, %a = %a0, %mb = %m0, %lb = %l0, %ab = %a0) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>) {
    %kt = tensor.extract_slice %k[%j, 0] [16, 16] [1, 1] : tensor<64x16xf32> to tensor<16x16xf32>
    %vt = tensor.extract_slice %v[%j, 0] [16, 8] [1, 1] : tensor<64x8xf32> to tensor<16x8xf32>
    %m1, %l1, %a1 = tessel.online_attention %q, %kt, %vt into %m, %l, %a : tensor<2x8x16xf32>, tensor<16x16xf32>, tensor<16x8xf32> -> tensor<2x8xf32>, tensor<2x8x8xf32>
    %m2, %l2, %a2 = tessel.online_attention %q, %kt, %vt into %mb, %lb, %ab {scale = 0.5 : f64} : tensor<2x8x16xf32>, tensor<16x16xf32>, tensor<16x8xf32> -> tensor<2x8xf32>, tensor<2x8x8xf32>
    scf.yield %m1, %l1, %a1, %m2, %l2, %a2 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8x8xf32>
  }
  return %big#2, %two#2, %two#5 : tensor<2x8x8xf32>, tensor<2x8x8xf32>, tensor<2x8x8xf32>
}

// -----

// In a decode entry point the keys are the KV cache: they are not
// transposed (that would copy the whole cache at every token); each key
// tile is read as it is, [K, D].

// CHECK-LABEL: func.func @decode_keys
// CHECK-NOT:     linalg.transpose
// CHECK:         scf.forall
// CHECK:           %[[KT:.+]] = tensor.extract_slice %{{.+}} : tensor<1x2x?x16xf32> to tensor<16x16xf32>
// CHECK:           linalg.generic {indexing_maps = [#{{.+}}, #[[KMAP:.+]], #{{.+}}], {{.+}} ins(%{{.+}}, %[[KT]] : tensor<4x?x16xf32>, tensor<16x16xf32>)
func.func @decode_keys(%q: tensor<1x8x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x8x?x16xf32> attributes {tessel.entry_point = #tessel.entry_point<decode>} {
  %o = tessel.attention %q, %k, %v {causal} : tensor<1x8x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32> -> tensor<1x8x?x16xf32>
  return %o : tensor<1x8x?x16xf32>
}
