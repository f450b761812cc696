"""Oracle cases of the shape ops: slice, concat, broadcast, position_ids.

The reference is NumPy itself, from each op's description in TesselOps.td,
written without looking at runtime/reference/Shape.cpp:
- slice: basic slicing `x[..., offset:offset + n, ...]` along `axis`;
- concat: `np.concatenate(inputs, axis)`;
- broadcast: `np.broadcast_to(x, shape)`;
- position_ids: `offset + np.arange(x.shape[axis])`.

These ops only move data, so every case is exact (rtol = atol = 0), f16
included. bf16 arguments travel as float32 values that are not bf16 numbers:
the interpreter rounds them to bf16 on input, and moving a bf16 value does
not change it, so the expectation is the moved `to_bf16` of the input.
"""

import numpy as np

from cases import case
from cases_dense import to_bf16

EXACT = dict(rtol=0, atol=0)


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def f16(rng, *shape):
    return rng.standard_normal(shape).astype(np.float16)


def take(x, axis, offset, n):
    """x[..., offset:offset + n, ...] along `axis`, with a plain slice."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(offset, offset + n)
    return x[tuple(index)]


# --------------------------------------------------------------------------
# slice
# --------------------------------------------------------------------------


@case("slice_qkv", **EXACT)
def slice_qkv(rng):
    # [B, S, 3 * 4] split into q, k, v of 4 features each (dynamic B and S).
    x = f32(rng, 2, 3, 12)
    return [x], [x[:, :, 0:4], x[:, :, 4:8], x[:, :, 8:12]]


@case("slice_rows", **EXACT)
def slice_rows(rng):
    x = f32(rng, 5, 3)
    return [x], [x[1:4]]


@case("slice_middle_axis", **EXACT)
def slice_middle_axis(rng):
    x = f32(rng, 2, 7, 3)
    return [x], [take(x, 1, 2, 4)]


@case("slice_dynamic_axis", **EXACT)
def slice_dynamic_axis(rng):
    # The sliced axis itself is dynamic: its run-time size, 6, is enough.
    x = f32(rng, 6, 4)
    return [x], [x[3:5]]


@case("slice_last", **EXACT)
def slice_last(rng):
    # offset -1: the last position of a dynamic sequence (a prefill's).
    x = f32(rng, 2, 7, 5)
    return [x], [x[:, -1:, :]]


@case("slice_from_end", **EXACT)
def slice_from_end(rng):
    # offset -3 with n = 2 on a static axis: rows 2 and 3 of 5.
    x = f32(rng, 5, 3)
    return [x], [x[-3:-1]]


@case("slice_whole_axis", **EXACT)
def slice_whole_axis(rng):
    x = f32(rng, 3, 4)
    return [x], [x.copy()]


@case("slice_i64", **EXACT)
def slice_i64(rng):
    ids = rng.integers(-1000, 1000, size=(2, 9)).astype(np.int64)
    return [ids], [ids[:, 3:7]]


@case("slice_i32", **EXACT)
def slice_i32(rng):
    p = rng.integers(0, 2 ** 31 - 1, size=(8,)).astype(np.int32)
    return [p], [p[5:8]]


@case("slice_f16", **EXACT)
def slice_f16(rng):
    x = f16(rng, 4, 6, 2)
    return [x], [take(x, 1, 1, 3)]


@case("slice_bf16", **EXACT)
def slice_bf16(rng):
    x = f32(rng, 3, 10)
    return [x], [to_bf16(x[:, 6:10])]


# --------------------------------------------------------------------------
# concat
# --------------------------------------------------------------------------


@case("concat_last_axis", **EXACT)
def concat_last_axis(rng):
    a, b = f32(rng, 2, 3, 4), f32(rng, 2, 3, 2)
    return [a, b], [np.concatenate([a, b], axis=2)]


@case("concat_mla", **EXACT)
def concat_mla(rng):
    # [B, H, S, D_nope] and [B, H, S, D_rope], B and S dynamic.
    a, b = f32(rng, 2, 3, 5, 4), f32(rng, 2, 3, 5, 2)
    return [a, b], [np.concatenate([a, b], axis=3)]


@case("concat_three_rows", **EXACT)
def concat_three_rows(rng):
    a, b, c = f32(rng, 1, 4), f32(rng, 3, 4), f32(rng, 2, 4)
    return [a, b, c], [np.concatenate([a, b, c], axis=0)]


@case("concat_kv_cache_f16", **EXACT)
def concat_kv_cache_f16(rng):
    # A cache of dynamic length along axis 1 and one new entry.
    cache, new = f16(rng, 2, 5, 3), f16(rng, 2, 1, 3)
    return [cache, new], [np.concatenate([cache, new], axis=1)]


@case("concat_single", **EXACT)
def concat_single(rng):
    a = f32(rng, 3, 2)
    return [a], [a.copy()]


@case("concat_i64", **EXACT)
def concat_i64(rng):
    a = rng.integers(-50, 50, size=(2, 3)).astype(np.int64)
    b = rng.integers(-50, 50, size=(2, 1)).astype(np.int64)
    return [a, b], [np.concatenate([a, b], axis=1)]


@case("concat_i32", **EXACT)
def concat_i32(rng):
    a = rng.integers(0, 100, size=(3,)).astype(np.int32)
    b = rng.integers(0, 100, size=(4,)).astype(np.int32)
    return [a, b], [np.concatenate([a, b], axis=0)]


@case("concat_bf16", **EXACT)
def concat_bf16(rng):
    a, b = f32(rng, 2, 2), f32(rng, 3, 2)
    return [a, b], [to_bf16(np.concatenate([a, b], axis=0))]


# --------------------------------------------------------------------------
# broadcast
# --------------------------------------------------------------------------


@case("broadcast_heads", **EXACT)
def broadcast_heads(rng):
    # MLA: one RoPE key head [B, 1, S, D] to H = 3 heads, B and S dynamic.
    k = f32(rng, 2, 1, 5, 4)
    return [k], [np.broadcast_to(k, (2, 3, 5, 4))]


@case("broadcast_leading", **EXACT)
def broadcast_leading(rng):
    x = f32(rng, 4)
    return [x], [np.broadcast_to(x, (2, 3, 4))]


@case("broadcast_scalar", **EXACT)
def broadcast_scalar(rng):
    x = np.asarray(rng.standard_normal(), dtype=np.float32)
    return [x], [np.broadcast_to(x, (2, 3))]


@case("broadcast_middle", **EXACT)
def broadcast_middle(rng):
    x = f32(rng, 3, 1, 2)
    return [x], [np.broadcast_to(x, (3, 4, 2))]


@case("broadcast_several", **EXACT)
def broadcast_several(rng):
    # Size-1 axes at both ends and a new leading axis at once.
    x = f32(rng, 1, 3, 1)
    return [x], [np.broadcast_to(x, (2, 5, 3, 4))]


@case("broadcast_same", **EXACT)
def broadcast_same(rng):
    x = f32(rng, 3, 4)
    return [x], [x.copy()]


@case("broadcast_i64", **EXACT)
def broadcast_i64(rng):
    x = rng.integers(-9, 9, size=(1, 4)).astype(np.int64)
    return [x], [np.broadcast_to(x, (3, 4))]


@case("broadcast_f16", **EXACT)
def broadcast_f16(rng):
    x = f16(rng, 2, 1)
    return [x], [np.broadcast_to(x, (2, 5))]


@case("broadcast_bf16", **EXACT)
def broadcast_bf16(rng):
    x = f32(rng, 1, 3)
    return [x], [to_bf16(np.broadcast_to(x, (4, 3)))]


# --------------------------------------------------------------------------
# position_ids
# --------------------------------------------------------------------------


@case("position_ids_seq", **EXACT)
def position_ids_seq(rng):
    tokens = rng.integers(0, 50257, size=(2, 7)).astype(np.int64)
    return [tokens], [np.arange(7, dtype=np.int64)]


@case("position_ids_offset_i32", **EXACT)
def position_ids_offset_i32(rng):
    # Positions of the 3 rows of axis 0, continuing a cache of 10 tokens.
    tokens = rng.integers(0, 100, size=(3, 4)).astype(np.int32)
    return [tokens], [10 + np.arange(3, dtype=np.int32)]


@case("position_ids_float_input", **EXACT)
def position_ids_float_input(rng):
    # Only the shape is read: a float activation, axis 2, negative offset.
    h = f32(rng, 2, 3, 6)
    return [h], [-2 + np.arange(6, dtype=np.int64)]


@case("position_ids_large_offset", **EXACT)
def position_ids_large_offset(rng):
    # An offset beyond 2^32 stays exact in i64.
    tokens = rng.integers(0, 10, size=(5,)).astype(np.int64)
    return [tokens], [(1 << 33) + np.arange(5, dtype=np.int64)]


# --------------------------------------------------------------------------
# paged KV cache
# --------------------------------------------------------------------------
# A pool [N, H, P, D] of N blocks of P positions; sequence b's position p
# lives in block table[b, p // P], slot p % P.

PAGED_TABLE = np.array([[3, 1], [2, 4]], np.int64)   # 2 sequences, 2 blocks


def paged_gather(pool, table, length):
    """Each sequence's cache [B, H, length, D] through its table."""
    p = np.arange(length)
    blocks = table[:, p // pool.shape[2]]                 # [B, T]
    g = pool[blocks, :, p % pool.shape[2]]                # [B, T, H, D]
    return g.transpose(0, 2, 1, 3)


@case("paged_cache_write", **EXACT)
def paged_cache_write(rng):
    # Sequence 0 writes positions 2..4 (across its blocks 3 and 1),
    # sequence 1 positions 0..2 (block 2); blocks 0 and 4 stay.
    pool, update = f32(rng, 5, 2, 4, 3), f32(rng, 2, 2, 3, 3)
    positions = np.array([[2, 3, 4], [0, 1, 2]], np.int64)
    want = pool.copy()
    for b in range(2):
        for j, p in enumerate(positions[b]):
            want[PAGED_TABLE[b, p // 4], :, p % 4] = update[b, :, j]
    return [update, pool, PAGED_TABLE, positions], [want]


@case("paged_cache_read", **EXACT)
def paged_cache_read(rng):
    # Read up to the furthest sequence's last position (5): 6 positions.
    pool = f32(rng, 5, 2, 4, 3)
    positions = np.array([[5], [2]], np.int64)
    return [pool, PAGED_TABLE, positions], [paged_gather(pool, PAGED_TABLE, 6)]
