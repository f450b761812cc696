// RUN: tessel-opt %s --split-input-file --tessel-tile-attention="block-q=32 block-k=16" --cse | FileCheck %s
// RUN: tessel-opt %s --split-input-file --tessel-to-linalg-pipeline | FileCheck %s --check-prefix=NOST
// RUN: not tessel-opt %s --split-input-file --tessel-tile-attention="block-q=0" 2>&1 | FileCheck %s --check-prefix=BAD

// The online (FlashAttention) form, target-neutral: query tiles and key
// tiles, the running state explicit, no schedule. GQA (8 query heads, 2
// key/value heads), causal, with the log-sum-exp returned. Query tiles
// (batch, key/value head, 32 rows) in their natural order; a tile holds the
// 4 query heads of the group. Key tiles wholly below the diagonal run in a
// first loop without a mask (static 16 x 16 tiles), the tiles crossing it
// in a second loop whose steps carry the diagonal; tiles above it are
// never visited (both loops end at kvEnd). Both loops carry the running
// max m (-inf), the running sum l (0) and the accumulator acc (0), updated
// by one tessel.online_attention per key tile; then O = acc / l and
// lse = m + log(l) (m as 0 where a row saw no key) are written per tile.

// CHECK-LABEL: func.func @gqa_causal
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x8x?x16xf32>, %[[K:.+]]: tensor<1x2x?x16xf32>, %[[V:.+]]: tensor<1x2x?x16xf32>)
// CHECK:         %[[S:.+]] = tensor.dim %[[Q]], %c2
// CHECK:         %[[T:.+]] = tensor.dim %[[K]], %c2
// CHECK:         %[[R:.+]]:2 = scf.forall (%[[B:.+]], %[[H:.+]], %[[I:.+]]) = (0, 0, 0) to (1, 2, %[[S]]) step (1, 1, 32) shared_outs(%[[OUT:.+]] = %{{.+}}, %[[LSE:.+]] = %{{.+}}) -> (tensor<1x8x?x16xf32>, tensor<1x8x?xf32>)
// CHECK:           %[[HEAD:.+]] = arith.muli %[[H]], %c4
// CHECK:           %[[QT:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[HEAD]], %[[I]], 0] [1, 4, %{{.+}}, 16] [1, 1, 1, 1] : tensor<1x8x?x16xf32> to tensor<4x?x16xf32>
// CHECK:           %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:           %[[M0:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<4x?xf32>)
// CHECK:           %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:           %[[L0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<4x?xf32>)
// CHECK:           %[[ACC0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<4x?x16xf32>)
// CHECK:           %[[SHIFT:.+]] = arith.subi %[[T]], %[[S]]
// CHECK:           %[[QSHIFT:.+]] = arith.addi %[[I]], %[[SHIFT]]
// CHECK:           %[[FULL:.+]]:3 = scf.for %[[J:.+]] = %c0 to %[[FULLEND:.+]] step %c16 iter_args(%[[M:.+]] = %[[M0]], %[[L:.+]] = %[[L0]], %[[ACC:.+]] = %[[ACC0]]) -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<4x?x16xf32>)
// CHECK-NEXT:        %[[KT:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[H]], %[[J]], 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x?x16xf32> to tensor<16x16xf32>
// CHECK-NEXT:        %[[VT:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[H]], %[[J]], 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x?x16xf32> to tensor<16x16xf32>
// CHECK-NEXT:        %[[M1:.+]], %[[L1:.+]], %[[ACC1:.+]] = tessel.online_attention %[[QT]], %[[KT]], %[[VT]] into %[[M]], %[[L]], %[[ACC]] {scale = 2.500000e-01 : f64} : tensor<4x?x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<4x?xf32>, tensor<4x?x16xf32>
// CHECK-NEXT:        scf.yield %[[M1]], %[[L1]], %[[ACC1]]
// The diagonal tiles' loop: sizes are dynamic (the last key tile may be
// short); key j of a tile is visible to query i iff j <= i + diagonal.
// CHECK:           %[[DIAG:.+]]:3 = scf.for %[[J2:.+]] = %[[FULLEND]] to %{{.+}} step %c16 iter_args(%[[DM:.+]] = %[[FULL]]#0, %[[DL:.+]] = %[[FULL]]#1, %[[DACC:.+]] = %[[FULL]]#2)
// CHECK:             tensor.extract_slice %[[K]]{{.+}} : tensor<1x2x?x16xf32> to tensor<?x16xf32>
// CHECK:             %[[D:.+]] = arith.subi %[[QSHIFT]], %[[J2]] : index
// CHECK-NEXT:        tessel.online_attention %[[QT]], %{{.+}}, %{{.+}} diagonal %[[D]] into %[[DM]], %[[DL]], %[[DACC]]
// CHECK:           %[[OSLICE:.+]] = tensor.extract_slice %[[OUT]][%[[B]], %[[HEAD]], %[[I]], 0] [1, 4, %{{.+}}, 16] [1, 1, 1, 1] : tensor<1x8x?x16xf32> to tensor<4x?x16xf32>
// CHECK:           %[[OT:.+]] = linalg.generic {{.+}} ins(%[[DIAG]]#1, %[[DIAG]]#2 : tensor<4x?xf32>, tensor<4x?x16xf32>) outs(%[[OSLICE]] : tensor<4x?x16xf32>)
// CHECK:             arith.divf
// CHECK:           %[[LT:.+]] = linalg.generic {{.+}} ins(%[[DIAG]]#0, %[[DIAG]]#1 : tensor<4x?xf32>, tensor<4x?xf32>)
// CHECK:             math.log
// CHECK:             arith.cmpf oeq
// CHECK:             arith.select
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice %[[OT]] into %[[OUT]][%[[B]], %[[HEAD]], %[[I]], 0] [1, 4, %{{.+}}, 16]
// CHECK:             tensor.parallel_insert_slice %[[LT]] into %[[LSE]][%[[B]], %[[HEAD]], %[[I]]] [1, 4, %{{.+}}]
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @gqa_causal(%q: tensor<1x8x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> (tensor<1x8x?x16xf32>, tensor<1x8x?xf32>) {
  %o, %lse = tessel.attention %q, %k, %v {causal} : tensor<1x8x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32> -> tensor<1x8x?x16xf32>, tensor<1x8x?xf32>
  return %o, %lse : tensor<1x8x?x16xf32>, tensor<1x8x?xf32>
}

// -----

// Per-sequence positions [B, S] (a decode step whose sequences are at their
// own positions): the shift is positions[b, 0] of the tile's sequence, and
// the diagonal tiles end at kvEnd = qStart + rows + shift: no key past the
// tile's last query is read (the partial tile's size is min(16, kvEnd - j),
// not min(16, T - j)). Decode also splits the keys (FlashDecoding): a
// fourth forall dimension over chunks of 256 keys, each tile's key loops
// clamped to its chunk, its (m, l, acc) written per chunk, and a merge
// after the forall: M = max_c m_c, weights exp(m_c - M), O = sum / L.

// CHECK-LABEL: func.func @positions
// CHECK-SAME:    %[[K:[^:]+]]: tensor<?x2x?x16xf32>, %{{[^:]+}}: tensor<?x2x?x16xf32>, %[[P:[^:]+]]: tensor<?x?xi64>
// CHECK:         %[[T:.+]] = tensor.dim %[[K]], %c2
// CHECK:         %[[CHUNKS:.+]] = arith.ceildivsi %[[T]], %c256
// CHECK:         %[[R:.+]]:3 = scf.forall (%[[B:[^,]+]], %{{[^,]+}}, %[[I:[^,]+]], %[[C:[^)]+]]) = (0, 0, 0, 0) to (%{{.+}}, 2, %{{.+}}, %[[CHUNKS]]) step (1, 1, 32, 1)
// CHECK:           %[[LO:.+]] = arith.muli %[[C]], %c256
// CHECK:           %[[HI:.+]] = arith.addi %[[LO]], %c256
// CHECK:           %[[P0:.+]] = tensor.extract %[[P]][%[[B]], %c0{{[_0-9]*}}] : tensor<?x?xi64>
// CHECK:           %[[SHIFT:.+]] = arith.index_cast %[[P0]] : i64 to index
// CHECK:           %[[LASTQ:.+]] = arith.addi %[[I]], %{{.+}} : index
// CHECK:           %[[END:.+]] = arith.addi %[[LASTQ]], %[[SHIFT]] : index
// CHECK:           %[[QSHIFT:.+]] = arith.addi %[[I]], %[[SHIFT]]
// CHECK:           %[[FULLHI:.+]] = arith.minsi %{{.+}}, %[[HI]]
// CHECK:           %[[FULLEND:.+]] = arith.maxsi %[[LO]], %[[FULLHI]]
// CHECK:           scf.for %{{.+}} = %{{.+}} to %[[FULLEND]] step %c16
// CHECK:           scf.for %[[J:.+]] = %[[FULLEND]] to %{{.+}} step %c16
// CHECK:             %[[N:.+]] = affine.min #{{.+}}()[%[[J]], %{{.+}}]
// CHECK:             tensor.extract_slice %{{.+}}[%[[B]], %{{.+}}, %[[J]], 0] [1, 1, %[[N]], 16]
// CHECK:             %[[D:.+]] = arith.subi %[[QSHIFT]], %[[J]] : index
// CHECK:             tessel.online_attention {{.+}} diagonal %[[D]] into
// CHECK:           scf.forall.in_parallel
// CHECK:             tensor.parallel_insert_slice %{{.+}} into %{{.+}}[%[[B]], %{{.+}}, %[[I]], %[[C]]] [1, 2, %{{.+}}, 1]
// CHECK:         %[[M:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[R]]#0 :
// CHECK:           arith.maximumf
// CHECK:         %[[W:.+]] = linalg.generic {{.+}} ins(%[[R]]#0, %[[M]] :
// CHECK:           math.exp
// CHECK:         %[[L:.+]] = linalg.generic {{.+}} ins(%[[W]], %[[R]]#1 :
// CHECK:         %[[N:.+]] = linalg.generic {{.+}} ins(%[[W]], %[[R]]#2 :
// CHECK:         linalg.generic {{.+}} ins(%[[N]], %[[L]] :
// CHECK:           arith.divf
func.func @positions(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %p: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tessel.attention %q, %k, %v positions(%p : tensor<?x?xi64>) {causal} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Keys and values read through a block table (a paged KV cache with blocks
// of 8 positions; the values a slice of the keys' features, as MLA's
// latent): key tiles are one block each (8 keys, not block-k), sliced from
// the pool at the block the sequence's table names for the tile. Once
// lowered (the second run) no gather of the cache is left: only the read's
// size was used, and its gather folds away.

// CHECK-LABEL: func.func @paged
// CHECK-SAME:    %[[POOL:[^:]+]]: tensor<?x1x8x24xf32>, %[[TABLE:[^:]+]]: tensor<?x?xi64>
// CHECK:         scf.forall (%[[B:[^,]+]], %[[H:[^,]+]], %{{[^,]+}}, %{{[^)]+}}) = (0, 0, 0, 0)
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c8
// CHECK:             %[[E:.+]] = arith.divui %[[J]], %c8
// CHECK:             %[[BLK:.+]] = tensor.extract %[[TABLE]][%[[B]], %[[E]]]
// CHECK:             %[[BI:.+]] = arith.index_cast %[[BLK]] : i64 to index
// CHECK:             tensor.extract_slice %[[POOL]][%[[BI]], %[[H]], 0, 0] [1, 1, 8, 24] [1, 1, 1, 1] : tensor<?x1x8x24xf32> to tensor<8x24xf32>
// CHECK:             tensor.extract_slice %[[POOL]][%[[BI]], %[[H]], 0, 0] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<?x1x8x24xf32> to tensor<8x16xf32>
// CHECK:             tessel.online_attention
// NOST-LABEL: func.func @paged
// NOST-SAME:     %[[POOL:[^:]+]]: tensor<?x1x8x24xf32>
// NOST-NOT:      tensor.extract %[[POOL]]
// NOST:          tessel.online_attention
// NOST-NOT:      tensor.extract %[[POOL]]
// NOST:          return
func.func @paged(%q: tensor<?x4x?x24xf32>, %pool: tensor<?x1x8x24xf32>, %table: tensor<?x?xi64>, %p: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %k = tessel.paged_cache_read %pool[%table, %p] : tensor<?x1x8x24xf32>, tensor<?x?xi64>, tensor<?x?xi64> -> tensor<?x1x?x24xf32>
  %v = tessel.slice %k {axis = 3 : i64, offset = 0 : i64} : tensor<?x1x?x24xf32> -> tensor<?x1x?x16xf32>
  %o = tessel.attention %q, %k, %v positions(%p : tensor<?x?xi64>) {causal} : tensor<?x4x?x24xf32>, tensor<?x1x?x24xf32>, tensor<?x1x?x16xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Not causal, with a bias [Hq, S, T] that broadcasts over the batch: a
// loop over the full key tiles (static sizes, 16 keys), then one over the
// last, shorter tile if T is not a multiple of 16; each step reads its bias
// tile [4, bq, bk] of the group's heads; MQA (1 key/value head) puts all 4
// heads in the group.

// CHECK-LABEL: func.func @mqa_bias
// CHECK-SAME:    %[[BIAS:[^:]+]]: tensor<4x?x?xf32>
// CHECK:         %[[T:.+]] = tensor.dim %{{.+}}, %c2 : tensor<?x1x?x16xf32>
// CHECK:         scf.forall ({{.+}}) = (0, 0, 0) to (%{{.+}}, 1, %{{.+}}) step (1, 1, 32)
// CHECK:           %[[NFULL:.+]] = arith.floordivsi %[[T]], %c16 : index
// CHECK:           %[[FULLEND:.+]] = arith.muli %[[NFULL]], %c16 : index
// CHECK:           %[[FULL:.+]]:3 = scf.for %{{.+}} = %c0 to %[[FULLEND]] step %c16
// CHECK:             %[[BT:.+]] = tensor.extract_slice %[[BIAS]][%{{.+}}, %{{.+}}, %{{.+}}] [4, %{{.+}}, 16] [1, 1, 1] : tensor<4x?x?xf32> to tensor<4x?x16xf32>
// CHECK-NEXT:        tessel.online_attention {{.+}} bias %[[BT]] into
// CHECK:           scf.for %{{.+}} = %[[FULLEND]] to %[[T]] step %c16 iter_args(%{{.+}} = %[[FULL]]#0
// CHECK:             %[[BT2:.+]] = tensor.extract_slice %[[BIAS]][%{{.+}}, %{{.+}}, %{{.+}}] [4, %{{.+}}, %{{.+}}] [1, 1, 1] : tensor<4x?x?xf32> to tensor<4x?x?xf32>
// CHECK-NEXT:        tessel.online_attention {{.+}} bias %[[BT2]] into
// CHECK-NOT:       scf.for
// CHECK:           scf.forall.in_parallel
func.func @mqa_bias(%q: tensor<?x4x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>, %bias: tensor<4x?x?xf32>) -> tensor<?x4x?x16xf32> {
  %o = tessel.attention %q, %k, %v, %bias : tensor<?x4x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>, tensor<4x?x?xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// f16 with a key-padding bias [B, 1, 1, T]: the steps read f16 tiles (the
// bias tile keeps its broadcast dimensions, without the batch one), the
// state is f32, and O is converted back to f16 at the end.

// CHECK-LABEL: func.func @f16_padding_bias
// CHECK:         scf.forall
// CHECK:           scf.for
// CHECK:             %[[BT:.+]] = tensor.extract_slice %{{.+}}[%{{.+}}, 0, 0, %{{.+}}] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<2x1x1x?xf16> to tensor<1x1x16xf16>
// CHECK-NEXT:        tessel.online_attention {{.+}} bias %[[BT]] into {{.+}} : tensor<1x?x8xf16>, tensor<16x8xf16>, tensor<16x8xf16>, tensor<1x1x16xf16> -> tensor<1x?xf32>, tensor<1x?x8xf32>
// CHECK:         linalg.generic
// CHECK:           arith.truncf %{{.+}} : f32 to f16
func.func @f16_padding_bias(%q: tensor<2x2x?x8xf16>, %bias: tensor<2x1x1x?xf16>) -> tensor<2x2x?x8xf16> {
  %o = tessel.attention %q, %q, %q, %bias : tensor<2x2x?x8xf16>, tensor<2x2x?x8xf16>, tensor<2x2x?x8xf16>, tensor<2x1x1x?xf16> -> tensor<2x2x?x8xf16>
  return %o : tensor<2x2x?x8xf16>
}

// -----

// Through the target-neutral phase at S = T = 384 (2 heads, D = 32): no
// tensor of S x T logits exists, per head (147456 elements) or for both
// heads (294912); the largest attention temporary is a key tile.

// NOST-LABEL: func.func @static_sizes
// NOST-NOT:     384x384
// NOST-NOT:     147456
// NOST-NOT:     294912
// NOST:         tessel.online_attention
// NOST-NOT:     384x384
func.func @static_sizes(%q: tensor<1x2x384x32xf32>, %k: tensor<1x2x384x32xf32>, %v: tensor<1x2x384x32xf32>) -> tensor<1x2x384x32xf32> {
  %o = tessel.attention %q, %k, %v {causal} : tensor<1x2x384x32xf32>, tensor<1x2x384x32xf32>, tensor<1x2x384x32xf32> -> tensor<1x2x384x32xf32>
  return %o : tensor<1x2x384x32xf32>
}

// BAD: tessel-tile-attention: block-q and block-k must be positive
