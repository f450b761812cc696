"""Oracle cases of softmax and attention.

Written from the formulas (not from runtime/reference/): softmax is
`exp(x - max) / sum`; attention is PyTorch's scaled_dot_product_attention
with HuggingFace's `repeat_kv` for grouped/multi-query heads (query head h
reads key/value head h // (Hq / Hkv)) and a causal mask aligned at the
bottom right (key j visible to query i iff j <= i + T - S).
"""

import numpy as np

from cases import case


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def softmax_ref(x, axis=-1):
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):  # a line of -inf gives NaN
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------


@case("softmax_last")
def softmax_last(rng):
    x = f32(rng, 2, 3, 4, 7) * 3
    return [x], [softmax_ref(x, -1)]


@case("softmax_axis0")
def softmax_axis0(rng):
    x = f32(rng, 5, 3, 4) * 3
    return [x], [softmax_ref(x, 0)]


@case("softmax_axis1")
def softmax_axis1(rng):
    x = f32(rng, 2, 6, 3) * 3
    return [x], [softmax_ref(x, 1)]


@case("softmax_axis_neg2")
def softmax_axis_neg2(rng):
    x = f32(rng, 2, 3, 5, 4) * 3
    return [x], [softmax_ref(x, -2)]


@case("softmax_rank1")
def softmax_rank1(rng):
    x = f32(rng, 33) * 5
    return [x], [softmax_ref(x, 0)]


@case("softmax_large")
def softmax_large(rng):
    # Logits around +-1e4: exp(1e4) overflows, exp(x - max) does not. The
    # offsets per row differ so that every row has its own maximum.
    x = (f32(rng, 4, 9) * 2
         + np.array([[1e4], [-1e4], [2e4], [0.0]], dtype=np.float32))
    x = x.astype(np.float32)
    return [x], [softmax_ref(x, -1)]


@case("softmax_large_axis0")
def softmax_large_axis0(rng):
    x = (f32(rng, 6, 3) + np.float32(1e4)).astype(np.float32)
    x[2, 1] = np.float32(3e4)                          # one dominant entry
    return [x], [softmax_ref(x, 0)]


@case("softmax_f16", rtol=2e-3, atol=1e-4)
def softmax_f16(rng):
    x = (rng.standard_normal((3, 16)) * 3).astype(np.float16)
    return [x], [softmax_ref(x, -1)]


# --------------------------------------------------------------------------
# attention
# --------------------------------------------------------------------------


def attention_logits(q, k, bias=None, scale=None, causal=False,
                     positions=None):
    """[B, Hq, S, T] logits in f64, -inf where the causal mask hides a key
    (with `positions` [B, S], key j is visible to query i of sequence b iff
    j <= positions[b, i])."""
    q, k = q.astype(np.float64), k.astype(np.float64)
    b, hq, s, d = q.shape
    hkv, t = k.shape[1], k.shape[2]
    # HuggingFace repeat_kv: kv head g serves query heads g*group .. +group-1.
    k = np.repeat(k, hq // hkv, axis=1)
    if scale is None:
        scale = 1.0 / np.sqrt(d)
    logits = scale * np.einsum("bhsd,bhtd->bhst", q, k)
    if bias is not None:
        logits = logits + bias.astype(np.float64)
    if positions is not None:
        last = positions.astype(np.int64)[:, None, :, None]      # [B,1,S,1]
        j = np.arange(t)[None, None, None, :]
        logits = np.where(j <= last, logits, -np.inf)
    elif causal:
        i = np.arange(s)[:, None]
        j = np.arange(t)[None, :]
        logits = np.where(j <= i + (t - s), logits, -np.inf)
    return logits


def attention_ref(q, k, v, bias=None, scale=None, causal=False,
                  positions=None):
    logits = attention_logits(q, k, bias, scale, causal, positions)
    v = np.repeat(v.astype(np.float64), q.shape[1] // k.shape[1], axis=1)
    with np.errstate(invalid="ignore"):  # fully masked rows: NaN
        return np.einsum("bhst,bhtv->bhsv", softmax_ref(logits, -1), v)


def logsumexp_ref(logits):
    """log sum_j exp(logits[..., j]), -inf for a row of -inf."""
    m = np.max(logits, axis=-1, keepdims=True)
    safe = np.where(np.isinf(m), 0.0, m)
    with np.errstate(divide="ignore"):
        return (safe + np.log(np.sum(np.exp(logits - safe), axis=-1,
                                     keepdims=True)))[..., 0]


@case("attn_mha")
def attn_mha(rng):
    q, k, v = f32(rng, 2, 4, 5, 8), f32(rng, 2, 4, 6, 8), f32(rng, 2, 4, 6, 8)
    return [q, k, v], [attention_ref(q, k, v)]


@case("attn_gqa_causal")
def attn_gqa_causal(rng):
    # Hq = 8, Hkv = 2: heads 0-3 read kv head 0, heads 4-7 kv head 1.
    q = f32(rng, 2, 8, 6, 16)
    k, v = f32(rng, 2, 2, 6, 16), f32(rng, 2, 2, 6, 16)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_gqa")
def attn_gqa(rng):
    q = f32(rng, 1, 8, 3, 4)
    k, v = f32(rng, 1, 2, 5, 4), f32(rng, 1, 2, 5, 4)
    return [q, k, v], [attention_ref(q, k, v)]


@case("attn_mqa")
def attn_mqa(rng):
    q = f32(rng, 2, 4, 3, 8)
    k, v = f32(rng, 2, 1, 7, 8), f32(rng, 2, 1, 7, 8)
    return [q, k, v], [attention_ref(q, k, v)]


@case("attn_causal_square")
def attn_causal_square(rng):
    q, k, v = f32(rng, 1, 2, 7, 8), f32(rng, 1, 2, 7, 8), f32(rng, 1, 2, 7, 8)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_causal_kv_cache")
def attn_causal_kv_cache(rng):
    # S = 3 new queries over T = 8 cached keys: query i sees keys <= i + 5.
    # Random logits are scaled up so that masking one key changes the
    # result by far more than the tolerance.
    q = f32(rng, 2, 2, 3, 8) * 2
    k, v = f32(rng, 2, 2, 8, 8), f32(rng, 2, 2, 8, 8)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_causal_mqa_decode")
def attn_causal_mqa_decode(rng):
    # One decode step (S = 1) over T = 9 keys with Hkv = 1: every key visible.
    q = f32(rng, 3, 4, 1, 8)
    k, v = f32(rng, 3, 1, 9, 8), f32(rng, 3, 1, 9, 8)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_causal_positions")
def attn_causal_positions(rng):
    # A decode step of 3 sequences at their own positions (S = 2 each, GQA
    # 4/2) over caches read up to the furthest (T = 9): query i of sequence
    # b sees keys <= positions[b, i]; what lies past it is another
    # sequence's progress or stale data, and must not count.
    q = f32(rng, 3, 4, 2, 8) * 2
    k, v = f32(rng, 3, 2, 9, 8), f32(rng, 3, 2, 9, 8)
    pos = np.array([[0, 1], [4, 5], [7, 8]], np.int64)
    return [q, k, v, pos], [attention_ref(q, k, v, positions=pos)]


@case("attn_causal_positions_tiles")
def attn_causal_positions_tiles(rng):
    # Positions in different key tiles of 64 (T = 150, S = 3): the tiled
    # form's per-sequence bounds fall inside the first, second and third
    # tile.
    q = f32(rng, 3, 2, 3, 16) * 2
    k, v = f32(rng, 3, 2, 150, 16), f32(rng, 3, 2, 150, 16)
    pos = np.array([[3, 4, 5], [100, 101, 102], [147, 148, 149]], np.int64)
    return [q, k, v, pos], [attention_ref(q, k, v, positions=pos)]


@case("attn_causal_positions_chunks")
def attn_causal_positions_chunks(rng):
    # A cache longer than decode's key chunks (256, FlashDecoding on the
    # compiled path): T = 600, three chunks merged by log-sum-exp; the
    # sequences' last positions in the first, second and third chunk.
    q = f32(rng, 3, 2, 2, 16) * 2
    k, v = f32(rng, 3, 1, 600, 16), f32(rng, 3, 1, 600, 16)
    pos = np.array([[3, 4], [300, 301], [598, 599]], np.int64)
    return [q, k, v, pos], [attention_ref(q, k, v, positions=pos)]


@case("attn_scale")
def attn_scale(rng):
    q, k, v = f32(rng, 1, 3, 4, 8), f32(rng, 1, 3, 5, 8), f32(rng, 1, 3, 5, 8)
    return [q, k, v], [attention_ref(q, k, v, scale=0.3)]


@case("attn_scale_one_causal")
def attn_scale_one_causal(rng):
    q, k, v = f32(rng, 1, 2, 4, 4), f32(rng, 1, 2, 6, 4), f32(rng, 1, 2, 6, 4)
    return [q, k, v], [attention_ref(q, k, v, scale=1.0, causal=True)]


@case("attn_bias_st")
def attn_bias_st(rng):
    q, k, v = f32(rng, 2, 3, 4, 8), f32(rng, 2, 3, 5, 8), f32(rng, 2, 3, 5, 8)
    bias = f32(rng, 4, 5) * 2
    return [q, k, v, bias], [attention_ref(q, k, v, bias)]


@case("attn_bias_hst")
def attn_bias_hst(rng):
    q, k, v = f32(rng, 2, 4, 3, 8), f32(rng, 2, 2, 6, 8), f32(rng, 2, 2, 6, 8)
    bias = f32(rng, 4, 3, 6) * 2
    return [q, k, v, bias], [attention_ref(q, k, v, bias, causal=True)]


@case("attn_bias_bhst")
def attn_bias_bhst(rng):
    q, k, v = f32(rng, 2, 2, 5, 8), f32(rng, 2, 2, 5, 8), f32(rng, 2, 2, 5, 8)
    bias = f32(rng, 2, 2, 5, 5) * 2
    return [q, k, v, bias], [attention_ref(q, k, v, bias, scale=0.5)]


@case("attn_bias_padding_mask")
def attn_bias_padding_mask(rng):
    # [B, 1, 1, T] key-padding mask: -1e9 on padded keys.
    q, k, v = f32(rng, 2, 2, 4, 8), f32(rng, 2, 2, 6, 8), f32(rng, 2, 2, 6, 8)
    bias = np.zeros((2, 1, 1, 6), dtype=np.float32)
    bias[0, 0, 0, 4:] = -1e9
    bias[1, 0, 0, 1:3] = -1e9
    return [q, k, v, bias], [attention_ref(q, k, v, bias)]


@case("attn_bias_head_broadcast")
def attn_bias_head_broadcast(rng):
    # [H, 1, T]: per-head bias shared by every query row.
    q, k, v = f32(rng, 1, 3, 4, 8), f32(rng, 1, 3, 5, 8), f32(rng, 1, 3, 5, 8)
    bias = f32(rng, 3, 1, 5) * 2
    return [q, k, v, bias], [attention_ref(q, k, v, bias)]


@case("attn_dv")
def attn_dv(rng):
    # Value head dim 5 != query/key head dim 12 (MLA-like), GQA, causal.
    q = f32(rng, 2, 4, 6, 12)
    k, v = f32(rng, 2, 2, 6, 12), f32(rng, 2, 2, 6, 5)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_dv_large")
def attn_dv_large(rng):
    q = f32(rng, 1, 2, 3, 4)
    k, v = f32(rng, 1, 2, 4, 4), f32(rng, 1, 2, 4, 16)
    return [q, k, v], [attention_ref(q, k, v)]


def _dyadic(rng, *shape):
    """Values in {-2, -7/4, ..., 2}: their products and sums up to 2.5e4 are
    exact in float32, whatever the order of accumulation."""
    return (rng.integers(-8, 9, size=shape) / 4.0).astype(np.float32)


@case("attn_large_logits")
def attn_large_logits(rng):
    # Feature 0 of k is 150 and that of q 150 or 130, so with the default
    # scale 1/2 (D = 4) every logit is about 1.1e4 or 0.98e4; the dyadic
    # rest makes the logits of a row differ by O(1). Without subtracting the
    # maximum exp overflows.
    q, k = _dyadic(rng, 2, 2, 4, 4), _dyadic(rng, 2, 2, 6, 4)
    q[..., 0] = 150 - 20 * rng.integers(0, 2, size=q.shape[:-1])
    k[..., 0] = 150
    v = f32(rng, 2, 2, 6, 4)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_large_bias")
def attn_large_bias(rng):
    # Logits near -1e4 and 1e4 through a bias; a row-wise shift that keeps
    # the float32 sums exact (the bias is a multiple of 2^-4, q.k a multiple
    # of 2^-4 under scale 1).
    q, k = _dyadic(rng, 1, 2, 3, 4), _dyadic(rng, 1, 2, 5, 4)
    v = f32(rng, 1, 2, 5, 4)
    bias = (rng.integers(-16, 17, size=(3, 5)) / 16.0
            + np.array([[1e4], [-1e4], [5e3]])).astype(np.float32)
    return [q, k, v, bias], [attention_ref(q, k, v, bias, scale=1.0)]


@case("attn_f16", rtol=2e-3, atol=2e-3)
def attn_f16(rng):
    q = rng.standard_normal((2, 8, 5, 16)).astype(np.float16)
    k = rng.standard_normal((2, 2, 5, 16)).astype(np.float16)
    v = rng.standard_normal((2, 2, 5, 16)).astype(np.float16)
    return [q, k, v], [attention_ref(q, k, v, causal=True)]


@case("attn_f16_bias", rtol=2e-3, atol=2e-3)
def attn_f16_bias(rng):
    q = rng.standard_normal((1, 2, 3, 8)).astype(np.float16)
    k = rng.standard_normal((1, 2, 4, 8)).astype(np.float16)
    v = rng.standard_normal((1, 2, 4, 8)).astype(np.float16)
    bias = rng.standard_normal((2, 3, 4)).astype(np.float16)
    return [q, k, v, bias], [attention_ref(q, k, v, bias)]


# --------------------------------------------------------------------------
# attention with its log-sum-exp (what the backward pass keeps)
# --------------------------------------------------------------------------


@case("attn_lse_gqa_causal")
def attn_lse_gqa_causal(rng):
    # S = 5 new queries over T = 9 keys, GQA 4/2, a [H, S, T] bias.
    q = f32(rng, 2, 4, 5, 8) * 2
    k, v = f32(rng, 2, 2, 9, 8), f32(rng, 2, 2, 9, 8)
    bias = f32(rng, 4, 5, 9)
    logits = attention_logits(q, k, bias, causal=True)
    return ([q, k, v, bias],
            [attention_ref(q, k, v, bias, causal=True), logsumexp_ref(logits)])


@case("attn_lse_masked_rows")
def attn_lse_masked_rows(rng):
    # Causal with S = 6 > T = 4: queries 0 and 1 see no key (O is NaN, the
    # log-sum-exp -inf); the others see 1 to 4 keys.
    q, k, v = f32(rng, 1, 2, 6, 4), f32(rng, 1, 2, 4, 4), f32(rng, 1, 2, 4, 4)
    logits = attention_logits(q, k, causal=True)
    return ([q, k, v],
            [attention_ref(q, k, v, causal=True), logsumexp_ref(logits)])


@case("attn_lse_large_logits")
def attn_lse_large_logits(rng):
    # Logits near 1e4 (an offset bias): exp(1e4) overflows, m + log(l) not.
    q, k, v = f32(rng, 1, 2, 3, 8), f32(rng, 1, 2, 70, 8), f32(rng, 1, 2, 70, 8)
    bias = (f32(rng, 3, 70) + np.float32(1e4)).astype(np.float32)
    logits = attention_logits(q, k, bias)
    return ([q, k, v, bias],
            [attention_ref(q, k, v, bias), logsumexp_ref(logits)])
