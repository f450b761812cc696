"""LoReFT on a Tessel-format model, end to end against NumPy.

    check_reft.py --tesselc BIN --tessel-run BIN --tmp DIR MODEL.json

Compiles MODEL with `--train --reft-layers 0,1 --reft-rank 2
--reft-positions f2+l2`, then checks:

- the manifest: every base parameter frozen, `grads` returns the loss and
  the interventions' gradients only, the "reft" section;
- forward's logits, the loss and every intervention parameter's gradient
  against NumPy (test/lib/models.py with `reft=`, float64; gradients by
  central differences on a sample of each one's elements), random base
  values and a random orthonormal R;
- training the interventions on a repeating text lowers the loss, leaves
  every base parameter's bytes as they were, and keeps each R's rows
  orthonormal (|R R^T - I| below 1e-5) while R moves;
- the trained interventions saved (--save) and loaded back (--weights)
  give NumPy's logits for them;
- with --reft-positions f3 (no last positions) generation through the KV
  cache gives NumPy's greedy tokens; with f2+l2 it is refused in one line.

Prints one line per check; exits 1 at the first failure.
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from models import Params, tessel_forward  # noqa: E402
from compare_compiled import write_safetensors  # noqa: E402
from peft import (  # noqa: E402
    arguments, check_gradients, cross_entropy, fail, random_batch,
    random_values, read_safetensors, run, train_on_pattern)

REFT = {"layers": [0, 1], "rank": 2, "first": 2, "last": 2}
FLAGS = ["--reft-layers", "0,1", "--reft-rank", "2", "--reft-positions",
         "f2+l2"]


def logits_of(cfg, arrays, tokens, reft=REFT):
    return tessel_forward(cfg, Params(arrays), tokens, reft=reft)


def loss_of(cfg, arrays, tokens, targets):
    logits = logits_of(cfg, arrays, tokens)
    return cross_entropy(logits, targets)


def orthonormality(rotations):
    return max(float(np.abs(r.astype(np.float64) @ r.T.astype(np.float64)
                            - np.eye(r.shape[0])).max()) for r in rotations)


def main():
    args, t, cfg = arguments()
    run([args.tesselc, args.model, "--train", *FLAGS, "-o", t("m.tsl")])
    with open(t("m.tsl/manifest.json")) as f:
        manifest = json.load(f)
    params = manifest["parameters"]
    ours = [q["name"] for q in params if q["name"].startswith("reft.")]
    base = [q for q in params if not q["name"].startswith("reft.")]
    results = [r["name"] for r in manifest["entry_points"]["grads"]["results"]]
    spec = manifest.get("reft", {})
    if any(not q.get("frozen") for q in base) or results != [
            "loss"] + ["grad." + n for n in ours] or len(ours) != 6 or (
            spec.get("first"), spec.get("last")) != (2, 2):
        fail(f"base not all frozen, or grads returns {results}, or the "
             f"manifest's reft is {spec}")
    print(f"ok: {len(base)} base parameters frozen; grads returns the loss "
          f"and the {len(ours)} intervention gradients")

    rng = np.random.default_rng(0)
    values = random_values(params, rng)
    for name in ours:
        if name.endswith(".rotation"):
            q, _ = np.linalg.qr(rng.standard_normal(values[name].shape[::-1]))
            values[name] = q.T.astype(np.float32)
        else:
            values[name] *= 5
    write_safetensors(t("random.safetensors"), values)
    arrays = {k: v.astype(np.float64) for k, v in values.items()}
    tokens, targets = random_batch(t, cfg, rng, (2, 7))
    run([args.tessel_run, "forward", t("m.tsl"), "--weights",
         t("random.safetensors"), "--tokens", t("tokens.npy"), "--out",
         t("logits.npy")])
    want = logits_of(cfg, arrays, tokens)
    err = float(np.abs(np.load(t("logits.npy")) - want).max() /
                np.abs(want).max())
    moved = float(np.abs(tessel_forward(cfg, Params(arrays), tokens) - want)
                  .max() / np.abs(want).max())
    if err > 1e-5 or moved < 1e-3:
        fail(f"forward vs NumPy {err:.1e}; the interventions move the logits "
             f"by {moved:.1e}")
    outputs = [t(f"g{i}.npy") for i in range(len(results))]
    run([args.tessel_run, "run", t("m.tsl"), "--entry", "grads", "--weights",
         t("random.safetensors"), "--input", t("tokens.npy"), "--input",
         t("targets.npy"), *[x for o in outputs for x in ("--output", o)]])
    got = [np.load(o) for o in outputs]
    want_loss = loss_of(cfg, arrays, tokens, targets)
    if abs(float(got[0]) - want_loss) > 1e-5 * abs(want_loss):
        fail(f"loss {float(got[0])} vs NumPy {want_loss}")
    worst = check_gradients(lambda a: loss_of(cfg, a, tokens, targets),
                            arrays, dict(zip(ours, got[1:])), rng, 4)
    print(f"ok: forward ({err:.1e}), loss and the {len(ours)} intervention "
          f"gradients against NumPy (central differences; worst {worst:.1e} "
          f"of each gradient's largest)")

    # Training moves the interventions only; R stays orthonormal.
    base_values = {q["name"]: values[q["name"]] for q in base}
    losses, trained, changed = train_on_pattern(
        args.tessel_run, t("m.tsl"), t, base_values, 24)
    if changed:
        fail(f"training changed base parameters {changed}")
    if not losses[-1] < 0.8 * losses[0]:
        fail(f"the loss went from {losses[0]} to {losses[-1]}")
    rotations = [trained[n] for n in ours if n.endswith(".rotation")]
    ortho = orthonormality(rotations)
    # The seeded start, what --seed 0 gave R: one step of a vanishing rate.
    run([args.tessel_run, "train", t("m.tsl"), "--data", t("text.txt"),
         "--weights", t("base.safetensors"), "--seed", "0", "--steps", "1",
         "--batch", "4", "--seq", "24", "--lr", "1e-30", "--save",
         t("start.safetensors")])
    start = read_safetensors(t("start.safetensors"))
    travel = max(float(np.abs(start[n] - trained[n]).max())
                 for n in ours if n.endswith(".rotation"))
    if ortho > 1e-5 or travel < 1e-3 or orthonormality(
            [start[n] for n in ours if n.endswith(".rotation")]) > 1e-5:
        fail(f"R R^T - I is {ortho:.1e} after training (R moved {travel:.1e})")
    print(f"ok: training the interventions: loss {losses[0]:.3f} -> "
          f"{losses[-1]:.3f}; every base parameter's bytes unchanged; R moved "
          f"{travel:.2f} and stays orthonormal ({ortho:.1e})")

    # Saved and loaded back.
    np.save(t("probe.npy"), tokens)
    run([args.tessel_run, "forward", t("m.tsl"), "--weights",
         t("trained.safetensors"), "--tokens", t("probe.npy"), "--out",
         t("reloaded.npy")])
    arrays = {k: v.astype(np.float64) for k, v in trained.items()}
    want = logits_of(cfg, arrays, tokens)
    err = float(np.abs(np.load(t("reloaded.npy")) - want).max() /
                np.abs(want).max())
    if err > 1e-5:
        fail(f"the reloaded interventions give logits {err:.1e} from NumPy's")
    print(f"ok: the trained interventions saved and loaded back give NumPy's "
          f"logits ({err:.1e})")

    # Generation: first positions only.
    first = {"layers": [0, 1], "rank": 2, "first": 3, "last": 0}
    run([args.tesselc, args.model, "--reft-layers", "0,1", "--reft-rank",
         "2", "--reft-positions", "f3", "-o", t("f3.tsl")])
    prompt = np.array([[ord(c) % cfg["vocab_size"] for c in "abcab"]],
                      np.int64)
    np.save(t("prompt.npy"), prompt)
    seq = prompt.copy()
    for _ in range(8):
        nxt = logits_of(cfg, arrays, seq, first)[:, -1].argmax(-1)
        seq = np.concatenate([seq, nxt[:, None]], 1)
    for flags in ([], ["--no-prefill"]):
        run([args.tessel_run, "generate", t("f3.tsl"), "--weights",
             t("trained.safetensors"), "--prompt-tokens", t("prompt.npy"),
             "--max-new-tokens", "8", "--out", t("gen.npy"), *flags])
        if not np.array_equal(np.load(t("gen.npy")), seq):
            fail(f"generate {flags}: {np.load(t('gen.npy')).tolist()}, "
                 f"NumPy's greedy {seq.tolist()}")
    r = run([args.tessel_run, "generate", t("m.tsl"), "--weights",
             t("trained.safetensors"), "--prompt-tokens", t("prompt.npy")],
            check=False)
    lines = r.stderr.strip().splitlines()
    if r.returncode != 1 or len(lines) != 1 or "last 2 positions" not in \
            lines[0]:
        fail(f"generate with f2+l2: exit {r.returncode}, {r.stderr!r}")
    print(f"ok: with f3 generation through the KV cache gives NumPy's greedy "
          f"tokens; with f2+l2 it is refused: {lines[0]}")


if __name__ == "__main__":
    main()
