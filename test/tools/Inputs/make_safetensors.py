"""Writes the safetensors files the artifact error tests need:
good.safetensors (every parameter of MODEL's manifest, float32),
missing.safetensors (one parameter left out), shape.safetensors (one
parameter with the wrong shape), truncated.safetensors (good, cut short)."""
import json
import struct
import sys

import numpy as np

manifest = json.load(open(sys.argv[1] + "/manifest.json"))
out = sys.argv[2]


def write(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        data = a.astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


params = {p["name"]: np.zeros(p["shape"]) for p in manifest["parameters"]}
write(out + "/good.safetensors", params)
first = manifest["parameters"][0]["name"]
write(out + "/missing.safetensors", {k: v for k, v in params.items() if k != first})
write(out + "/shape.safetensors", {**params, first: np.zeros((3, 3))})
data = open(out + "/good.safetensors", "rb").read()
open(out + "/truncated.safetensors", "wb").write(data[: len(data) // 2])
