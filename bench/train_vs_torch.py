#!/usr/bin/env python3
"""Training steps: `tessel-run train` vs torch.optim on the same model.

    bench/train_vs_torch.py [--config test/e2e/Inputs/gpt2.json] [--steps 5]
                            [--batch 4] [--seq 16] [--optimizer adamw]
                            [--time] [--tesselc-flags FLAGS]

A GPT-2-family or Llama-family model (a HuggingFace config; the default is
the small GPT-2 the tests use; test/e2e/Inputs/llama.json is a small
Llama with GQA) compiled with `tesselc --train`; random initial weights written
to a safetensors file both sides load; the same token batches (a .npy of
[steps, B, S + 1], which `tessel-run train` uses in order). PyTorch
(Debian's python3-torch) runs the same forward pass written with torch ops,
autograd, and torch.optim.AdamW / Adam / SGD with weight decay on the
parameters of rank >= 2 only (two parameter groups, as Tessel decays), the
same learning rate and betas. Reports, per step, both losses and their
relative difference, and at the end the largest relative difference of any
final weight (relative to that tensor's largest magnitude); with --time,
each side's time per step and their ratio (same threads; run PyTorch with
OpenBLAS, bench/README.md). A check of
gradients and optimizers against an independent implementation; not part
of the test run (PyTorch is not in CI).
"""

import argparse
import json
import os
import subprocess
import sys
import re
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import BIN, ROOT, write_safetensors  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], np.float32).reshape(
            e["shape"])
    return out


def gpt2_loss(w, cfg, tokens, targets):
    """GPT-2 (pre-norm, tied head, gelu_new) written with torch ops; w maps
    HuggingFace names to tensors (Conv1D weights [in, out])."""
    b, s = tokens.shape
    d, heads = cfg["n_embd"], cfg["n_head"]
    hd, eps = d // heads, cfg["layer_norm_epsilon"]
    ln = torch.nn.functional.layer_norm
    x = w["transformer.wte.weight"][tokens] + w["transformer.wpe.weight"][:s]
    mask = torch.full((s, s), float("-inf")).triu(1)
    for i in range(cfg["n_layer"]):
        p = f"transformer.h.{i}."
        h = ln(x, (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = (h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"])
        q, k, v = qkv.view(b, s, 3, heads, hd).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + mask, -1)
        o = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + o @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = ln(x, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        f = torch.nn.functional.gelu(
            h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"],
            approximate="tanh")
        x = x + f @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = ln(x, (d,), w["transformer.ln_f.weight"], w["transformer.ln_f.bias"],
           eps)
    logits = x @ w["transformer.wte.weight"].T
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def llama_loss(w, cfg, tokens, targets):
    """Llama (RMSNorm, RoPE as HuggingFace rotates halves, GQA, SwiGLU,
    untied head) written with torch ops; w maps HuggingFace names to
    tensors (Linear weights [out, in])."""
    b, s = tokens.shape
    d, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", heads)
    hd, eps = d // heads, cfg["rms_norm_eps"]
    theta = cfg.get("rope_theta", 10000.0)

    def rms(x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g

    inv = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    angles = torch.arange(s, dtype=torch.float64)[:, None] * inv[None, :]
    angles = torch.cat([angles, angles], -1)
    cos, sin = angles.cos().float(), angles.sin().float()

    def rope(x):
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin

    x = w["model.embed_tokens.weight"][tokens]
    mask = torch.full((s, s), float("-inf")).triu(1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms(x, w[p + "input_layernorm.weight"])
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(b, s, heads, hd)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(b, s, kv, hd)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(b, s, kv, hd)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        q, k = rope(q), rope(k)
        k = k.repeat_interleave(heads // kv, 1)
        v = v.repeat_interleave(heads // kv, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / hd ** 0.5 + mask, -1)
        o = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        gate = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T)
        x = x + (gate * (h @ w[p + "mlp.up_proj.weight"].T)) @ \
            w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"])
    logits = x @ w["lm_head.weight"].T
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config",
                        default=os.path.join(ROOT, "test", "e2e", "Inputs",
                                             "gpt2.json"))
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq", type=int, default=16)
    parser.add_argument("--optimizer", default="adamw",
                        choices=["sgd", "adam", "adamw"])
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time", action="store_true",
                        help="also report each side's time per step (all "
                        "--steps steps, the first included on both sides)")
    parser.add_argument("--tesselc-flags", default="",
                        help="more tesselc flags (e.g. --untiled-attention)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(args.config))
    model_loss = llama_loss if cfg.get("model_type") == "llama" else gpt2_loss
    with tempfile.TemporaryDirectory() as tmp:
        artifact = os.path.join(tmp, "model.tsl")
        start = time.perf_counter()
        subprocess.run([os.path.join(BIN, "tesselc"), args.config, "--train",
                        *args.tesselc_flags.split(), "-o", artifact],
                       check=True)
        compile_s = time.perf_counter() - start
        manifest = json.load(open(os.path.join(artifact, "manifest.json")))
        rng = np.random.default_rng(0)
        init = {}
        for p in manifest["parameters"]:
            shape = tuple(p["shape"])
            base = 1.0 if p["init"]["kind"] == "ones" else 0.0
            init[p["name"]] = (base + 0.05 * rng.standard_normal(shape)).astype(
                np.float32)
        weights = os.path.join(tmp, "init.safetensors")
        write_safetensors(weights, init)
        steps = rng.integers(0, cfg["vocab_size"],
                             (args.steps, args.batch, args.seq + 1))
        data = os.path.join(tmp, "steps.npy")
        np.save(data, steps.astype(np.int64))

        log, out = os.path.join(tmp, "log.jsonl"), os.path.join(
            tmp, "out.safetensors")
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        done = subprocess.run(
            [os.path.join(BIN, "tessel-run"), "train", artifact, "--data",
             data, "--weights", weights, "--steps", str(args.steps),
             "--optimizer", args.optimizer, "--lr", str(args.lr),
             "--weight-decay", str(args.weight_decay), "--log", log, "--save",
             out], check=True, capture_output=True, text=True, env=env)
        # tessel-run's own count of the step loop ("steps 1 to N in X s").
        tessel_s = float(re.search(r"steps 1 to \d+ in ([0-9.]+) s",
                                   done.stderr).group(1))
        tessel_losses = [json.loads(line)["loss"] for line in open(log)]
        tessel_final = read_safetensors(out)

        w = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
        decay = [t for t in w.values() if t.dim() >= 2]
        rest = [t for t in w.values() if t.dim() < 2]
        groups = [{"params": decay, "weight_decay": args.weight_decay},
                  {"params": rest, "weight_decay": 0.0}]
        optimizer = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam,
                     "adamw": torch.optim.AdamW}[args.optimizer](
                         groups, lr=args.lr)
        torch_losses = []
        start = time.perf_counter()
        for i in range(args.steps):
            batch = torch.from_numpy(steps[i])
            optimizer.zero_grad()
            loss = model_loss(w, cfg, batch[:, :-1], batch[:, 1:])
            loss.backward()
            optimizer.step()
            torch_losses.append(float(loss))
        torch_s = time.perf_counter() - start

        print(f"{os.path.basename(args.config)}: {args.steps} steps of "
              f"{args.optimizer} (lr {args.lr}, weight decay "
              f"{args.weight_decay} on rank >= 2), batch {args.batch} x "
              f"{args.seq}, PyTorch {torch.__version__}")
        print("| step | Tessel loss | PyTorch loss | relative difference |")
        print("|---|---|---|---|")
        for i, (a, b) in enumerate(zip(tessel_losses, torch_losses)):
            print(f"| {i + 1} | {a:.7f} | {b:.7f} | {abs(a - b) / abs(b):.1e} |")
        # The key bias's gradient is 0 in exact arithmetic (the softmax
        # ignores a shift shared by every key): both sides get rounding
        # noise there, which Adam divides by its own size, so those entries
        # move by about lr per step in directions neither side shares.
        d = cfg.get("n_embd", 0)
        worst, where, key_bias = 0.0, "", 0.0
        for name, t in w.items():
            want, got = t.detach().numpy(), tessel_final[name]
            diff = np.abs(got - want)
            if d and name.endswith("attn.c_attn.bias"):
                key_bias = max(key_bias, float(diff[d:2 * d].max()))
                diff[d:2 * d] = 0
            rel = float(diff.max() / np.abs(want).max())
            if rel > worst:
                worst, where = rel, name
        print(f"final weights: largest relative difference {worst:.1e} "
              f"({where})" + (f"; the key biases (zero gradient, see the "
                             f"comment) differ by up to {key_bias:.1e}"
                             if d else ""))
        if args.time:
            count = sum(v.size for v in init.values())
            print(f"time per step ({count / 1e6:.1f} M parameters, "
                  f"{args.threads} threads; tesselc --train took "
                  f"{compile_s:.0f} s): Tessel "
                  f"{1e3 * tessel_s / args.steps:.1f} ms, PyTorch "
                  f"{1e3 * torch_s / args.steps:.1f} ms; Tessel is "
                  f"{torch_s / tessel_s:.2f}x PyTorch's speed")


if __name__ == "__main__":
    main()
