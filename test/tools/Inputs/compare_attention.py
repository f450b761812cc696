"""Compares attention outputs, GPU (emulated) against the CPU artifact's
f32 ones (cuda-flash-attention.test): the largest error relative to the
largest output. Rows that see no key are NaN on the CPU (softmax of
nothing) and 0 from the kernel; they are counted apart."""

import sys

import numpy as np

name, gpu, cpu, limit = sys.argv[1:]
a, b = np.load(gpu), np.load(cpu)
empty = np.isnan(b).any(axis=-1)
keep = ~empty
error = float(np.abs(a[keep] - b[keep]).max() / np.abs(b[keep]).max())
zero = bool((a[empty] == 0).all())
print(f"{name}: {'agree' if error < float(limit) else 'differ'} "
      f"(max relative error {error:.1e}), {int(empty.sum())} rows without "
      f"keys{' are 0' if zero else ' are not 0'}, nan {int(np.isnan(a).sum())}")
