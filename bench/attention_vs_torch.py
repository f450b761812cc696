#!/usr/bin/env python3
"""Attention forward on the CPU: Tessel's FlashAttention vs PyTorch vs Tessel
unfused.

    bench/attention_vs_torch.py [--threads 2] [--seqs 512,1024,2048,4096]

B=1, H=8, D=64, S = T, causal and not. In one script and process tree:

- Tessel fused: one `tessel.attention` compiled by `tesselc -o` (the default
  pipeline tiles it: FlashAttention, no [S, T] logits);
- Tessel unfused: the same IR compiled with `tesselc --untiled-attention`
  (naive lowering: logits, softmax, p.v);
- PyTorch: matmul, softmax, matmul on the CPU (causal: the mask added
  before the softmax), torch.set_num_threads(threads).

Tessel runs `tessel-run run --repeat` (median of in-process calls, inputs
loaded once); PyTorch is timed here (median). GFLOP/s counts 4*B*H*S^2*D,
halved for causal. The fp32 peak is measured by bench/fp32_peak.c with the
same thread count. Run PyTorch with OpenBLAS and without OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE (see BENCH-NOTES).

On a shared machine the speed available changes from minute to minute (by
2x on the VM these figures come from), so a rate measured at one moment and
a peak measured at another say little. Each row therefore takes `--rounds`
paired samples: the peak, the fused kernel (median of `--runs` calls), the
peak again; a sample's share of peak is its rate over the larger of the two
peaks around it. The table gives the median share over the rounds and its
range, for the median call of each round and for its fastest call.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time

import numpy as np
import torch

from shapes import B, D, H, attention_ir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


def tessel_ms(artifact, files, runs, env):
    """(median, fastest) of `runs` in-process calls, in ms."""
    out = subprocess.run(
        [os.path.join(BIN, "tessel-run"), "run", artifact, "--entry", "attn"] +
        sum((["--input", f] for f in files), []) + ["--repeat", str(runs)],
        capture_output=True, text=True, env=env, check=True).stdout
    match = re.search(r"median ([0-9.]+) ms over \d+ runs \(min ([0-9.]+) ms",
                      out)
    return float(match.group(1)), float(match.group(2))


def torch_ms(q, k, v, causal, runs):
    s = q.shape[2]
    mask = None
    if causal:
        mask = torch.full((s, s), float("-inf")).triu(1)

    def step():
        x = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / D ** 0.5)
        if mask is not None:
            x = x + mask
        return torch.matmul(torch.softmax(x, dim=-1), v)

    with torch.no_grad():
        step()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def build_peak(tmp):
    exe = os.path.join(tmp, "peak")
    subprocess.run(["cc", "-O2", "-march=native", "-fopenmp",
                    os.path.join(ROOT, "bench", "fp32_peak.c"), "-o", exe],
                   check=True)
    return exe


def peak_gflops(exe, threads, tries=3):
    """The best of `tries` runs of fp32_peak.c (each the best of 3 trials)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    best = 0.0
    for _ in range(tries):
        out = subprocess.run([exe], capture_output=True, text=True, env=env,
                             check=True).stdout
        best = max(best, float(re.search(r"([0-9.]+) GFLOP/s", out).group(1)))
    return best


def paired_shares(exe, threads, artifact, files, runs, rounds, flops, env):
    """`rounds` samples of (median ms, fastest ms, the shares of the peak
    measured around them that those two rates are)."""
    samples = []
    for _ in range(rounds):
        before = peak_gflops(exe, threads, tries=1)
        median, fastest = tessel_ms(artifact, files, runs, env)
        after = peak_gflops(exe, threads, tries=1)
        peak = max(before, after)
        samples.append((median, fastest, flops / (median * 1e-3) * 1e-9 / peak,
                        flops / (fastest * 1e-3) * 1e-9 / peak))
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seqs", default="512,1024,2048,4096")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_peak(tmp)
        peak = peak_gflops(exe, args.threads)
        print(f"threads {args.threads}; fp32 peak (measured, fp32_peak.c, "
              f"best at start): {peak:.0f} GFLOP/s; {args.rounds} paired "
              f"rounds of {args.runs} calls per row")
        print("| causal | S | PyTorch ms | Tessel unfused ms | Tessel fused ms "
              "(median, min) | fused GFLOP/s | % of start peak "
              "| % of paired peak, median call | % of paired peak, fastest "
              "call | PyTorch / fused | unfused / fused |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for causal in (False, True):
            src = os.path.join(tmp, f"attn{int(causal)}.mlir")
            with open(src, "w") as f:
                f.write(attention_ir(causal))
            fused = os.path.join(tmp, f"fused{int(causal)}.tsl")
            unfused = os.path.join(tmp, f"unfused{int(causal)}.tsl")
            tesselc = os.path.join(BIN, "tesselc")
            subprocess.run([tesselc, src, "-o", fused], check=True)
            subprocess.run([tesselc, src, "--untiled-attention", "-o", unfused],
                           check=True)
            for s in map(int, args.seqs.split(",")):
                arrays = [rng.standard_normal((B, H, s, D)).astype(np.float32)
                          for _ in range(3)]
                files = []
                for i, a in enumerate(arrays):
                    files.append(os.path.join(tmp, f"in{i}.npy"))
                    np.save(files[-1], a)
                flops = 4.0 * B * H * s * s * D * (0.5 if causal else 1.0)
                samples = paired_shares(exe, args.threads, fused, files,
                                        args.runs, args.rounds, flops, env)
                times = [sample[0] for sample in samples]
                fastest = min(sample[1] for sample in samples)
                t_fused = float(np.median(times))

                def share(column):
                    values = sorted(sample[column] for sample in samples)
                    return (f"{100 * float(np.median(values)):.0f}% "
                            f"({100 * values[0]:.0f}-{100 * values[-1]:.0f}%)")
                t_unfused = tessel_ms(unfused, files, args.runs, env)[0]
                t_torch = torch_ms(*(torch.from_numpy(a) for a in arrays),
                                   causal, args.runs)
                gflops = flops / (t_fused * 1e-3) * 1e-9
                print(f"| {'yes' if causal else 'no'} | {s} | {t_torch:.2f} | "
                      f"{t_unfused:.2f} | {t_fused:.2f}, {fastest:.2f} | "
                      f"{gflops:.1f} | {100 * gflops / peak:.0f}% | "
                      f"{share(2)} | {share(3)} | "
                      f"{t_torch / t_fused:.2f} | {t_unfused / t_fused:.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
