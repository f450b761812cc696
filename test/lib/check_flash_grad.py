#!/usr/bin/env python3
"""FlashAttention's backward compiled vs the interpreter's unfused one.

    check_flash_grad.py --tesselc BIN --tessel-run BIN --tessel-interpret BIN
                        --tmp DIR [--max-seq N]

Each case is one `tessel.attention_grad` in a function of its own, compiled
by `tesselc -o` (whose pipeline tiles it: tessel-tile-attention-grad, a dQ
pass and a dK/dV pass that recompute the probabilities from the saved
log-sum-exp) and run with `tessel-run run`; the same IR is run by
`tessel-interpret`, whose attention_grad materializes the [S, T]
probabilities in double precision. The forward's o and lse come from NumPy
(float64, then f32), as the forward pass would have saved them. Every
gradient (dq, dk, dv) must be within 1e-4 of its largest expected
magnitude, and be NaN exactly where the interpreter's is.

Rows that see no key (causal with S > T) have lse = -inf and o = NaN, as
the forward leaves them: they contribute nothing. A case with NaN
log-sum-exp rows checks that such a row is NaN in dq and poisons exactly
the keys it sees. Cases with a bias (an ALiBi-shaped [Hq, S, T], or a
[B, 1, S, T] one that broadcasts over the heads) whose gradient nobody
reads are tiled too, reading the bias tile by tile. Prints one line per
case and a summary; exits 1 on any mismatch or failure.
"""

import argparse
import os
import subprocess
import sys

import numpy as np

# name, B, Hq, Hkv, S, T, D, Dv, causal, lse rows set to NaN[, bias]
CASES = [
    ("mha_partial_tiles", 2, 4, 4, 37, 37, 16, 16, False, []),
    ("mha_causal_odd", 1, 4, 4, 100, 100, 64, 64, True, []),
    ("causal_more_keys", 1, 4, 4, 5, 77, 32, 32, True, []),
    ("causal_more_queries", 1, 2, 2, 70, 40, 16, 16, True, []),
    ("gqa_causal", 1, 8, 2, 300, 300, 64, 64, True, []),
    ("mqa", 2, 8, 1, 200, 130, 32, 32, False, []),
    ("value_depth", 1, 4, 2, 150, 150, 16, 24, True, []),
    ("nan_rows", 1, 4, 2, 100, 100, 16, 16, True, [(0, 1, 7), (0, 3, 90)]),
    ("gqa_causal_2048", 1, 4, 2, 2048, 2048, 64, 64, True, []),
    ("mha_2048", 1, 2, 2, 2048, 2048, 64, 64, False, []),
    ("alibi_gqa_causal", 1, 4, 2, 150, 150, 32, 32, True, [], "heads"),
    ("bias_per_batch", 2, 4, 4, 70, 90, 16, 16, False, [], "batch"),
]


def bias_shape(kind, b, hq, s, t):
    return {"heads": (hq, s, t), "batch": (b, 1, s, t)}[kind]


def ir(name, b, hq, hkv, s, t, d, dv, causal, bias=None):
    """One function holding one attention_grad op (with a bias, whose
    gradient it does not return)."""
    ty = lambda h, n, w: f"tensor<{b}x{h}x{n}x{w}xf32>"
    qt, kt, vt, ot = ty(hq, s, d), ty(hkv, t, d), ty(hkv, t, dv), ty(hq, s, dv)
    lt = f"tensor<{b}x{hq}x{s}xf32>"
    attrs = "{causal, scale = 0.125 : f64}" if causal else "{scale = 0.125 : f64}"
    if bias is None:
        return (f"func.func @{name}(%q: {qt}, %k: {kt}, %v: {vt}, %o: {ot}, "
                f"%lse: {lt}, %do: {ot}) -> ({qt}, {kt}, {vt}) {{\n"
                f"  %dq, %dk, %dv = tessel.attention_grad %q, %k, %v, %o, "
                f"%lse, %do {attrs} : {qt}, {kt}, {vt}, {ot}, {lt}\n"
                f"  return %dq, %dk, %dv : {qt}, {kt}, {vt}\n}}\n")
    bt = "tensor<" + "x".join(map(str, bias_shape(bias, b, hq, s, t))) + "xf32>"
    return (f"func.func @{name}(%q: {qt}, %k: {kt}, %v: {vt}, %o: {ot}, "
            f"%lse: {lt}, %do: {ot}, %bias: {bt}) -> ({qt}, {kt}, {vt}) {{\n"
            f"  %dq, %dk, %dv, %db = tessel.attention_grad %q, %k, %v, %o, "
            f"%lse, %do bias(%bias : {bt}) {attrs} : {qt}, {kt}, {vt}, {ot}, "
            f"{lt} -> tensor<{b}x{hq}x{s}x{t}xf32>\n"
            f"  return %dq, %dk, %dv : {qt}, {kt}, {vt}\n}}\n")


def forward(q, k, v, causal, bias=None):
    """o and lse in float64; rows that see no key get NaN and -inf."""
    group = q.shape[1] // k.shape[1]
    kr = np.repeat(k.astype(np.float64), group, axis=1)
    vr = np.repeat(v.astype(np.float64), group, axis=1)
    s = 0.125 * q.astype(np.float64) @ np.swapaxes(kr, -1, -2)
    if bias is not None:
        s = s + bias.astype(np.float64)
    n, m = s.shape[-2:]
    if causal:
        visible = np.arange(m)[None, :] <= np.arange(n)[:, None] + (m - n)
        s = np.where(visible, s, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        top = s.max(-1, keepdims=True)
        safe = np.where(np.isinf(top), 0.0, top)
        e = np.exp(s - safe)
        total = e.sum(-1, keepdims=True)
        o = (e / total) @ vr
        lse = (safe + np.log(total))[..., 0]
    return o.astype(np.float32), lse.astype(np.float32)


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
    parser.add_argument("--max-seq", type=int, default=2048)
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    rng = np.random.default_rng(11)
    passed = failed = 0
    for name, b, hq, hkv, s, t, d, dv, causal, nan_rows, *extra in CASES:
        bias_kind = extra[0] if extra else None
        if max(s, t) > args.max_seq:
            continue
        path = os.path.join(args.tmp, name + ".mlir")
        with open(path, "w") as f:
            f.write(ir(name, b, hq, hkv, s, t, d, dv, causal, bias_kind))
        normal = lambda *shape: rng.standard_normal(shape).astype(np.float32)
        q, k, v = normal(b, hq, s, d), normal(b, hkv, t, d), normal(b, hkv, t, dv)
        bias = (normal(*bias_shape(bias_kind, b, hq, s, t))
                if bias_kind else None)
        o, lse = forward(q, k, v, causal, bias)
        for row in nan_rows:
            lse[row] = np.nan
        dout = normal(b, hq, s, dv)
        files = []
        inputs = [q, k, v, o, lse, dout] + ([bias] if bias_kind else [])
        for i, a in enumerate(inputs):
            files.append(os.path.join(args.tmp, f"{name}.in{i}.npy"))
            np.save(files[-1], a)
        artifact = os.path.join(args.tmp, name + ".tsl")
        got = [os.path.join(args.tmp, f"{name}.got{i}.npy") for i in range(3)]
        want = [os.path.join(args.tmp, f"{name}.want{i}.npy") for i in range(3)]
        feed = sum((["--input", x] for x in files), [])
        error = (run([args.tesselc, path, "-o", artifact]) or
                 run([args.tessel_run, "run", artifact, "--entry", name] +
                     feed + sum((["--output", x] for x in got), [])) or
                 run([args.tessel_interpret, path, "--entry", name] +
                     feed + sum((["--output", x] for x in want), [])))
        if error:
            print(f"FAIL {name}: {error}")
            failed += 1
            continue
        ok, notes, nans = True, [], 0
        for label, g, w in zip(("dq", "dk", "dv"), map(np.load, got),
                               map(np.load, want)):
            nan = np.isnan(w)
            nans += int(nan.sum())
            same_nan = np.array_equal(np.isnan(g), nan)
            g, w = g[~nan], w[~nan]
            scale = float(np.max(np.abs(w))) if w.size else 0.0
            diff = float(np.max(np.abs(g - w))) if w.size else 0.0
            good = same_nan and bool(np.isfinite(g).all()) and \
                diff <= 1e-4 * scale
            ok &= good
            notes.append(f"{label} {diff / scale if scale else 0.0:.1e}"
                         f"{'' if same_nan else ' NaN DIFFER'}")
        print(f"{'ok' if ok else 'FAIL'} {name}: S={s} T={t} Hq={hq} "
              f"Hkv={hkv} causal={int(causal)} max|diff|/max: "
              f"{', '.join(notes)}; NaN entries {nans}")
        passed += ok
        failed += not ok
    print(f"flash attention backward: {passed} of {passed + failed} cases "
          f"match")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
