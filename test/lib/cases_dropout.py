"""Oracle cases of tessel.dropout, whose mask comes from Philox4x32-10.

The mask is computed here by a NumPy Philox written from the published
algorithm (Salmon et al., SC 2011), checked first against Random123's
known-answer vectors, and mapped to elements as TesselOps.td states: key
(seed mod 2^32, seed div 2^32), counter (row-major index mod 2^32, index div
2^32, stream, step mod 2^32); kept when (first word >> 8) >= round(rate *
2^24). Kept elements are x / (1 - rate), the scale rounded to float32 and
the product to the element type. A single element kept or dropped
differently is off by |x| / (1 - rate), far beyond the tolerances.
"""

import numpy as np

from cases import case

MASK32 = np.uint64(0xFFFFFFFF)
M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)

KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2,
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
     (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def philox4x32_10(counter, key):
    """Philox4x32-10 of uint64 arrays holding 32-bit words."""
    c = [np.asarray(w, dtype=np.uint64) for w in counter]
    k = [np.asarray(w, dtype=np.uint64) for w in key]
    for r in range(10):
        if r:
            k = [(k[0] + W0) & MASK32, (k[1] + W1) & MASK32]
        p0, p1 = M0 * c[0], M1 * c[2]  # < 2^64: no overflow
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k[0], p1 & MASK32,
             (p0 >> np.uint64(32)) ^ c[3] ^ k[1], p0 & MASK32]
    return c


def check_known_answers():
    for counter, key, want in KNOWN_ANSWERS:
        got = tuple(int(w) for w in philox4x32_10(counter, key))
        if got != want:
            raise AssertionError(f"NumPy Philox: {got} != {want}")


def dropout(x, seed, step, rate, stream):
    check_known_answers()
    index = np.arange(x.size, dtype=np.uint64)
    seed = np.uint64(seed % 2**64)
    words = philox4x32_10(
        [index & MASK32, index >> np.uint64(32),
         np.uint64(stream), np.uint64(step % 2**32)],
        [seed & MASK32, seed >> np.uint64(32)])
    keep = (words[0] >> np.uint64(8)) >= np.uint64(round(rate * 2**24))
    scale = np.float32(1.0 / (1.0 - rate))
    y = np.where(keep.reshape(x.shape), x.astype(np.float32) * scale,
                 np.float32(0))
    return y.astype(x.dtype), keep.reshape(x.shape)


def rng_input(seed, step):
    return np.array([seed, step], dtype=np.int64)


@case("dropout_f32", rtol=1e-7, atol=0)
def dropout_f32(rng):
    # A seed above 2^32 exercises the key's high word.
    x = rng.standard_normal((2, 5, 33)).astype(np.float32)
    seed, step = 0x1234_5678_9ABC, 7
    y, keep = dropout(x, seed, step, 0.1, 3)
    assert 0 < keep.sum() < keep.size
    return [x, rng_input(seed, step)], [y]


@case("dropout_half", rtol=1e-7, atol=0)
def dropout_half(rng):
    x = rng.standard_normal((4, 8, 16)).astype(np.float32)
    y, _ = dropout(x, 11, 2**32 + 5, 0.5, 0)
    return [x, rng_input(11, 2**32 + 5)], [y]


@case("dropout_f16", rtol=1e-7, atol=0)
def dropout_f16(rng):
    x = rng.standard_normal((3, 40)).astype(np.float16)
    y, _ = dropout(x, 99, 1, 0.25, 1)
    return [x, rng_input(99, 1)], [y]


@case("dropout_rate_zero", rtol=0, atol=0)
def dropout_rate_zero(rng):
    x = rng.standard_normal((2, 3, 7)).astype(np.float32)
    return [x, rng_input(5, 5)], [x]
