"""The GPT-2-124M-sized model that the decode benchmarks share: its config
(HuggingFace's format) and random weights in a safetensors file."""

import json
import re

import numpy as np

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
