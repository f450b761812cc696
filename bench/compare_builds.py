#!/usr/bin/env python3
"""Two builds of Tessel side by side: forward passes and attention.

    bench/compare_builds.py --baseline OLD/bin [--candidate build/bin]
        [--threads 2] [--seq 128] [--seqs 1024,2048] [--runs 20] [--rounds 5]

Answers "did this change make anything slower?". Each build compiles the
same inputs with its own tesselc and runs them with its own tessel-run:

- the forward pass of every example model (examples/*.json), batch 1,
  `--seq` tokens, parameters from seed 0 (`tessel-run forward --repeat`);
- one `tessel.attention` (B=1, H=8, D=64, S = T from `--seqs`, causal and
  not), FlashAttention as tesselc compiles it (`tessel-run run --repeat`).

The machines these run on are shared and their speed moves from minute to
minute, so the two builds are timed in alternating rounds (baseline,
candidate, baseline, ...): each round is the median of `--runs` in-process
calls, and the table gives, per row, the median over `--rounds` rounds of
each build and the ratio baseline / candidate (> 1: the candidate is
faster), with the range of the per-round ratios. A baseline is a build
directory of an earlier commit (`git worktree add`, then cmake).
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile

import numpy as np

from shapes import B, D, EXAMPLES, H, attention_ir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIME = re.compile(r"median ([0-9.]+) ms over \d+ runs")


def median_ms(command, env):
    out = subprocess.run(command, capture_output=True, text=True, env=env,
                         check=True).stdout
    return float(TIME.search(out).group(1))


class Row:
    """One benchmark: a command per build, timed in alternating rounds."""

    def __init__(self, name, commands):
        self.name, self.commands = name, commands
        self.times = {build: [] for build in commands}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True,
                        help="bin/ of the build to compare against")
    parser.add_argument("--candidate", default=os.path.join(ROOT, "build",
                                                            "bin"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--seqs", default="1024,2048")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    builds = {"baseline": args.baseline, "candidate": args.candidate}
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rng = np.random.default_rng(0)

    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for example in EXAMPLES:
            src = os.path.join(ROOT, "examples", example + ".json")
            ids = os.path.join(tmp, f"{example}.ids.npy")
            np.save(ids, rng.integers(0, 256, (1, args.seq), dtype=np.int64))
            commands = {}
            for build, bin_dir in builds.items():
                artifact = os.path.join(tmp, f"{example}.{build}.tsl")
                subprocess.run([os.path.join(bin_dir, "tesselc"), src, "-o",
                                artifact], check=True)
                commands[build] = [
                    os.path.join(bin_dir, "tessel-run"), "forward", artifact,
                    "--tokens", ids, "--out", os.path.join(tmp, "logits.npy"),
                    "--seed", "0", "--repeat", str(args.runs)]
            rows.append(Row(f"forward {example} (S={args.seq})", commands))
        for causal in (False, True):
            src = os.path.join(tmp, f"attn{int(causal)}.mlir")
            with open(src, "w") as f:
                f.write(attention_ir(causal))
            for s in (int(x) for x in args.seqs.split(",")):
                files = []
                for name in "qkv":
                    path = os.path.join(tmp, f"{name}{s}.npy")
                    np.save(path, rng.standard_normal((B, H, s, D),
                                                      dtype=np.float32))
                    files += ["--input", path]
                commands = {}
                for build, bin_dir in builds.items():
                    artifact = os.path.join(tmp, f"attn{int(causal)}.{build}.tsl")
                    if not os.path.exists(artifact):
                        subprocess.run([os.path.join(bin_dir, "tesselc"), src,
                                        "-o", artifact], check=True)
                    commands[build] = [
                        os.path.join(bin_dir, "tessel-run"), "run", artifact,
                        "--entry", "attn", *files, "--repeat", str(args.runs)]
                kind = "causal" if causal else "full"
                rows.append(Row(f"attention {kind} S={s}", commands))

        for _ in range(args.rounds):
            for row in rows:
                for build in ("baseline", "candidate"):
                    row.times[build].append(median_ms(row.commands[build], env))

    print(f"baseline:  {args.baseline}\ncandidate: {args.candidate}")
    print(f"{args.threads} threads, {args.rounds} alternating rounds of "
          f"{args.runs} calls; medians over the rounds\n")
    print("| benchmark | baseline ms | candidate ms | baseline / candidate "
          "| per-round range |")
    print("|---|---|---|---|---|")
    for row in rows:
        old, new = row.times["baseline"], row.times["candidate"]
        ratios = [o / n for o, n in zip(old, new)]
        print(f"| {row.name} | {statistics.median(old):.3f} | "
              f"{statistics.median(new):.3f} | "
              f"{statistics.median(ratios):.3f} | "
              f"{min(ratios):.2f}-{max(ratios):.2f} |")


if __name__ == "__main__":
    main()
