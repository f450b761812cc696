"""Compares a prefill step with a decode step on the same inputs: prefill's
logits [B, 1, V] must equal the last column of decode's [B, S, V], and the
caches both write must be equal (bitwise: the same kernels compute them).

usage: check_prefill.py DIR
(DIR holds dl/pl.npy, dk0/pk0, dv0/pv0, dk1/pk1, dv1/pv1 from positions 0,
and dl3/pl3, dk3/pk3, dv3/pv3, dk13/pk13, dv13/pv13 from positions 3)
"""

import sys

import numpy as np


def check(d, suffix, caches, label):
    dl = np.load(f"{d}/dl{suffix}.npy")
    pl = np.load(f"{d}/pl{suffix}.npy")
    if pl.shape != (dl.shape[0], 1, dl.shape[2]):
        print(f"FAIL {label}: prefill logits {list(pl.shape)} for decode's "
              f"{list(dl.shape)}")
        return False
    scale = max(float(np.abs(dl).max()), 1e-30)
    diff = float(np.abs(pl[:, 0] - dl[:, -1]).max()) / scale
    if diff > 1e-5:
        print(f"FAIL {label}: prefill logits differ from decode's last "
              f"column by {diff:.1e} (relative)")
        return False
    for name in caches:
        a = np.load(f"{d}/d{name}.npy")
        b = np.load(f"{d}/p{name}.npy")
        if a.shape != b.shape or not np.array_equal(a, b):
            print(f"FAIL {label}: cache {name} differs")
            return False
    print(f"OK {label}: prefill logits {list(pl.shape)} equal decode's last "
          f"column; {len(caches)} caches equal")
    return True


def main():
    d = sys.argv[1]
    ok = check(d, "", ["k0", "v0", "k1", "v1"], "from 0")
    ok = check(d, "3", ["k3", "v3", "k13", "v13"], "from 3") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
