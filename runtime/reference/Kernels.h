//===- Kernels.h - the reference kernels ------------------------*- C++ -*-===//
//
// One function per tessel op, written as plain loops that read like the math
// in the op's description. They are the oracle that every compiled path is
// compared against, so clarity beats speed here. Values are f32; sums are
// accumulated in double. Each kernel checks the shapes it is given (dynamic
// dimensions are only known at run time) and returns an error naming the
// operand rather than reading out of bounds.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_REFERENCE_KERNELS_H
#define TESSEL_RUNTIME_REFERENCE_KERNELS_H

#include "runtime/Status.h"
#include "runtime/Tensor.h"

namespace tessel::reference {

// Dense.
Status linear(const Tensor &x, const Tensor &weight, const Tensor *bias,
              Tensor &y);
Status matmul(const Tensor &a, const Tensor &b, Tensor &c,
              bool transposeB = false);
Status embedding(const Tensor &ids, const Tensor &table, Tensor &y);
Status add(const Tensor &a, const Tensor &b, Tensor &y);
Status mul(const Tensor &a, const Tensor &b, Tensor &y);
Status gelu(const Tensor &x, bool tanhApproximation, Tensor &y);
Status silu(const Tensor &x, Tensor &y);
/// tanh(x) elementwise.
Status tanh(const Tensor &x, Tensor &y);
/// Inverted dropout: y = x / (1 - rate) where runtime/Philox.h keeps the
/// element, else 0; rng = [seed, step].
Status dropout(const Tensor &x, const Tensor &rng, double rate, int64_t stream,
               Tensor &y);
Status swiglu(const Tensor &gate, const Tensor &up, Tensor &y);
Status transpose(const Tensor &x, const std::vector<int64_t> &permutation,
                 Tensor &y);
/// `shape` is the new shape, fully known.
Status reshape(const Tensor &x, const std::vector<int64_t> &shape, Tensor &y);

// Data movement (Shape.cpp).
Status slice(const Tensor &x, int64_t axis, int64_t offset, int64_t size,
             Tensor &y);
/// y = cache [B, H, T, D] with rows positions[0] + j (axis 2) replaced by
/// update[:, :, j]; positions [S] follow one another and fit T. Positions
/// [B, S] place each sequence b at its own positions[b, 0] + j.
Status cacheWrite(const Tensor &update, const Tensor &cache,
                  const Tensor &positions, Tensor &y);
/// y = cache[:, :, 0 : positions[S - 1] + 1]; with positions [B, S], up to
/// the largest positions[b, S - 1].
Status cacheRead(const Tensor &cache, const Tensor &positions, Tensor &y);
/// y = pool [N, H, P, D] with pool[table[b, p / P], :, p % P] replaced by
/// update[b, :, j] for p = positions[b, j] (consecutive in a row; table
/// entries in [0, N)).
Status pagedCacheWrite(const Tensor &update, const Tensor &pool,
                       const Tensor &table, const Tensor &positions, Tensor &y);
/// y[b, h, p] = pool[table[b, p / P], h, p % P] for p up to the largest
/// positions[b, S - 1].
Status pagedCacheRead(const Tensor &pool, const Tensor &table,
                      const Tensor &positions, Tensor &y);
Status concat(const std::vector<const Tensor *> &inputs, int64_t axis,
              Tensor &y);
/// NumPy broadcast_to: `shape` is the full result shape.
Status broadcastTo(const Tensor &x, const std::vector<int64_t> &shape,
                   Tensor &y);
/// y = [offset, offset + 1, ..., offset + x.shape[axis] - 1] (i64).
Status positionIds(const Tensor &x, int64_t axis, int64_t offset, Tensor &y);
/// y[..., s, 0] = 1 where positions[..., s] < first or s >= S - last.
Status positionMask(const Tensor &positions, int64_t first, int64_t last,
                    Tensor &y);

// Norms over the last axis. `mean` and `rstd`, when given, receive what a
// backward pass keeps: each row's mean and 1 / sqrt(variance + epsilon)
// (layer norm), or 1 / sqrt(mean(x^2) + epsilon) (RMS norm), as f32 tensors
// of x's shape without its last axis.
Status layerNorm(const Tensor &x, const Tensor &gamma, const Tensor &beta,
                 double epsilon, Tensor &y, Tensor *mean = nullptr,
                 Tensor *rstd = nullptr);
Status rmsNorm(const Tensor &x, const Tensor &gamma, double epsilon, Tensor &y,
               Tensor *rstd = nullptr);
Status scaleNorm(const Tensor &x, const Tensor &scale, double epsilon,
                 Tensor &y);
Status batchNorm(const Tensor &x, const Tensor &gamma, const Tensor &beta,
                 const Tensor &runningMean, const Tensor &runningVar,
                 double epsilon, double momentum, bool training, Tensor &y,
                 Tensor &newRunningMean, Tensor &newRunningVar);
/// The gradients of batch_norm (training: batch statistics from x;
/// otherwise the running ones): dx, dgamma, dbeta.
Status batchNormGrad(const Tensor &x, const Tensor &gamma,
                     const Tensor &runningMean, const Tensor &runningVar,
                     const Tensor &dy, double epsilon, bool training,
                     Tensor &dx, Tensor &dgamma, Tensor &dbeta);

// Positions.
/// With `inverse`, the rotation by -angle (RoPE's transpose: its gradient).
Status rope(const Tensor &x, const Tensor &positions, double theta,
            int64_t rotaryDims, bool interleaved, Tensor &y,
            bool inverse = false);
Status sinusoidalEmbedding(const Tensor &positions, int64_t dim, double base,
                           Tensor &y);
/// T5 bucket of the relative distance `r = key - query`.
int64_t t5Bucket(int64_t r, int64_t numBuckets, int64_t maxDistance,
                 bool bidirectional);
/// The table row relative_bias reads for each (query, key): t5 buckets or
/// shaw's clipped distance; [(B,) S, T] int64.
Status relativeBuckets(bool t5, const Tensor &queryPositions,
                       const Tensor &keyPositions, int64_t numBuckets,
                       int64_t maxDistance, bool bidirectional, Tensor &ids);
Status relativeBiasT5(const Tensor &table, const Tensor &queryPositions,
                      const Tensor &keyPositions, int64_t maxDistance,
                      bool bidirectional, Tensor &y);
Status relativeBiasShaw(const Tensor &table, const Tensor &queryPositions,
                        const Tensor &keyPositions, int64_t maxDistance,
                        Tensor &y);
/// The bias ops take query positions [S] (result [H, S, T]) or [B, S]
/// (result [B, H, S, T]).
/// ALiBi head slopes m_0 .. m_{heads-1}.
std::vector<double> alibiSlopes(int64_t heads);
Status alibi(const Tensor &queryPositions, const Tensor &keyPositions,
             int64_t heads, Tensor &y);

// Attention.
/// A shape seen as [outer, n, inner] around one axis (softmax's lines).
struct AxisView {
  int64_t outer = 1, n = 0, inner = 1;
  /// The flat index of element i of line (o, in).
  int64_t at(int64_t o, int64_t i, int64_t in) const {
    return (o * n + i) * inner + in;
  }
};
/// The view of `shape` around `axis` (negative counts from the end); an
/// error names `op` when the axis is out of range.
Status axisView(const char *op, const std::vector<int64_t> &shape, int64_t axis,
                AxisView &view);
Status softmax(const Tensor &x, int64_t axis, Tensor &y);
/// `lse`, when given, receives the log-sum-exp of each row of logits
/// ([B, H, S], f32; -inf for a row with no visible key). With `positions`
/// ([B, S], causal), key j is visible to query i of sequence b iff
/// j <= positions[b, i]; keys that are not visible are not read.
Status attention(const Tensor &q, const Tensor &k, const Tensor &v,
                 const Tensor *bias, double scale, bool causal, Tensor &y,
                 Tensor *lse = nullptr, const Tensor *positions = nullptr);

// Loss.
Status crossEntropy(const Tensor &logits, const Tensor &targets,
                    int64_t ignoreIndex, Tensor &loss);

// Backward ops (Gradients.cpp).
/// Sums x over the axes broadcasting added (leading) or stretched (where
/// `shape` has 1): the adjoint of NumPy broadcasting to x's shape.
Status sumTo(const Tensor &x, const std::vector<int64_t> &shape, Tensor &y);
/// dy placed at `offset` of `axis` into zeros of `shape`.
Status sliceGrad(const Tensor &dy, const std::vector<int64_t> &shape,
                 int64_t axis, int64_t offset, Tensor &dx);
/// The backward pass of scale_norm (see tessel.scale_norm_grad).
Status scaleNormGrad(const Tensor &x, const Tensor &scale, const Tensor &dy,
                     double epsilon, Tensor &dx, Tensor &dscale);
/// dw[n, k] = sum over leading indices i of dy[i, n] * x[i, k].
Status linearWeightGrad(const Tensor &dy, const Tensor &x, Tensor &dw);
Status geluGrad(const Tensor &x, const Tensor &dy, bool tanhApproximation,
                Tensor &dx);
Status siluGrad(const Tensor &x, const Tensor &dy, Tensor &dx);
/// dx = y * (dy - sum(dy * y)) along `axis`, from softmax's result y.
Status softmaxGrad(const Tensor &y, const Tensor &dy, int64_t axis, Tensor &dx);
/// dtable [rows, dim]: dtable[ids[i]] += dy[i] in index order.
Status embeddingGrad(const Tensor &ids, const Tensor &dy, int64_t rows,
                     Tensor &dtable);
/// Norm backward from the saved per-row statistics (f32 tensors of x's
/// shape without its last axis).
Status layerNormGrad(const Tensor &x, const Tensor &gamma, const Tensor &mean,
                     const Tensor &rstd, const Tensor &dy, Tensor &dx,
                     Tensor &dgamma, Tensor &dbeta);
Status rmsNormGrad(const Tensor &x, const Tensor &gamma, const Tensor &rstd,
                   const Tensor &dy, Tensor &dx, Tensor &dgamma);
/// Attention backward from the forward's output and log-sum-exp (see
/// tessel.attention_grad); `dbias` (the logits' gradient, [B, Hq, S, T])
/// only with a bias.
Status attentionGrad(const Tensor &q, const Tensor &k, const Tensor &v,
                     const Tensor &o, const Tensor &lse, const Tensor &dout,
                     const Tensor *bias, double scale, bool causal, Tensor &dq,
                     Tensor &dk, Tensor &dv, Tensor *dbias);
/// dlogits = dloss * (softmax(logits) - onehot(target)) / (rows counted).
Status crossEntropyGrad(const Tensor &logits, const Tensor &targets,
                        const Tensor &dloss, int64_t ignoreIndex,
                        Tensor &dlogits);

/// The strides through which `bias` (null: none) broadcasts to the logits
/// [B, H, S, T] of attention (0 on a broadcast axis), or an error of `op`.
Status logitBiasStrides(const char *op, const Tensor *bias,
                        const std::vector<int64_t> &logits,
                        std::vector<int64_t> &strides);
/// log(sum exp(row[0..n))), with the maximum subtracted first (Loss.cpp).
double logSumExp(const float *row, int64_t n);
/// Checks that `targets` is the shape of `logits` without its class axis
/// and that every target not `ignoreIndex` is a class; `counted` receives
/// how many are not ignored.
Status checkTargets(const char *op, const Tensor &logits, const Tensor &targets,
                    int64_t ignoreIndex, int64_t &counted);

/// The NumPy broadcast of two shapes, or an error naming both.
Status broadcastShape(const std::vector<int64_t> &a,
                      const std::vector<int64_t> &b,
                      std::vector<int64_t> &result);

} // namespace tessel::reference

#endif // TESSEL_RUNTIME_REFERENCE_KERNELS_H
