"""Oracle cases of the dense ops: linear, matmul, embedding, add, mul, gelu,
silu, swiglu, transpose, reshape."""

import numpy as np

from cases import case


def f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@case("linear_bias")
def linear_bias(rng):
    x, w, b = f32(rng, 2, 5, 8), f32(rng, 6, 8), f32(rng, 6)
    return [x, w, b], [x.astype(np.float64) @ w.T.astype(np.float64) + b]
