"""LoRA on a Tessel-format model, end to end against NumPy.

    check_lora.py --tesselc BIN --tessel-run BIN --tmp DIR MODEL.json

Compiles MODEL with `--train --lora-targets q_proj,v_proj --lora-rank 2
--lora-alpha 4` and without LoRA, then checks:

- the manifest: every base parameter frozen, `grads` returns the loss and
  the adapters' gradients only;
- the loss and the adapters' gradients against NumPy (test/lib/models.py's
  forward with the adapters, float64; gradients by central differences on
  a sample of each adapter's elements), random base and adapter values;
- training the adapters on a repeating text lowers the loss, leaves every
  base parameter's bytes as they were and changes the adapters;
- the adapters saved in PEFT's layout load back (--adapter) to the same
  logits, and merged into the base weights (merge-adapter) the model
  compiled without LoRA gives the adapted logits within 1e-5.

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
    random_values, read_safetensors, run)

LORA = {"targets": ["q_proj", "v_proj"], "rank": 2, "alpha": 4.0}


def loss_of(cfg, arrays, tokens, targets):
    logits = tessel_forward(cfg, Params(arrays), tokens, LORA)
    return cross_entropy(logits, targets)


def main():
    args, t, cfg = arguments()
    lora_flags = ["--lora-targets", ",".join(LORA["targets"]),
                  "--lora-rank", str(LORA["rank"]),
                  "--lora-alpha", str(LORA["alpha"])]
    run([args.tesselc, args.model, "--train", *lora_flags, "-o",
         t("lora.tsl")])
    run([args.tesselc, args.model, "-o", t("plain.tsl")])

    with open(t("lora.tsl/manifest.json")) as f:
        manifest = json.load(f)
    params = manifest["parameters"]
    adapters = [q["name"] for q in params if ".lora_" in q["name"]]
    base = [q for q in params if ".lora_" not in q["name"]]
    if not adapters or any(not q.get("frozen") for q in base) or any(
            q.get("frozen") for q in params if ".lora_" in q["name"]):
        fail("the base parameters are not all frozen, or an adapter is")
    results = [r["name"] for r in manifest["entry_points"]["grads"]["results"]]
    if results != ["loss"] + ["grad." + a for a in adapters]:
        fail(f"grads returns {results}")
    print(f"ok: {len(base)} base parameters frozen; grads returns the loss "
          f"and the {len(adapters)} adapters' gradients")

    # Loss and gradients against NumPy, every value random.
    rng = np.random.default_rng(0)
    values = random_values(params, rng)
    write_safetensors(t("random.safetensors"), values)
    tokens, targets = random_batch(t, cfg, rng, (2, 8))
    outputs = [t(f"out{i}.npy") for i in range(len(results))]
    run([args.tessel_run, "run", t("lora.tsl"), "--entry", "grads",
         "--input", t("tokens.npy"), "--input", t("targets.npy"),
         "--weights", t("random.safetensors"),
         *[x for o in outputs for x in ("--output", o)]])
    got = [np.load(o) for o in outputs]
    arrays = {k: v.astype(np.float64) for k, v in values.items()}
    want = loss_of(cfg, arrays, tokens, targets)
    if abs(float(got[0]) - want) > 1e-5 * abs(want):
        fail(f"loss {float(got[0])} vs NumPy {want}")
    worst = check_gradients(lambda a: loss_of(cfg, a, tokens, targets),
                            arrays, dict(zip(adapters, got[1:])), rng, 6)
    print(f"ok: loss and {len(adapters)} adapter gradients against NumPy "
          f"(central differences; worst {worst:.1e} of each gradient's "
          f"largest)")

    # Training moves the adapters only.
    base_values = {q["name"]: values[q["name"]] for q in base}
    write_safetensors(t("base.safetensors"), base_values)
    with open(t("text.txt"), "w") as f:
        f.write("abcabd abcabd " * 200)
    run([args.tessel_run, "train", t("lora.tsl"), "--data", t("text.txt"),
         "--weights", t("base.safetensors"), "--seed", "0", "--steps", "60",
         "--batch", "4", "--seq", "32", "--lr", "3e-2", "--log",
         t("log.jsonl"), "--save", t("trained.safetensors"), "--save-adapter",
         t("adapter")])
    with open(t("log.jsonl")) as f:
        losses = [json.loads(line)["loss"] for line in f]
    trained = read_safetensors(t("trained.safetensors"))
    changed = [n for n in base_values
               if trained[n].tobytes() != base_values[n].tobytes()]
    moved = [a for a in adapters if ".lora_B." in a and np.abs(
        trained[a]).max() == 0]
    if changed or moved:
        fail(f"training changed base parameters {changed} or left "
             f"adapters {moved} at zero")
    if not losses[-1] < 0.5 * losses[0]:
        fail(f"the loss went from {losses[0]} to {losses[-1]}")
    print(f"ok: training the adapters: loss {losses[0]:.3f} -> "
          f"{losses[-1]:.3f}; every base parameter's bytes unchanged")

    # PEFT's layout, loaded back and merged.
    with open(t("adapter/adapter_config.json")) as f:
        config = json.load(f)
    saved = read_safetensors(t("adapter/adapter_model.safetensors"))
    names = sorted("base_model.model." + a for a in adapters)
    if (config["peft_type"], config["r"], config["lora_alpha"],
            config["target_modules"]) != ("LORA", 2, 4.0, LORA["targets"]) \
            or sorted(saved) != names:
        fail(f"adapter: config {config}, tensors {sorted(saved)}")
    np.save(t("prompt.npy"), tokens)
    run([args.tessel_run, "forward", t("lora.tsl"), "--weights",
         t("trained.safetensors"), "--tokens", t("prompt.npy"), "--out",
         t("trained.npy")])
    run([args.tessel_run, "forward", t("lora.tsl"), "--weights",
         t("base.safetensors"), "--adapter", t("adapter"), "--tokens",
         t("prompt.npy"), "--out", t("reloaded.npy")])
    if not np.array_equal(np.load(t("trained.npy")), np.load(t("reloaded.npy"))):
        fail("the base weights with --adapter give other logits than training "
             "ended with")
    run([args.tessel_run, "merge-adapter", "--weights", t("base.safetensors"),
         "--adapter", t("adapter"), "--out", t("merged.safetensors")])
    run([args.tessel_run, "forward", t("plain.tsl"), "--weights",
         t("merged.safetensors"), "--tokens", t("prompt.npy"), "--out",
         t("merged.npy")])
    a, b = np.load(t("reloaded.npy")), np.load(t("merged.npy"))
    rel = float(np.abs(a - b).max() / np.abs(a).max())
    if rel > 1e-5:
        fail(f"merged vs adapted logits differ by {rel:.2e} (> 1e-5)")
    print(f"ok: PEFT layout ({len(saved)} tensors, base_model.model.*); "
          f"--adapter reloads the trained logits bitwise; merged into the "
          f"base, the model without LoRA agrees within {rel:.1e}")


if __name__ == "__main__":
    main()
