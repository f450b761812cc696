"""Oracle cases of the dense ops: linear, matmul, embedding, add, mul, gelu,
silu, swiglu, transpose, reshape.

Every expected value is computed in float64 from the (already rounded)
inputs, straight from the op's formula in TesselOps.td; NumPy's own
broadcasting, indexing, transpose and reshape serve as the reference for the
data-movement ops.

Reduced precision:
- f16 cases pass float16 inputs; the result is compared with the float64
  answer with rtol 2e-3 (an f16 ulp is 2^-10 relative, the interpreter rounds
  the result once), or exactly where the float64 answer is itself exact in
  float32 (a product or sum of two f16 numbers) and so must round to the same
  f16 value.
- bf16 cases pass float32 inputs that are *not* bf16 values: the interpreter
  must round them to bf16 first. `to_bf16` emulates that rounding (round to
  nearest, ties to even, 8 significant bits) so that the expectation is
  computed from the same bf16 inputs and then rounded to bf16 itself.
"""

import math

import numpy as np

from cases import case

# One bf16 ulp, relative to a value in [2^e, 2^(e+1)), is at most 2^-7: the
# tolerance of bf16 results that need arithmetic beyond one exact product or
# sum (a float32 accumulation may land on the other side of a rounding
# boundary, one ulp away).
BF16_RTOL = 2.0 ** -7


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def f16(rng, *shape):
    return rng.standard_normal(shape).astype(np.float16)


def f64(a):
    return np.asarray(a, dtype=np.float64)


def to_bf16(a):
    """Rounds float64 values to the nearest bfloat16 (8 significant bits),
    ties to even, computed in float64 with frexp/rint, returned as float32
    (how bf16 travels in .npy). Inputs here are finite and normal."""
    a = f64(a)
    # a = mantissa * 2^exponent with |mantissa| in [0.5, 1)
    mantissa, exponent = np.frexp(a)
    rounded = np.rint(mantissa * 256.0) / 256.0  # np.rint: half to even
    return np.ldexp(rounded, exponent).astype(np.float32)


def erf(a):
    return np.vectorize(math.erf, otypes=[np.float64])(f64(a))


def gelu_exact(x):
    x = f64(x)
    return x * 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_tanh(x):
    x = f64(x)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) *
                                    (x + 0.044715 * x ** 3)))


def silu(x):
    x = f64(x)
    return x / (1.0 + np.exp(-x))


def linear(x, w, b=None):
    y = np.einsum("...k,nk->...n", f64(x), f64(w))
    return y if b is None else y + f64(b)


# --- linear ---------------------------------------------------------------


@case("linear_bias")
def linear_bias(rng):
    x, w, b = f32(rng, 2, 5, 8), f32(rng, 6, 8), f32(rng, 6)
    return [x, w, b], [x.astype(np.float64) @ w.T.astype(np.float64) + b]


@case("linear_nobias")
def linear_nobias(rng):
    x, w = f32(rng, 3, 4, 16), f32(rng, 7, 16)
    return [x, w], [linear(x, w)]


@case("linear_vector")
def linear_vector(rng):
    # A rank-1 input: no leading dimensions at all.
    x, w, b = f32(rng, 9), f32(rng, 4, 9), f32(rng, 4)
    return [x, w, b], [linear(x, w, b)]


@case("linear_f16", rtol=2e-3, atol=2e-3)
def linear_f16(rng):
    x, w, b = f16(rng, 2, 3, 32), f16(rng, 12, 32), f16(rng, 12)
    return [x, w, b], [linear(x, w, b)]


@case("linear_bf16", rtol=BF16_RTOL, atol=1e-6)
def linear_bf16(rng):
    x, w, b = f32(rng, 4, 16), f32(rng, 5, 16), f32(rng, 5)
    return [x, w, b], [to_bf16(linear(to_bf16(x), to_bf16(w), to_bf16(b)))]


# --- matmul ---------------------------------------------------------------


@case("matmul_2d")
def matmul_2d(rng):
    a, b = f32(rng, 5, 7), f32(rng, 7, 3)
    return [a, b], [f64(a) @ f64(b)]


@case("matmul_batched")
def matmul_batched(rng):
    a, b = f32(rng, 2, 3, 4, 5), f32(rng, 2, 3, 5, 6)
    want = np.einsum("bhik,bhkj->bhij", f64(a), f64(b))
    return [a, b], [want]


@case("matmul_dynamic")
def matmul_dynamic(rng):
    # Batch, M and N dynamic in the signature; M != N != K.
    a, b = f32(rng, 3, 2, 6), f32(rng, 3, 6, 5)
    return [a, b], [np.einsum("bik,bkj->bij", f64(a), f64(b))]


@case("matmul_f16", rtol=2e-3, atol=2e-3)
def matmul_f16(rng):
    a, b = f16(rng, 2, 4, 24), f16(rng, 2, 24, 3)
    return [a, b], [np.einsum("bik,bkj->bij", f64(a), f64(b))]


@case("matmul_per_head")
def matmul_per_head(rng):
    # A per-head weight [H, K, N] broadcast over the batch, and one read
    # transposed ([H, N, K]): MLA's absorbed decode.
    a, w, wt = f32(rng, 2, 3, 4, 5), f32(rng, 3, 5, 6), f32(rng, 3, 6, 5)
    return [a, w, wt], [np.einsum("bhik,hkj->bhij", f64(a), f64(w)),
                        np.einsum("bhik,hjk->bhij", f64(a), f64(wt))]


# --- embedding ------------------------------------------------------------


@case("embedding_i64", rtol=0, atol=0)
def embedding_i64(rng):
    table = f32(rng, 11, 6)
    ids = rng.integers(0, 11, size=(3, 5)).astype(np.int64)
    ids[0, 0], ids[-1, -1] = 0, 10  # both ends of the table
    return [ids, table], [table[ids]]


@case("embedding_i32", rtol=0, atol=0)
def embedding_i32(rng):
    table = f32(rng, 7, 4)
    ids = rng.integers(0, 7, size=(9,)).astype(np.int32)
    ids[0], ids[1] = 6, 0
    return [ids, table], [table[ids]]


@case("embedding_f16", rtol=0, atol=0)
def embedding_f16(rng):
    table = f16(rng, 5, 3)
    ids = np.array([[4, 0, 2], [2, 2, 1]], dtype=np.int64)
    return [ids, table], [table[ids]]


# --- add / mul ------------------------------------------------------------


@case("add_same")
def add_same(rng):
    a, b = f32(rng, 3, 4), f32(rng, 3, 4)
    return [a, b], [f64(a) + f64(b)]


@case("add_broadcast")
def add_broadcast(rng):
    # [?, 3, 1, 5] + [4, 1]: rhs has lower rank, both sides stretch.
    a, b = f32(rng, 2, 3, 1, 5), f32(rng, 4, 1)
    return [a, b], [f64(a) + f64(b)]


@case("add_lower_rank_lhs")
def add_lower_rank_lhs(rng):
    # The lower-rank operand on the left: [5] + [2, 3, 5].
    a, b = f32(rng, 5), f32(rng, 2, 3, 5)
    return [a, b], [f64(a) + f64(b)]


@case("add_f16", rtol=0, atol=0)
def add_f16(rng):
    # The sum of two f16 numbers of similar size is exact in float32; it
    # must round to the same f16 as the exact sum.
    a, b = f16(rng, 4, 6), f16(rng, 6)
    return [a, b], [(f64(a) + f64(b)).astype(np.float16)]


@case("add_bf16", rtol=0, atol=0)
def add_bf16(rng):
    a, b = f32(rng, 3, 5), f32(rng, 3, 1)
    return [a, b], [to_bf16(f64(to_bf16(a)) + f64(to_bf16(b)))]


@case("mul_same")
def mul_same(rng):
    a, b = f32(rng, 2, 3, 4), f32(rng, 2, 3, 4)
    return [a, b], [f64(a) * f64(b)]


@case("mul_broadcast")
def mul_broadcast(rng):
    # [2, 1, 4] * [1, 3, 1] -> [2, 3, 4]: each side stretches once.
    a, b = f32(rng, 2, 1, 4), f32(rng, 1, 3, 1)
    return [a, b], [f64(a) * f64(b)]


@case("mul_mask")
def mul_mask(rng):
    # The shape of the TesselOps.td example: [?, 8, ?, ?] * [?, ?].
    a, b = f32(rng, 2, 8, 3, 5), f32(rng, 3, 5)
    return [a, b], [f64(a) * f64(b)]


@case("mul_scalar")
def mul_scalar(rng):
    # A rank-0 operand broadcasts to everything.
    a, b = f32(rng, 3, 4), np.array(-2.5, dtype=np.float32)
    return [a, b], [f64(a) * f64(b)]


@case("mul_f16", rtol=0, atol=0)
def mul_f16(rng):
    # Products of two f16 numbers (22 significant bits) are exact in
    # float32: the result must be exactly the f16 rounding of the product.
    a, b = f16(rng, 3, 1, 4), f16(rng, 5, 4)
    return [a, b], [(f64(a) * f64(b)).astype(np.float16)]


@case("mul_bf16", rtol=0, atol=0)
def mul_bf16(rng):
    # The float32 inputs are not bf16 values: the interpreter rounds them
    # first; the product of two bf16 numbers is exact, then rounded again.
    a, b = f32(rng, 4, 8), f32(rng, 8)
    return [a, b], [to_bf16(f64(to_bf16(a)) * f64(to_bf16(b)))]


# --- gelu / silu / swiglu -------------------------------------------------


def activation_input(rng, *shape):
    x = 3.0 * rng.standard_normal(shape)
    # A few large magnitudes and zero, where naive formulas overflow.
    x.flat[:6] = [0.0, -12.0, 12.0, -40.0, 40.0, 1e-4]
    return x.astype(np.float32)


@case("gelu_exact", atol=1e-6)
def gelu_exact_case(rng):
    x = activation_input(rng, 4, 33)
    return [x], [gelu_exact(x)]


@case("gelu_tanh", atol=1e-6)
def gelu_tanh_case(rng):
    x = activation_input(rng, 4, 33)
    return [x], [gelu_tanh(x)]


@case("gelu_exact_f16", rtol=2e-3, atol=1e-3)
def gelu_exact_f16(rng):
    x = f16(rng, 3, 16) * np.float16(2)
    return [x], [gelu_exact(x)]


@case("gelu_tanh_f16", rtol=2e-3, atol=1e-3)
def gelu_tanh_f16(rng):
    x = f16(rng, 3, 16) * np.float16(2)
    return [x], [gelu_tanh(x)]


@case("gelu_tanh_bf16", rtol=BF16_RTOL, atol=1e-6)
def gelu_tanh_bf16(rng):
    x = 2.0 * f32(rng, 2, 20)
    return [x], [to_bf16(gelu_tanh(to_bf16(x)))]


@case("silu", atol=1e-6)
def silu_case(rng):
    x = activation_input(rng, 3, 5, 7)
    return [x], [silu(x)]


@case("silu_f16", rtol=2e-3, atol=1e-3)
def silu_f16(rng):
    x = f16(rng, 4, 8) * np.float16(3)
    return [x], [silu(x)]


@case("swiglu", atol=1e-6)
def swiglu_case(rng):
    gate, up = activation_input(rng, 2, 3, 11), f32(rng, 2, 3, 11)
    return [gate, up], [silu(gate) * f64(up)]


@case("swiglu_f16", rtol=2e-3, atol=1e-3)
def swiglu_f16(rng):
    gate, up = f16(rng, 5, 8) * np.float16(3), f16(rng, 5, 8)
    return [gate, up], [silu(gate) * f64(up)]


# --- transpose / reshape --------------------------------------------------


@case("transpose_heads", rtol=0, atol=0)
def transpose_heads(rng):
    # [B, S, H, D] -> [B, H, S, D]
    x = f32(rng, 2, 5, 3, 4)
    return [x], [np.transpose(x, (0, 2, 1, 3))]


@case("transpose_cycle", rtol=0, atol=0)
def transpose_cycle(rng):
    # result dim i is input dim perm[i]: [2, 3, 4] [2, 0, 1] -> [4, 2, 3]
    x = f32(rng, 2, 3, 4)
    return [x], [np.transpose(x, (2, 0, 1))]


@case("transpose_f16", rtol=0, atol=0)
def transpose_f16(rng):
    x = f16(rng, 3, 6)
    return [x], [x.T]


@case("reshape_static", rtol=0, atol=0)
def reshape_static(rng):
    x = f32(rng, 2, 3, 4)
    return [x], [x.reshape(4, 6)]


@case("reshape_split_heads", rtol=0, atol=0)
def reshape_split_heads(rng):
    # [?, ?, 12] -> [?, ?, 3, 4], the leading dims carried through.
    x = f32(rng, 2, 5, 12)
    return [x], [x.reshape(2, 5, 3, 4)]


@case("reshape_merge_heads", rtol=0, atol=0)
def reshape_merge_heads(rng):
    # [?, 3, 4] -> [?, 12]
    x = f32(rng, 6, 3, 4)
    return [x], [x.reshape(6, 12)]
