// One GPT-2 decoder block (pre-norm), written the way a person writes it by
// hand: head splitting with reshape + transpose, attention spelled out as
// matmul -> scale -> mask -> softmax -> matmul, and a GELU (tanh) MLP.
// Model width 64, 4 heads of 16, MLP width 256; batch and sequence dynamic.
//
//   scripts/demo.sh              shows the IR after each pass and runs it
//   tessel-opt examples/gpt2-block.mlir \
//     --pass-pipeline='builtin.module(canonicalize,cse)' --mlir-print-ir-after-all
//
// What the passes do today: canonicalization merges the two transposes that
// produce K^T (head split [0,2,1,3], then [0,1,3,2] for the matmul) into
// one [0,2,3,1]. Later passes fuse the spelled-out attention into
// `tessel.attention` and tile it.

func.func @block(%x: tensor<?x?x64xf32>,
                 %mask: tensor<?x?xf32>,
                 %ln1_g: tensor<64xf32>, %ln1_b: tensor<64xf32>,
                 %wq: tensor<64x64xf32>, %bq: tensor<64xf32>,
                 %wk: tensor<64x64xf32>, %bk: tensor<64xf32>,
                 %wv: tensor<64x64xf32>, %bv: tensor<64xf32>,
                 %wo: tensor<64x64xf32>, %bo: tensor<64xf32>,
                 %ln2_g: tensor<64xf32>, %ln2_b: tensor<64xf32>,
                 %w_fc: tensor<256x64xf32>, %b_fc: tensor<256xf32>,
                 %w_proj: tensor<64x256xf32>, %b_proj: tensor<64xf32>)
    -> tensor<?x?x64xf32> {
  // Attention sub-block: x + W_o · attention(LN1(x)).
  %h = tessel.layer_norm %x, %ln1_g, %ln1_b
      : tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>
  %q = tessel.linear %h, %wq, %bq
      : tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<?x?x64xf32>
  %k = tessel.linear %h, %wk, %bk
      : tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<?x?x64xf32>
  %v = tessel.linear %h, %wv, %bv
      : tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<?x?x64xf32>

  // [B, S, 64] -> [B, S, 4, 16] -> [B, 4, S, 16]
  %q4 = tessel.reshape %q : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  %qh = tessel.transpose %q4 [0, 2, 1, 3]
      : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %k4 = tessel.reshape %k : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  %kh = tessel.transpose %k4 [0, 2, 1, 3]
      : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %v4 = tessel.reshape %v : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  %vh = tessel.transpose %v4 [0, 2, 1, 3]
      : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>

  // softmax(Q K^T / sqrt(16) + mask) V
  %kt = tessel.transpose %kh [0, 1, 3, 2]
      : tensor<?x4x?x16xf32> -> tensor<?x4x16x?xf32>
  %scores = tessel.matmul %qh, %kt
      : tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32> -> tensor<?x4x?x?xf32>
  %scale = arith.constant dense<0.25> : tensor<f32>
  %scaled = tessel.mul %scores, %scale
      : tensor<?x4x?x?xf32>, tensor<f32> -> tensor<?x4x?x?xf32>
  %masked = tessel.add %scaled, %mask
      : tensor<?x4x?x?xf32>, tensor<?x?xf32> -> tensor<?x4x?x?xf32>
  %p = tessel.softmax %masked {axis = 3 : i64} : tensor<?x4x?x?xf32>
  %o = tessel.matmul %p, %vh
      : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>

  // [B, 4, S, 16] -> [B, S, 4, 16] -> [B, S, 64]
  %ot = tessel.transpose %o [0, 2, 1, 3]
      : tensor<?x4x?x16xf32> -> tensor<?x?x4x16xf32>
  %merged = tessel.reshape %ot : tensor<?x?x4x16xf32> -> tensor<?x?x64xf32>
  %attn = tessel.linear %merged, %wo, %bo
      : tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64xf32> -> tensor<?x?x64xf32>
  %x1 = tessel.add %x, %attn
      : tensor<?x?x64xf32>, tensor<?x?x64xf32> -> tensor<?x?x64xf32>

  // MLP sub-block: x1 + W_proj · gelu(W_fc · LN2(x1)).
  %h2 = tessel.layer_norm %x1, %ln2_g, %ln2_b
      : tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>
  %fc = tessel.linear %h2, %w_fc, %b_fc
      : tensor<?x?x64xf32>, tensor<256x64xf32>, tensor<256xf32> -> tensor<?x?x256xf32>
  %act = tessel.gelu %fc approximate = tanh : tensor<?x?x256xf32>
  %proj = tessel.linear %act, %w_proj, %b_proj
      : tensor<?x?x256xf32>, tensor<64x256xf32>, tensor<64xf32> -> tensor<?x?x64xf32>
  %y = tessel.add %x1, %proj
      : tensor<?x?x64xf32>, tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}
