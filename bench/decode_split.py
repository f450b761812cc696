#!/usr/bin/env python3
"""Decode with and without split keys (FlashDecoding), side by side.

    bench/decode_split.py [--threads 2] [--contexts 1024,4096] [--runs 20]
                          [--rounds 5] [--split-keys 256]

One decode step (batch 1, one new token) of two models whose attention has
few key/value heads, at long contexts: an MLA model (DeepSeek-V2's shape,
scaled down: 4 layers, 16 heads, a latent of 256 + 32 per token, which
absorbed decode reads as one key/value head) and a grouped-query Llama-like
model (4 layers, 16 query heads, 2 key/value heads, head dim 64). Each is
compiled twice by the same tesselc: `--split-keys 0` (a decode step's
attention runs one task per (sequence, key/value head)) and `--split-keys
N` (the keys also split into chunks of N, merged by log-sum-exp). The caches
hold random values up to the context; `tessel-run run --entry decode
--repeat` times the step. The two artifacts are timed in alternating rounds
(each the median of `--runs` calls) on this shared machine; the table gives
the median over rounds and the ratio unsplit / split (> 1: splitting is
faster) with the range of the per-round ratios. Needs only NumPy.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")
TIME = re.compile(r"median ([0-9.]+) ms over \d+ runs")

MODELS = {
    "mla": {
        "format": "tessel", "name": "mla-mid", "vocab_size": 256,
        "hidden_size": 512, "num_layers": 4, "max_positions": 8192,
        "attention": {"kind": "mla", "heads": 16, "kv_lora_rank": 256,
                      "q_lora_rank": 384, "qk_nope_head_dim": 64,
                      "qk_rope_head_dim": 32, "v_head_dim": 64},
        "position": {"kind": "rope", "theta": 10000, "interleaved": True},
        "norm": {"kind": "rms", "placement": "pre", "eps": 1e-6},
        "mlp": {"kind": "swiglu", "hidden": 1024},
    },
    "gqa": {
        "format": "tessel", "name": "gqa-mid", "vocab_size": 256,
        "hidden_size": 1024, "num_layers": 4, "max_positions": 8192,
        "attention": {"kind": "gqa", "heads": 16, "kv_heads": 2},
        "position": {"kind": "rope", "theta": 10000},
        "norm": {"kind": "rms", "placement": "pre", "eps": 1e-6},
        "mlp": {"kind": "swiglu", "hidden": 2048},
    },
}


def median_ms(command, env):
    out = subprocess.run(command, capture_output=True, text=True, env=env,
                         check=True)
    return float(TIME.search(out.stdout + out.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--contexts", default="1024,4096")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--split-keys", type=int, default=256)
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in MODELS.items():
            src = os.path.join(tmp, name + ".json")
            with open(src, "w") as f:
                json.dump(config, f)
            artifacts = {}
            for split in (0, args.split_keys):
                artifacts[split] = os.path.join(tmp, f"{name}.{split}.tsl")
                subprocess.run([os.path.join(BIN, "tesselc"), src, "-o",
                                artifacts[split], f"--split-keys={split}"],
                               check=True)
            manifest = json.load(open(os.path.join(artifacts[0],
                                                   "manifest.json")))
            caches = manifest["entry_points"]["decode"]["inputs"][2:]
            for context in map(int, args.contexts.split(",")):
                inputs = []
                for i, value in enumerate([np.array([[5]], np.int64),
                                           np.array([[context - 1]],
                                                    np.int64)]):
                    inputs.append(os.path.join(tmp, f"in{i}.{context}.npy"))
                    np.save(inputs[-1], value)
                for i, spec in enumerate(caches):
                    shape = list(spec["shape"])
                    shape[0], shape[2] = 1, context
                    inputs.append(os.path.join(tmp, f"c{i}.{context}.npy"))
                    np.save(inputs[-1], (0.1 * rng.standard_normal(shape))
                            .astype(np.float32))
                times = {split: [] for split in artifacts}
                for _ in range(args.rounds):
                    for split, artifact in artifacts.items():
                        command = [os.path.join(BIN, "tessel-run"), "run",
                                   artifact, "--entry", "decode", "--seed",
                                   "1", "--repeat", str(args.runs)]
                        for path in inputs:
                            command += ["--input", path]
                        times[split].append(median_ms(command, env))
                rows.append((name, context, times))

    split = args.split_keys
    print(f"Decode step, batch 1, {args.threads} threads; medians of "
          f"{args.rounds} rounds of {args.runs} calls")
    print(f"\n| model | context | unsplit ms | split ({split}) ms | "
          f"unsplit / split | range |")
    print("|---|---|---|---|---|---|")
    for name, context, times in rows:
        ratios = [a / b for a, b in zip(times[0], times[split])]
        print(f"| {name} | {context} | {statistics.median(times[0]):.2f} | "
              f"{statistics.median(times[split]):.2f} | "
              f"{statistics.median(ratios):.2f} | "
              f"{min(ratios):.2f}-{max(ratios):.2f} |")


if __name__ == "__main__":
    main()
