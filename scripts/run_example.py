#!/usr/bin/env python3
"""Runs examples/gpt2-block.mlir with the reference interpreter on random
weights and compares the result with a NumPy GPT-2 block written from the
paper's equations.

    run_example.py --tessel-interpret build/bin/tessel-interpret [--out DIR] [--seq 8]

Prints the output's shape, a few values and the largest relative
difference; exits 1 if it exceeds 1e-4.
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "gpt2-block.mlir")
D, HEADS, MLP = 64, 4, 256


def layer_norm(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def block(x, mask, p):
    """GPT-2 block: x + attn(LN1 x), then + MLP(LN2 .)."""
    b, s, _ = x.shape
    h = layer_norm(x, p["ln1_g"], p["ln1_b"])

    def heads(w, bias):  # [B, S, D] -> [B, H, S, D/H]
        return (h @ w.T + bias).reshape(b, s, HEADS, D // HEADS).transpose(0, 2, 1, 3)

    q, k, v = heads(p["wq"], p["bq"]), heads(p["wk"], p["bk"]), heads(p["wv"], p["bv"])
    logits = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D // HEADS) + mask
    logits -= logits.max(-1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(-1, keepdims=True)
    o = (probs @ v).transpose(0, 2, 1, 3).reshape(b, s, D)
    x1 = x + o @ p["wo"].T + p["bo"]
    h2 = layer_norm(x1, p["ln2_g"], p["ln2_b"])
    return x1 + gelu_tanh(h2 @ p["w_fc"].T + p["b_fc"]) @ p["w_proj"].T + p["b_proj"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tessel-interpret", required=True)
    parser.add_argument("--out", help="directory for the .npy files")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seq", type=int, default=8)
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="tessel-example-")
    os.makedirs(out, exist_ok=True)

    rng = np.random.default_rng(0)
    shapes = {  # Argument order of @block after x and mask.
        "ln1_g": (D,), "ln1_b": (D,), "wq": (D, D), "bq": (D,),
        "wk": (D, D), "bk": (D,), "wv": (D, D), "bv": (D,),
        "wo": (D, D), "bo": (D,), "ln2_g": (D,), "ln2_b": (D,),
        "w_fc": (MLP, D), "b_fc": (MLP,), "w_proj": (D, MLP), "b_proj": (D,),
    }
    params = {}
    for name, shape in shapes.items():
        if name.endswith("_g"):
            params[name] = (1 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:  # GPT-2's initializer: N(0, 0.02).
            params[name] = (0.02 * rng.standard_normal(shape)).astype(np.float32)
    x = rng.standard_normal((args.batch, args.seq, D)).astype(np.float32)
    s = args.seq
    mask = np.where(np.tril(np.ones((s, s), bool)), 0, -np.inf).astype(np.float32)

    command = [args.tessel_interpret, EXAMPLE, "--entry", "block"]
    for name, array in [("x", x), ("mask", mask)] + list(params.items()):
        path = os.path.join(out, f"{name}.npy")
        np.save(path, array)
        command += ["--input", path]
    result = os.path.join(out, "y.npy")
    command += ["--output", result]
    shown = [os.path.basename(c) if c.startswith(out) else c for c in command]
    print(f"$ (in {out})", " ".join(shown))
    run = subprocess.run(command)
    if run.returncode != 0:
        return 1

    got = np.load(result)
    want = block(x.astype(np.float64), mask.astype(np.float64),
                 {k: v.astype(np.float64) for k, v in params.items()})
    rel = np.abs(got - want).max() / np.abs(want).max()
    print(f"output {got.dtype} {list(got.shape)}; y[0, 0, :4] = "
          f"{np.array2string(got[0, 0, :4], precision=5)}")
    print(f"max |tessel - numpy| / max |numpy| = {rel:.2e} (limit 1e-4)")
    return 0 if rel <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
