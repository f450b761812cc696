#!/usr/bin/env python3
"""The NTK parameterization is a graph-level scaling, checked by the chain rule.

    check_ntk.py --tesselc BIN --tessel-interpret BIN --tmp DIR NTK.json STANDARD.json

NTK.json and STANDARD.json describe the same untied model, with
"parameterization" "ntk" and "standard". Under NTK a linear layer computes
(W / sqrt(n_in)) x + b and the head (W / sqrt(hidden)) h, so with weights W
the NTK model is the standard model with weights W' = W / sqrt(fan_in) on
those layers (embeddings, norms and biases unchanged). Hence:

  * the losses are equal;
  * dL/dW (NTK) = dL/dW' (standard) / sqrt(fan_in) for every scaled weight,
    and the gradients of the unscaled parameters are equal.

Both models are compiled with `tesselc --train` to IR and their `grads`
entry run by the reference interpreter on the same tokens and targets; the
parameters are random at unit scale (as NTK initializes them). Which
parameters the NTK model scales is decided here from their names and
shapes (two-dimensional weights other than the embedding tables), not read
from the compiler. A model whose `grads` carries no scaling at all fails:
the gradients of every scaled weight would then be off by sqrt(fan_in).

Prints one line per failure and a summary; exit status 0 on agreement.
"""

import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import models  # noqa: E402
from tools import run  # noqa: E402

RTOL = 1e-4
_GRADS_RE = re.compile(r"func\.func @grads\((.*?)\)\s*->\s*\((.*?)\)\s*"
                       r"(attributes|\{)", re.S)
_GRADIENT_RE = re.compile(r'tessel\.gradient = "([^"]+)"')


def gradient_names(mlir_text):
    """The parameter of each `grads` result after the loss, in order."""
    m = _GRADS_RE.search(mlir_text)
    if not m:
        sys.exit("FAIL: no func.func @grads in the IR")
    return _GRADIENT_RE.findall(m.group(2))


def scaled_fan_in(name, shape):
    """fan_in of a weight NTK scales, else None."""
    if len(shape) != 2 or not name.endswith(".weight"):
        return None
    if name in ("embed.weight", "pos_embed.weight", "relative_bias.weight"):
        return None
    return shape[1]


def grads(args, model, tag, params, tokens, targets):
    mlir = os.path.join(args.tmp, tag + ".mlir")
    run([args.tesselc, model, "--train", "-o", mlir])
    with open(mlir) as f:
        text = f.read()
    names = gradient_names(text)
    decls = models.declared_parameters(text)
    pdir = os.path.join(args.tmp, tag + "-params")
    os.makedirs(pdir, exist_ok=True)
    for name, _ in decls:
        np.save(os.path.join(pdir, name + ".npy"), params[tag][name])
    outs = [os.path.join(args.tmp, f"{tag}-out{i}.npy")
            for i in range(len(names) + 1)]
    run([args.tessel_interpret, mlir, "--entry", "grads", "--input", tokens,
         "--input", targets, "--params", pdir]
        + [x for p in outs for x in ("--output", p)])
    loss = float(np.load(outs[0]))
    return decls, loss, {n: np.load(p) for n, p in zip(names, outs[1:])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tesselc", required=True)
    ap.add_argument("--tessel-interpret", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("ntk")
    ap.add_argument("standard")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    os.makedirs(args.tmp, exist_ok=True)

    # Declarations first (from the NTK model's forward IR), to draw W.
    probe = os.path.join(args.tmp, "probe.mlir")
    run([args.tesselc, args.ntk, "--emit=tessel", "-o", probe])
    with open(probe) as f:
        decls = models.declared_parameters(f.read())
    W = models.random_parameters(decls, seed=args.seed, std=1.0)
    fan_in = {n: scaled_fan_in(n, s) for n, s in decls}
    if not any(fan_in.values()):
        sys.exit("FAIL: the model has no weight NTK would scale")
    standard = {n: (w / np.sqrt(fan_in[n]) if fan_in[n] else w).astype(
        np.float32) for n, w in W.items()}
    params = {"ntk": W, "standard": standard}

    rng = np.random.default_rng(args.seed + 1)
    vocab = dict(decls)["embed.weight"][0]
    tokens = rng.integers(0, vocab, (2, 9)).astype(np.int64)
    targets = np.concatenate([tokens[:, 1:], np.full((2, 1), -100)], 1)
    tokens_path = os.path.join(args.tmp, "tokens.npy")
    targets_path = os.path.join(args.tmp, "targets.npy")
    np.save(tokens_path, tokens)
    np.save(targets_path, targets.astype(np.int64))

    _, loss_ntk, g_ntk = grads(args, args.ntk, "ntk", params, tokens_path,
                               targets_path)
    _, loss_std, g_std = grads(args, args.standard, "standard", params,
                               tokens_path, targets_path)
    failures = 0
    if sorted(g_ntk) != sorted(g_std):
        print(f"FAIL: gradients of {sorted(g_ntk)} vs {sorted(g_std)}")
        return 1
    rel = abs(loss_ntk - loss_std) / abs(loss_std)
    if not rel <= RTOL:
        print(f"FAIL loss: ntk {loss_ntk} vs standard {loss_std}")
        failures += 1
    worst = 0.0
    scaled = 0
    for name in sorted(g_ntk):
        want = g_std[name].astype(np.float64)
        if fan_in[name]:
            want = want / np.sqrt(fan_in[name])
            scaled += 1
        err = float(np.abs(g_ntk[name] - want).max())
        size = float(np.abs(want).max())
        r = err / size if size > 0 else err
        worst = max(worst, r)
        if not r <= RTOL:
            print(f"FAIL grad.{name}: max relative difference {r:.1e}")
            failures += 1
    print(f"{'OK' if not failures else 'FAIL'} ntk: loss {loss_ntk:.6f} = "
          f"standard {loss_std:.6f}; {len(g_ntk)} gradients, {scaled} scaled "
          f"by 1/sqrt(fan_in), max relative difference {worst:.1e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
