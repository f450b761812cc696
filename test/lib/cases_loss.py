"""Oracle cases of cross_entropy.

Written from PyTorch's `F.cross_entropy(logits, target, ignore_index=...,
reduction="mean")` definition (not from runtime/reference/): per row
`logsumexp(logits) - logits[target]`, averaged over the rows whose target is
not `ignore_index`; NaN when every row is ignored (0 / 0).
"""

import numpy as np

from cases import case


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def cross_entropy_ref(logits, targets, ignore_index=-100):
    x = logits.astype(np.float64).reshape(-1, logits.shape[-1])
    t = targets.astype(np.int64).reshape(-1)
    keep = t != ignore_index
    m = x.max(axis=-1)
    lse = m + np.log(np.exp(x - m[:, None]).sum(axis=-1))
    picked = np.take_along_axis(x, np.where(keep, t, 0)[:, None], -1)[:, 0]
    loss = np.where(keep, lse - picked, 0.0)
    with np.errstate(invalid="ignore"):
        return np.array(loss.sum() / keep.sum())


@case("ce_2d_i64")
def ce_2d_i64(rng):
    x = f32(rng, 7, 11) * 2
    t = rng.integers(0, 11, size=7).astype(np.int64)
    return [x, t], [cross_entropy_ref(x, t)]


@case("ce_2d_i32_ignore")
def ce_2d_i32_ignore(rng):
    # Default ignore_index -100 on some rows.
    x = f32(rng, 9, 5) * 2
    t = rng.integers(0, 5, size=9).astype(np.int32)
    t[[1, 4, 5]] = -100
    return [x, t], [cross_entropy_ref(x, t)]


@case("ce_3d_i64_ignore")
def ce_3d_i64_ignore(rng):
    # [B, S, C] language-model logits with padding positions ignored.
    x = f32(rng, 3, 6, 13) * 3
    t = rng.integers(0, 13, size=(3, 6)).astype(np.int64)
    t[0, 4:] = -100
    t[2, 1] = -100
    return [x, t], [cross_entropy_ref(x, t)]


@case("ce_3d_i32_custom_ignore")
def ce_3d_i32_custom_ignore(rng):
    # ignore_index = 0 (a valid class id); the -100 rows are not ignored and
    # must not occur, so the targets stay in [0, C).
    x = f32(rng, 2, 5, 4) * 2
    t = rng.integers(0, 4, size=(2, 5)).astype(np.int32)
    t[0, 0], t[1, 3] = 0, 2
    return [x, t], [cross_entropy_ref(x, t, ignore_index=0)]


@case("ce_custom_negative_ignore")
def ce_custom_negative_ignore(rng):
    # ignore_index = -1 (as in some Megatron / HF code).
    x = f32(rng, 6, 8) * 2
    t = rng.integers(0, 8, size=6).astype(np.int64)
    t[[0, 3]] = -1
    return [x, t], [cross_entropy_ref(x, t, ignore_index=-1)]


@case("ce_all_ignored")
def ce_all_ignored(rng):
    x = f32(rng, 4, 3)
    t = np.full(4, -100, dtype=np.int64)
    return [x, t], [cross_entropy_ref(x, t)]


@case("ce_large_logits")
def ce_large_logits(rng):
    # Logits around 1e4 (and one row around -1e4): logsumexp must subtract
    # the maximum.
    x = (f32(rng, 4, 6) * 2
         + np.array([[1e4], [-1e4], [2e4], [0.0]])).astype(np.float32)
    t = rng.integers(0, 6, size=4).astype(np.int64)
    return [x, t], [cross_entropy_ref(x, t)]


@case("ce_f16", rtol=2e-3, atol=2e-3)
def ce_f16(rng):
    x = (rng.standard_normal((2, 5, 17)) * 2).astype(np.float16)
    t = rng.integers(0, 17, size=(2, 5)).astype(np.int64)
    t[1, 4] = -100
    return [x, t], [cross_entropy_ref(x, t)]
