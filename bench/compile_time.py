"""tesselc's compile time: every example model, a GPT-2-124M config and a
Llama-2-7B config (HuggingFace format; compiling needs no weights), each
compiled to an artifact with --mlir-timing. Prints the wall time and where
it went: the graph and CPU pipelines (with one-shot bufferization and
tile-and-vectorize, the largest passes, on their own), LLVM's -O3 and code
generation, and the link; plus the steps and distinct step functions of
forward (identical layers share their kernels).

With --target cuda: the CUDA pipeline and ptxas instead of LLVM's CPU
code generation, and the distinct kernels in place of the steps.

usage: python3 bench/compile_time.py [--only NAME ...] [--train]
                                     [--target cpu|cuda]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESSELC = os.path.join(ROOT, "build", "bin", "tesselc")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt2 import CONFIG as GPT2  # noqa: E402

LLAMA2_7B = {
    "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
    "num_attention_heads": 32, "num_key_value_heads": 32,
    "num_hidden_layers": 32, "vocab_size": 32000,
    "max_position_embeddings": 4096, "rms_norm_eps": 1e-5,
    "hidden_act": "silu", "tie_word_embeddings": False,
}

# Rows of --mlir-timing's report, by the name they print with.
PARTS = [("graph pipeline", "graph"), ("CPU pipeline", "cpu pipeline"),
         ("CUDA pipeline", "cuda pipeline"), ("ptxas", "ptxas"),
         ("OneShotBufferizePass", "  bufferize"),
         ("TesselCpuTileAndVectorize", "  tile+vectorize"),
         ("LLVM -O3", "llvm -O3"), ("LLVM code generation", "llvm codegen"),
         ("link", "link")]


def compile_one(config, out, train, target="cpu"):
    """(wall seconds, {part: wall seconds}, forward steps, functions); for
    CUDA, the forward's launches are not listed: (.., 0, kernels)."""
    args = [TESSELC, config, "-o", out, "--mlir-timing", "--target", target]
    if train:
        args.append("--train")
    start = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"tesselc {config} failed: {r.stderr.strip()}")
    parts = {}
    # Rows: "  user (pct)  wall (pct)  name" or "  wall (pct)  name".
    for line in r.stderr.splitlines():
        m = re.match(r"\s*(?:[\d.]+ \(\s*[\d.]+%\)\s+)?([\d.]+) "
                     r"\(\s*[\d.]+%\)\s+(.+?)\s*$", line)
        if not m:
            continue
        name = m.group(2).strip()
        for key, _ in PARTS:
            if name == key:
                parts[key] = parts.get(key, 0.0) + float(m.group(1))
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    if target == "cuda":
        return wall, parts, 0, len(manifest["cuda"]["kernels"])
    steps = manifest["entry_points"]["forward"]["steps"]
    return wall, parts, len(steps), len({s["function"] for s in steps})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="model names to compile")
    parser.add_argument("--train", action="store_true",
                        help="compile with --train (training entry points)")
    parser.add_argument("--target", choices=["cpu", "cuda"], default="cpu",
                        help="tesselc --target (cuda: PTX and cubin)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models = []
        examples = os.path.join(ROOT, "examples")
        for name in sorted(os.listdir(examples)):
            if name.endswith(".json"):
                models.append((name[:-5], os.path.join(examples, name)))
        for name, config in (("gpt2-124m", GPT2), ("llama-2-7b", LLAMA2_7B)):
            path = os.path.join(tmp, name + ".json")
            json.dump(config, open(path, "w"))
            models.append((name, path))
        if args.only:
            models = [m for m in models if m[0] in args.only]
        header = f"{'model':<28} {'wall s':>7} " + " ".join(
            f"{label.strip():>14}" for _, label in PARTS) + (
            "  kernels" if args.target == "cuda" else "  steps/functions")
        print(f"tesselc -o X.tsl --target {args.target}"
              f"{' --train' if args.train else ''}, "
              f"{os.cpu_count()} CPUs (wall seconds per part)")
        print(header)
        for name, config in models:
            out = os.path.join(tmp, name + ".tsl")
            wall, parts, steps, functions = compile_one(
                config, out, args.train, args.target)
            print(f"{name:<28} {wall:7.1f} " + " ".join(
                f"{parts.get(key, 0.0):14.2f}" for key, _ in PARTS) +
                (f"  {functions}" if args.target == "cuda" else
                 f"  {steps}/{functions}"), flush=True)


if __name__ == "__main__":
    main()
