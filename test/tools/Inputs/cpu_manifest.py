"""Copies artifact SRC to DST with its manifest's "cpu" changed.

    cpu_manifest.py SRC DST lacking|triple|unknown

lacking: adds the first of avx512fp16, avx512bf16, avx512vnni, avx512f that
this CPU does not have (by /proc/cpuinfo) and prints it; if it has them
all, prints so and writes nothing. triple: an aarch64 triple. unknown: a
feature no runtime checks (sve).
"""

import json
import shutil
import sys

src, dst, change = sys.argv[1:4]
manifest = json.load(open(src + "/manifest.json"))
cpu = manifest["cpu"]
if change == "lacking":
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags |= set(line.split(":", 1)[1].split())
    cpuinfo = {"avx512fp16": "avx512_fp16", "avx512bf16": "avx512_bf16",
               "avx512vnni": "avx512_vnni", "avx512f": "avx512f"}
    missing = [f for f, flag in cpuinfo.items() if flag not in flags]
    if not missing:
        print("this CPU has every checked feature")
        sys.exit(0)
    cpu["features"].append(missing[0])
    print("lacks", missing[0])
elif change == "triple":
    cpu["triple"] = "aarch64-unknown-linux-gnu"
else:
    cpu["features"].append("sve")
shutil.copytree(src, dst)
json.dump(manifest, open(dst + "/manifest.json", "w"), indent=2)
