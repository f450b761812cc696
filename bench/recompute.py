#!/usr/bin/env python3
"""Recomputation schedules: workspace and step time of `grads`.

    bench/recompute.py [--build build] [--layers 6] [--hidden 256]
        [--batch 8] [--seq 256] [--rounds 5] [--repeat 5]
        [--schedules none,attention,blocks]

Writes a GPT-2-family Tessel-format model (learned positions, pre-LayerNorm,
GELU MLP of 4 x hidden, vocabulary 256), compiles it with `tesselc --train
--recompute=S` for each schedule, and runs each artifact's `grads` on the
same random batch: the memory plan's workspace (`--memory`) and the median
step time (`--repeat`), the schedules interleaved over several rounds so
that drift on a shared machine hits them alike. Also prints what
`tesselc --stats` models for each schedule (saved activations, extra
forward FLOPs). Reports each schedule relative to the first.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

from shapes import gpt_family

import numpy as np


def run(command):
    r = subprocess.run(command, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {r.returncode}\n{r.stderr}")
    return r.stdout + r.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--schedules", default="none,attention,blocks")
    args = ap.parse_args()
    tesselc = os.path.join(args.build, "bin", "tesselc")
    tessel_run = os.path.join(args.build, "bin", "tessel-run")
    schedules = args.schedules.split(",")

    tmp = tempfile.mkdtemp(prefix="tessel-recompute-")
    model = gpt_family("bench-gpt", args.layers, args.hidden, args.seq)
    path = os.path.join(tmp, "model.json")
    json.dump(model, open(path, "w"))
    stats = json.loads(run([tesselc, path, "--stats=json", "--stats-batch",
                            str(args.batch), "--stats-seq", str(args.seq)]))
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 256, (args.batch, args.seq))
    targets = np.concatenate([tokens[:, 1:],
                              np.full((args.batch, 1), -100)], 1)
    np.save(os.path.join(tmp, "tokens.npy"), tokens)
    np.save(os.path.join(tmp, "targets.npy"), targets)

    artifacts = {}
    for s in schedules:
        artifacts[s] = os.path.join(tmp, s.replace(":", "-") + ".tsl")
        print(f"compiling {s}...", file=sys.stderr)
        run([tesselc, path, "--train", f"--recompute={s}", "-o",
             artifacts[s]])

    times = {s: [] for s in schedules}
    workspace = {}
    for _ in range(args.rounds):
        for s in schedules:
            out = run([tessel_run, "run", artifacts[s], "--entry", "grads",
                       "--input", os.path.join(tmp, "tokens.npy"),
                       "--input", os.path.join(tmp, "targets.npy"),
                       "--seed", "1", "--repeat", str(args.repeat),
                       "--memory"])
            times[s].append(float(re.search(r"median ([0-9.]+) ms",
                                            out).group(1)))
            workspace[s] = int(re.search(r"workspace (\d+) bytes",
                                         out).group(1))

    print(f"{args.layers} layers, hidden {args.hidden}, batch {args.batch} "
          f"x sequence {args.seq}, {os.cpu_count()} CPUs; median of "
          f"{args.rounds} rounds of {args.repeat} steps")
    print("| schedule | saved (--stats) | extra FLOPs (--stats) | workspace "
          "(--memory) | vs first | step (ms) | vs first |")
    print("|---|---|---|---|---|---|---|")
    first = schedules[0]
    for s in schedules:
        # --stats models none, attention and blocks (not blocks:K).
        modeled = stats["recompute"].get(s)
        saved = (f"{modeled['saved_bytes'] / 2**20:.1f} MiB" if modeled
                 else "-")
        extra = f"{modeled['extra_flops'] / 1e9:.2f} G" if modeled else "-"
        median = statistics.median(times[s])
        print(f"| {s} | {saved} | {extra} "
              f"| {workspace[s] / 2**20:.1f} MiB "
              f"| {workspace[s] / workspace[first]:.2f}x "
              f"| {median:.1f} | {median / statistics.median(times[first]):.2f}x |")


if __name__ == "__main__":
    sys.exit(main())
