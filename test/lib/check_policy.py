"""PPO's entry points (tesselc --train --value-head) against NumPy.

    check_policy.py --tesselc BIN --tessel-run BIN --tmp DIR MODEL.json

Compiles MODEL with `--train --value-head`, fills every parameter with
random values, then checks:

- `policy` returns the logits `forward` does (1e-6) and both agree with
  NumPy's model (test/lib/models.py, float64); its values are NumPy's
  value head on the last hidden states;
- `policy_grads(tokens, dlogits, dvalues)`, random seeds, is the gradient
  of J = sum(dlogits * logits) + sum(dvalues * values): against central
  differences of J in NumPy on a sample of every parameter's elements;
- with dlogits the cross-entropy's own cotangent ((softmax - onehot) / N)
  and dvalues 0, policy_grads returns what `grads` does (1e-5), and zeros
  for the value head, which the loss does not read.

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
    arguments, check_gradients, fail, random_values, run)


def relative(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def main():
    args, t, cfg = arguments()
    run([args.tesselc, args.model, "--train", "--value-head", "-o",
         t("m.tsl")])
    with open(t("m.tsl/manifest.json")) as f:
        manifest = json.load(f)
    entries = manifest["entry_points"]
    params = manifest["parameters"]
    trained = [q["name"] for q in params if not q.get("frozen")]
    policy_out = [r["name"] for r in entries["policy"]["results"]]
    grads_in = [i["name"] for i in entries["policy_grads"]["inputs"]]
    grads_out = [r["name"] for r in entries["policy_grads"]["results"]]
    if policy_out != ["logits", "values"] or grads_in != [
            "tokens", "dlogits", "dvalues"] or grads_out != [
            "grad." + n for n in trained] or "value_head.weight" not in trained:
        fail(f"policy returns {policy_out}; policy_grads takes {grads_in} "
             f"and returns {grads_out}")
    print(f"ok: policy returns logits and values; policy_grads takes the "
          f"seeds of both and returns {len(grads_out)} gradients, the value "
          f"head's among them")

    rng = np.random.default_rng(0)
    values = random_values(params, rng)
    write_safetensors(t("w.safetensors"), values)
    arrays = {k: v.astype(np.float64) for k, v in values.items()}
    tokens = rng.integers(0, cfg["vocab_size"], (2, 7)).astype(np.int64)
    np.save(t("tokens.npy"), tokens)
    weights = ["--weights", t("w.safetensors")]

    def entry(name, inputs, count):
        outputs = [t(f"{name}{i}.npy") for i in range(count)]
        run([args.tessel_run, "run", t("m.tsl"), "--entry", name, *weights,
             *[x for i in inputs for x in ("--input", i)],
             *[x for o in outputs for x in ("--output", o)]])
        return [np.load(o) for o in outputs]

    logits, vals = entry("policy", [t("tokens.npy")], 2)
    (forward,) = entry("forward", [t("tokens.npy")], 1)
    want_logits, want_values = tessel_forward(cfg, Params(arrays), tokens,
                                              value_head=True)
    errors = (relative(logits, forward), relative(logits, want_logits),
              relative(vals, want_values))
    if errors[0] > 1e-6 or max(errors[1:]) > 1e-5:
        fail(f"policy vs forward {errors[0]:.1e}, vs NumPy: logits "
             f"{errors[1]:.1e}, values {errors[2]:.1e}")
    print(f"ok: policy's logits are forward's ({errors[0]:.1e}); logits and "
          f"values against NumPy within {max(errors[1:]):.1e}")

    # The vector-Jacobian product against central differences.
    dlogits = rng.standard_normal(logits.shape).astype(np.float32)
    dvalues = rng.standard_normal(vals.shape).astype(np.float32)
    np.save(t("dlogits.npy"), dlogits)
    np.save(t("dvalues.npy"), dvalues)
    got = entry("policy_grads",
                [t("tokens.npy"), t("dlogits.npy"), t("dvalues.npy")],
                len(grads_out))

    def objective(a):
        lg, v = tessel_forward(cfg, Params(a), tokens, value_head=True)
        return float((dlogits * lg).sum() + (dvalues * v).sum())

    worst = check_gradients(objective, arrays, dict(zip(trained, got)), rng,
                            3, what="J")
    print(f"ok: policy_grads against central differences of "
          f"sum(dlogits * logits) + sum(dvalues * values) on {len(trained)} "
          f"parameters (worst {worst:.1e} of each gradient's largest)")

    # The cross-entropy's cotangent gives grads' gradients.
    targets = np.roll(tokens, -1, 1)
    np.save(t("targets.npy"), targets)
    loss_grads = entry("grads", [t("tokens.npy"), t("targets.npy")],
                       len(entries["grads"]["results"]))
    shifted = logits.astype(np.float64) - logits.max(-1, keepdims=True)
    soft = np.exp(shifted) / np.exp(shifted).sum(-1, keepdims=True)
    onehot = np.eye(logits.shape[-1])[targets]
    np.save(t("dlogits.npy"),
            ((soft - onehot) / targets.size).astype(np.float32))
    np.save(t("dvalues.npy"), np.zeros_like(dvalues))
    got = entry("policy_grads",
                [t("tokens.npy"), t("dlogits.npy"), t("dvalues.npy")],
                len(grads_out))
    by_name = dict(zip(trained, got))
    worst = 0.0
    for spec, grad in zip(entries["grads"]["results"][1:], loss_grads[1:]):
        worst = max(worst, relative(by_name[spec["name"][5:]], grad))
    head = max(float(np.abs(by_name[n]).max())
               for n in ("value_head.weight", "value_head.bias"))
    if worst > 1e-5 or head != 0.0:
        fail(f"policy_grads with the cross-entropy's cotangent vs grads: "
             f"{worst:.1e}; value head gradient {head}")
    print(f"ok: with the cross-entropy's cotangent, policy_grads gives "
          f"grads' gradients (within {worst:.1e}) and 0 for the value head")


if __name__ == "__main__":
    main()
