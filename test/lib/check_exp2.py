"""Checks compiled exp2 results (argv[2]) for inputs argv[1]."""
import sys

import numpy as np

x = np.load(sys.argv[1])
y = np.load(sys.argv[2]).astype(np.float64)
with np.errstate(over="ignore"):
    want = np.exp2(x.astype(np.float64))
normal = (want >= 2.0**-126) & (want < 2.0**127.5)
rel = np.abs(y[normal] - want[normal]) / want[normal]
print("normal", "ok" if rel.max() <= 2 * 2.0**-24 else f"FAIL {rel.max()}")
low = x <= -127
print("zero", "ok" if low.any() and np.all(y[low] == 0) else "FAIL")
high = x > 128
print("inf", "ok" if high.any() and np.all(np.isposinf(y[high])) else "FAIL")
nan = np.isnan(x)
print("nan", "ok" if nan.any() and np.all(np.isnan(y[nan])) else "FAIL")
