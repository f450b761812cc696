#!/usr/bin/env python3
"""Forward pass of example models: Tessel's compiled CPU code vs PyTorch.

    bench/forward_vs_torch.py [--threads 2] [--seq 128] [--runs 20]

Compiles every example model (examples/*.json) with tesselc,
times `tessel-run forward --repeat` (in-process, parameters loaded once),
and times the same architectures written in PyTorch (Debian's python3-torch)
on the same shapes and thread count, in this one script. The PyTorch modules
follow each example's definition (norm kind and placement, attention kind,
position scheme, MLP) with the same layer shapes and ops; they run on their
own random weights, so only the times are compared, not the logits. Prints medians and
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

from shapes import EXAMPLES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


def rope_tables(s, dims, theta):
    inv = theta ** (-torch.arange(0, dims, 2, dtype=torch.float32) / dims)
    ang = torch.arange(s, dtype=torch.float32)[:, None] * inv
    return torch.cos(ang), torch.sin(ang)


def rope(x, cos, sin, interleaved):
    """Rotates the last axis of x [B, H, S, dims] by position."""
    if interleaved:  # pairs (0, 1), (2, 3), ...
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos],
                           -1).flatten(-2)
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


class Norm(torch.nn.Module):
    """LayerNorm (with or without bias), RMSNorm, ScaleNorm or BatchNorm
    (inference: running statistics) over the hidden size."""

    def __init__(self, cfg):
        super().__init__()
        n, d = cfg["norm"], cfg["hidden_size"]
        self.kind, self.eps = n["kind"], n.get("eps", 1e-5)
        if self.kind == "layer":
            self.norm = torch.nn.LayerNorm(d, eps=self.eps,
                                           elementwise_affine=True)
            if not n.get("bias", True):
                self.norm.bias = None
        elif self.kind == "batch":
            self.norm = torch.nn.BatchNorm1d(d, eps=self.eps)
        elif self.kind == "scale":
            self.g = torch.nn.Parameter(torch.tensor(d ** 0.5))
        else:
            self.w = torch.nn.Parameter(torch.ones(d))

    def forward(self, x):
        if self.kind == "layer":
            return self.norm(x)
        if self.kind == "batch":
            return self.norm(x.transpose(1, 2)).transpose(1, 2)
        if self.kind == "scale":
            return self.g * x / x.norm(dim=-1, keepdim=True).clamp_min(self.eps)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


class Block(torch.nn.Module):
    """One decoder block of an example model: its norm (and placement),
    attention (MHA, GQA, MQA or MLA, with RoPE or an additive position
    bias), and MLP (GELU, GELU-tanh or SwiGLU), causal."""

    def __init__(self, cfg):
        super().__init__()
        d, a = cfg["hidden_size"], cfg["attention"]
        self.kind, self.h = a["kind"], a["heads"]
        self.kv = {"mha": self.h, "mqa": 1}.get(self.kind, a.get("kv_heads"))
        self.pos = cfg["position"]
        bias = a.get("bias", False)
        if self.kind == "mla":
            self.kv = self.h
            self.nope, self.rot = a["qk_nope_head_dim"], a["qk_rope_head_dim"]
            self.vd, self.c = a["v_head_dim"], a["kv_lora_rank"]
            self.qa = torch.nn.Linear(d, a["q_lora_rank"], bias=False)
            self.qn = Norm({"hidden_size": a["q_lora_rank"],
                            "norm": {"kind": "rms", "eps": 1e-6}})
            self.qb = torch.nn.Linear(a["q_lora_rank"],
                                      self.h * (self.nope + self.rot),
                                      bias=False)
            self.kva = torch.nn.Linear(d, self.c + self.rot, bias=False)
            self.kvn = Norm({"hidden_size": self.c,
                             "norm": {"kind": "rms", "eps": 1e-6}})
            self.kvb = torch.nn.Linear(self.c, self.h * (self.nope + self.vd),
                                       bias=False)
            self.hd = self.nope + self.rot
            self.o = torch.nn.Linear(self.h * self.vd, d, bias=False)
        else:
            self.hd = a.get("head_dim", d // self.h)
            self.q = torch.nn.Linear(d, self.h * self.hd, bias=bias)
            self.k = torch.nn.Linear(d, self.kv * self.hd, bias=bias)
            self.v = torch.nn.Linear(d, self.kv * self.hd, bias=bias)
            self.o = torch.nn.Linear(self.h * self.hd, d, bias=bias)
        m = cfg["mlp"]
        self.mlp, f, mb = m["kind"], m["hidden"], m.get("bias", False)
        if self.mlp == "swiglu":
            self.gate = torch.nn.Linear(d, f, bias=mb)
            self.up = torch.nn.Linear(d, f, bias=mb)
            self.down = torch.nn.Linear(f, d, bias=mb)
        else:
            self.fc = torch.nn.Linear(d, f, bias=mb)
            self.proj = torch.nn.Linear(f, d, bias=mb)
        self.n1, self.n2 = Norm(cfg), Norm(cfg)
        self.post = cfg["norm"].get("placement", "pre") == "post"

    def attend(self, x, bias):
        b, s, _ = x.shape
        split = lambda t, n, e: t.view(b, s, n, e).transpose(1, 2)
        theta = self.pos.get("theta", 10000.0)
        interleaved = self.pos.get("interleaved", False)
        if self.kind == "mla":
            q = split(self.qb(self.qn(self.qa(x))), self.h, self.hd)
            ckv, kr = self.kva(x).split([self.c, self.rot], -1)
            kv = split(self.kvb(self.kvn(ckv)), self.h, self.nope + self.vd)
            kn, v = kv.split([self.nope, self.vd], -1)
            cos, sin = rope_tables(s, self.rot, theta)
            qn, qr = q.split([self.nope, self.rot], -1)
            qr = rope(qr, cos, sin, interleaved)
            kr = rope(kr.view(b, 1, s, self.rot), cos, sin, interleaved)
            q = torch.cat([qn, qr], -1)
            k = torch.cat([kn, kr.expand(b, self.h, s, self.rot)], -1)
        else:
            q = split(self.q(x), self.h, self.hd)
            k = split(self.k(x), self.kv, self.hd)
            v = split(self.v(x), self.kv, self.hd)
            if self.pos["kind"] == "rope":
                cos, sin = rope_tables(s, self.hd, theta)
                q = rope(q, cos, sin, interleaved)
                k = rope(k, cos, sin, interleaved)
            k = k.repeat_interleave(self.h // self.kv, 1)
            v = v.repeat_interleave(self.h // self.kv, 1)
        # torch 1.13 has no scaled_dot_product_attention: matmul-softmax-matmul.
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias
        o = torch.softmax(scores, -1) @ v
        return self.o(o.transpose(1, 2).reshape(b, s, -1))

    def feed_forward(self, h):
        if self.mlp == "swiglu":
            return self.down(torch.nn.functional.silu(self.gate(h)) * self.up(h))
        approximate = "tanh" if self.mlp == "gelu_tanh" else "none"
        return self.proj(torch.nn.functional.gelu(self.fc(h),
                                                  approximate=approximate))

    def forward(self, x, bias):
        if self.post:
            x = self.n1(x + self.attend(x, bias))
            return self.n2(x + self.feed_forward(x))
        x = x + self.attend(self.n1(x), bias)
        return x + self.feed_forward(self.n2(x))


def t5_buckets(s, num_buckets, max_distance):
    """T5's causal relative-position buckets [S, S]."""
    rel = torch.arange(s)[None, :] - torch.arange(s)[:, None]
    n = (-rel).clamp_min(0)
    exact = num_buckets // 2
    large = exact + (torch.log(n.float().clamp_min(1) / exact) /
                     math.log(max_distance / exact) *
                     (num_buckets - exact)).long()
    return torch.where(n < exact, n, large.clamp_max(num_buckets - 1))


class Model(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, v = cfg["hidden_size"], cfg["vocab_size"]
        self.cfg, self.h = cfg, cfg["attention"]["heads"]
        kind = cfg["position"]["kind"]
        self.embed = torch.nn.Embedding(v, d)
        self.pos = (torch.nn.Embedding(cfg["max_positions"], d)
                    if kind == "learned" else None)
        if kind == "relative":
            self.rel = torch.nn.Embedding(cfg["position"]["num_buckets"],
                                          self.h)
        self.blocks = torch.nn.ModuleList(
            Block(cfg) for _ in range(cfg["num_layers"]))
        self.norm = Norm(cfg)
        self.head = torch.nn.Linear(d, v, bias=False)

    def position_bias(self, s):
        """The causal mask plus ALiBi or T5 relative bias, [H or 1, S, S]."""
        mask = torch.full((s, s), float("-inf")).triu(1)
        kind = self.cfg["position"]["kind"]
        if kind == "alibi":
            slopes = 2.0 ** (-8.0 * torch.arange(1, self.h + 1) / self.h)
            rel = torch.arange(s)[None, :] - torch.arange(s)[:, None]
            return slopes[:, None, None] * rel + mask
        if kind == "relative":
            p = self.cfg["position"]
            buckets = t5_buckets(s, p["num_buckets"], p["max_distance"])
            return self.rel(buckets).permute(2, 0, 1) + mask
        return mask

    def forward(self, tokens):
        s = tokens.shape[1]
        x = self.embed(tokens)
        kind = self.cfg["position"]["kind"]
        if self.pos is not None:
            x = x + self.pos(torch.arange(s))
        if kind == "sinusoidal":
            d = x.shape[-1]
            inv = 1e4 ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
            ang = torch.arange(s, dtype=torch.float32)[:, None] * inv
            x = x + torch.stack([ang.sin(), ang.cos()], -1).flatten(-2)
        bias = self.position_bias(s)
        for block in self.blocks:
            x = block(x, bias)
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
    parser.add_argument("--models", default=",".join(EXAMPLES))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, batch "
          f"{args.batch}, sequence {args.seq}, median of {args.runs}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            example = os.path.join(ROOT, "examples", name + ".json")
            cfg = json.load(open(example))
            tokens = torch.randint(0, cfg["vocab_size"], (args.batch, args.seq))
            t_torch = time_torch(cfg, tokens, args.runs)
            t_tessel = time_tessel(example, tokens, args.runs, tmp, args.threads)
            print(f"{name:12s} pytorch {t_torch:9.3f} ms   tessel {t_tessel:9.3f}"
                  f" ms   pytorch/tessel {t_torch / t_tessel:6.3f}")


if __name__ == "__main__":
    main()
