"""Compares two runs of each model, one line each (cuda-emulated.test):
DIR/NAME.{A,B}.logits.npy agree to `limit` (relative to the largest
logit) and DIR/NAME.{A,B}.tokens.npy are equal."""

import sys

import numpy as np

directory, a, b, limit, *names = sys.argv[1:]
for name in names:
    base = f"{directory}/{name}"
    x, y = np.load(f"{base}.{a}.logits.npy"), np.load(f"{base}.{b}.logits.npy")
    error = (float(np.abs(x - y).max() / np.abs(x).max())
             if x.shape == y.shape else float("inf"))
    same = np.array_equal(np.load(f"{base}.{a}.tokens.npy"),
                          np.load(f"{base}.{b}.tokens.npy"))
    print(f"{name}: logits {'agree' if error < float(limit) else 'differ'} "
          f"(max relative error {error:.1e}), tokens "
          f"{'equal' if same else 'differ'}")
