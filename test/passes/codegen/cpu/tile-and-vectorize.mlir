// RUN: tessel-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tessel-cpu-tile-and-vectorize),canonicalize,cse)' | FileCheck %s

// A linear layer x[b,s,k] . W[n,k] with a dynamic batch and sequence: threads
// share (b, 32-row, 128-column) chunks, every dimension a thread dimension
// (decode's single row still spreads its columns over the threads), the
// column chunks outside the row chunks: threads that run at once take row
// chunks of one 128-column panel of W, which is then read from memory once,
// not once per row chunk (a decode step's contractions keep the rows
// outside: the next case). Inside,
// the chunk's rows are split at the last multiple of 8: 8x16 register tiles
// of the output for those, peeled so that the main loops see full tiles;
// the accumulator tile lives in vector registers across the reduction loop
// (iter_args of vector type); W's [16 cols x 16 k] tile is transposed by
// shuffles and each k step is 8 broadcast-FMAs. The rows after the split
// (fewer than 8: decode's one row per sequence) get 1x16 tiles, vector code
// too, not a scalar remainder.

#x = affine_map<(b, s, n, k) -> (b, s, k)>
#w = affine_map<(b, s, n, k) -> (n, k)>
#o = affine_map<(b, s, n, k) -> (b, s, n)>
// CHECK-LABEL: func.func @linear
// CHECK:         scf.forall (%[[B:.+]], %[[N:.+]], %[[S:.+]]) = (0, 0, 0) to (%{{.+}}, 256, %{{.+}}) step (1, 128, 32)
// CHECK:           %[[ROWS:.+]] = scf.for %{{.+}} = %c0 to %[[SPLIT:.+]] step %c8 iter_args(
// CHECK:             scf.for %{{.+}} = %c0 to %c128 step %c16 iter_args(
// CHECK:               %[[ACC0:.+]] = vector.transfer_read {{.+}} vector<1x8x16xf32>
// CHECK:               %[[ACC:.+]] = scf.for %{{.+}} = %c0 to %c64 step %c16 iter_args(%[[A:.+]] = %[[ACC0]]) -> (vector<1x8x16xf32>)
// CHECK:                 vector.shuffle
// CHECK:                 vector.broadcast %{{.+}} : f32 to vector<16xf32>
// CHECK:                 vector.fma
// CHECK:               vector.transfer_write %[[ACC]]
// CHECK:           scf.for %{{.+}} = %c0 to %{{.+}} step %c1 iter_args(
// CHECK:             scf.for %{{.+}} = %c0 to %c128 step %c16 iter_args(
// CHECK:               %[[ROW0:.+]] = vector.transfer_read {{.+}} vector<1x1x16xf32>
// CHECK:               %[[ROW:.+]] = scf.for %{{.+}} = %c0 to %c64 step %c16 iter_args(%{{.+}} = %[[ROW0]]) -> (vector<1x1x16xf32>)
// CHECK:                 vector.fma
// CHECK:               vector.transfer_write %[[ROW]]
// CHECK:           scf.forall.in_parallel
func.func @linear(%x: tensor<?x?x64xf32>, %w: tensor<256x64xf32>, %init: tensor<?x?x256xf32>) -> tensor<?x?x256xf32> {
  %r = linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x?x64xf32>, tensor<256x64xf32>) outs(%init : tensor<?x?x256xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x?x256xf32>
  return %r : tensor<?x?x256xf32>
}

// -----

// A batched matmul [h, m, k] . [h, k, n]: the head is a thread dimension
// (tile 1; single-chunk rows and columns fold away); no transpose is needed
// because the right operand's rows are already the vector of columns, so
// the register tiles are 8 x 32 (wide-tile-cols): 32-wide FMAs.

// CHECK-LABEL: func.func @batched
// CHECK:         scf.forall (%{{.+}}) in (4)
// CHECK-NOT:       vector.shuffle
// CHECK:           %[[ACC0:.+]] = vector.transfer_read {{.+}} vector<1x8x32xf32>
// CHECK:           vector.fma {{.+}} : vector<32xf32>
func.func @batched(%a: tensor<4x32x64xf32>, %b: tensor<4x64x32xf32>, %init: tensor<4x32x32xf32>) -> tensor<4x32x32xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<4x32x64xf32>, tensor<4x64x32xf32>) outs(%init : tensor<4x32x32xf32>) -> tensor<4x32x32xf32>
  return %r : tensor<4x32x32xf32>
}

// -----

// A reduction of 2 is shorter than its tile (wide-tile-k, 4, for these
// 8 x 32 tiles): its register tiles take the whole reduction, 2 steps, and
// still vectorize (no scalar remainder does all the work). With a head size
// of 8, Linear layers' 8 x 16 tiles (tile-k 16) get the same treatment.

// CHECK-LABEL: func.func @short_reduction
// CHECK:         vector.transfer_read {{.+}} vector<1x8x2xf32>
// CHECK:         vector.fma {{.+}} : vector<32xf32>
func.func @short_reduction(%a: tensor<4x32x2xf32>, %b: tensor<4x2x32xf32>, %init: tensor<4x32x32xf32>) -> tensor<4x32x32xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<4x32x2xf32>, tensor<4x2x32xf32>) outs(%init : tensor<4x32x32xf32>) -> tensor<4x32x32xf32>
  return %r : tensor<4x32x32xf32>
}

// -----

// Not contractions of the handled form: an elementwise product and a sum
// over two dimensions stay as they are.

// CHECK-LABEL: func.func @untouched
// CHECK-NOT:     scf.forall
// CHECK:         linalg.generic
// CHECK-NOT:     vector.
func.func @untouched(%a: tensor<8x16x16xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i)>], iterator_types = ["parallel", "reduction", "reduction"]} ins(%a : tensor<8x16x16xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// Keys transposed to [B, H, D, T] (FlashAttention's first step): threads
// share 64 x 64 chunks of the last two dimensions; each chunk loops over
// 16 x 16 tiles, read as 16 rows, transposed by shuffles and written as 16
// rows (no gathers). The partial tiles at the end of T stay linalg.

// CHECK-LABEL: func.func @transpose_keys
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (8, %{{.+}}) step (1, 64)
// CHECK:           %[[TILE:.+]] = vector.transfer_read {{.+}} : tensor<1x8x?x64xf32>, vector<1x1x16x16xf32>
// CHECK:           vector.shuffle
// CHECK:           vector.transfer_write %{{.+}} : vector<1x1x16x16xf32>, tensor<1x1x64x?xf32>
// CHECK:           linalg.transpose ins(%{{.+}} : tensor<1x1x?x16xf32>) outs(%{{.+}} : tensor<1x1x16x?xf32>) permutation = [0, 1, 3, 2]
// CHECK:           scf.forall.in_parallel
func.func @transpose_keys(%k: tensor<1x8x?x64xf32>, %init: tensor<1x8x64x?xf32>) -> tensor<1x8x64x?xf32> {
  %t = linalg.transpose ins(%k : tensor<1x8x?x64xf32>) outs(%init : tensor<1x8x64x?xf32>) permutation = [0, 1, 3, 2]
  return %t : tensor<1x8x64x?xf32>
}

// -----

// Other permutations (splitting heads, here) are left alone.

// CHECK-LABEL: func.func @transpose_heads
// CHECK-NOT:     scf.forall
// CHECK:         linalg.transpose {{.+}} permutation = [0, 2, 1, 3]
func.func @transpose_heads(%x: tensor<1x?x8x64xf32>, %init: tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32> {
  %t = linalg.transpose ins(%x : tensor<1x?x8x64xf32>) outs(%init : tensor<1x8x?x64xf32>) permutation = [0, 2, 1, 3]
  return %t : tensor<1x8x?x64xf32>
}

// -----

// Inside a thread's loop (a FlashAttention step), a contraction whose output
// is a fill: the fill is fused into each 8 x 32 register tile, so the
// accumulators start as a zero vector (no pass over memory to zero the
// output, no load of those zeros); the rows after the split at a multiple
// of 8 get one-row tiles as wide as the output (row-tile-cols caps them at
// 128; the operand is laid out [k, cols]), their accumulators a zero
// vector too. No fill of the whole output is left.

// CHECK-LABEL: func.func @fill_fused
// CHECK-DAG:     %[[ZERO1:.+]] = arith.constant dense<0.000000e+00> : vector<1x1x64xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<1x8x32xf32>
// CHECK-NOT:     linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x?x64xf32>)
// CHECK:         scf.for %{{.+}} = %c0 to %c64 step %c4 iter_args(%{{.+}} = %[[ZERO]]) -> (vector<1x8x32xf32>)
// CHECK:           vector.fma
// CHECK:         scf.for %{{.+}} = %c0 to %{{.+}} step %c1 iter_args(
// CHECK:           scf.for %{{.+}} = %c0 to %c64 step %c2 iter_args(%{{.+}} = %[[ZERO1]]) -> (vector<1x1x64xf32>)
// CHECK:             vector.fma {{.+}} : vector<64xf32>
func.func @fill_fused(%q: tensor<1x?x64xf32>, %kt: tensor<64x64xf32>, %n: index) -> tensor<1x?x64xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<1x?x64xf32>
  %r = scf.forall (%i) in (1) shared_outs(%o = %e) -> (tensor<1x?x64xf32>) {
    %z = linalg.fill ins(%c0 : f32) outs(%o : tensor<1x?x64xf32>) -> tensor<1x?x64xf32>
    %s = linalg.generic {indexing_maps = [affine_map<(g, i, j, d) -> (g, i, d)>, affine_map<(g, i, j, d) -> (d, j)>, affine_map<(g, i, j, d) -> (g, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %kt : tensor<1x?x64xf32>, tensor<64x64xf32>) outs(%z : tensor<1x?x64xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %m = arith.mulf %a, %b : f32
      %t = arith.addf %c, %m : f32
      linalg.yield %t : f32
    } -> tensor<1x?x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[0, 0, 0] [1, %n, 64] [1, 1, 1] : tensor<1x?x64xf32> into tensor<1x?x64xf32>
    }
  }
  return %r : tensor<1x?x64xf32>
}

// -----

// In a decode entry point, or marked by tessel-share-tensor-steps as a
// decode step's, a contraction's row chunks stay outside its column chunks
// (with the columns outside, its few rows were slower); the mark goes.

// CHECK-LABEL: func.func @decode_linear
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (%{{.+}}, 256) step (32, 128)
// CHECK-LABEL: func.func private @marked_linear
// CHECK:         scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (%{{.+}}, 256) step (32, 128)
// CHECK-NOT:     tessel.decode_contraction
func.func @decode_linear(%x: tensor<?x64xf32>, %w: tensor<64x256xf32>, %init: tensor<?x256xf32>) -> tensor<?x256xf32> attributes {tessel.entry_point = #tessel.entry_point<decode>} {
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x256xf32>) outs(%init : tensor<?x256xf32>) -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}
func.func private @marked_linear(%x: tensor<?x64xf32>, %w: tensor<64x256xf32>, %init: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %r = linalg.matmul {tessel.decode_contraction} ins(%x, %w : tensor<?x64xf32>, tensor<64x256xf32>) outs(%init : tensor<?x256xf32>) -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

// Decode's matrix-vector product with the weight laid out [k, cols] (GPT-2's
// Conv1D, read in its stored layout): one row, so no 8-row tiles at all
// (a static row count below two tiles goes straight to one-row tiles); each
// tile is 128 columns wide (row-tile-cols) and takes 2 rows of the weight
// per step (row-tile-k), so each thread streams the weight in 512-byte runs.
// The reduction runs in blocks of 64 (row-block-k); with one row the
// accumulators stay in registers across the blocks.

// CHECK-LABEL: func.func @matvec
// CHECK:         scf.forall (%{{.+}}) = (0) to (3072) step (128)
// CHECK-NOT:       step %c8
// CHECK:           %[[ACC:.+]] = scf.for %{{.+}} = %c0 to %c768 step %c64 iter_args(%{{.+}} = %{{.+}}) -> (vector<1x128xf32>)
// CHECK:             scf.for %{{.+}} = %c0 to %c64 step %c2 iter_args(%{{.+}} = %{{.+}}) -> (vector<1x128xf32>)
// CHECK-COUNT-2:       vector.fma {{.+}} : vector<128xf32>
// CHECK:           vector.transfer_write %[[ACC]]
func.func @matvec(%x: tensor<1x768xf32>, %w: tensor<768x3072xf32>, %init: tensor<1x3072xf32>) -> tensor<1x3072xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<1x768xf32>, tensor<768x3072xf32>) outs(%init : tensor<1x3072xf32>) -> tensor<1x3072xf32>
  return %r : tensor<1x3072xf32>
}

// -----

// A few rows (a batch of sequences decoding, or drafted tokens verified in
// one step; here any count): below 16 rows none go to 8-row tiles. The
// rows left over take one-row tiles inside the loop over blocks of 64
// reduction steps, so a block of the weight (64 x 128, in cache) serves
// every row before the next block streams in: the weight is read from
// memory once, not once per row. Each row's accumulators are read and
// written once per block.

// CHECK-LABEL: func.func @few_rows
// CHECK:         %[[FEW:.+]] = arith.cmpi slt, %{{.+}}, %c16 : index
// CHECK:         arith.select %[[FEW]], %c0, %{{.+}} : index
// CHECK:         scf.for %{{.+}} = %c0 to %{{.+}} step %c8
// CHECK:           vector.fma {{.+}} : vector<32xf32>
// CHECK:         scf.for %{{.+}} = %c0 to %c768 step %c64
// CHECK:           scf.for %{{.+}} = %c0 to %{{.+}} step %c1
// CHECK:             %[[ROW:.+]] = vector.transfer_read
// CHECK:             scf.for %{{.+}} = %c0 to %c64 step %c2 iter_args(%{{.+}} = %[[ROW]]) -> (vector<1x128xf32>)
// CHECK-COUNT-2:       vector.fma {{.+}} : vector<128xf32>
func.func @few_rows(%x: tensor<?x768xf32>, %w: tensor<768x3072xf32>, %init: tensor<?x3072xf32>) -> tensor<?x3072xf32> {
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%init : tensor<?x3072xf32>) -> tensor<?x3072xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x768xf32>, tensor<768x3072xf32>) outs(%z : tensor<?x3072xf32>) -> tensor<?x3072xf32>
  return %r : tensor<?x3072xf32>
}
