#!/usr/bin/env python3
"""FlashAttention compiled vs the interpreter's naive attention.

    check_flash.py --tesselc BIN --tessel-run BIN --tessel-interpret BIN --tmp DIR [--max-seq N]

Each case is one `tessel.attention` in a function of its own. It is compiled
by `tesselc -o` (whose pipeline tiles attention: tessel-tile-attention, then
vectorized tiles) and run with `tessel-run run`; the same IR is run by
`tessel-interpret`, whose attention materializes the full [S, T]
logits in double precision. The check is f32's: the largest difference is
at most 1e-5 of the largest expected magnitude. Prints one line per case
and a summary; exits 1 on any mismatch or failure.
"""

import argparse
import os
import subprocess
import sys

import numpy as np

# name, B, Hq, Hkv, S, T, D, causal, bias shape (or None), logit magnitude
CASES = [
    ("mha_small", 2, 4, 4, 37, 37, 16, False, None, 1.0),
    ("mha_causal_odd", 1, 4, 4, 100, 100, 64, True, None, 1.0),
    ("causal_decode_window", 1, 4, 4, 5, 77, 32, True, None, 1.0),
    ("causal_more_queries", 1, 2, 2, 70, 40, 16, True, None, 1.0),
    ("gqa_causal", 1, 8, 2, 300, 300, 64, True, None, 1.0),
    ("mqa", 1, 8, 1, 200, 200, 64, False, None, 1.0),
    ("bias_heads", 1, 4, 2, 130, 130, 32, False, (4, 130, 130), 1.0),
    ("bias_causal_rows", 2, 4, 4, 96, 96, 32, True, (1, 1, 96, 96), 1.0),
    ("logits_1e4", 1, 4, 4, 256, 256, 64, False, None, 1.0e4),
    ("logits_1e4_causal", 1, 8, 2, 256, 256, 64, True, None, 1.0e4),
    ("gqa_1024", 1, 8, 2, 1024, 1024, 64, True, None, 1.0),
    ("mha_2048", 1, 2, 2, 2048, 2048, 64, False, None, 1.0),
    ("gqa_causal_4096", 1, 8, 2, 4096, 4096, 64, True, None, 1.0),
    ("mqa_4096", 1, 2, 1, 4096, 4096, 32, False, None, 1.0),
    ("bias_4096", 1, 2, 2, 4096, 4096, 32, False, (2, 4096, 4096), 1.0),
    ("logits_1e4_4096", 1, 2, 2, 4096, 4096, 64, True, None, 1.0e4),
    ("nan_inputs", 1, 4, 2, 100, 100, 16, True, None, float("nan")),
]


def ir(name, b, hq, hkv, s, t, d, causal, bias):
    """One function holding one attention op."""
    qt = f"tensor<{b}x{hq}x{s}x{d}xf32>"
    kt = f"tensor<{b}x{hkv}x{t}x{d}xf32>"
    args = [f"%q: {qt}", f"%k: {kt}", f"%v: {kt}"]
    operands, types = "%q, %k, %v", f"{qt}, {kt}, {kt}"
    if bias:
        bt = "tensor<" + "x".join(map(str, bias)) + "xf32>"
        args.append(f"%bias: {bt}")
        operands += ", %bias"
        types += f", {bt}"
    attrs = " {causal}" if causal else ""
    ot = f"tensor<{b}x{hq}x{s}x{d}xf32>"
    return (f"func.func @{name}({', '.join(args)}) -> {ot} {{\n"
            f"  %o = tessel.attention {operands}{attrs} : {types} -> {ot}\n"
            f"  return %o : {ot}\n}}\n")


def inputs(rng, b, hq, hkv, s, t, d, bias, magnitude):
    """q, k, v (and bias). For `magnitude` NaN, q and k hold NaNs (below).
    For `magnitude` > 1, q and k hold integers in
    [-100, 100] and d = 64: every q.k is an exact integer in f32 (below
    2^24) and 1/sqrt(64) is exact, so the logits, up to about 1e4 (exp of
    them overflows f32 many times over), are the same numbers in f32 and in
    double, and the check measures only the softmax, not the conditioning
    of f32 dot products of size 1e4."""
    if np.isnan(magnitude):
        # A NaN query row, and a NaN in key 5 of the first key/value head:
        # that row, and every row of the group that sees key 5 (causal:
        # queries 5 and later), must come out NaN; the rest finite.
        q = rng.standard_normal((b, hq, s, d)).astype(np.float32)
        k = rng.standard_normal((b, hkv, t, d)).astype(np.float32)
        q[0, 0, 3, 0] = np.nan
        k[0, 0, 5, 0] = np.nan
    elif magnitude > 1:
        assert d == 64
        q = rng.integers(-100, 101, (b, hq, s, d)).astype(np.float32)
        k = rng.integers(-100, 101, (b, hkv, t, d)).astype(np.float32)
    else:
        q = rng.standard_normal((b, hq, s, d)).astype(np.float32)
        k = rng.standard_normal((b, hkv, t, d)).astype(np.float32)
    v = rng.standard_normal((b, hkv, t, d)).astype(np.float32)
    arrays = [q, k, v]
    if bias:
        arrays.append(rng.standard_normal(bias).astype(np.float32))
    return arrays


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return done.stderr.strip() or f"exit {done.returncode}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tesselc", required=True)
    parser.add_argument("--tessel-run", required=True)
    parser.add_argument("--tessel-interpret", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--max-seq", type=int, default=4096)
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    rng = np.random.default_rng(7)
    passed = failed = 0
    for name, b, hq, hkv, s, t, d, causal, bias, mag in CASES:
        if max(s, t) > args.max_seq:
            continue
        path = os.path.join(args.tmp, name + ".mlir")
        with open(path, "w") as f:
            f.write(ir(name, b, hq, hkv, s, t, d, causal, bias))
        files = []
        for i, a in enumerate(inputs(rng, b, hq, hkv, s, t, d, bias, mag)):
            files.append(os.path.join(args.tmp, f"{name}.in{i}.npy"))
            np.save(files[-1], a)
        artifact = os.path.join(args.tmp, name + ".tsl")
        got = os.path.join(args.tmp, name + ".got.npy")
        want = os.path.join(args.tmp, name + ".want.npy")
        feed = sum((["--input", x] for x in files), [])
        error = (run([args.tesselc, path, "-o", artifact]) or
                 run([args.tessel_run, "run", artifact, "--entry", name] +
                     feed + ["--output", got]) or
                 run([args.tessel_interpret, path, "--entry", name] +
                     feed + ["--output", want]))
        if error:
            print(f"FAIL {name}: {error}")
            failed += 1
            continue
        g, w = np.load(got), np.load(want)
        # A query that sees no key (causal with S > T) has no distribution:
        # NaN in both; everything else must be finite and close.
        nan = np.isnan(w)
        same_nan = np.array_equal(np.isnan(g), nan)
        g, w = g[~nan], w[~nan]
        scale = float(np.max(np.abs(w)))
        diff = float(np.max(np.abs(g - w)))
        ok = same_nan and np.isfinite(g).all() and diff <= 1e-5 * scale
        print(f"{'ok' if ok else 'FAIL'} {name}: S={s} T={t} Hq={hq} "
              f"Hkv={hkv} causal={int(causal)} max|diff|={diff:.3g} "
              f"(limit {1e-5 * scale:.3g}, NaN rows "
              f"{'same' if same_nan else 'DIFFER'}: {int(nan.sum())})")
        passed += ok
        failed += not ok
    print(f"flash attention: {passed} of {passed + failed} cases match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
