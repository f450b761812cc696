"""Tessel's FlashAttention kernel (tensor cores, mma.sync) against PyTorch's
scaled_dot_product_attention on the same GPU (bench/device.sh run).

    attention_cuda.py RUNNER ARTIFACTS WORK [--quick]

ARTIFACTS holds attention-only artifacts compiled by `bench/device.sh
prepare`, named attn_D_{causal,full}_{bf16,f16}_HQxHKV.tsl (f32 inputs
[B, H, S, D], converted to bf16/f16 on the GPU, f32 output).

Correctness: grouped-query artifacts (8 query heads, 2 key/value heads),
batch 1, S = T in {128, 1000, 4096, 16384}: the error of Tessel's output
against SDPA in float32 (the memory-efficient backend; the math one would
materialize S x S), relative to the largest output, beside SDPA's own
error in the same low precision (its flash backend). A case passes when
Tessel's error is at most twice SDPA's.

Throughput: multi-head artifacts (32 heads), D = 128, B = 4 (B H = 128
blocks of rows per tile: the GPU filled), S = 4096, causal and not, bf16:
the kernel's time from tessel-run --profile (CUDA events around each
launch, the conversions excluded) against SDPA with the flash backend
pinned and with cuDNN's, timed with CUDA events, as TFLOP/s (4 B H S^2 D
flops, half of that causal).

Without PyTorch (--quick, on the compiler's machine with the stand-in
driver) the reference is NumPy's, S = 128 only, and nothing is timed.
"""

import glob
import os
import re
import subprocess
import sys

import numpy as np

try:
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
except ImportError:  # the compiler's machine: NumPy reference only
    torch = None

runner, artifacts, work = sys.argv[1:4]
quick = "--quick" in sys.argv[4:] or torch is None
os.makedirs(work, exist_ok=True)


def parse(path):
    m = re.match(r"attn_(\d+)_(causal|full)_(bf16|f16)_(\d+)x(\d+)\.tsl$",
                 os.path.basename(path))
    d, mode, dtype, hq, hkv = m.groups()
    return int(d), mode == "causal", dtype, int(hq), int(hkv)


def attention_kernel(artifact):
    """The attention kernel's name (its pass names it)."""
    import json
    kernels = json.load(open(os.path.join(artifact, "manifest.json")))
    return [k["name"] for k in kernels["cuda"]["kernels"]
            if k["name"].endswith("_flash_attention")][0]


def run_tessel(artifact, q, k, v, profile=False):
    """Tessel's output; with profile, also the attention kernel's
    microseconds per launch (3 timed runs after the first)."""
    paths = []
    for name, x in (("q", q), ("k", k), ("v", v)):
        paths.append(os.path.join(work, f"{name}.npy"))
        np.save(paths[-1], x)
    out = os.path.join(work, "o.npy")
    cmd = [runner, "run", artifact, "--entry", "attention"]
    for p in paths:
        cmd += ["--input", p]
    cmd += ["--output", out]
    if profile:
        cmd += ["--repeat", "3", "--profile"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip() or r.stdout.strip())
    us = None
    if profile:
        name = attention_kernel(artifact)
        for line in r.stdout.splitlines():
            cols = line.split()
            if cols and cols[-1] == name:
                us = float(cols[3])
    return np.load(out), us


def reference_numpy(q, k, v, causal):
    g = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, g, axis=1), np.repeat(v, g, axis=1)
    s = q.astype(np.float64) @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if causal:
        n, t = s.shape[-2:]
        s = np.where(np.tril(np.ones((n, t), bool), t - n), s, -np.inf)
    s = np.exp(s - s.max(-1, keepdims=True))
    return (s / s.sum(-1, keepdims=True)) @ v


def sdpa(q, k, v, causal, dtype=None, backend=None):
    args = [torch.from_numpy(x).cuda() for x in (q, k, v)]
    if dtype is not None:
        args = [x.to(dtype) for x in args]
    gqa = q.shape[1] != k.shape[1]
    with sdpa_kernel(backend or [SDPBackend.EFFICIENT_ATTENTION,
                                 SDPBackend.FLASH_ATTENTION]):
        o = F.scaled_dot_product_attention(*args, is_causal=causal,
                                           enable_gqa=gqa)
    return o.float().cpu().numpy()


def error(a, ref):
    return float(np.abs(a - ref).max() / np.abs(ref).max())


failed = 0
rng = np.random.default_rng(0)
print("correctness (error relative to the largest output; f32 SDPA the "
      "reference):")
for artifact in sorted(glob.glob(os.path.join(artifacts, "attn_*_8x2.tsl"))):
    d, causal, dtype, hq, hkv = parse(artifact)
    for s in (128,) if quick else (128, 1000, 4096, 16384):
        q = rng.standard_normal((1, hq, s, d)).astype(np.float32)
        k = rng.standard_normal((1, hkv, s, d)).astype(np.float32)
        v = rng.standard_normal((1, hkv, s, d)).astype(np.float32)
        name = (f"D={d} S={s} {'causal' if causal else 'full'} {dtype} "
                f"GQA {hq}/{hkv}")
        try:
            o, _ = run_tessel(artifact, q, k, v)
        except RuntimeError as e:
            print(f"  {name}: Tessel failed: {e}")
            failed = 1
            continue
        if torch is None:
            ref = reference_numpy(q, k, v, causal)
            err = error(o, ref)
            ok = err < 1.5e-2
            print(f"  {name}: Tessel {err:.2e} (NumPy f64 reference, limit "
                  f"1.5e-2) {'ok' if ok else 'MISMATCH'}")
        else:
            ref = sdpa(q, k, v, causal)
            low = getattr(torch, "bfloat16" if dtype == "bf16" else "float16")
            theirs = error(sdpa(q, k, v, causal, low), ref)
            err = error(o, ref)
            ok = err <= 2 * theirs
            print(f"  {name}: Tessel {err:.2e}, SDPA {dtype} {theirs:.2e} "
                  f"{'ok' if ok else 'MISMATCH (limit 2x SDPA)'}")
        failed |= not ok

if torch is not None and not quick:
    print("throughput (TFLOP/s; B = 4, 32 heads, D = 128, S = 4096, bf16):")
    b, s, d = 4, 4096, 128
    for causal in (True, False):
        artifact = os.path.join(
            artifacts, f"attn_{d}_{'causal' if causal else 'full'}_bf16_"
                       f"32x32.tsl")
        flops = 4 * b * 32 * s * s * d * (0.5 if causal else 1.0)
        q, k, v = (rng.standard_normal((b, 32, s, d)).astype(np.float32)
                   for _ in range(3))
        try:
            _, us = run_tessel(artifact, q, k, v, profile=True)
            ours = f"{flops / us / 1e6:.0f}"
        except (RuntimeError, TypeError) as e:
            ours = f"failed ({e})"
            failed = 1
        results = {}
        args = [torch.from_numpy(x).cuda().to(torch.bfloat16)
                for x in (q, k, v)]
        for label, backend in (("SDPA flash", SDPBackend.FLASH_ATTENTION),
                               ("cuDNN", SDPBackend.CUDNN_ATTENTION)):
            try:
                with sdpa_kernel([backend]):
                    for _ in range(3):
                        F.scaled_dot_product_attention(*args,
                                                       is_causal=causal)
                    start = torch.cuda.Event(enable_timing=True)
                    end = torch.cuda.Event(enable_timing=True)
                    start.record()
                    for _ in range(10):
                        F.scaled_dot_product_attention(*args,
                                                       is_causal=causal)
                    end.record()
                    torch.cuda.synchronize()
                results[label] = f"{flops / (start.elapsed_time(end) / 10) / 1e9:.0f}"
            except RuntimeError as e:
                results[label] = f"unavailable ({str(e).splitlines()[0]})"
        print(f"  {'causal' if causal else 'full'}: Tessel {ours}, "
              + ", ".join(f"{k} {v}" for k, v in results.items()))
sys.exit(failed)
