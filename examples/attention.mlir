// One attention layer written op by op, as a person (or a framework export)
// writes it: split heads, q . k^T, scale by 1/sqrt(d_k), causal mask, softmax
// over the keys, p . v. docs/flash-attention.md follows it through
//   tessel-opt examples/attention.mlir --tessel-fuse-attention --canonicalize
//   ... --tessel-tile-attention --cse
//   ... --convert-tessel-to-linalg --tessel-cpu-tile-and-vectorize
// and `tesselc examples/attention.mlir -o attention.tsl` compiles it.
func.func @attention(%x: tensor<1x4x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>) -> tensor<1x4x4x16xf32> {
  %q2 = tessel.linear %x, %wq : tensor<1x4x64xf32>, tensor<64x64xf32> -> tensor<1x4x64xf32>
  %k2 = tessel.linear %x, %wk : tensor<1x4x64xf32>, tensor<64x64xf32> -> tensor<1x4x64xf32>
  %v2 = tessel.linear %x, %wv : tensor<1x4x64xf32>, tensor<64x64xf32> -> tensor<1x4x64xf32>
  %q4 = tessel.reshape %q2 : tensor<1x4x64xf32> -> tensor<1x4x4x16xf32>
  %k4 = tessel.reshape %k2 : tensor<1x4x64xf32> -> tensor<1x4x4x16xf32>
  %v4 = tessel.reshape %v2 : tensor<1x4x64xf32> -> tensor<1x4x4x16xf32>
  %q = tessel.transpose %q4 [0, 2, 1, 3] : tensor<1x4x4x16xf32> -> tensor<1x4x4x16xf32>
  %kt = tessel.transpose %k4 [0, 2, 3, 1] : tensor<1x4x4x16xf32> -> tensor<1x4x16x4xf32>
  %v = tessel.transpose %v4 [0, 2, 1, 3] : tensor<1x4x4x16xf32> -> tensor<1x4x4x16xf32>
  %s = tessel.matmul %q, %kt : tensor<1x4x4x16xf32>, tensor<1x4x16x4xf32> -> tensor<1x4x4x4xf32>
  %c = arith.constant dense<0.25> : tensor<1xf32>
  %scaled = tessel.mul %s, %c : tensor<1x4x4x4xf32>, tensor<1xf32> -> tensor<1x4x4x4xf32>
  %mask = arith.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %masked = tessel.add %scaled, %mask : tensor<1x4x4x4xf32>, tensor<4x4xf32> -> tensor<1x4x4x4xf32>
  %p = tessel.softmax %masked : tensor<1x4x4x4xf32>
  %o = tessel.matmul %p, %v : tensor<1x4x4x4xf32>, tensor<1x4x4x16xf32> -> tensor<1x4x4x16xf32>
  return %o : tensor<1x4x4x16xf32>
}
