#!/usr/bin/env python3
"""Decode speed: Tessel's generate vs PyTorch with a KV cache, on the CPU.

    bench/decode_vs_torch.py [--threads 2] [--new-tokens 32] [--rounds 3]
                             [--kv-block-size N] [--llama-cpp SRC]

A GPT-2-124M-sized model (12 layers, 12 heads, width 768, vocabulary
50257, f32), compiled once with tesselc, with random weights written to a
safetensors file that both sides load. For batch 1 and 8 and contexts of
about 128 and 1024 tokens, each side takes a prompt of CONTEXT - NEW tokens
and decodes NEW more greedily, one token per step:

- Tessel: `tessel-run generate --time` (the KV cache preallocated and
  written in place; the time of the steps after the first generated token);
- PyTorch (Debian's python3-torch): the same GPT-2 written with torch ops,
  its KV cache preallocated and written in place too, under
  torch.inference_mode(), the same thread count, timed the same way.

With --kv-block-size N a second artifact is compiled with a paged KV cache
(blocks of N positions read through block tables) and timed in the same
rounds; the table adds its ms per step and paged / contiguous.

With --llama-cpp SRC (a llama.cpp source tree; bench/llama_cpp.py builds
it), llama.cpp's llama-batched-bench runs each case too, on the same
weights written as an f32 GGUF file: B sequences with prompts of the same
length, then NEW decode steps of all of them; its decode time over the
steps. (It generates its own tokens, so no token check on that side.)

Both greedy outputs are compared token for token (same weights, f32): a
check that the two sides compute the same model. The read bandwidth that a
streaming kernel (bench/stream_read.c) measures with the same threads gives
the floor: weight bytes / bandwidth per step at batch 1. Each round runs
every case on both sides; the table has the median over rounds of ms per
step, tokens/s, and the ratio (PyTorch ms / Tessel ms; > 1: Tessel is
faster).

Run with OpenBLAS (libopenblas0-pthread) and, for its native kernels,
without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see BENCH-NOTES).
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import tempfile
import time

import numpy as np
import torch

import llama_cpp

from gpt2 import (BIN, CONFIG, ROOT, random_weights, tessel_generate,
                  write_safetensors)


class TorchGpt2:
    """GPT-2 with a preallocated KV cache written in place, on the same
    weights (HuggingFace names; Conv1D weights stored [in, out])."""

    def __init__(self, w, cfg, batch, capacity):
        t = lambda n: torch.from_numpy(w[n])
        self.wte, self.wpe = t("transformer.wte.weight"), t(
            "transformer.wpe.weight")
        self.layers = []
        for i in range(cfg["n_layer"]):
            p = f"transformer.h.{i}."
            self.layers.append({k: t(p + k) for k in [
                "ln_1.weight", "ln_1.bias", "attn.c_attn.weight",
                "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
                "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                "mlp.c_proj.weight", "mlp.c_proj.bias"]})
        self.lnf = (t("transformer.ln_f.weight"), t("transformer.ln_f.bias"))
        self.heads, self.d = cfg["n_head"], cfg["n_embd"]
        self.eps = cfg["layer_norm_epsilon"]
        hd = self.d // self.heads
        self.k = [torch.zeros(batch, self.heads, capacity, hd)
                  for _ in self.layers]
        self.v = [torch.zeros(batch, self.heads, capacity, hd)
                  for _ in self.layers]

    def step(self, tokens, start):
        """Logits [B, S, V] of tokens [B, S] at positions start...; writes
        their keys and values into the caches."""
        b, s = tokens.shape
        hd = self.d // self.heads
        x = self.wte[tokens] + self.wpe[start:start + s]
        end = start + s
        mask = None
        if s > 1:
            mask = torch.full((s, end), float("-inf")).triu(start + 1)
        ln = torch.nn.functional.layer_norm
        for i, L in enumerate(self.layers):
            h = ln(x, (self.d,), L["ln_1.weight"], L["ln_1.bias"], self.eps)
            qkv = torch.addmm(L["attn.c_attn.bias"], h.view(b * s, self.d),
                              L["attn.c_attn.weight"]).view(b, s, 3,
                                                            self.heads, hd)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            self.k[i][:, :, start:end] = k
            self.v[i][:, :, start:end] = v
            att = q @ self.k[i][:, :, :end].transpose(-1, -2) / math.sqrt(hd)
            if mask is not None:
                att = att + mask
            o = att.softmax(-1) @ self.v[i][:, :, :end]
            o = o.transpose(1, 2).reshape(b * s, self.d)
            x = x + torch.addmm(L["attn.c_proj.bias"], o,
                                L["attn.c_proj.weight"]).view(b, s, self.d)
            h = ln(x, (self.d,), L["ln_2.weight"], L["ln_2.bias"], self.eps)
            f = torch.addmm(L["mlp.c_fc.bias"], h.view(b * s, self.d),
                            L["mlp.c_fc.weight"])
            f = torch.nn.functional.gelu(f, approximate="tanh")
            x = x + torch.addmm(L["mlp.c_proj.bias"], f,
                                L["mlp.c_proj.weight"]).view(b, s, self.d)
        x = ln(x, (self.d,), self.lnf[0], self.lnf[1], self.eps)
        return x @ self.wte.T


def time_torch(weights, prompt, new_tokens):
    """(ms per step after the first generated token, generated ids)."""
    batch, length = prompt.shape
    with torch.inference_mode():
        model = TorchGpt2(weights, CONFIG, batch, length + new_tokens)
        logits = model.step(torch.from_numpy(prompt), 0)
        ids = [logits[:, -1].argmax(-1)]
        start = time.perf_counter()
        for n in range(1, new_tokens):
            logits = model.step(ids[-1][:, None], length + n - 1)
            ids.append(logits[:, -1].argmax(-1))
        ms = (time.perf_counter() - start) * 1e3 / (new_tokens - 1)
    return ms, torch.stack(ids, 1).numpy()


def time_tessel(artifact, weights_file, prompt, new_tokens, tmp, threads):
    path = os.path.join(tmp, "prompt.npy")
    np.save(path, prompt)
    ms, ids, _ = tessel_generate(artifact, weights_file, path, new_tokens,
                                 os.path.join(tmp, "ids.npy"), threads)
    return ms, ids[:, prompt.shape[1]:]


def stream_bandwidth(tmp, threads):
    exe = os.path.join(tmp, "stream_read")
    subprocess.run(["cc", "-O2", "-march=native", "-fopenmp",
                    os.path.join(ROOT, "bench", "stream_read.c"), "-o", exe],
                   check=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    best = 0.0
    for _ in range(3):
        out = subprocess.run([exe, "1024"], capture_output=True, text=True,
                             env=env, check=True).stdout
        best = max(best, float(re.search(r"([0-9.]+) GB/s", out).group(1)))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--contexts", default="128,1024")
    parser.add_argument("--kv-block-size", type=int, default=0,
                        help="also time a paged KV cache of blocks of N")
    parser.add_argument("--llama-cpp", metavar="SRC",
                        help="a llama.cpp source tree: time it too")
    args = parser.parse_args()
    llama_bin = llama_cpp.build(args.llama_cpp) if args.llama_cpp else None
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "gpt2-124m.json")
        with open(config, "w") as f:
            json.dump(CONFIG, f)
        artifact = os.path.join(tmp, "gpt2.tsl")
        start = time.perf_counter()
        subprocess.run([os.path.join(BIN, "tesselc"), config, "-o", artifact],
                       check=True)
        compile_s = time.perf_counter() - start
        paged = None
        if args.kv_block_size:
            paged = os.path.join(tmp, "gpt2-paged.tsl")
            subprocess.run([os.path.join(BIN, "tesselc"), config, "-o", paged,
                            f"--kv-block-size={args.kv_block_size}"],
                           check=True)
        manifest = json.load(open(os.path.join(artifact, "manifest.json")))
        weights = random_weights(manifest, 0)
        weights_file = os.path.join(tmp, "weights.safetensors")
        write_safetensors(weights_file, weights)
        gguf = os.path.join(tmp, "gpt2-f32.gguf")
        if llama_bin:
            tokenizer = os.path.join(ROOT, "build", "tokenizer-refs", "gpt2")
            llama_cpp.write_gguf(gguf, args.llama_cpp, CONFIG, weights,
                                 tokenizer)
        # What one decode step reads: every weight once, but of the position
        # table only one row.
        weight_bytes = 4 * sum(
            v.size for k, v in weights.items() if "wpe" not in k)
        bandwidth = stream_bandwidth(tmp, args.threads)
        print(f"GPT-2-124M-sized, f32, {args.threads} threads; tesselc took "
              f"{compile_s:.0f} s; weights read per step "
              f"{weight_bytes / 1e6:.0f} MB; streaming read "
              f"{bandwidth:.1f} GB/s -> floor "
              f"{weight_bytes / bandwidth / 1e6:.1f} ms per step at batch 1"
              + (f"; llama.cpp {llama_cpp.commit(args.llama_cpp)}"
                 if llama_bin else ""))

        rng = np.random.default_rng(1)
        cases = [(b, c) for c in map(int, args.contexts.split(","))
                 for b in map(int, args.batches.split(","))]
        times = {case: ([], [], [], []) for case in cases}
        agree = {case: True for case in cases}
        for _ in range(args.rounds):
            for batch, context in cases:
                prompt = rng.integers(0, CONFIG["vocab_size"],
                                      (batch, context - args.new_tokens))
                prompt = prompt.astype(np.int64)
                ms_t, ids_t = time_tessel(artifact, weights_file, prompt,
                                          args.new_tokens, tmp, args.threads)
                ms_p, ids_p = time_torch(weights, prompt, args.new_tokens)
                times[(batch, context)][0].append(ms_t)
                times[(batch, context)][1].append(ms_p)
                agree[(batch, context)] &= bool((ids_t == ids_p).all())
                if paged:
                    ms_g, ids_g = time_tessel(paged, weights_file, prompt,
                                              args.new_tokens, tmp,
                                              args.threads)
                    times[(batch, context)][2].append(ms_g)
                    agree[(batch, context)] &= bool((ids_g == ids_p).all())
                if llama_bin:
                    times[(batch, context)][3].append(
                        llama_cpp.batched_decode_ms(
                            llama_bin, gguf, context - args.new_tokens,
                            args.new_tokens, batch, args.threads))

        extra = (f" paged ({args.kv_block_size}) ms/step | paged / "
                 f"contiguous |" if paged else "")
        if llama_bin:
            extra += " llama.cpp ms/step | tokens/s | llama.cpp / Tessel |"
        print(f"\n| batch | context | Tessel ms/step | tokens/s | PyTorch "
              f"ms/step | tokens/s | PyTorch / Tessel |{extra} same tokens |")
        print("|---|---|---|---|---|---|---|" + ("---|---|" if paged else "")
              + ("---|---|---|" if llama_bin else "") + "---|")
        for batch, context in cases:
            t = statistics.median(times[(batch, context)][0])
            p = statistics.median(times[(batch, context)][1])
            row = (f"| {batch} | {context} | {t:.1f} | {1e3 * batch / t:.1f} "
                   f"| {p:.1f} | {1e3 * batch / p:.1f} | {p / t:.2f} |")
            if paged:
                g = statistics.median(times[(batch, context)][2])
                row += f" {g:.1f} | {g / t:.2f} |"
            if llama_bin:
                q = statistics.median(times[(batch, context)][3])
                row += f" {q:.1f} | {1e3 * batch / q:.1f} | {q / t:.2f} |"
            print(f"{row} {'yes' if agree[(batch, context)] else 'NO'} |")
        floor = weight_bytes / bandwidth / 1e6
        for batch, context in cases:
            if batch == 1:
                t = statistics.median(times[(batch, context)][0])
                print(f"batch 1, context {context}: {t / floor:.2f} x the "
                      f"streaming floor ({floor:.1f} ms)")


if __name__ == "__main__":
    main()
