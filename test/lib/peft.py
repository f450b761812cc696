"""What the fine-tuning checks share (check_lora.py, check_prefix.py,
check_reft.py, check_policy.py): running the tools, reading safetensors,
and a compiled gradient against central differences of a NumPy function.
"""

import json
import struct
import subprocess
import sys

import numpy as np


def fail(message):
    sys.exit(f"FAIL: {message}")


def run(command, check=True):
    """Runs `command`; with `check`, a failure writes its stderr and exits
    with a FAIL line."""
    r = subprocess.run(command, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.stderr.write(r.stderr)
        fail(f"{' '.join(command)} exited with {r.returncode}")
    return r


def read_safetensors(path):
    """{name: float32 array} of an F32 safetensors file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]],
                             np.float32).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


def check_gradients(function, arrays, gradients, rng, samples, what="loss",
                    h=1e-4, tolerance=1e-3):
    """Compares each compiled gradient in `gradients` ({name: array}) with
    central differences of `function(arrays)` on `samples` random elements,
    relative to the gradient's largest element; fails past `tolerance`.
    Returns the worst relative error."""
    worst = 0.0
    for name, grad in gradients.items():
        scale = max(float(np.abs(grad).max()), 1e-12)
        for flat in rng.choice(grad.size, min(samples, grad.size),
                               replace=False):
            idx = np.unravel_index(flat, grad.shape)
            plus = {**arrays, name: arrays[name].copy()}
            plus[name][idx] += h
            minus = {**arrays, name: arrays[name].copy()}
            minus[name][idx] -= h
            fd = (function(plus) - function(minus)) / (2 * h)
            err = abs(float(grad[idx]) - fd) / scale
            worst = max(worst, err)
            if err > tolerance:
                fail(f"d {what} / d {name}{list(idx)}: {float(grad[idx])} "
                     f"compiled, {fd} by central differences")
    return worst


def cross_entropy(logits, targets):
    """The mean cross-entropy of float64 logits [B, S, V] and targets."""
    logits = logits - logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, targets[..., None], -1)[..., 0].mean()


def arguments(interpret=False):
    """The checks' command line: --tesselc, --tessel-run (and with
    `interpret`, --tessel-interpret), --tmp DIR and MODEL.json. Returns the
    parsed arguments, a function naming a file in DIR, and the model's
    definition."""
    import argparse
    import os
    p = argparse.ArgumentParser()
    p.add_argument("--tesselc", required=True)
    p.add_argument("--tessel-run", required=True)
    if interpret:
        p.add_argument("--tessel-interpret", required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("model")
    args = p.parse_args()
    os.makedirs(args.tmp, exist_ok=True)
    with open(args.model) as f:
        cfg = json.load(f)
    return args, (lambda name: os.path.join(args.tmp, name)), cfg


def train_on_pattern(tessel_run, model, t, base_values, seq, extra=()):
    """60 steps of AdamW (lr 3e-2, batch 4 x `seq`) on a repeating text from
    the base parameters `base_values` (the method's from --seed 0). Returns
    the logged losses, the trained parameters, and the base parameters whose
    bytes changed."""
    with open(t("text.txt"), "w") as f:
        f.write("abcabd abcabd " * 200)
    from compare_compiled import write_safetensors
    write_safetensors(t("base.safetensors"), base_values)
    run([tessel_run, "train", model, "--data", t("text.txt"), "--weights",
         t("base.safetensors"), "--seed", "0", "--steps", "60", "--batch",
         "4", "--seq", str(seq), "--lr", "3e-2", "--log", t("log.jsonl"),
         "--save", t("trained.safetensors"), *extra])
    with open(t("log.jsonl")) as f:
        losses = [json.loads(line)["loss"] for line in f]
    trained = read_safetensors(t("trained.safetensors"))
    changed = [n for n in base_values
               if trained[n].tobytes() != base_values[n].tobytes()]
    return losses, trained, changed


def random_values(params, rng):
    """float32 values for a manifest's parameters: N(0, 0.1), norm gains
    (initializer "ones") around 1."""
    return {q["name"]: (0.1 * rng.standard_normal(q["shape"])
                        + (1.0 if q["init"]["kind"] == "ones" else 0.0))
            .astype(np.float32) for q in params}


def random_batch(t, cfg, rng, shape):
    """Random token ids of `shape` and their next-token targets, saved as
    tokens.npy and targets.npy."""
    tokens = rng.integers(0, cfg["vocab_size"], shape).astype(np.int64)
    targets = np.roll(tokens, -1, 1)
    np.save(t("tokens.npy"), tokens)
    np.save(t("targets.npy"), targets)
    return tokens, targets
