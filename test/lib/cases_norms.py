"""Oracle cases of the norms: layer_norm, rms_norm, scale_norm, batch_norm.

All normalize over the last axis (batch_norm: per feature of the last axis,
over all the others). The expectations are the formulas of TesselOps.td (for
batch_norm also torch.nn.BatchNorm1d's documented running-stat update)
evaluated in float64 with two-pass statistics from the rounded inputs.

Several cases choose inputs whose scale makes epsilon matter, so that where
epsilon enters the formula (and its default value) is checked; the `offset`
cases put the mean far from zero, where a one-pass E[x^2] - E[x]^2 variance
in float32 would lose every digit.
"""

import numpy as np

from cases import case
from cases_dense import BF16_RTOL, f16, f32, f64, to_bf16


def layer_norm(x, gamma, beta, eps):
    x = f64(x)
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)  # biased
    return (x - mu) / np.sqrt(var + eps) * f64(gamma) + f64(beta)


def rms_norm(x, gamma, eps):
    x = f64(x)
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * f64(gamma)


def scale_norm(x, g, eps):
    x = f64(x)
    norm = np.sqrt((x * x).sum(axis=-1, keepdims=True))
    return f64(g) * x / np.maximum(norm, eps)


def batch_norm_train(x, gamma, beta, rmean, rvar, eps, momentum):
    """torch.nn.BatchNorm1d in training mode over [..., C]."""
    x = f64(x)
    c = x.shape[-1]
    flat = x.reshape(-1, c)
    n = flat.shape[0]
    mean = flat.mean(axis=0)
    var = ((flat - mean) ** 2).mean(axis=0)  # biased: normalizes the batch
    y = (x - mean) / np.sqrt(var + eps) * f64(gamma) + f64(beta)
    new_mean = (1 - momentum) * f64(rmean) + momentum * mean
    new_var = (1 - momentum) * f64(rvar) + momentum * var * n / (n - 1)
    return y, new_mean, new_var


def batch_norm_eval(x, gamma, beta, rmean, rvar, eps):
    y = (f64(x) - f64(rmean)) / np.sqrt(f64(rvar) + eps) * f64(gamma) + \
        f64(beta)
    return y, f64(rmean), f64(rvar)


def positive(rng, *shape, dtype=np.float32):
    return rng.uniform(0.5, 2.0, shape).astype(dtype)


# --- layer_norm -----------------------------------------------------------


@case("layer_norm", atol=1e-5)
def layer_norm_case(rng):
    x, g, b = f32(rng, 2, 3, 16), f32(rng, 16), f32(rng, 16)
    return [x, g, b], [layer_norm(x, g, b, 1e-5)]


@case("layer_norm_default_eps", atol=1e-5)
def layer_norm_default_eps(rng):
    # Variance ~1e-5: the default epsilon (1e-5) halves the scale; a wrong
    # default, or epsilon outside the square root, is visible.
    x = (3e-3 * rng.standard_normal((4, 8))).astype(np.float32)
    g, b = positive(rng, 8), f32(rng, 8)
    return [x, g, b], [layer_norm(x, g, b, 1e-5)]


@case("layer_norm_eps", atol=1e-5)
def layer_norm_eps(rng):
    # epsilon = 0.25 against a unit variance.
    x, g, b = f32(rng, 5, 6), positive(rng, 6), f32(rng, 6)
    return [x, g, b], [layer_norm(x, g, b, 0.25)]


@case("layer_norm_offset", rtol=1e-3, atol=1e-3)
def layer_norm_offset(rng):
    # Mean 1000, standard deviation 1, D = 256.
    x = (1000.0 + rng.standard_normal((3, 256))).astype(np.float32)
    g, b = positive(rng, 256), f32(rng, 256)
    return [x, g, b], [layer_norm(x, g, b, 1e-5)]


@case("layer_norm_f16", rtol=2e-3, atol=2e-3)
def layer_norm_f16(rng):
    x, g, b = f16(rng, 3, 4, 32), f16(rng, 32), f16(rng, 32)
    return [x, g, b], [layer_norm(x, g, b, 1e-5)]


def layer_norm_stats(x, eps):
    """The mean and 1 / sqrt(biased variance + eps) of each row."""
    x = f64(x)
    mu = x.mean(axis=-1)
    var = ((x - mu[..., None]) ** 2).mean(axis=-1)
    return mu, 1.0 / np.sqrt(var + eps)


@case("layer_norm_stats", atol=1e-5)
def layer_norm_stats_case(rng):
    x = (f32(rng, 2, 3, 16) * 2 + 0.5).astype(np.float32)
    g, b = f32(rng, 16), f32(rng, 16)
    mean, rstd = layer_norm_stats(x, 1e-5)
    return [x, g, b], [layer_norm(x, g, b, 1e-5), mean, rstd]


@case("layer_norm_stats_f16", rtol=2e-3, atol=2e-3)
def layer_norm_stats_f16(rng):
    # f16 input, f32 statistics.
    x, g, b = f16(rng, 3, 32), f16(rng, 32), f16(rng, 32)
    mean, rstd = layer_norm_stats(x, 1e-5)
    return [x, g, b], [layer_norm(x, g, b, 1e-5), mean, rstd]


# --- rms_norm -------------------------------------------------------------


@case("rms_norm_stats", atol=1e-5)
def rms_norm_stats_case(rng):
    x, g = (f32(rng, 2, 5, 16) * 3).astype(np.float32), f32(rng, 16)
    rstd = 1.0 / np.sqrt((f64(x) ** 2).mean(axis=-1) + 1e-6)
    return [x, g], [rms_norm(x, g, 1e-6), rstd]



@case("rms_norm", atol=1e-5)
def rms_norm_case(rng):
    x, g = f32(rng, 2, 3, 16), f32(rng, 16)
    return [x, g], [rms_norm(x, g, 1e-6)]


@case("rms_norm_default_eps", atol=1e-5)
def rms_norm_default_eps(rng):
    # mean(x^2) ~1e-6: the default epsilon (1e-6) is about half of it.
    x = (1e-3 * rng.standard_normal((4, 10))).astype(np.float32)
    g = positive(rng, 10)
    return [x, g], [rms_norm(x, g, 1e-6)]


@case("rms_norm_eps", atol=1e-5)
def rms_norm_eps(rng):
    x, g = f32(rng, 6, 5), positive(rng, 5)
    return [x, g], [rms_norm(x, g, 0.5)]


@case("rms_norm_offset", atol=1e-5)
def rms_norm_offset(rng):
    # Not centred: RMS norm must not subtract the mean.
    x = (4.0 + rng.standard_normal((3, 12))).astype(np.float32)
    g = f32(rng, 12)
    return [x, g], [rms_norm(x, g, 1e-6)]


@case("rms_norm_f16", rtol=2e-3, atol=2e-3)
def rms_norm_f16(rng):
    x, g = f16(rng, 2, 5, 64), f16(rng, 64)
    return [x, g], [rms_norm(x, g, 1e-6)]


@case("rms_norm_bf16", rtol=BF16_RTOL, atol=1e-6)
def rms_norm_bf16(rng):
    # float32 inputs that the interpreter rounds to bf16; see cases_dense.
    x, g = f32(rng, 3, 24), f32(rng, 24)
    return [x, g], [to_bf16(rms_norm(to_bf16(x), to_bf16(g), 1e-6))]


# --- scale_norm -----------------------------------------------------------


@case("scale_norm", atol=1e-5)
def scale_norm_case(rng):
    x = f32(rng, 2, 3, 16)
    g = np.array(4.0, dtype=np.float32)  # sqrt(D), the paper's initial g
    return [x, g], [scale_norm(x, g, 1e-5)]


@case("scale_norm_clamp", atol=1e-5)
def scale_norm_clamp(rng):
    # Rows whose norm is below epsilon are divided by epsilon (max, not a
    # sum or sqrt(norm^2 + eps)); one row is all zeros.
    x = f32(rng, 6, 8)
    x[1] *= 1e-7
    x[2] *= 1e-6
    x[3] = 0.0
    x[4] *= 2e-6
    g = np.array(-1.75, dtype=np.float32)
    return [x, g], [scale_norm(x, g, 1e-5)]


@case("scale_norm_eps", atol=1e-5)
def scale_norm_eps(rng):
    # epsilon = 2 with row norms around sqrt(D) = 2: some rows are clamped.
    x = f32(rng, 8, 4)
    g = np.array(0.5, dtype=np.float32)
    return [x, g], [scale_norm(x, g, 2.0)]


@case("scale_norm_f16", rtol=2e-3, atol=2e-3)
def scale_norm_f16(rng):
    x = f16(rng, 3, 4, 16)
    g = np.array(3.0, dtype=np.float16)
    return [x, g], [scale_norm(x, g, 1e-5)]


# --- batch_norm -----------------------------------------------------------


def batch_norm_inputs(rng, shape, dtype=np.float32):
    c = shape[-1]
    x = (rng.standard_normal(shape) * rng.uniform(0.5, 3.0, c) +
         rng.uniform(-2.0, 2.0, c)).astype(dtype)
    gamma = rng.standard_normal(c).astype(dtype)
    beta = rng.standard_normal(c).astype(dtype)
    rmean = rng.standard_normal(c).astype(dtype)
    rvar = rng.uniform(0.5, 2.0, c).astype(dtype)
    return x, gamma, beta, rmean, rvar


@case("batch_norm_train", atol=1e-5)
def batch_norm_train_case(rng):
    # Defaults: epsilon 1e-5, momentum 0.1. Statistics over B * S = 15.
    inputs = batch_norm_inputs(rng, (3, 5, 8))
    return list(inputs), list(batch_norm_train(*inputs, 1e-5, 0.1))


@case("batch_norm_train_2d", atol=1e-5)
def batch_norm_train_2d(rng):
    # [N, C] with a small N = 4, where n / (n - 1) = 4/3 matters; explicit
    # epsilon and momentum.
    inputs = batch_norm_inputs(rng, (4, 6))
    return list(inputs), list(batch_norm_train(*inputs, 0.5, 0.3))


@case("batch_norm_train_offset", rtol=1e-3, atol=1e-3)
def batch_norm_train_offset(rng):
    # Feature means near 500, unit spread, n = 2 * 64 = 128.
    x, gamma, beta, rmean, rvar = batch_norm_inputs(rng, (2, 64, 4))
    x = (x + np.float32(500.0)).astype(np.float32)
    inputs = (x, gamma, beta, rmean, rvar)
    return list(inputs), list(batch_norm_train(*inputs, 1e-5, 0.1))


@case("batch_norm_eval", atol=1e-5)
def batch_norm_eval_case(rng):
    inputs = batch_norm_inputs(rng, (2, 3, 5))
    return list(inputs), list(batch_norm_eval(*inputs, 1e-5))


@case("batch_norm_eval_eps", atol=1e-5)
def batch_norm_eval_eps(rng):
    # epsilon and momentum given; momentum must not touch the running stats
    # in inference.
    inputs = batch_norm_inputs(rng, (7, 3))
    return list(inputs), list(batch_norm_eval(*inputs, 0.75))


@case("batch_norm_train_f16", rtol=2e-3, atol=2e-3)
def batch_norm_train_f16(rng):
    inputs = batch_norm_inputs(rng, (4, 6, 8), dtype=np.float16)
    return list(inputs), list(batch_norm_train(*inputs, 1e-5, 0.1))
