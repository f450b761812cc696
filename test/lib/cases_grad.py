"""Oracle cases of the backward ops: sum_to, linear_weight_grad, gelu_grad,
silu_grad, embedding_grad, cross_entropy_grad.

Each expectation is the op's formula (dialect/TesselGradientOps.td) in
float64, written independently of runtime/reference/; the derivatives of
GELU and SiLU are also checked against central differences of the forward
functions in float64 (a check of the formulas themselves).
"""

import math

import numpy as np

from cases import case


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def f64(a):
    return np.asarray(a, dtype=np.float64)


def erf(a):
    return np.vectorize(math.erf, otypes=[np.float64])(f64(a))


def gelu(x, tanh):
    x = f64(x)
    if tanh:
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                      * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_derivative(x, tanh):
    x = f64(x)
    if tanh:
        c = math.sqrt(2 / math.pi)
        t = np.tanh(c * (x + 0.044715 * x ** 3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (
            1 + 3 * 0.044715 * x * x)
    cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
    return cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def silu(x):
    x = f64(x)
    return x / (1 + np.exp(-x))


def silu_derivative(x):
    s = 1 / (1 + np.exp(-f64(x)))
    return s * (1 + f64(x) * (1 - s))


def central_difference(f, x, h=1e-5):
    return (f(f64(x) + h) - f(f64(x) - h)) / (2 * h)


def sum_to(x, shape):
    x = f64(x)
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    return x.sum(axis=axes, keepdims=True)


@case("sum_to_leading")
def sum_to_leading(rng):
    # A bias's gradient: [B, S, N] -> [N].
    dy = f32(rng, 2, 5, 7)
    return [dy], [sum_to(dy, (7,))]


@case("sum_to_stretched")
def sum_to_stretched(rng):
    # A mask broadcast over heads: [B, H, S, T] -> [B, 1, S, T], and a
    # leading axis dropped at once: -> [1, T].
    dy = f32(rng, 2, 3, 4, 5)
    return [dy], [sum_to(dy, (2, 1, 4, 5)), sum_to(dy, (1, 5))]


@case("sum_to_f16", rtol=2e-3, atol=2e-3)
def sum_to_f16(rng):
    dy = rng.standard_normal((6, 9)).astype(np.float16)
    return [dy], [sum_to(dy, (9,))]


@case("linear_weight_grad_3d")
def linear_weight_grad_3d(rng):
    dy, x = f32(rng, 2, 3, 5), f32(rng, 2, 3, 4)
    return [dy, x], [np.einsum("bsn,bsk->nk", f64(dy), f64(x))]


@case("linear_weight_grad_2d")
def linear_weight_grad_2d(rng):
    dy, x = f32(rng, 7, 3), f32(rng, 7, 6)
    return [dy, x], [f64(dy).T @ f64(x)]


def activation_case(derivative, forward):
    def make(rng):
        x = (f32(rng, 4, 9) * 3).astype(np.float32)
        dy = f32(rng, 4, 9)
        want = f64(dy) * derivative(x)
        # The formula is the derivative of the forward function.
        assert np.allclose(derivative(x), central_difference(forward, x),
                           rtol=1e-6, atol=1e-8)
        return [x, dy], [want]
    return make


case("gelu_grad_exact")(activation_case(
    lambda x: gelu_derivative(x, False), lambda x: gelu(x, False)))
case("gelu_grad_tanh")(activation_case(
    lambda x: gelu_derivative(x, True), lambda x: gelu(x, True)))
case("silu_grad")(activation_case(silu_derivative, silu))


@case("gelu_grad_tanh_bf16", rtol=2.0 ** -6, atol=2.0 ** -8)
def gelu_grad_tanh_bf16(rng):
    # bf16 in and out: the interpreter rounds its inputs and result.
    x, dy = f32(rng, 3, 8), f32(rng, 3, 8)
    return [x, dy], [f64(dy) * gelu_derivative(x, True)]


def embedding_grad(ids, dy, rows):
    out = np.zeros((rows, dy.shape[-1]))
    np.add.at(out, ids.reshape(-1), f64(dy).reshape(-1, dy.shape[-1]))
    return out


@case("embedding_grad_2d")
def embedding_grad_2d(rng):
    # Repeated ids accumulate; rows no id selects stay 0.
    ids = rng.integers(0, 6, size=(2, 5)).astype(np.int64)
    ids[0, 0] = ids[1, 3] = 4
    dy = f32(rng, 2, 5, 3)
    return [ids, dy], [embedding_grad(ids, dy, 9)]


@case("embedding_grad_1d_i32")
def embedding_grad_1d_i32(rng):
    ids = np.array([2, 0, 2, 2, 7], dtype=np.int32)
    dy = f32(rng, 5, 4)
    return [ids, dy], [embedding_grad(ids, dy, 8)]


def cross_entropy_grad(logits, targets, dloss, ignore_index=-100):
    x = f64(logits).reshape(-1, logits.shape[-1])
    t = targets.astype(np.int64).reshape(-1)
    keep = t != ignore_index
    p = np.exp(x - x.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    p[np.arange(len(t))[keep], t[keep]] -= 1
    n = keep.sum()
    g = np.where(keep[:, None], p * (float(dloss) / n if n else 0.0), 0.0)
    return g.reshape(logits.shape)


@case("cross_entropy_grad_3d")
def cross_entropy_grad_3d(rng):
    x = f32(rng, 2, 4, 7) * 2
    t = rng.integers(0, 7, size=(2, 4)).astype(np.int64)
    t[1, 2] = -100
    dloss = np.array(0.75, dtype=np.float32)
    return [x, t, dloss], [cross_entropy_grad(x, t, dloss)]


@case("cross_entropy_grad_custom_ignore")
def cross_entropy_grad_custom_ignore(rng):
    # ignore_index = 0 and logits around 1e4: the softmax subtracts the max.
    x = (f32(rng, 5, 6) + np.array([[1e4], [0], [-1e4], [0], [3]])).astype(
        np.float32)
    t = np.array([0, 3, 5, 0, 1], dtype=np.int32)
    dloss = np.array(1.0, dtype=np.float32)
    return [x, t, dloss], [cross_entropy_grad(x, t, dloss, ignore_index=0)]


@case("cross_entropy_grad_all_ignored")
def cross_entropy_grad_all_ignored(rng):
    x = f32(rng, 3, 4)
    t = np.full(3, -100, dtype=np.int64)
    dloss = np.array(1.0, dtype=np.float32)
    return [x, t, dloss], [np.zeros((3, 4))]


def norm_grad(x, gamma, mean, rstd, dy):
    """dx, dgamma, dbeta of a layer norm (mean given) or RMS norm (mean
    None), in float64, from the op's formulas."""
    x, gamma, dy = f64(x), f64(gamma), f64(dy)
    rstd = f64(rstd)[..., None]
    centered = x - (f64(mean)[..., None] if mean is not None else 0)
    xhat = centered * rstd
    g = dy * gamma
    inner = g - xhat * (g * xhat).mean(-1, keepdims=True)
    if mean is not None:
        inner -= g.mean(-1, keepdims=True)
    lead = tuple(range(x.ndim - 1))
    return [rstd * inner, (dy * xhat).sum(lead), dy.sum(lead)]


@case("layer_norm_grad_3d", rtol=1e-4, atol=1e-6)
def layer_norm_grad_3d(rng):
    x, gamma, dy = f32(rng, 2, 3, 16) * 2 + 1, f32(rng, 16), f32(rng, 2, 3, 16)
    x64 = f64(x)
    mean = x64.mean(-1).astype(np.float32)
    rstd = (1 / np.sqrt(x64.var(-1) + 1e-5)).astype(np.float32)
    return [x, gamma, mean, rstd, dy], norm_grad(x, gamma, mean, rstd, dy)


@case("rms_norm_grad_2d", rtol=1e-4, atol=1e-6)
def rms_norm_grad_2d(rng):
    x, gamma, dy = f32(rng, 5, 12), f32(rng, 12), f32(rng, 5, 12)
    rstd = (1 / np.sqrt((f64(x) ** 2).mean(-1) + 1e-6)).astype(np.float32)
    return [x, gamma, rstd, dy], norm_grad(x, gamma, None, rstd, dy)[:2]


def attention_forward(q, k, v, scale, causal, bias=None):
    """o and lse in float64 ([B, H, S, D] q, [B, Hkv, T, D] k and v)."""
    q, k, v = f64(q), f64(k), f64(v)
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    s = scale * q @ np.swapaxes(k, -1, -2)
    if bias is not None:
        s = s + f64(bias)
    S, T = s.shape[-2:]
    if causal:
        visible = np.arange(T)[None, :] <= np.arange(S)[:, None] + (T - S)
        s = np.where(visible, s, -np.inf)
    m = s.max(-1, keepdims=True)
    lse = m + np.log(np.exp(s - m).sum(-1, keepdims=True))
    p = np.exp(s - lse)
    return p @ v, lse[..., 0], p


def attention_grad(q, k, v, dout, scale, causal, bias=None):
    """dq, dk, dv (and the logits' gradient with a bias) from the formulas
    of tessel.attention_grad, in float64."""
    o, lse, p = attention_forward(q, k, v, scale, causal, bias)
    group = q.shape[1] // k.shape[1]
    kr, vr, do = (np.repeat(f64(k), group, axis=1),
                  np.repeat(f64(v), group, axis=1), f64(dout))
    delta = (do * o).sum(-1, keepdims=True)
    ds = p * (do @ np.swapaxes(vr, -1, -2) - delta)
    dq = scale * ds @ kr
    fold = lambda x: x.reshape(x.shape[0], -1, group, *x.shape[2:]).sum(2)
    dk = fold(scale * np.swapaxes(ds, -1, -2) @ f64(q))
    dv = fold(np.swapaxes(p, -1, -2) @ do)
    out = [dq, dk, dv] + ([ds] if bias is not None else [])
    return o, lse, out


@case("attention_grad_causal_gqa", rtol=1e-4, atol=1e-6)
def attention_grad_causal_gqa(rng):
    # 4 query heads over 2 key/value heads; S = 5 queries at the end of
    # T = 7 keys (the causal diagonal at the bottom right).
    q, k, v = f32(rng, 2, 4, 5, 8), f32(rng, 2, 2, 7, 8), f32(rng, 2, 2, 7, 6)
    dout = f32(rng, 2, 4, 5, 6)
    o, lse, want = attention_grad(q, k, v, dout, 0.35, True)
    return [q, k, v, o.astype(np.float32), lse.astype(np.float32), dout], want


@case("attention_grad_bias", rtol=1e-4, atol=1e-6)
def attention_grad_bias(rng):
    # A per-head bias [H, S, T] broadcast over the batch; bias_grad is the
    # logits' gradient, [B, H, S, T].
    q, k, v = f32(rng, 2, 3, 4, 8), f32(rng, 2, 3, 6, 8), f32(rng, 2, 3, 6, 8)
    bias, dout = f32(rng, 3, 4, 6), f32(rng, 2, 3, 4, 8)
    o, lse, want = attention_grad(q, k, v, dout, 0.25, False, bias)
    return [q, k, v, o.astype(np.float32), lse.astype(np.float32), dout,
            bias], want


@case("slice_grad_middle")
def slice_grad_middle(rng):
    dy = f32(rng, 2, 3, 4)
    want = np.zeros((2, 7, 4))
    want[:, 2:5] = dy
    return [dy], [want]


@case("scale_norm_grad_clamped", rtol=1e-4, atol=1e-6)
def scale_norm_grad_clamped(rng):
    # The last row's norm is below epsilon: n = epsilon, a constant.
    x, dy = f32(rng, 3, 5), f32(rng, 3, 5)
    x[2] = 1e-7
    g, eps = np.array(0.8, np.float32), 1e-5
    x64, dy64 = f64(x), f64(dy)
    norm = np.sqrt((x64 ** 2).sum(-1, keepdims=True))
    n = np.maximum(norm, eps)
    dot = (x64 * dy64).sum(-1, keepdims=True)
    dx = float(g) / n * np.where(norm > eps, dy64 - x64 * dot / n ** 2, dy64)
    return [x, g, dy], [dx, np.array((dot / n).sum())]


@case("softmax_grad_middle_axis", rtol=1e-4, atol=1e-6)
def softmax_grad_middle_axis(rng):
    # Softmax along axis 1 of [2, 7, 3]; dx from the closed form
    # y (dy - sum(dy y)) in float64.
    x, dy = f32(rng, 2, 7, 3), f32(rng, 2, 7, 3)
    e = np.exp(f64(x) - f64(x).max(1, keepdims=True))
    y = e / e.sum(1, keepdims=True)
    dx = y * (f64(dy) - (f64(dy) * y).sum(1, keepdims=True))
    return [y.astype(np.float32), dy], [dx]


def batch_norm_grad(x, g, rm, rv, dy, eps, training):
    """dx, dgamma, dbeta of batch norm over every axis but the last, from
    the textbook formulas in float64."""
    x64, dy64, g64 = f64(x), f64(dy), f64(g)
    axes = tuple(range(x.ndim - 1))
    n = x.size // x.shape[-1]
    mean = x64.mean(axes) if training else f64(rm)
    var = x64.var(axes) if training else f64(rv)
    rstd = 1 / np.sqrt(var + eps)
    xhat = (x64 - mean) * rstd
    sum_dy, sum_dy_xhat = dy64.sum(axes), (dy64 * xhat).sum(axes)
    if training:
        dx = g64 * rstd / n * (n * dy64 - sum_dy - xhat * sum_dy_xhat)
    else:
        dx = g64 * rstd * dy64
    return [dx, sum_dy_xhat, sum_dy]


@case("batch_norm_grad_training", rtol=1e-4, atol=1e-5)
def batch_norm_grad_training(rng):
    x, dy = f32(rng, 3, 5, 6) * 2 + 1, f32(rng, 3, 5, 6)
    g, rm, rv = f32(rng, 6), f32(rng, 6), np.abs(f32(rng, 6)) + 0.5
    return [x, g, rm, rv, dy], batch_norm_grad(x, g, rm, rv, dy, 1e-5, True)


@case("batch_norm_grad_running", rtol=1e-4, atol=1e-5)
def batch_norm_grad_running(rng):
    x, dy = f32(rng, 7, 6), f32(rng, 7, 6)
    g, rm, rv = f32(rng, 6), f32(rng, 6), np.abs(f32(rng, 6)) + 0.5
    return [x, g, rm, rv, dy], batch_norm_grad(x, g, rm, rv, dy, 1e-3, False)
