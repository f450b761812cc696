"""Summarizes the attention kernel of CUDA artifacts, one line each
(cuda-flash-attention.test): the kernel named ..._flash_attention, its
block, shared bytes, spills and whether its registers fit."""

import json
import os
import sys

for artifact in sys.argv[1:]:
    cuda = json.load(open(os.path.join(artifact, "manifest.json")))["cuda"]
    kernels = [k for k in cuda["kernels"]
               if k["name"].endswith("_flash_attention")]
    name = os.path.basename(artifact).removesuffix(".tsl")
    for k in kernels:
        print(f"{name}: sm {cuda['sm']}, block {k['block']}, shared "
              f"{k['dynamic_shared_bytes']}, spills {k['spill_bytes']}, "
              f"stack {k['stack_bytes']}, registers "
              f"{'fit' if 0 < k['registers'] <= 255 else k['registers']}")
    if not kernels:
        print(f"{name}: no attention kernel")
