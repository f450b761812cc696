"""The GPT-2-124M-sized model that the decode benchmarks share: its config
(HuggingFace's format), random weights in a safetensors file, and a timed
`tessel-run generate`."""

import json
import os
import re
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")

CONFIG = {
    "model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12,
    "n_positions": 1024, "vocab_size": 50257, "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new", "n_inner": None,
}


def write_safetensors(path, tensors):
    """A safetensors file of float32 arrays (name -> np.ndarray)."""
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def random_weights(manifest, seed):
    """Every parameter of the artifact: norms' weights near 1, the rest
    N(0, 0.02) (biases too, so that they matter)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for p in manifest["parameters"]:
        shape = tuple(p["shape"])
        if re.search(r"ln_\d|ln_f", p["name"]) and p["name"].endswith("weight"):
            weights[p["name"]] = 1 + 0.1 * rng.standard_normal(shape)
        else:
            weights[p["name"]] = 0.02 * rng.standard_normal(shape)
    return {k: v.astype(np.float32) for k, v in weights.items()}


def tessel_generate(artifact, weights, prompt_file, new_tokens, out,
                    threads, options=()):
    """`tessel-run generate --time` with the given threads: (ms per token
    after the prompt's step, prompt + generated ids, its stderr)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    r = subprocess.run(
        [os.path.join(BIN, "tessel-run"), "generate", artifact,
         "--prompt-tokens", prompt_file, "--weights", weights,
         "--max-new-tokens", str(new_tokens), "--time", "--out", out]
        + list(options), capture_output=True, text=True, env=env, check=True)
    ms = float(re.search(r"\(([0-9.]+) ms per token", r.stderr).group(1))
    return ms, np.load(out), r.stderr
