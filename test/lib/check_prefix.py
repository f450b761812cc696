"""Prefix tuning on a Tessel-format model, end to end against NumPy.

    check_prefix.py --tesselc BIN --tessel-run BIN --tessel-interpret BIN
                    --tmp DIR MODEL.json

Compiles MODEL with `--train --prefix-tokens 3`, then checks:

- the manifest: every base parameter frozen, `grads` returns the loss and
  prefix.embedding's gradient only, the "prefix" section;
- forward's logits, the loss and the prefix's gradient against NumPy
  (test/lib/models.py with the prefix, float64; the gradient by central
  differences on a sample of its elements), random values everywhere;
  tessel-interpret's forward and gradient on the same graph too;
- training the prefix on a repeating text lowers the loss, leaves every
  base parameter's bytes as they were and changes the prefix;
- generation through the KV cache (the prefix written into its first
  slots, positions from P) continues a prompt with the tokens NumPy's
  greedy loop picks (with and without the prefill entry point), and with
  speculation by n-gram lookup too;
- with --prefix-projection 16 (PEFT's MLP with tanh): the loss and every
  prefix parameter's gradient against NumPy, generation, and merge-prefix
  dropping the MLP: the model compiled without it gives the same logits.

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

PREFIX = 3


def logits_of(cfg, arrays, tokens):
    return tessel_forward(cfg, Params(arrays), tokens, prefix=PREFIX)


def loss_of(cfg, arrays, tokens, targets):
    logits = logits_of(cfg, arrays, tokens)
    return cross_entropy(logits, targets)


def main():
    args, t, cfg = arguments(interpret=True)
    run([args.tesselc, args.model, "--train", "--prefix-tokens", str(PREFIX),
         "-o", t("m.tsl")])
    with open(t("m.tsl/manifest.json")) as f:
        manifest = json.load(f)
    params = manifest["parameters"]
    base = [q for q in params if q["name"] != "prefix.embedding"]
    results = [r["name"] for r in manifest["entry_points"]["grads"]["results"]]
    spec = manifest.get("prefix", {})
    if any(not q.get("frozen") for q in base) or results != [
            "loss", "grad.prefix.embedding"] or spec.get("tokens") != PREFIX:
        fail(f"base not all frozen, or grads returns {results}, or the "
             f"manifest's prefix is {spec}")
    print(f"ok: {len(base)} base parameters frozen; grads returns the loss "
          f"and the prefix's gradient; the manifest records {PREFIX} tokens")

    rng = np.random.default_rng(0)
    values = random_values(params, rng)
    values["prefix.embedding"] *= 10  # keys that matter
    write_safetensors(t("random.safetensors"), values)
    arrays = {k: v.astype(np.float64) for k, v in values.items()}
    tokens, targets = random_batch(t, cfg, rng, (2, 8))
    run([args.tessel_run, "forward", t("m.tsl"), "--weights",
         t("random.safetensors"), "--tokens", t("tokens.npy"), "--out",
         t("logits.npy")])
    want = logits_of(cfg, arrays, tokens)
    got = np.load(t("logits.npy"))
    plain = tessel_forward(cfg, Params(arrays), tokens)
    err = float(np.abs(got - want).max() / np.abs(want).max())
    moved = float(np.abs(plain - want).max() / np.abs(want).max())
    if err > 1e-5 or moved < 1e-2:
        fail(f"forward vs NumPy {err:.1e}; the prefix moves the logits by "
             f"{moved:.1e}")
    run([args.tessel_run, "run", t("m.tsl"), "--entry", "grads",
         "--weights", t("random.safetensors"), "--input", t("tokens.npy"),
         "--input", t("targets.npy"), "--output", t("loss.npy"),
         "--output", t("grad.npy")])
    loss, grad = float(np.load(t("loss.npy"))), np.load(t("grad.npy"))
    want_loss = loss_of(cfg, arrays, tokens, targets)
    if abs(loss - want_loss) > 1e-5 * abs(want_loss):
        fail(f"loss {loss} vs NumPy {want_loss}")
    scale = float(np.abs(grad).max())
    worst = check_gradients(lambda a: loss_of(cfg, a, tokens, targets),
                            arrays, {"prefix.embedding": grad}, rng, 12)
    print(f"ok: forward ({err:.1e}), loss and the prefix's gradient against "
          f"NumPy (central differences; worst {worst:.1e} of its largest)")

    # The reference interpreter on the same graph agrees.
    os.makedirs(t("params"), exist_ok=True)
    for name, value in values.items():
        np.save(t(f"params/{name}.npy"), value)
    run([args.tesselc, args.model, "--train", "--prefix-tokens", str(PREFIX),
         "--emit=graph", "-o", t("graph.mlir")])
    run([args.tessel_interpret, t("graph.mlir"), "--entry", "forward",
         "--input", t("tokens.npy"), "--params", t("params"), "--output",
         t("interpreted.npy")])
    run([args.tessel_interpret, t("graph.mlir"), "--entry", "grads",
         "--input", t("tokens.npy"), "--input", t("targets.npy"), "--params",
         t("params"), "--output", t("iloss.npy"), "--output",
         t("igrad.npy")])
    e1 = float(np.abs(np.load(t("interpreted.npy")) - want).max() /
               np.abs(want).max())
    e2 = float(np.abs(np.load(t("igrad.npy")) - grad).max() / scale)
    if e1 > 1e-5 or e2 > 1e-5:
        fail(f"tessel-interpret: forward {e1:.1e} from NumPy, the prefix's "
             f"gradient {e2:.1e} from the compiled one")
    print(f"ok: tessel-interpret agrees (forward {e1:.1e} from NumPy, the "
          f"gradient {e2:.1e} from the compiled one)")

    # Training moves the prefix only.
    base_values = {q["name"]: values[q["name"]] for q in base}
    losses, trained, changed = train_on_pattern(
        args.tessel_run, t("m.tsl"), t, base_values, 24)
    if changed or not np.abs(trained["prefix.embedding"]).max() > 0:
        fail(f"training changed base parameters {changed}")
    if not losses[-1] < 0.8 * losses[0]:
        fail(f"the loss went from {losses[0]} to {losses[-1]}")
    print(f"ok: training the prefix: loss {losses[0]:.3f} -> "
          f"{losses[-1]:.3f}; every base parameter's bytes unchanged")

    # Generation through the cache, against NumPy's greedy loop.
    arrays = {k: v.astype(np.float64) for k, v in trained.items()}
    prompt = np.array([[ord(c) % cfg["vocab_size"] for c in "abcab"]],
                      np.int64)
    np.save(t("prompt.npy"), prompt)
    new = 8
    seq = prompt.copy()
    for _ in range(new):
        nxt = logits_of(cfg, arrays, seq)[:, -1].argmax(-1)
        seq = np.concatenate([seq, nxt[:, None]], 1)
    for flags in ([], ["--no-prefill"], ["--speculate-ngram", "3"]):
        run([args.tessel_run, "generate", t("m.tsl"), "--weights",
             t("trained.safetensors"), "--prompt-tokens", t("prompt.npy"),
             "--max-new-tokens", str(new), "--out", t("gen.npy"), *flags])
        got = np.load(t("gen.npy"))
        if not np.array_equal(got, seq):
            fail(f"generate {flags}: {got.tolist()}, NumPy's greedy "
                 f"{seq.tolist()}")
    print(f"ok: generation with the prefix in the KV cache gives NumPy's "
          f"greedy tokens ({new} after a prompt of {prompt.shape[1]}; with "
          f"prefill, without, and with n-gram speculation)")

    # PEFT's reparametrization: an MLP with tanh makes the prefix.
    H = 16
    run([args.tesselc, args.model, "--train", "--prefix-tokens", str(PREFIX),
         "--prefix-projection", str(H), "-o", t("mlp.tsl")])
    with open(t("mlp.tsl/manifest.json")) as f:
        mparams = json.load(f)["parameters"]
    mlp = [q["name"] for q in mparams if q["name"].startswith("prefix.")]
    mvalues = {q["name"]: (0.3 * rng.standard_normal(q["shape"])
                           + (1.0 if q["init"]["kind"] == "ones" else 0.0))
               .astype(np.float32) for q in mparams}
    write_safetensors(t("mlp.safetensors"), mvalues)
    marrays = {k: v.astype(np.float64) for k, v in mvalues.items()}

    def mlp_logits(a, toks):
        return tessel_forward(cfg, Params(a), toks, prefix=PREFIX,
                              prefix_projection=H)

    def mlp_loss(a):
        return cross_entropy(mlp_logits(a, tokens), targets)

    outputs = [t(f"mg{i}.npy") for i in range(1 + len(mlp))]
    run([args.tessel_run, "run", t("mlp.tsl"), "--entry", "grads",
         "--weights", t("mlp.safetensors"), "--input", t("tokens.npy"),
         "--input", t("targets.npy"),
         *[x for o in outputs for x in ("--output", o)]])
    got = [np.load(o) for o in outputs]
    if abs(float(got[0]) - mlp_loss(marrays)) > 1e-5 * mlp_loss(marrays):
        fail(f"projected prefix: loss {float(got[0])} vs NumPy "
             f"{mlp_loss(marrays)}")
    worst = check_gradients(mlp_loss, marrays, dict(zip(mlp, got[1:])), rng,
                            3)
    # Dropped after training: the merged prefix in the plain model.
    run([args.tessel_run, "merge-prefix", t("mlp.tsl"), "--weights",
         t("mlp.safetensors"), "--out", t("merged.safetensors")])
    merged = read_safetensors(t("merged.safetensors"))
    run([args.tessel_run, "forward", t("m.tsl"), "--weights",
         t("merged.safetensors"), "--tokens", t("tokens.npy"), "--out",
         t("merged.npy")])
    want = mlp_logits(marrays, tokens)
    err = float(np.abs(np.load(t("merged.npy")) - want).max() /
                np.abs(want).max())
    if err > 1e-5 or any(n.startswith("prefix.transform") for n in merged):
        fail(f"merge-prefix: the plain model's logits are {err:.1e} from "
             f"the projected prefix's; tensors {sorted(merged)}")
    seq = prompt.copy()
    for _ in range(new):
        nxt = mlp_logits(marrays, seq)[:, -1].argmax(-1)
        seq = np.concatenate([seq, nxt[:, None]], 1)
    run([args.tessel_run, "generate", t("mlp.tsl"), "--weights",
         t("mlp.safetensors"), "--prompt-tokens", t("prompt.npy"),
         "--max-new-tokens", str(new), "--out", t("mgen.npy")])
    if not np.array_equal(np.load(t("mgen.npy")), seq):
        fail(f"generate with the projection: {np.load(t('mgen.npy')).tolist()}"
             f", NumPy's greedy {seq.tolist()}")
    print(f"ok: with --prefix-projection {H} (tanh MLP): loss and "
          f"{len(mlp)} gradients against NumPy (worst {worst:.1e}); "
          f"merge-prefix gives the plain model the same logits ({err:.1e}); "
          f"generation gives NumPy's greedy tokens")


if __name__ == "__main__":
    main()
