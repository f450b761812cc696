#!/usr/bin/env python3
"""End-to-end check of a model definition through tesselc and the reference
interpreter against an independent NumPy model (test/lib/models.py).

    check_model.py MODEL.json --tesselc BIN --tessel-interpret BIN --tmp DIR
                   [--family auto|gpt2|llama|mistral|qwen2|deepseek_v2|tessel]
                   [--batch 2] [--seq 6] [--seed 0] [--rtol 1e-4]

1. `tesselc MODEL.json --emit=tessel -o DIR/model.mlir`;
2. draws random float32 values for every declared `tessel.parameter` and
   saves them as DIR/params/<name>.npy;
3. runs `tessel-interpret --entry forward --params DIR/params` on random
   tokens [batch, seq];
4. runs the NumPy model of the family on the same parameters and tokens and
   checks that it reads exactly the declared parameters (names and shapes)
   and that max |tessel - numpy| <= rtol * max |numpy|.

Prints one summary line; exit status 0 on agreement, 1 otherwise.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import models  # noqa: E402


def fail(name, message):
    print(f"FAIL {name}: {message}")
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--tesselc", required=True)
    ap.add_argument("--tessel-interpret", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--family", default="auto",
                    choices=["auto"] + sorted(models.FORWARD))
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rtol", type=float, default=1e-4)
    args = ap.parse_args()

    name = os.path.basename(args.model)
    with open(args.model) as f:
        cfg = json.load(f)
    family = models.family_of(cfg) if args.family == "auto" else args.family

    if os.path.isdir(args.tmp):
        shutil.rmtree(args.tmp)
    os.makedirs(os.path.join(args.tmp, "params"))
    mlir = os.path.join(args.tmp, "model.mlir")
    r = subprocess.run([args.tesselc, args.model, "--emit=tessel", "-o", mlir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return fail(name, f"tesselc exited with {r.returncode}")
    with open(mlir) as f:
        decls = models.declared_parameters(f.read())
    if not decls:
        return fail(name, "tesselc declared no tessel.parameter")

    params = models.random_parameters(decls, seed=args.seed)
    for pname, array in params.items():
        np.save(os.path.join(args.tmp, "params", pname + ".npy"), array)

    rng = np.random.default_rng(args.seed + 1)
    vocab = cfg.get("vocab_size")
    declared = dict(decls)
    if vocab is None:  # an HF config relying on the default: ask the table.
        vocab = next(s[0] for n, s in decls if n.endswith("embed_tokens.weight")
                     or n.endswith("wte.weight") or n == "embed.weight")
    tokens = rng.integers(0, vocab, size=(args.batch, args.seq),
                          dtype=np.int64)
    tok_path = os.path.join(args.tmp, "tokens.npy")
    out_path = os.path.join(args.tmp, "logits.npy")
    np.save(tok_path, tokens)
    r = subprocess.run([args.tessel_interpret, mlir, "--entry",
                        "forward", "--input", tok_path, "--params",
                        os.path.join(args.tmp, "params"), "--output",
                        out_path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return fail(name, f"tessel-interpret exited with {r.returncode}")
    got = np.load(out_path)

    P = models.Params(params)
    want = models.FORWARD[family](cfg, P, tokens)
    problems = list(P.errors)
    extra = sorted(set(declared) - set(P.read))
    problems += [f"extra parameter {n} {list(declared[n])} (not in the "
                 f"{family} model)" for n in extra]
    if problems:
        for p in problems:
            print(f"  {p}")
        return fail(name, f"{len(problems)} parameter mismatch(es) between "
                          f"tesselc and the NumPy {family} model")

    if got.shape != want.shape:
        return fail(name, f"logits shape {list(got.shape)} != NumPy "
                          f"{list(want.shape)}")
    if got.dtype != np.float32:
        return fail(name, f"logits dtype {got.dtype}, expected float32")
    scale = float(np.abs(want).max())
    err = float(np.abs(got.astype(np.float64) - want).max())
    rel = err / scale if scale > 0 else err
    nparams = sum(int(np.prod(s)) for _, s in decls)
    status = "OK" if np.isfinite(rel) and rel <= args.rtol else "FAIL"
    print(f"{status} {name}: family {family}, {len(decls)} parameters "
          f"({nparams} values), logits {list(got.shape)}, "
          f"max |tessel - numpy| / max |numpy| = {rel:.2e} "
          f"(limit {args.rtol:g}, max |logit| {scale:.3g})")
    return 0 if status == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
