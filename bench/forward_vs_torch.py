#!/usr/bin/env python3
"""Forward pass of example models: Tessel's compiled CPU code vs PyTorch.

    bench/forward_vs_torch.py [--threads 2] [--seq 128] [--runs 20]

Compiles examples/tiny-gpt.json and examples/tiny-llama.json with tesselc,
times `tessel-run forward --repeat` (in-process, parameters loaded once),
and times the same architectures written in PyTorch (Debian's python3-torch)
on the same shapes and thread count, in this one script. Prints medians and
the ratio PyTorch time / Tessel time (> 1: Tessel is faster).

Run PyTorch's side with OpenBLAS (libopenblas0-pthread) and, for its native
kernels, without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see BENCH-NOTES).
"""

import argparse
import json
import math
import os
import re
import subprocess
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


class Block(torch.nn.Module):
    """One decoder block: GPT (LayerNorm, MHA, GELU-tanh) or Llama (RMSNorm,
    GQA with RoPE, SwiGLU), pre-norm, causal."""

    def __init__(self, cfg):
        super().__init__()
        d, a = cfg["hidden_size"], cfg["attention"]
        self.h = a["heads"]
        self.kv = a.get("kv_heads", self.h if a["kind"] == "mha" else 1)
        self.hd = d // self.h
        self.llama = cfg["mlp"]["kind"] == "swiglu"
        bias = a.get("bias", False)
        self.q = torch.nn.Linear(d, self.h * self.hd, bias=bias)
        self.k = torch.nn.Linear(d, self.kv * self.hd, bias=bias)
        self.v = torch.nn.Linear(d, self.kv * self.hd, bias=bias)
        self.o = torch.nn.Linear(self.h * self.hd, d, bias=bias)
        f, mb = cfg["mlp"]["hidden"], cfg["mlp"].get("bias", False)
        if self.llama:
            self.gate = torch.nn.Linear(d, f, bias=mb)
            self.up = torch.nn.Linear(d, f, bias=mb)
            self.down = torch.nn.Linear(f, d, bias=mb)
        else:
            self.fc = torch.nn.Linear(d, f, bias=mb)
            self.proj = torch.nn.Linear(f, d, bias=mb)
        self.n1 = torch.nn.LayerNorm(d)
        self.n2 = torch.nn.LayerNorm(d)

    def norm(self, n, x):
        if self.llama:  # RMSNorm
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * n.weight
        return n(x)

    def rope(self, x, s):
        half = self.hd // 2
        inv = 1e4 ** (-torch.arange(half, dtype=torch.float32) * 2 / self.hd)
        ang = torch.arange(s, dtype=torch.float32)[:, None] * inv
        cos, sin = torch.cos(ang).repeat(1, 2), torch.sin(ang).repeat(1, 2)
        rot = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    def forward(self, x):
        b, s, _ = x.shape
        h = self.norm(self.n1, x)
        q = self.q(h).view(b, s, self.h, self.hd).transpose(1, 2)
        k = self.k(h).view(b, s, self.kv, self.hd).transpose(1, 2)
        v = self.v(h).view(b, s, self.kv, self.hd).transpose(1, 2)
        if self.llama:
            q, k = self.rope(q, s), self.rope(k, s)
        k = k.repeat_interleave(self.h // self.kv, 1)
        v = v.repeat_interleave(self.h // self.kv, 1)
        # torch 1.13 has no scaled_dot_product_attention: matmul-softmax-matmul.
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
        mask = torch.full((s, s), float("-inf")).triu(1)
        o = torch.softmax(scores + mask, -1) @ v
        x = x + self.o(o.transpose(1, 2).reshape(b, s, -1))
        h = self.norm(self.n2, x)
        if self.llama:
            return x + self.down(torch.nn.functional.silu(self.gate(h)) * self.up(h))
        return x + self.proj(torch.nn.functional.gelu(self.fc(h), approximate="tanh"))


class Model(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, v = cfg["hidden_size"], cfg["vocab_size"]
        self.embed = torch.nn.Embedding(v, d)
        self.pos = (torch.nn.Embedding(cfg["max_positions"], d)
                    if cfg["position"]["kind"] == "learned" else None)
        self.blocks = torch.nn.ModuleList(
            Block(cfg) for _ in range(cfg["num_layers"]))
        self.norm = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, v, bias=False)

    def forward(self, tokens):
        x = self.embed(tokens)
        if self.pos is not None:
            x = x + self.pos(torch.arange(tokens.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def time_torch(cfg, tokens, runs):
    model = Model(cfg).eval()
    with torch.no_grad():
        model(tokens)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model(tokens)
            times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def time_tessel(example, tokens, runs, tmp, threads):
    artifact = os.path.join(tmp, os.path.basename(example) + ".tsl")
    subprocess.run([os.path.join(BIN, "tesselc"), example, "-o", artifact],
                   check=True)
    ids = os.path.join(tmp, "ids.npy")
    np.save(ids, tokens.numpy())
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(
        [os.path.join(BIN, "tessel-run"), "forward", artifact, "--tokens", ids,
         "--out", os.path.join(tmp, "logits.npy"), "--seed", "0", "--repeat",
         str(runs)], check=True, capture_output=True, text=True, env=env).stdout
    return float(re.search(r"median ([0-9.e+-]+) ms", out).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, batch "
          f"{args.batch}, sequence {args.seq}, median of {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ["tiny-gpt", "tiny-llama"]:
            example = os.path.join(ROOT, "examples", name + ".json")
            cfg = json.load(open(example))
            tokens = torch.randint(0, cfg["vocab_size"], (args.batch, args.seq))
            t_torch = time_torch(cfg, tokens, args.runs)
            t_tessel = time_tessel(example, tokens, args.runs, tmp, args.threads)
            print(f"{name:12s} pytorch {t_torch:9.3f} ms   tessel {t_tessel:9.3f}"
                  f" ms   pytorch/tessel {t_torch / t_tessel:6.3f}")


if __name__ == "__main__":
    main()
