"""Oracle cases of the position ops: rope, sinusoidal_embedding,
relative_bias (t5, shaw) and alibi.

Written from the published formulas, not from runtime/reference/:
- rope, rotate-half: HuggingFace Llama (`x * cos + rotate_half(x) * sin`
  with `inv_freq = 1 / theta^(arange(0, r, 2) / r)`); interleaved: RoFormer /
  Meta Llama's complex form (`(x[2i] + i x[2i+1]) * e^(i p w_i)`).
- sinusoidal_embedding: "Attention Is All You Need", section 3.5.
- relative_bias t5: HuggingFace T5's `_relative_position_bucket`.
- alibi: `get_slopes` of the ALiBi paper's reference code (Press et al.).
"""

import math

import numpy as np

from cases import case


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# --------------------------------------------------------------------------
# rope
# --------------------------------------------------------------------------


def _angles(positions, theta, rotary_dims, rank):
    """p * inv_freq, shaped to broadcast against the `[..., S, r/2]` half of
    an input of rank `rank`."""
    inv_freq = 1.0 / theta ** (np.arange(0, rotary_dims, 2, dtype=np.float64)
                               / rotary_dims)
    p = positions.astype(np.float64)
    a = p[..., None] * inv_freq                       # [S, r/2] or [B, S, r/2]
    if positions.ndim == 2:                           # [B, S] with [B, H, S, D]
        a = a[:, None, :, :]
    return a


def rope_ref(x, positions, theta=10000.0, rotary_dims=None,
             interleaved=False):
    x = x.astype(np.float64)
    r = rotary_dims or x.shape[-1]
    a = _angles(positions, theta, r, x.ndim)
    rot, rest = x[..., :r], x[..., r:]
    if interleaved:
        # RoFormer: consecutive pairs are complex numbers, multiplied by
        # e^(i a).
        z = rot[..., 0::2] + 1j * rot[..., 1::2]
        z = z * np.exp(1j * a)
        out = np.stack([z.real, z.imag], axis=-1).reshape(rot.shape)
    else:
        # HuggingFace Llama: emb = cat(freqs, freqs); x*cos + rotate_half*sin.
        emb = np.concatenate([a, a], axis=-1)
        half = r // 2
        rotate_half = np.concatenate([-rot[..., half:], rot[..., :half]],
                                     axis=-1)
        out = rot * np.cos(emb) + rotate_half * np.sin(emb)
    return np.concatenate([out, rest], axis=-1)


@case("rope_half")
def rope_half(rng):
    x = f32(rng, 2, 3, 7, 8)
    pos = rng.integers(0, 64, size=7).astype(np.int64)
    return [x, pos], [rope_ref(x, pos)]


@case("rope_interleaved")
def rope_interleaved(rng):
    x = f32(rng, 2, 3, 5, 16)
    pos = np.arange(5, dtype=np.int64) + 3
    return [x, pos], [rope_ref(x, pos, interleaved=True)]


@case("rope_partial")
def rope_partial(rng):
    # Rotate-half on the first 8 of 20 features, theta 500.
    x = f32(rng, 1, 2, 6, 20)
    pos = rng.integers(0, 100, size=6).astype(np.int32)
    return [x, pos], [rope_ref(x, pos, theta=500.0, rotary_dims=8)]


@case("rope_partial_interleaved")
def rope_partial_interleaved(rng):
    # Decoupled-RoPE style: interleaved on the first 4 of 12 features.
    x = f32(rng, 2, 1, 4, 12)
    pos = np.array([0, 1, 7, 30], dtype=np.int64)
    return [x, pos], [rope_ref(x, pos, rotary_dims=4, interleaved=True)]


@case("rope_batch_positions")
def rope_batch_positions(rng):
    # Per-sequence offsets: positions [B, S] with a [B, H, S, D] input.
    x = f32(rng, 3, 2, 4, 8)
    pos = (np.arange(4)[None, :] + np.array([[0], [5], [17]])).astype(np.int64)
    return [x, pos], [rope_ref(x, pos)]


@case("rope_batch_positions_interleaved")
def rope_batch_positions_interleaved(rng):
    x = f32(rng, 2, 3, 5, 6)
    pos = rng.integers(0, 50, size=(2, 5)).astype(np.int32)
    return [x, pos], [rope_ref(x, pos, theta=1.0e6, interleaved=True)]


@case("rope_rank3")
def rope_rank3(rng):
    # [B, S, D] input (no head axis), positions [S].
    x = f32(rng, 2, 5, 10)
    pos = np.arange(5, dtype=np.int64)
    return [x, pos], [rope_ref(x, pos)]


# Far positions: the angle p * w is formed in at least float32 (as
# HuggingFace does), so allow its rounding, |p| * 2^-24 rad per element.
@case("rope_far_positions", rtol=1e-5, atol=2e-4)
def rope_far_positions(rng):
    x = f32(rng, 1, 2, 4, 16)
    pos = np.array([1000, 2047, 3000, 4095], dtype=np.int64)
    return [x, pos], [rope_ref(x, pos)]


@case("rope_f16", rtol=2e-3, atol=2e-3)
def rope_f16(rng):
    x = rng.standard_normal((2, 4, 6, 8)).astype(np.float16)
    pos = np.arange(6, dtype=np.int64) * 3
    return [x, pos], [rope_ref(x, pos)]


# --------------------------------------------------------------------------
# sinusoidal_embedding
# --------------------------------------------------------------------------


def sinusoidal_ref(positions, d, base=10000.0):
    p = positions.astype(np.float64)[..., None]
    two_i = np.arange(0, d, 2, dtype=np.float64)
    angle = p / base ** (two_i / d)
    out = np.empty(positions.shape + (d,), dtype=np.float64)
    out[..., 0::2] = np.sin(angle)
    out[..., 1::2] = np.cos(angle)
    return out


@case("sinusoidal_1d")
def sinusoidal_1d(rng):
    pos = np.arange(12, dtype=np.int64)
    return [pos], [sinusoidal_ref(pos, 16)]


@case("sinusoidal_2d_i32")
def sinusoidal_2d_i32(rng):
    pos = rng.integers(0, 40, size=(3, 5)).astype(np.int32)
    return [pos], [sinusoidal_ref(pos, 6, base=100.0)]


@case("sinusoidal_far", rtol=1e-5, atol=2e-4)
def sinusoidal_far(rng):
    pos = np.array([511, 1000, 2048, 4000], dtype=np.int64)
    return [pos], [sinusoidal_ref(pos, 32)]


@case("sinusoidal_f16", rtol=2e-3, atol=2e-3)
def sinusoidal_f16(rng):
    pos = np.arange(0, 40, 3, dtype=np.int64)
    return [pos], [sinusoidal_ref(pos, 8)]


# --------------------------------------------------------------------------
# relative_bias
# --------------------------------------------------------------------------


def t5_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """HuggingFace T5 `_relative_position_bucket`, vectorised (float64)."""
    rp = relative_position.astype(np.int64)
    buckets = np.zeros_like(rp)
    if bidirectional:
        num_buckets //= 2
        buckets += (rp > 0).astype(np.int64) * num_buckets
        rp = np.abs(rp)
    else:
        rp = -np.minimum(rp, 0)
    max_exact = num_buckets // 2
    is_small = rp < max_exact
    safe = np.maximum(rp, 1).astype(np.float64)
    large = max_exact + (np.log(safe / max_exact)
                         / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).astype(np.int64)
    large = np.minimum(large, num_buckets - 1)
    return buckets + np.where(is_small, rp, large)


def _t5_bucket_f32(relative_position, bidirectional, num_buckets,
                   max_distance):
    """The same in float32, as torch evaluates it."""
    rp = relative_position.astype(np.int64)
    buckets = np.zeros_like(rp)
    if bidirectional:
        num_buckets //= 2
        buckets += (rp > 0).astype(np.int64) * num_buckets
        rp = np.abs(rp)
    else:
        rp = -np.minimum(rp, 0)
    max_exact = num_buckets // 2
    safe = np.maximum(rp, 1).astype(np.float32)
    v = (np.log(safe / np.float32(max_exact))
         / np.float32(math.log(max_distance / max_exact))
         * np.float32(num_buckets - max_exact)).astype(np.float32)
    large = np.minimum(max_exact + v.astype(np.int64), num_buckets - 1)
    return buckets + np.where(rp < max_exact, rp, large)


def relative_bias_t5_ref(table, qpos, kpos, max_distance, bidirectional):
    r = kpos.astype(np.int64)[None, :] - qpos.astype(np.int64)[:, None]
    b = t5_bucket(r, bidirectional, table.shape[0], max_distance)
    # The case must not sit on a float rounding boundary of the bucketing.
    assert (b == _t5_bucket_f32(r, bidirectional, table.shape[0],
                                max_distance)).all()
    return np.moveaxis(table.astype(np.float64)[b], -1, 0)   # [H, S, T]


def relative_bias_shaw_ref(table, qpos, kpos, k):
    r = kpos.astype(np.int64)[None, :] - qpos.astype(np.int64)[:, None]
    rows = np.clip(r, -k, k) + k
    return np.moveaxis(table.astype(np.float64)[rows], -1, 0)


def _all_distances(reach):
    """qpos, kpos whose differences cover every r in [-reach, reach]."""
    return (np.array([0, reach // 2, reach]),
            np.arange(0, reach + 1))


@case("relbias_t5_bidirectional", rtol=0, atol=0)
def relbias_t5_bidirectional(rng):
    # T5 encoder: 32 buckets, max_distance 128, every distance in +-300.
    table = f32(rng, 32, 4)
    q, k = _all_distances(300)
    q, k = q.astype(np.int64), k.astype(np.int64)
    return [table, q, k], [relative_bias_t5_ref(table, q, k, 128, True)]


@case("relbias_t5_unidirectional", rtol=0, atol=0)
def relbias_t5_unidirectional(rng):
    # T5 decoder: 32 buckets, max_distance 128, future keys share bucket 0.
    table = f32(rng, 32, 3)
    q, k = _all_distances(300)
    q, k = q.astype(np.int64), k.astype(np.int64)
    return [table, q, k], [relative_bias_t5_ref(table, q, k, 128, False)]


@case("relbias_t5_small", rtol=0, atol=0)
def relbias_t5_small(rng):
    # 8 buckets (4 per side), max_distance 20, random i32 positions.
    table = f32(rng, 8, 2)
    q = rng.integers(-30, 30, size=9).astype(np.int32)
    k = rng.integers(-30, 30, size=11).astype(np.int32)
    return [table, q, k], [relative_bias_t5_ref(table, q, k, 20, True)]


@case("relbias_t5_uni_small", rtol=0, atol=0)
def relbias_t5_uni_small(rng):
    table = f32(rng, 6, 2)
    q, k = _all_distances(40)
    q, k = q.astype(np.int32), k.astype(np.int32)
    return [table, q, k], [relative_bias_t5_ref(table, q, k, 16, False)]


@case("relbias_shaw", rtol=0, atol=0)
def relbias_shaw(rng):
    table = f32(rng, 9, 3)                             # k = 4
    q = np.arange(6, dtype=np.int64)
    k = np.arange(10, dtype=np.int64) - 2
    return [table, q, k], [relative_bias_shaw_ref(table, q, k, 4)]


@case("relbias_shaw_zero", rtol=0, atol=0)
def relbias_shaw_zero(rng):
    # k = 0: one row for every distance.
    table = f32(rng, 1, 2)
    q = np.array([3, 0, 9], dtype=np.int32)
    k = np.array([1, 5], dtype=np.int32)
    return [table, q, k], [relative_bias_shaw_ref(table, q, k, 0)]


@case("relbias_t5_batch_positions", rtol=0, atol=0)
def relbias_t5_batch_positions(rng):
    # Query positions [B, S] (a decode step's sequences at their own
    # positions): result [B, H, S, T].
    table = f32(rng, 8, 3)
    q = np.array([[2, 3], [40, 41]], dtype=np.int64)
    k = np.arange(45, dtype=np.int64)
    want = np.stack([relative_bias_t5_ref(table, row, k, 20, False)
                     for row in q])
    return [table, q, k], [want]


@case("relbias_f16", rtol=0, atol=0)
def relbias_f16(rng):
    table = rng.standard_normal((16, 2)).astype(np.float16)
    q, k = _all_distances(70)
    q, k = q.astype(np.int64), k.astype(np.int64)
    return [table, q, k], [relative_bias_t5_ref(table, q, k, 32, True)]


# --------------------------------------------------------------------------
# alibi
# --------------------------------------------------------------------------


def alibi_slopes(n):
    """`get_slopes` of the ALiBi reference implementation (Press et al.)."""
    def power_of_2(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        ratio = start
        return [start * ratio ** i for i in range(n)]
    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + alibi_slopes(2 * closest)[0::2][:n - closest]


def alibi_ref(heads, qpos, kpos):
    m = np.array(alibi_slopes(heads), dtype=np.float64)
    dist = np.abs(qpos.astype(np.float64)[:, None]
                  - kpos.astype(np.float64)[None, :])
    return -m[:, None, None] * dist[None]


@case("alibi_8")
def alibi_8(rng):
    q = np.arange(6, dtype=np.int64)
    k = np.arange(9, dtype=np.int64)
    return [q, k], [alibi_ref(8, q, k)]


@case("alibi_12")
def alibi_12(rng):
    q = rng.integers(0, 50, size=5).astype(np.int64)
    k = rng.integers(0, 50, size=7).astype(np.int64)
    return [q, k], [alibi_ref(12, q, k)]


@case("alibi_6_i32")
def alibi_6_i32(rng):
    q = np.array([4, 5], dtype=np.int32)
    k = np.arange(6, dtype=np.int32)
    return [q, k], [alibi_ref(6, q, k)]


@case("alibi_1")
def alibi_1(rng):
    q = np.arange(3, dtype=np.int64)
    k = np.arange(3, dtype=np.int64)
    return [q, k], [alibi_ref(1, q, k)]


@case("alibi_5")
def alibi_5(rng):
    q = np.arange(4, dtype=np.int64) * 3
    k = np.arange(4, dtype=np.int64)
    return [q, k], [alibi_ref(5, q, k)]


@case("alibi_batch_positions")
def alibi_batch_positions(rng):
    # Query positions [B, S]: result [B, H, S, T].
    q = np.array([[1, 2, 3], [9, 10, 11]], dtype=np.int64)
    k = np.arange(12, dtype=np.int64)
    return [q, k], [np.stack([alibi_ref(4, row, k) for row in q])]


@case("alibi_f16", rtol=2e-3, atol=1e-3)
def alibi_f16(rng):
    q = np.arange(3, dtype=np.int64) + 10
    k = np.arange(12, dtype=np.int64)
    return [q, k], [alibi_ref(12, q, k)]
