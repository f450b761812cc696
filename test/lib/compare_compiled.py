#!/usr/bin/env python3
"""Compiled model vs reference interpreter, on the same parameters.

    compare_compiled.py --tesselc BIN --tessel-run BIN --tessel-interpret BIN --tmp DIR MODEL.json
        [--batch B] [--seq S] [--seed N] [--safetensors]

Compiles MODEL.json twice: to IR (run by `tessel-interpret`) and to an
artifact (run by `tessel-run forward`). Both initialize the parameters from
the same seed (the same initializer code), or, with --safetensors, the
artifact loads a safetensors checkpoint written here while the interpreter
reads the same values from .npy files. Checks that the logits agree within
1e-4 relative to their largest magnitude; prints one line; exits 1 if not.

With --train both compile with `tesselc --train` and run the `grads` entry
point instead (targets: the tokens shifted by one, the last -100; a model
with dropout also takes rng = [2^40 + 17, 3]): the loss
and every parameter's gradient must agree, each within 1e-4 relative to its
own largest magnitude, or to 1e-3 of the largest gradient when its own is
smaller: a gradient that is 0 in exact arithmetic (a key bias: the softmax
ignores a shift shared by all keys) is rounding noise on both sides.
"""

import argparse
import json
import os
import struct
import subprocess
import sys

import numpy as np


def run(command):
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL: {' '.join(command)}\n{r.stderr}", file=sys.stderr)
        sys.exit(1)
    return r


def write_safetensors(path, tensors, drop_prefix=""):
    """A minimal safetensors writer (F32), independent of Tessel's."""
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, np.float32).tobytes()
        stored = name[len(drop_prefix):] if name.startswith(drop_prefix) else name
        header[stored] = {"dtype": "F32", "shape": list(array.shape),
                          "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tesselc", required=True)
    parser.add_argument("--tessel-run", required=True)
    parser.add_argument("--tessel-interpret", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("model")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seq", type=int, default=7)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--safetensors", action="store_true")
    parser.add_argument("--train", action="store_true",
                        help="compare the loss and gradients (grads)")
    parser.add_argument("--drop-prefix", default="",
                        help="store names without this prefix (GPT-2's "
                             "original checkpoint has no 'transformer.')")
    args = parser.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    name = os.path.splitext(os.path.basename(args.model))[0]
    ir = os.path.join(args.tmp, name + ".mlir")
    artifact = os.path.join(args.tmp, name + ".tsl")
    flags = ["--train"] if args.train else []
    run([args.tesselc, args.model, "-o", ir, *flags])
    run([args.tesselc, args.model, "-o", artifact, *flags])
    manifest = json.load(open(os.path.join(artifact, "manifest.json")))
    vocab = manifest["model"]["vocab_size"]
    rng = np.random.default_rng(args.seed)
    tokens = rng.integers(0, vocab, (args.batch, args.seq)).astype(np.int64)
    tokens_path = os.path.join(args.tmp, "tokens.npy")
    np.save(tokens_path, tokens)

    interp = [args.tessel_interpret, ir, "--entry", "forward",
              "--input", tokens_path]
    forward = [args.tessel_run, "forward", artifact, "--tokens", tokens_path]
    if args.train:
        targets = np.concatenate(
            [tokens[:, 1:], np.full((args.batch, 1), -100)], 1)
        targets_path = os.path.join(args.tmp, "targets.npy")
        np.save(targets_path, targets.astype(np.int64))
        grads = ["--entry", "grads", "--input", tokens_path, "--input",
                 targets_path]
        inputs = manifest["entry_points"]["grads"]["inputs"]
        if any(i["name"] == "rng" for i in inputs):
            # Dropout's [seed, step]: a seed above 2^32, a later step.
            rng_path = os.path.join(args.tmp, "rng.npy")
            np.save(rng_path, np.array([2**40 + 17, 3], dtype=np.int64))
            grads += ["--input", rng_path]
        interp = [args.tessel_interpret, ir] + grads
        forward = [args.tessel_run, "run", artifact] + grads
    if args.safetensors:
        params = {}
        pdir = os.path.join(args.tmp, "params")
        os.makedirs(pdir, exist_ok=True)
        for p in manifest["parameters"]:
            value = (0.1 * rng.standard_normal(p["shape"])).astype(np.float32)
            if p["init"]["kind"] == "ones":
                value += 1
            params[p["name"]] = value
            np.save(os.path.join(pdir, p["name"] + ".npy"), value)
        weights = os.path.join(args.tmp, "weights.safetensors")
        write_safetensors(weights, params, args.drop_prefix)
        interp += ["--params", pdir]
        forward += ["--weights", weights]
    else:
        interp += ["--seed", str(args.seed)]
        forward += ["--seed", str(args.seed)]
    if args.train:
        return compare_grads(args, name, manifest, interp, forward)
    want_path = os.path.join(args.tmp, "interpreted.npy")
    got_path = os.path.join(args.tmp, "compiled.npy")
    run(interp + ["--output", want_path])
    run(forward + ["--out", got_path])
    want, got = np.load(want_path), np.load(got_path)
    if got.shape != want.shape:
        print(f"FAIL {name}: shape {got.shape} != {want.shape}")
        return 1
    rel = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
    ok = rel <= 1e-4
    print(f"{'OK' if ok else 'FAIL'} {name}: compiled vs interpreter, logits "
          f"{list(got.shape)}, max relative difference {rel:.1e}")
    return 0 if ok else 1


def compare_grads(args, name, manifest, interp, compiled):
    """Runs grads on both sides; compares every result."""
    results = manifest["entry_points"]["grads"]["results"]
    want = [os.path.join(args.tmp, f"want{i}.npy") for i in range(len(results))]
    got = [os.path.join(args.tmp, f"got{i}.npy") for i in range(len(results))]
    run(interp + [x for p in want for x in ("--output", p)])
    run(compiled + [x for p in got for x in ("--output", p)])
    worst, worst_name = 0.0, ""
    pairs = [(np.load(w), np.load(g)) for w, g in zip(want, got)]
    largest = max(float(np.abs(w).max()) for w, _ in pairs[1:])
    for spec, (w, g) in zip(results, pairs):
        if w.shape != g.shape:
            print(f"FAIL {name}: {spec['name']} shape {g.shape} != {w.shape}")
            return 1
        scale = max(float(np.abs(w).max()), 1e-3 * largest)
        rel = float(np.abs(g - w).max()) / scale
        if rel > worst:
            worst, worst_name = rel, spec["name"]
    ok = worst <= 1e-4
    grads = sum(r["name"].startswith("grad.") for r in results)
    updates = sum(r["name"].startswith("update.") for r in results)
    print(f"{'OK' if ok else 'FAIL'} {name}: compiled vs interpreter, loss "
          f"and {grads} gradients"
          + (f" and {updates} parameter updates" if updates else "")
          + f", max relative difference {worst:.1e}"
          + (f" ({worst_name})" if worst_name else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
