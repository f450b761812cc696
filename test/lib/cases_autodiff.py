"""Oracle cases of tessel-autodiff: the vector-Jacobian products it builds,
against central differences of the same functions written in NumPy float64.

Each case's forward mirrors one function of test/interpreter/autodiff.mlir
op by op; the expected gradient of sum_i <seed_i, result_i> with respect to
each float argument is taken by central differences (h = 1e-5, in float64:
truncation and rounding errors near 1e-10), so the rules are checked
against the functions themselves, not against their own formulas.
"""

import math

import numpy as np

from cases import case
from cases_dropout import dropout
from cases_positions import t5_bucket

H = 1e-5


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def numeric_vjp(forward, inputs, seeds, wrt):
    """forward(list of float64 / int arrays) -> list of results. Returns the
    results and, for each index in `wrt`, d(sum <seed, result>)/d input."""
    xs = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in inputs]

    def objective(values):
        return sum(float((np.asarray(s, np.float64) * r).sum())
                   for s, r in zip(seeds, forward(values)))

    grads = []
    for i in wrt:
        grad = np.zeros_like(xs[i])
        for index in np.ndindex(xs[i].shape):
            saved = xs[i][index]
            xs[i][index] = saved + H
            up = objective(xs)
            xs[i][index] = saved - H
            down = objective(xs)
            xs[i][index] = saved
            grad[index] = (up - down) / (2 * H)
        grads.append(grad)
    return forward(xs) + grads


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                  * (x + 0.044715 * x ** 3)))


def silu(x):
    return x / (1 + np.exp(-x))


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def cross_entropy(logits, targets, ignore_index=-100):
    x = logits.reshape(-1, logits.shape[-1])
    t = targets.reshape(-1)
    keep = t != ignore_index
    m = x.max(axis=-1)
    lse = m + np.log(np.exp(x - m[:, None]).sum(axis=-1))
    picked = x[np.arange(len(t)), np.where(keep, t, 0)]
    return np.array((lse - picked)[keep].sum() / keep.sum())


@case("mlp_vjp", rtol=1e-4, atol=1e-6)
def mlp_vjp(rng):
    x, w1, b1, w2 = f32(rng, 3, 8), f32(rng, 16, 8) * 0.5, f32(rng, 16), \
        f32(rng, 5, 16) * 0.5
    t = np.array([4, -100, 1], dtype=np.int64)
    seed = np.array(0.5, dtype=np.float32)

    def forward(v):
        h = gelu_tanh(linear(v[0], v[1], v[2]))
        return [cross_entropy(linear(h, v[3]), v[4])]

    inputs = [x, w1, b1, w2, t]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1, 2, 3])


@case("broadcast_vjp", rtol=1e-4, atol=1e-6)
def broadcast_vjp(rng):
    a, b, c = f32(rng, 2, 4, 6), f32(rng, 6), f32(rng, 4, 1)
    seed = f32(rng, 2, 4, 6)

    def forward(v):
        return [(v[0] + v[1]) * v[2]]

    inputs = [a, b, c]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1, 2])


@case("matmul_vjp", rtol=1e-4, atol=1e-6)
def matmul_vjp(rng):
    a, b, v = f32(rng, 2, 3, 4, 5), f32(rng, 3, 6, 5), f32(rng, 2, 3, 6, 5)
    seed = f32(rng, 2, 3, 4, 5)

    def forward(x):
        scores = x[0] @ np.swapaxes(x[1], -1, -2)
        return [scores @ x[2]]

    inputs = [a, b, v]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1, 2])


@case("tied_vjp", rtol=1e-4, atol=1e-6)
def tied_vjp(rng):
    ids = np.array([[3, 0, 3], [15, 7, 3]], dtype=np.int64)
    table, gain = f32(rng, 16, 4), f32(rng, 4)
    t = np.array([[1, 2, -100], [3, 3, 0]], dtype=np.int64)
    seed = np.array(1.0, dtype=np.float32)

    def forward(v):
        h = v[1][v[0]] * v[2]
        return [cross_entropy(linear(h, v[1]), v[3])]

    inputs = [ids, table, gain, t]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [1, 2])


@case("heads_vjp", rtol=1e-4, atol=1e-6)
def heads_vjp(rng):
    x, u = f32(rng, 2, 2, 12), f32(rng, 2, 3, 2, 4)
    seed = f32(rng, 2, 3, 2, 4)

    def forward(v):
        heads = v[0].reshape(2, 2, 3, 4).transpose(0, 2, 1, 3)
        gate = silu(heads)
        return [silu(gate) * v[1]]

    inputs = [x, u]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1])


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(x.var(-1, keepdims=True) + eps) * g + b


def rms_norm(x, g, eps=1e-6):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


@case("block_vjp", rtol=1e-4, atol=1e-6)
def block_vjp(rng):
    # A pre-norm residual block with both norms (their statistics saved by
    # the pass).
    x, g1, b1 = f32(rng, 3, 8) * 2, f32(rng, 8), f32(rng, 8)
    w, g2 = f32(rng, 8, 8) * 0.5, f32(rng, 8)
    seed = f32(rng, 3, 8)

    def forward(v):
        n = layer_norm(v[0], v[1], v[2])
        return [v[0] + rms_norm(linear(n, v[3]), v[4])]

    inputs = [x, g1, b1, w, g2]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed],
                                        [0, 1, 2, 3, 4])


def attention(q, k, v, scale, causal, bias=None):
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    s = scale * q @ np.swapaxes(k, -1, -2)
    if bias is not None:
        s = s + bias
    if causal:
        S, T = s.shape[-2:]
        visible = np.arange(T)[None, :] <= np.arange(S)[:, None] + (T - S)
        s = np.where(visible, s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


@case("attention_vjp", rtol=1e-4, atol=1e-6)
def attention_vjp(rng):
    # Causal grouped-query attention (4 query heads, 2 key/value heads) with
    # a learned per-head bias [H, 1, T] broadcast over queries and batch.
    q, k, v = f32(rng, 2, 4, 5, 8), f32(rng, 2, 2, 5, 8), f32(rng, 2, 2, 5, 8)
    bias, seed = f32(rng, 4, 1, 5), f32(rng, 2, 4, 5, 8)

    def forward(x):
        return [attention(x[0], x[1], x[2], 0.3, True, x[3])]

    inputs = [q, k, v, bias]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed],
                                        [0, 1, 2, 3])


def rope(x, positions, theta, rotary, interleaved):
    half = rotary // 2
    w = theta ** (-2.0 * np.arange(half) / rotary)
    a = positions[:, None] * w[None, :]
    c, s = np.cos(a), np.sin(a)
    first = 2 * np.arange(half) if interleaved else np.arange(half)
    second = first + 1 if interleaved else first + half
    y = x.copy()
    u, v = x[..., first], x[..., second]
    y[..., first] = u * c - v * s
    y[..., second] = v * c + u * s
    return y


@case("rope_vjp", rtol=1e-4, atol=1e-6)
def rope_vjp(rng):
    # Rotate-half over all features, and interleaved over the first 4 of 8
    # (partial RoPE): the gradient is the inverse rotation.
    x, y = f32(rng, 2, 3, 5, 8), f32(rng, 2, 3, 5, 8)
    positions = np.array([0, 3, 4, 9, 100], dtype=np.int64)
    s1, s2 = f32(rng, 2, 3, 5, 8), f32(rng, 2, 3, 5, 8)

    def forward(v):
        return [rope(v[0], v[2], 10000.0, 8, False),
                rope(v[1], v[2], 500.0, 4, True)]

    inputs = [x, y, positions]
    return inputs + [s1, s2], numeric_vjp(forward, inputs, [s1, s2], [0, 1])


@case("split_join_vjp", rtol=1e-4, atol=1e-6)
def split_join_vjp(rng):
    # Slices of one tensor (a fused projection split in two) and a concat
    # (MLA's query joined from two parts), and a broadcast.
    x, y, z = f32(rng, 2, 4, 10), f32(rng, 2, 4, 3), f32(rng, 4, 1)
    s1, s2, s3 = f32(rng, 2, 4, 7), f32(rng, 2, 4, 6), f32(rng, 2, 4, 5)

    def forward(v):
        a, b = v[0][..., :6], v[0][..., 6:]
        return [np.concatenate([b, v[1]], -1), a * a,
                np.broadcast_to(v[2], (2, 4, 5))]

    inputs = [x, y, z]
    return inputs + [s1, s2, s3], numeric_vjp(forward, inputs, [s1, s2, s3],
                                              [0, 1, 2])


@case("scale_norm_vjp", rtol=1e-4, atol=1e-6)
def scale_norm_vjp(rng):
    x, g, seed = f32(rng, 3, 6), np.array(1.7, np.float32), f32(rng, 3, 6)

    def forward(v):
        n = np.maximum(np.sqrt((v[0] ** 2).sum(-1, keepdims=True)), 1e-5)
        return [v[1] * v[0] / n]

    inputs = [x, g]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1])


@case("softmax_attention_vjp", rtol=1e-4, atol=1e-6)
def softmax_attention_vjp(rng):
    q, kt, v = f32(rng, 2, 2, 5, 4), f32(rng, 2, 2, 4, 6), f32(rng, 2, 2, 6, 3)
    seed = f32(rng, 2, 2, 5, 3)

    def forward(x):
        s = x[0] @ x[1]
        e = np.exp(s - s.max(-1, keepdims=True))
        return [(e / e.sum(-1, keepdims=True)) @ x[2]]

    inputs = [q, kt, v]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1, 2])


@case("relative_bias_t5_vjp", rtol=1e-4, atol=1e-6)
def relative_bias_t5_vjp(rng):
    # T5 buckets (bidirectional, 8 buckets, max distance 4) as attention's
    # bias; the table's gradient sums over every (query, key) in a bucket.
    table, q = f32(rng, 8, 2), f32(rng, 2, 2, 5, 4)
    pos = np.arange(5, dtype=np.int64)
    rows = t5_bucket(pos[None, :] - pos[:, None], True, 8, 4)
    seed = f32(rng, 2, 2, 5, 4)

    def forward(v):
        bias = np.moveaxis(v[0][rows], -1, 0)  # [H, S, T]
        return [attention(v[1], v[1], v[1], 0.5, True, bias)]

    inputs = [table, q, pos]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0, 1])


@case("relative_bias_shaw_vjp", rtol=1e-4, atol=1e-6)
def relative_bias_shaw_vjp(rng):
    # Shaw clipping (k = 2, 5 rows) with per-sequence query positions
    # [B, S]: the bias is [B, H, S, T].
    table = f32(rng, 5, 3)
    qpos = np.array([[0, 1, 2, 3], [4, 5, 6, 7]], np.int64)
    kpos = np.arange(6, dtype=np.int64)
    rows = np.clip(kpos[None, None, :] - qpos[:, :, None], -2, 2) + 2
    seed = f32(rng, 2, 3, 4, 6)

    def forward(v):
        return [np.moveaxis(v[0][rows], -1, 1)]

    inputs = [table, qpos, kpos]
    return inputs + [seed], numeric_vjp(forward, inputs, [seed], [0])


@case("batch_norm_vjp", rtol=1e-4, atol=1e-6)
def batch_norm_vjp(rng):
    # The same batch norm in training mode (statistics of this batch) and
    # with the running statistics; the running ones get no gradient.
    x, g, b = f32(rng, 3, 4, 5) * 1.5 + 0.5, f32(rng, 5), f32(rng, 5)
    rm, rv = f32(rng, 5), np.abs(f32(rng, 5)) + 0.5
    seeds = [f32(rng, 3, 4, 5), f32(rng, 3, 4, 5)]

    def forward(v):
        x, g, b, rm, rv = v
        mean, var = x.mean((0, 1)), x.var((0, 1))
        train = (x - mean) / np.sqrt(var + 1e-5) * g + b
        infer = (x - rm) / np.sqrt(rv + 1e-5) * g + b
        return [train, infer]

    # The running statistics are state, not parameters (PyTorch's buffers):
    # the rule gives them no gradient, even where the output depends on
    # them.
    inputs = [x, g, b, rm, rv]
    return inputs + seeds, (numeric_vjp(forward, inputs, seeds, [0, 1, 2]) +
                            [np.zeros(5), np.zeros(5)])


@case("dropout_vjp", rtol=1e-4, atol=1e-6)
def dropout_vjp(rng):
    # The mask is the forward's own (a function of rng alone), so central
    # differences see dropout as the linear map it is for a fixed mask.
    x, w = f32(rng, 3, 8), f32(rng, 6, 8) * 0.5
    seeds = np.array([2**33 + 1, 12], dtype=np.int64)
    _, keep = dropout(np.zeros((3, 8), np.float32), int(seeds[0]),
                      int(seeds[1]), 0.3, 2)
    scale = float(np.float32(1 / 0.7))
    seed = f32(rng, 3, 6)

    def forward(v):
        return [gelu_tanh(linear(np.where(keep, v[0] * scale, 0.0), v[1]))]

    inputs = [x, w]
    return inputs + [seeds, seed], numeric_vjp(forward, inputs, [seed],
                                               [0, 1])
