"""What the benchmarks measure, shared by the scripts of bench/: the example
models of the forward-pass benchmarks, the attention layer of the
attention benchmarks, and the GPT-2-family definition and text the
training benchmarks write and train on."""

import argparse
import os
import re
import subprocess
import sys

EXAMPLES = ["tiny-gpt", "tiny-llama", "tiny-mla", "tiny-mqa-alibi",
            "tiny-t5bias-batchnorm", "tiny-sinusoidal-postnorm"]

# Attention: batch, heads, head size; S = T varies.
B, H, D = 1, 8, 64


def attention_ir(causal):
    """One tessel.attention of [B, H, ?, D], as tesselc compiles it."""
    t = f"tensor<{B}x{H}x?x{D}xf32>"
    attrs = " {causal}" if causal else ""
    return (f"func.func @attn(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
            f"  %o = tessel.attention %q, %k, %v{attrs} : {t}, {t}, {t} -> {t}\n"
            f"  return %o : {t}\n}}\n")


def gpt_family(name, layers, hidden, seq):
    """A Tessel-format GPT-2-family model: learned positions, pre-LayerNorm,
    GELU MLP of 4 x hidden, vocabulary 256, tied embeddings, heads of 64."""
    return {
        "format": "tessel", "name": name, "vocab_size": 256,
        "hidden_size": hidden, "num_layers": layers,
        "max_positions": max(seq, 64), "tie_embeddings": True,
        "attention": {"kind": "mha", "heads": max(1, hidden // 64),
                      "bias": True},
        "position": {"kind": "learned"},
        "norm": {"kind": "layer", "placement": "pre"},
        "mlp": {"kind": "gelu", "hidden": 4 * hidden, "bias": True},
    }


def write_corpus(path):
    """The training benchmarks' text: 4000 short numbered lines."""
    with open(path, "w") as f:
        f.write("".join(f"line {i}: the cat sat on mat {i * i % 97}.\n"
                        for i in range(4000)))


def run_stderr(command, env):
    """Runs `command` with `env`; returns its stderr (the tools' reports),
    or exits naming the command when it fails."""
    r = subprocess.run(command, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {r.returncode}\n{r.stderr}")
    return r.stderr


def training_args(description):
    """The options bench/zero.py and bench/peft.py share; returns (args,
    tesselc, tessel-run) with the binaries of --build."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--build", default="build")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    return (args, os.path.join(args.build, "bin", "tesselc"),
            os.path.join(args.build, "bin", "tessel-run"))


def seconds_per_step(name, stderr, steps):
    """tessel-run train's own time of its step loop, per step."""
    seconds = float(re.search(r"steps 1 to \d+ in ([0-9.]+) s",
                              stderr).group(1))
    if seconds == 0:
        sys.exit(f"{name}: the run took under 0.5 ms (the printed time's "
                 "resolution is 1 ms): raise --steps")
    return seconds / steps
