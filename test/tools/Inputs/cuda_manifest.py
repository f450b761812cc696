"""Summarizes CUDA artifacts' manifests, one line each (cuda-target.test)."""

import json
import os
import sys

for artifact in sys.argv[1:]:
    m = json.load(open(os.path.join(artifact, "manifest.json")))
    cuda = m["cuda"]
    kernels = cuda["kernels"]
    blocks = sorted({tuple(k["block"]) for k in kernels})
    files = all(os.path.getsize(os.path.join(artifact, f)) > 0
                for f in (cuda["ptx"], cuda["cubin"], m["library"]))
    # A cubin is an ELF file for machine EM_CUDA (190).
    with open(os.path.join(artifact, cuda["cubin"]), "rb") as f:
        header = f.read(20)
    cubin = header[:4] == b"\x7fELF" and int.from_bytes(header[18:20],
                                                         "little") == 190
    name = os.path.basename(artifact).removesuffix(".tsl")
    print(f"{name}: target {m['target']} sm {cuda['sm']}, {len(kernels)} "
          f"kernels, blocks {[list(b) for b in blocks]}, spills "
          f"{sum(k['spill_bytes'] for k in kernels)}, files "
          f"{'ok' if files else 'missing'}, cpu {m['cpu']['name']}, "
          f"cubin {'ELF for CUDA' if cubin else 'not a CUDA ELF'}")
